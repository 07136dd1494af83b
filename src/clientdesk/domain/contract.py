"""Contracts (合同) and their recorded history (签订, 变更, 续签, 解除, delivery milestones)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.enums import ContractEventKind, ContractStatus, RiskLevel


class ContractBase(SQLModel):
    customer_id: int = Field(foreign_key="customers.id", ondelete="RESTRICT", index=True)
    number: str = Field(min_length=1, max_length=40, unique=True, description="合同编号")
    title: str = Field(min_length=1, max_length=200)
    start_on: date | None = None
    end_on: date | None = None
    value_cents: int = Field(default=0, ge=0, sa_type=sa.BigInteger)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    payment_terms: str | None = Field(default=None, max_length=200, description="付款条件")
    owner: str | None = Field(default=None, max_length=60)
    notes: str | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> ContractBase:
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValueError("the end date is before the start date")
        return self


class Contract(ContractBase, table=True):
    __tablename__ = "contracts"
    __table_args__ = (sa.Index("ix_contracts_status_end", "status", "end_on"),)

    id: int | None = Field(default=None, primary_key=True)
    status: ContractStatus = Field(
        default=ContractStatus.DRAFT, sa_type=StrEnumType(ContractStatus)
    )
    signed_on: date | None = None
    terminated_on: date | None = None
    termination_reason: str | None = None
    renewal_of_id: int | None = Field(
        default=None, foreign_key="contracts.id", ondelete="SET NULL", index=True
    )
    risk_level: RiskLevel | None = Field(
        default=None, sa_type=StrEnumType(RiskLevel), index=True, description="风险评估"
    )
    risk_notes: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ContractCreate(ContractBase):
    pass


class ContractUpdate(SQLModel):
    """Changes to a draft's terms; once signed, terms change only by amendment (补充协议)."""

    number: str | None = Field(default=None, min_length=1, max_length=40)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    start_on: date | None = None
    end_on: date | None = None
    value_cents: int | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    payment_terms: str | None = Field(default=None, max_length=200)
    owner: str | None = Field(default=None, max_length=60)
    notes: str | None = None


OPEN_MILESTONE = "kind = 'milestone' AND delivered_on IS NULL"


class ContractEvent(SQLModel, table=True):
    """One step in a contract's history; milestones carry due and delivered dates."""

    __tablename__ = "contract_events"
    __table_args__ = (
        sa.Index("ix_contract_events_kind_due", "kind", "due_on"),
        # Undelivered milestones only (migration 0004): overdue deliveries at any size.
        sa.Index(
            "ix_contract_events_open_milestones",
            "kind",
            "due_on",
            "contract_id",
            sqlite_where=sa.text(OPEN_MILESTONE),
            postgresql_where=sa.text(OPEN_MILESTONE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", ondelete="CASCADE", index=True)
    kind: ContractEventKind = Field(sa_type=StrEnumType(ContractEventKind))
    occurred_on: date
    description: str = Field(default="", description="变更内容 / 交货内容")
    value_change_cents: int | None = Field(default=None, sa_type=sa.BigInteger)
    due_on: date | None = None
    delivered_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
