"""transactions: index of unpaid sales

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 17:20:00

A group's credit risk adds up what each member owes: its sales not yet paid. Those are a
small part of all transactions (61,000 of 1.0 M on the demo), so a partial index of just
them, covering the customer, due date and amount, answers "what does each member owe, and
what of it is overdue" without reading any other transaction. Queries must spell the
condition with literals (kind = 'sale' AND paid_on IS NULL) for SQLite to use it; leading
with `kind` and covering the rest, it is preferred to ix_transactions_kind for them.

Migrations are frozen in time: they use plain SQL, never clientdesk's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNPAID = "kind = 'sale' AND paid_on IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_unpaid_sales",
            ["kind", "customer_id", "due_on", "amount_cents"],
            unique=False,
            sqlite_where=sa.text(UNPAID),
            postgresql_where=sa.text(UNPAID),
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_unpaid_sales")
