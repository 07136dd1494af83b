"""Grade assessments (客户分级): every re-evaluation that changed a grade, with its scorecard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.enums import Grade


class GradeAssessment(SQLModel, table=True):
    __tablename__ = "grade_assessments"
    __table_args__ = (sa.Index("ix_grade_assessments_customer_at", "customer_id", "assessed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE")
    assessed_at: datetime = Field(default_factory=utcnow)
    previous_grade: Grade | None = Field(default=None, sa_type=StrEnumType(Grade, 1))
    grade: Grade = Field(sa_type=StrEnumType(Grade, 1))
    total_score: float
    # {dimension: {"raw": ..., "score": ..., "weight": ...}} as shown on the scorecard.
    scores: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    reason: str = ""
    manual: bool = False
    actor: str | None = Field(default=None, max_length=60)
