"""Service and relationship records (客户服务记录): calls, meetings, e-mails, seminars, dinners."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.enums import InteractionKind


class InteractionBase(SQLModel):
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE")
    contact_id: int | None = Field(
        default=None, foreign_key="contacts.id", ondelete="SET NULL", index=True
    )
    kind: InteractionKind = Field(sa_type=StrEnumType(InteractionKind))
    occurred_at: datetime
    subject: str = Field(min_length=1, max_length=200)
    notes: str | None = None
    owner: str | None = Field(default=None, max_length=60)


class Interaction(InteractionBase, table=True):
    __tablename__ = "interactions"
    __table_args__ = (sa.Index("ix_interactions_customer_occurred", "customer_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class InteractionCreate(InteractionBase):
    pass
