"""Complaints (客户投诉) with answer deadlines, escalation, resolution and disputes (纠纷)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Severity,
)


class ComplaintBase(SQLModel):
    customer_id: int = Field(foreign_key="customers.id", ondelete="RESTRICT", index=True)
    contact_id: int | None = Field(
        default=None, foreign_key="contacts.id", ondelete="SET NULL", index=True
    )
    channel: ComplaintChannel = Field(sa_type=StrEnumType(ComplaintChannel))
    category: ComplaintCategory = Field(sa_type=StrEnumType(ComplaintCategory))
    severity: Severity = Field(default=Severity.MEDIUM, sa_type=StrEnumType(Severity))
    summary: str = Field(min_length=1, max_length=200)
    details: str | None = None
    owner: str | None = Field(default=None, max_length=60)


class Complaint(ComplaintBase, table=True):
    __tablename__ = "complaints"
    __table_args__ = (sa.Index("ix_complaints_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    status: ComplaintStatus = Field(
        default=ComplaintStatus.RECEIVED, sa_type=StrEnumType(ComplaintStatus)
    )
    received_at: datetime = Field(default_factory=utcnow)
    due_at: datetime = Field(description="answer due (响应时间) from the grade and severity")
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    escalated: bool = False
    escalated_at: datetime | None = None
    resolution: str | None = None
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    dispute_positions: str | None = Field(default=None, description="纠纷: each side's position")
    dispute_outcome: str | None = None
    compensation_cents: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ComplaintCreate(ComplaintBase):
    pass


class ComplaintEvent(SQLModel, table=True):
    """A timestamped step of a complaint: status change, escalation, note."""

    __tablename__ = "complaint_events"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", ondelete="CASCADE", index=True)
    at: datetime = Field(default_factory=utcnow)
    from_status: ComplaintStatus | None = Field(default=None, sa_type=StrEnumType(ComplaintStatus))
    to_status: ComplaintStatus | None = Field(default=None, sa_type=StrEnumType(ComplaintStatus))
    note: str = ""
    actor: str | None = Field(default=None, max_length=60)
