"""contracts: index of undelivered delivery milestones

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:00:00

"Overdue deliveries" (a milestone past its due date, not delivered) is asked of every
contract list filter and report. The milestones still open are a small part of all
contract events; a partial index of just those, by due date, answers it without reading
the delivered ones. Queries must spell the condition with literals (kind = 'milestone'
AND delivered_on IS NULL) for SQLite to use a partial index; leading with `kind` and
covering `contract_id`, it is preferred to ix_contract_events_kind_due for them.

Migrations are frozen in time: they use plain SQL, never clientdesk's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "kind = 'milestone' AND delivered_on IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("contract_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contract_events_open_milestones",
            ["kind", "due_on", "contract_id"],
            unique=False,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("contract_events", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_events_open_milestones")
