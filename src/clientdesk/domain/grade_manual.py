"""Grades fixed by hand (人工定级) and the grade history of one customer.

A grade fixed by hand is kept by re-evaluation (domain/regrade.py reports it instead of
moving it). Fixing one is recorded as a manual GradeAssessment carrying the scorecard of
that day and the reason, so the history explains every grade the customer has had; the
customer's audit entry is written in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain.common import utcnow
from clientdesk.domain.customer import Customer, CustomerUpdate
from clientdesk.domain.customers import get_customer, update_customer
from clientdesk.domain.enums import Grade
from clientdesk.domain.grading import GradeAssessment
from clientdesk.domain.scoring import Scorecard
from clientdesk.errors import ValidationError

REASON_MAX = 200


def fix_grade(
    customer_id: int,
    grade: Grade,
    *,
    reason: str,
    scorecard: Scorecard,
    session: Session,
    actor: str | None,
    now: datetime | None = None,
) -> GradeAssessment:
    """Set the grade by hand and keep it through re-evaluations; the reason is required.

    `scorecard` is the customer's card as of now (regrade.evaluate(...).card()): it is
    stored beside the hand-set grade so that a manager sees what the numbers said.
    """
    why = " ".join(reason.split())
    if not why:
        raise ValidationError(
            "reason: say why the grade is set by hand (e.g. strategic account, 战略客户).",
            field="reason",
        )
    if len(why) > REASON_MAX:
        raise ValidationError(f"reason: at most {REASON_MAX} characters.", field="reason")
    customer = get_customer(customer_id, session=session)
    assessment = GradeAssessment(
        customer_id=customer_id,
        assessed_at=now or utcnow(),
        previous_grade=customer.grade,
        grade=grade,
        total_score=scorecard.total,
        scores=scorecard.as_dict(),
        reason=f"fixed by hand: {why}",
        manual=True,
        actor=actor,
    )
    update_customer(
        customer_id,
        CustomerUpdate(grade=grade, grade_fixed=True),
        session=session,
        actor=actor,
    )
    session.add(assessment)
    session.flush()
    return assessment


def release_grade(customer_id: int, *, session: Session, actor: str | None) -> Customer:
    """Let re-evaluation move the grade again (it stays as it is until then)."""
    return update_customer(
        customer_id, CustomerUpdate(grade_fixed=False), session=session, actor=actor
    )


def grade_history(
    customer_id: int, *, session: Session, limit: int = 200
) -> tuple[list[GradeAssessment], int]:
    """The customer's assessments, newest first (at most `limit`), and how many there are."""
    rows = session.execute(
        select(GradeAssessment)
        .where(col(GradeAssessment.customer_id) == customer_id)
        .order_by(col(GradeAssessment.assessed_at).desc(), col(GradeAssessment.id).desc())
        .limit(limit)
    ).scalars()
    found = list(rows)
    if len(found) < limit:
        return found, len(found)
    total = session.execute(
        select(func.count())
        .select_from(GradeAssessment)
        .where(col(GradeAssessment.customer_id) == customer_id)
    ).scalar_one()
    return found, int(total)
