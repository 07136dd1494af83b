"""Trade records (购销情况, 交易信用): sales, purchases, payments and refunds.

A payment's credit standing comes from its due and paid dates: paid on or before due is
on time, anything later (or unpaid past due) is overdue.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.enums import TransactionKind


class TransactionBase(SQLModel):
    customer_id: int = Field(foreign_key="customers.id", ondelete="RESTRICT")
    contract_id: int | None = Field(
        default=None, foreign_key="contracts.id", ondelete="SET NULL", index=True
    )
    kind: TransactionKind = Field(sa_type=StrEnumType(TransactionKind), index=True)
    amount_cents: int = Field(ge=0, sa_type=sa.BigInteger)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    occurred_on: date
    due_on: date | None = None
    paid_on: date | None = None
    reference: str | None = Field(default=None, max_length=60, description="单据号")
    notes: str | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> TransactionBase:
        if self.due_on and self.due_on < self.occurred_on:
            raise ValueError("due date is before the transaction date")
        return self


# The condition of ix_transactions_unpaid_sales, as queries must spell it (with literals)
# for SQLite to use that partial index.
UNPAID_SALE = "kind = 'sale' AND paid_on IS NULL"


class Transaction(TransactionBase, table=True):
    __tablename__ = "transactions"
    __table_args__ = (
        sa.Index("ix_transactions_customer_occurred", "customer_id", "occurred_on"),
        # Unpaid sales only (migration 0005): what each customer owes, at any size.
        sa.Index(
            "ix_transactions_unpaid_sales",
            "kind",
            "customer_id",
            "due_on",
            "amount_cents",
            sqlite_where=sa.text(UNPAID_SALE),
            postgresql_where=sa.text(UNPAID_SALE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class TransactionCreate(TransactionBase):
    pass
