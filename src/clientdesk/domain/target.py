"""Sales targets (销售目标) per salesperson and period, for performance review (业绩考核)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel import Field, SQLModel


class SalesTargetBase(SQLModel):
    owner: str = Field(min_length=1, max_length=60)
    period_start: date
    period_end: date
    amount_cents: int = Field(ge=0, sa_type=sa.BigInteger)
    currency: str = Field(default="CNY", min_length=3, max_length=3)

    @model_validator(mode="after")
    def _period_in_order(self) -> SalesTargetBase:
        if self.period_end < self.period_start:
            raise ValueError("the period ends before it starts")
        return self


class SalesTarget(SalesTargetBase, table=True):
    __tablename__ = "sales_targets"
    __table_args__ = (sa.UniqueConstraint("owner", "period_start", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
