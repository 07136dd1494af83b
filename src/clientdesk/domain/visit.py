"""Visits (客户拜访): planned, then logged with discussion, needs, feedback and next step."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.enums import VisitKind, VisitStatus


class VisitBase(SQLModel):
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE")
    contact_id: int | None = Field(
        default=None, foreign_key="contacts.id", ondelete="SET NULL", index=True
    )
    kind: VisitKind = Field(default=VisitKind.REGULAR, sa_type=StrEnumType(VisitKind))
    purpose: str = Field(min_length=1, max_length=200, description="拜访目的")
    planned_at: datetime
    owner: str | None = Field(default=None, max_length=60, index=True)
    contract_id: int | None = Field(
        default=None, foreign_key="contracts.id", ondelete="SET NULL", index=True
    )
    complaint_id: int | None = Field(
        default=None, foreign_key="complaints.id", ondelete="SET NULL", index=True
    )


class Visit(VisitBase, table=True):
    __tablename__ = "visits"
    __table_args__ = (
        sa.Index("ix_visits_customer_status_planned", "customer_id", "status", "planned_at"),
        sa.Index("ix_visits_status_planned", "status", "planned_at"),
        # Migration 0003: the month calendar, and one salesperson's agenda.
        sa.Index("ix_visits_status_done", "status", "done_at"),
        sa.Index("ix_visits_owner_status_planned", "owner", "status", "planned_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: VisitStatus = Field(default=VisitStatus.PLANNED, sa_type=StrEnumType(VisitStatus))
    done_at: datetime | None = None
    discussion: str | None = Field(default=None, description="洽谈内容")
    needs: str | None = Field(default=None, description="需求和痛点")
    feedback: str | None = Field(default=None, description="反馈")
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    next_step: str | None = None
    next_step_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VisitCreate(VisitBase):
    pass
