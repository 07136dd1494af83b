"""Complaint handling (客户投诉处理): intake, answer deadline, the steps of a complaint's life,
escalation, disputes (纠纷) and follow-up visits.

The answer (响应) to a complaint is its acknowledgement: a complaint still *received* when its
deadline passes is overdue. "Overdue" is computed on read from `due_at` (exact to the minute,
see `complaint_queue`); the stored `escalated` flag, its timestamp and history entry are set
by `sweep_overdue(now)`, which the app runs while open and `clientdesk complaint sweep` runs
from a script, or by hand with `escalate`. The demo data follows the same rule.

Every change writes a ComplaintEvent (the history the user sees) and an AuditEntry in the
caller's transaction. Functions flush but never commit: every check runs before anything is
written, and on any error the caller rolls back, so a refused step leaves no trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from clientdesk.domain import audit
from clientdesk.domain.audit import AuditEntry
from clientdesk.domain.common import utcnow
from clientdesk.domain.complaint import Complaint, ComplaintEvent
from clientdesk.domain.contact import Contact
from clientdesk.domain.customers import OPEN_COMPLAINT, get_customer
from clientdesk.domain.enums import (
    AuditAction,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Grade,
    Severity,
    label_zh,
)
from clientdesk.domain.money import format_cents, to_cents
from clientdesk.errors import ConflictError, NotFoundError, ValidationError

if TYPE_CHECKING:
    from clientdesk.config import Settings
    from clientdesk.domain.visit import Visit

S = ComplaintStatus
OPEN_STATUSES: tuple[ComplaintStatus, ...] = tuple(OPEN_COMPLAINT)
"""Received, acknowledged, in progress: the work queue (resolved ones wait to be closed)."""

AUTO_ESCALATION_NOTE = "超过响应时限未答复，已升级至部门经理"
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of two machines disagree a little
SUMMARY_MAX = 200
ACTOR_MAX = 60


class ConfirmationNeeded(ConflictError):
    """The step is allowed only when the user confirms it (the app asks, the CLI has --yes)."""


# -- the answer deadline (响应时间) -----------------------------------------------------------


def answer_minutes(response_hours: int, factor: float | Decimal) -> int:
    """Whole minutes allowed to answer: hours × 60 × factor, rounded down, at least one.

    Decimal arithmetic on the factor as written (0.3, not 0.29999…), so 4 h × 0.3 is exactly
    72 minutes; rounding down never gives more time than the standard allows.
    """
    exact = Decimal(response_hours) * 60 * Decimal(str(factor))
    return max(1, int(exact.to_integral_value(rounding=ROUND_FLOOR)))


def answer_deadline(
    received_at: datetime, *, response_hours: int, factor: float | Decimal
) -> datetime:
    """When the answer is due: elapsed time from `received_at`, as an aware UTC datetime.

    Elapsed minutes, not wall-clock arithmetic: a 24-hour deadline across midnight, a month
    end or a daylight-saving change is 24 real hours later; shown in local time it may read
    23:00 or 01:00 on a DST day, which is right.
    """
    start = _aware(received_at, "received_at")
    minutes = answer_minutes(response_hours, factor)
    return (start + timedelta(minutes=minutes)).astimezone(UTC)


@dataclass(frozen=True)
class DeadlineRules:
    """Response hours per grade (settings service.X.complaint_response_hours) and the
    severity factors (settings complaints.severity_factor)."""

    response_hours: Mapping[Grade, int]
    severity_factor: Mapping[Severity, float]

    @classmethod
    def from_settings(cls, settings: Settings) -> DeadlineRules:
        factors = settings.complaints.severity_factor
        return cls(
            response_hours={
                g: settings.service_for(g.value).complaint_response_hours for g in Grade
            },
            severity_factor={s: getattr(factors, s.value) for s in Severity},
        )

    def minutes(self, grade: Grade | str, severity: Severity | str) -> int:
        return answer_minutes(
            self.response_hours[Grade(grade)], self.severity_factor[Severity(severity)]
        )

    def due_at(
        self, received_at: datetime, grade: Grade | str, severity: Severity | str
    ) -> datetime:
        return answer_deadline(
            received_at,
            response_hours=self.response_hours[Grade(grade)],
            factor=self.severity_factor[Severity(severity)],
        )


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    """Not answered (still received) and the deadline has passed."""
    return complaint.status == S.RECEIVED and _utc(complaint.due_at) < _utc(now)


def time_left(complaint: Complaint, now: datetime) -> timedelta | None:
    """Time until the answer is due (negative: overdue by); None once answered."""
    if complaint.status != S.RECEIVED:
        return None
    return _utc(complaint.due_at) - _utc(now)


def describe_time_left(delta: timedelta | None) -> str:
    """'3h 20m left', 'overdue 1d 2h', 'answered' (None): for lists and reports."""
    if delta is None:
        return "answered"
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {mins:02d}m"
    else:
        text = f"{mins}m"
    return f"{text} left" if delta >= timedelta(0) else f"overdue {text}"


# -- intake ------------------------------------------------------------------------------------


def take_complaint(
    *,
    session: Session,
    rules: DeadlineRules,
    actor: str | None,
    customer_id: int,
    channel: ComplaintChannel | str,
    category: ComplaintCategory | str,
    severity: Severity | str,
    summary: str,
    details: str | None = None,
    contact_id: int | None = None,
    owner: str | None = None,
    received_at: datetime | None = None,
) -> Complaint:
    """Record a new complaint (受理). Choices take English values or Chinese labels.

    The deadline is fixed at intake from the customer's grade then; a later re-grading does
    not move it. The handler (owner) defaults to the customer's account manager.
    """
    channel_ = _choice(ComplaintChannel, channel, "channel")
    category_ = _choice(ComplaintCategory, category, "category")
    severity_ = _choice(Severity, severity, "severity")
    summary_ = _required_text(summary, "summary", SUMMARY_MAX)
    details_ = _optional_text(details)
    owner_ = _optional_text(owner, "owner", ACTOR_MAX)
    received = _moment(received_at, "received_at")
    customer = get_customer(customer_id, session=session)
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.customer_id != customer_id:
            raise ValidationError(
                f"contact {contact_id} is not a contact of {customer.code} {customer.name}; "
                "choose one of the customer's contacts or leave it empty.",
                field="contact_id",
            )
    complaint = Complaint(
        customer_id=customer_id,
        contact_id=contact_id,
        channel=channel_,
        category=category_,
        severity=severity_,
        summary=summary_,
        details=details_,
        owner=owner_ or customer.owner,
        status=S.RECEIVED,
        received_at=received,
        due_at=rules.due_at(received, customer.grade, severity_),
        created_at=received,
        updated_at=utcnow(),
    )
    session.add(complaint)
    session.flush()
    assert complaint.id is not None
    _event(session, complaint, received, None, S.RECEIVED, _intake_note(channel_, summary_), actor)
    audit.record(
        session=session,
        actor=actor,
        entity="complaint",
        entity_id=complaint.id,
        action=AuditAction.CREATE,
        changes=complaint.model_dump(exclude={"id"}),
    )
    session.flush()
    return complaint


def _intake_note(channel: ComplaintChannel, summary: str) -> str:
    return f"通过{label_zh(channel)}受理投诉：{summary}"


# -- the steps of a complaint's life ---------------------------------------------------------


class Step(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    START = "start"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    DISPUTE = "dispute"
    NOTE = "note"
    FOLLOW_UP = "follow_up"


STEP_LABELS: dict[Step, tuple[str, str]] = {
    Step.ACKNOWLEDGE: ("acknowledge", "确认"),
    Step.START: ("start work", "开始处理"),
    Step.RESOLVE: ("resolve", "解决"),
    Step.CLOSE: ("close", "关闭"),
    Step.REOPEN: ("reopen", "重新打开"),
    Step.ESCALATE: ("escalate", "升级"),
    Step.DISPUTE: ("record dispute", "记录纠纷"),
    Step.NOTE: ("add note", "备注"),
    Step.FOLLOW_UP: ("plan follow-up visit", "安排跟进拜访"),
}

TRANSITIONS: dict[Step, tuple[frozenset[ComplaintStatus], ComplaintStatus]] = {
    Step.ACKNOWLEDGE: (frozenset({S.RECEIVED}), S.ACKNOWLEDGED),
    Step.START: (frozenset({S.ACKNOWLEDGED}), S.IN_PROGRESS),
    Step.RESOLVE: (frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.IN_PROGRESS}), S.RESOLVED),
    Step.CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    Step.REOPEN: (frozenset({S.RESOLVED, S.CLOSED}), S.IN_PROGRESS),
}
"""Status changes: the statuses a step may start from, and where it leads."""


@dataclass(frozen=True)
class NextStep:
    step: Step
    to_status: ComplaintStatus | None  # None: the status stays (escalate, dispute, note, visit)
    needs_confirmation: bool = False  # resolving a complaint never acknowledged

    @property
    def label(self) -> str:
        return STEP_LABELS[self.step][0]

    @property
    def label_zh(self) -> str:
        return STEP_LABELS[self.step][1]


def allowed_steps(complaint: Complaint) -> list[NextStep]:
    """What the user may do next, in the order a form offers them."""
    steps = [
        NextStep(
            step, to, needs_confirmation=step == Step.RESOLVE and complaint.status == S.RECEIVED
        )
        for step, (sources, to) in TRANSITIONS.items()
        if complaint.status in sources
    ]
    if complaint.status in OPEN_STATUSES and not complaint.escalated:
        steps.append(NextStep(Step.ESCALATE, None))
    steps += [
        NextStep(Step.DISPUTE, None),
        NextStep(Step.NOTE, None),
        NextStep(Step.FOLLOW_UP, None),
    ]
    return steps


def get_complaint(complaint_id: int, *, session: Session) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFoundError(
            f"complaint {complaint_id} does not exist.",
            hint="List complaints with `clientdesk complaint list --all`.",
        )
    return complaint


def acknowledge(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    note: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    """The customer has had an answer (响应): the deadline is met if `at` is before it."""
    complaint, moment = _begin(session, complaint_id, Step.ACKNOWLEDGE, at)
    default = "已联系客户确认问题"
    return _move(
        session, complaint, Step.ACKNOWLEDGE, moment, actor, note or default, acknowledged_at=moment
    )


def start_work(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    note: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    complaint, moment = _begin(session, complaint_id, Step.START, at)
    return _move(session, complaint, Step.START, moment, actor, note or "已安排专人处理")


def resolve(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    resolution: str | None = None,
    confirm: bool = False,
    note: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Mark the complaint solved. One never acknowledged needs `confirm=True`: skipping the
    answer step is allowed, but only on purpose."""
    complaint, moment = _begin(session, complaint_id, Step.RESOLVE, at)
    text = _optional_text(resolution)
    if complaint.status == S.RECEIVED and not confirm:
        raise ConfirmationNeeded(
            f"complaint {complaint_id} was never acknowledged; resolving it skips the answer "
            "step and leaves it on record as unanswered.",
            hint="Confirm to resolve it anyway (--yes on the command line), "
            "or acknowledge it first.",
        )
    changes: dict[str, Any] = {"resolved_at": moment}
    if text is not None:
        changes["resolution"] = text
    return _move(session, complaint, Step.RESOLVE, moment, actor, note or text or "", **changes)


def close(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    satisfaction: int | None,
    resolution: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Close a resolved complaint with the customer's satisfaction (1-5); a resolution text
    must be on record (given now, or when it was resolved)."""
    complaint, moment = _begin(session, complaint_id, Step.CLOSE, at)
    text = _optional_text(resolution) or complaint.resolution
    problems = []
    if not text:
        problems.append("a resolution text (what was done)")
    if satisfaction is None:
        problems.append("the customer's satisfaction (1-5)")
    if problems:
        raise ValidationError(
            f"complaint {complaint_id} cannot be closed without {' and '.join(problems)}; "
            "nothing was changed.",
            field="resolution" if not text else "satisfaction",
        )
    score = _satisfaction(satisfaction)
    return _move(
        session,
        complaint,
        Step.CLOSE,
        moment,
        actor,
        note or "客户确认，投诉关闭",
        closed_at=moment,
        resolution=text,
        satisfaction=score,
    )


def reopen(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    reason: str,
    at: datetime | None = None,
) -> Complaint:
    """The customer is not satisfied after all: back to in progress. The earlier resolution
    text stays (to be revised); the closing date and satisfaction are cleared, and kept in
    the history and audit trail."""
    complaint, moment = _begin(session, complaint_id, Step.REOPEN, at)
    why = _required_text(reason, "reason")
    return _move(
        session,
        complaint,
        Step.REOPEN,
        moment,
        actor,
        f"重新打开：{why}",
        resolved_at=None,
        closed_at=None,
        satisfaction=None,
    )


def escalate(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    reason: str,
    at: datetime | None = None,
) -> Complaint:
    """Escalate by hand (to the department manager); the status does not change."""
    complaint = get_complaint(complaint_id, session=session)
    if complaint.status not in OPEN_STATUSES:
        raise ConflictError(
            f"complaint {complaint_id} is {complaint.status.value}; only an open complaint "
            "can be escalated.",
            hint="Reopen it first if the customer is still waiting.",
        )
    if complaint.escalated:
        raise ConflictError(
            f"complaint {complaint_id} is already escalated (since "
            f"{_utc(complaint.escalated_at or complaint.updated_at):%Y-%m-%d %H:%M} UTC).",
            hint="Add a note instead.",
        )
    why = _required_text(reason, "reason")
    moment = _moment_after(session, complaint, at)
    _set(session, complaint, actor, escalated=True, escalated_at=moment)
    _event(session, complaint, moment, None, None, f"已升级至部门经理：{why}", actor)
    session.flush()
    return complaint


def sweep_overdue(*, session: Session, now: datetime, actor: str | None = None) -> list[int]:
    """Flag as escalated every complaint still unanswered after its deadline; their ids.

    Set-based (the status/due index finds them); idempotent: a second sweep finds nothing.
    `actor` None records the escalation as automatic, as the demo data does.
    """
    moment = _aware(now, "now")
    session.flush()
    ids = list(
        session.execute(
            select(col(Complaint.id))
            .where(
                col(Complaint.status) == S.RECEIVED,
                col(Complaint.due_at) < moment,
                col(Complaint.escalated).is_(False),
            )
            .order_by(col(Complaint.due_at), col(Complaint.id))
        ).scalars()
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            update(Complaint)
            .where(col(Complaint.id).in_(chunk))
            .values(escalated=True, escalated_at=moment, updated_at=moment)
        )
        session.execute(
            insert(ComplaintEvent),
            [
                {"complaint_id": i, "at": moment, "note": AUTO_ESCALATION_NOTE, "actor": actor}
                for i in chunk
            ],
        )
        session.execute(
            insert(AuditEntry),
            [
                {
                    "at": moment,
                    "actor": actor,
                    "entity": "complaint",
                    "entity_id": i,
                    "action": AuditAction.UPDATE,
                    "changes": {"escalated": [False, True], "escalated_at": [None, str(moment)]},
                }
                for i in chunk
            ],
        )
    return ids


# -- disputes, notes, follow-up visits ---------------------------------------------------------


def record_dispute(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    positions: str | None = None,
    outcome: str | None = None,
    compensation: Decimal | int | str | None = None,
    currency: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Record or update a dispute (纠纷): each side's position, the agreed outcome and any
    compensation (an amount in major units, e.g. "¥5,000", never negative). Fields left None
    keep their value; positions must be on record before an outcome, and an outcome before
    compensation."""
    complaint = get_complaint(complaint_id, session=session)
    new_positions = _optional_text(positions)
    new_outcome = _optional_text(outcome)
    cents = None
    if compensation is not None and str(compensation).strip():
        cents = to_cents(compensation, field="compensation")
        if cents < 0:
            raise ValidationError(
                f"compensation {format_cents(cents)} is negative; enter the amount paid to the "
                "customer as a positive number, or 0 for none.",
                field="compensation",
            )
    if new_positions is None and new_outcome is None and cents is None:
        raise ValidationError(
            "a dispute needs the positions, the agreed outcome or a compensation; "
            "nothing was given.",
            field="positions",
        )
    if not (new_positions or complaint.dispute_positions):
        raise ValidationError(
            f"complaint {complaint_id} has no dispute on record; give each side's position first.",
            field="positions",
        )
    if cents is not None and not (new_outcome or complaint.dispute_outcome):
        raise ValidationError(
            "compensation is part of the agreed outcome; give the outcome with it.",
            field="outcome",
        )
    moment = _moment_after(session, complaint, at)
    values = {
        "dispute_positions": new_positions,
        "dispute_outcome": new_outcome,
        "compensation_cents": cents,
    }
    changed = _set(session, complaint, actor, **{k: v for k, v in values.items() if v is not None})
    if changed:
        parts = []
        if "dispute_positions" in changed:
            parts.append(f"各方立场：{new_positions}")
        if "dispute_outcome" in changed:
            parts.append(f"协商结果：{new_outcome}")
        if "compensation_cents" in changed:
            parts.append(f"补偿：{format_cents(cents, currency)}")
        _event(session, complaint, moment, None, None, "纠纷 — " + "；".join(parts), actor)
    session.flush()
    return complaint


def add_note(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    note: str,
    at: datetime | None = None,
) -> ComplaintEvent:
    """A line in the complaint's history (a call, a promise made), without a status change."""
    text = _required_text(note, "note")
    complaint = get_complaint(complaint_id, session=session)
    moment = _moment_after(session, complaint, at)
    event = _event(session, complaint, moment, None, None, text, actor)
    session.flush()
    assert event.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="complaint_event",
        entity_id=event.id,
        action=AuditAction.CREATE,
        changes={"complaint_id": complaint_id, "note": text},
    )
    return event


def plan_followup(
    complaint_id: int,
    *,
    session: Session,
    actor: str | None,
    planned_at: datetime,
    purpose: str | None = None,
    now: datetime | None = None,
) -> Visit:
    """Plan a follow-up visit (投诉跟进) to the complaint's customer and the contact who
    complained, linked to the complaint; the visit rules (not in the past, purpose within
    200 characters) are those of `visits.plan_visit`."""
    from clientdesk.domain.enums import VisitKind
    from clientdesk.domain.visits import plan_visit

    complaint = get_complaint(complaint_id, session=session)
    visit = plan_visit(
        session=session,
        customer_id=complaint.customer_id,
        planned_at=planned_at,
        purpose=_optional_text(purpose) or _followup_purpose(complaint),
        actor=actor,
        kind=VisitKind.COMPLAINT_FOLLOWUP,
        contact_id=complaint.contact_id,
        complaint_id=complaint_id,
        now=now,
    )
    moment = _moment_after(session, complaint, now)
    _event(
        session,
        complaint,
        moment,
        None,
        None,
        f"已安排跟进拜访（拜访 {visit.id}）：{visit.purpose}",
        actor,
    )
    session.flush()
    return visit


def _followup_purpose(complaint: Complaint) -> str:
    return f"投诉跟进：{complaint.summary}"[:SUMMARY_MAX]


# -- helpers -----------------------------------------------------------------------------------


def _begin(
    session: Session, complaint_id: int, step: Step, at: datetime | None
) -> tuple[Complaint, datetime]:
    complaint = get_complaint(complaint_id, session=session)
    sources, _ = TRANSITIONS[step]
    if complaint.status not in sources:
        allowed = ", ".join(s.label for s in allowed_steps(complaint))
        need = " or ".join(sorted(s.value.replace("_", " ") for s in sources))
        raise ConflictError(
            f"complaint {complaint_id} is {complaint.status.value.replace('_', ' ')}; "
            f"only a complaint that is {need} can be {_past(step)}.",
            hint=f"Allowed now: {allowed}.",
        )
    return complaint, _moment_after(session, complaint, at)


def _past(step: Step) -> str:
    return {
        Step.ACKNOWLEDGE: "acknowledged",
        Step.START: "started",
        Step.RESOLVE: "resolved",
        Step.CLOSE: "closed",
        Step.REOPEN: "reopened",
    }[step]


def _move(
    session: Session,
    complaint: Complaint,
    step: Step,
    moment: datetime,
    actor: str | None,
    note: str,
    **changes: Any,
) -> Complaint:
    before = complaint.status
    _, after = TRANSITIONS[step]
    _set(session, complaint, actor, status=after, **changes)
    _event(session, complaint, moment, before, after, note, actor)
    session.flush()
    return complaint


def _set(
    session: Session, complaint: Complaint, actor: str | None, **values: Any
) -> dict[str, Any]:
    """Apply the values that differ, with one audit entry; the changed fields."""
    changes = {
        k: [getattr(complaint, k), v] for k, v in values.items() if getattr(complaint, k) != v
    }
    if not changes:
        return {}
    for key, (_, value) in changes.items():
        setattr(complaint, key, value)
    complaint.updated_at = utcnow()
    session.add(complaint)
    assert complaint.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="complaint",
        entity_id=complaint.id,
        action=AuditAction.UPDATE,
        changes=changes,
    )
    return changes


def _event(
    session: Session,
    complaint: Complaint,
    at: datetime,
    before: ComplaintStatus | None,
    after: ComplaintStatus | None,
    note: str,
    actor: str | None,
) -> ComplaintEvent:
    assert complaint.id is not None
    event = ComplaintEvent(
        complaint_id=complaint.id,
        at=at,
        from_status=before,
        to_status=after,
        note=note,
        actor=actor[:ACTOR_MAX] if actor else None,
    )
    session.add(event)
    return event


def _moment_after(session: Session, complaint: Complaint, at: datetime | None) -> datetime:
    """`at` (default now), refused when in the future or before the last step on record:
    the history stays in order."""
    moment = _moment(at, "at")
    last = session.execute(
        select(func.max(col(ComplaintEvent.at))).where(
            col(ComplaintEvent.complaint_id) == complaint.id
        )
    ).scalar()
    floor = max(_utc(complaint.received_at), _utc(last) if last else _utc(complaint.received_at))
    if moment < floor:
        raise ValidationError(
            f"{moment:%Y-%m-%d %H:%M} UTC is before the last step of complaint {complaint.id} "
            f"({floor:%Y-%m-%d %H:%M} UTC); give a later time.",
            field="at",
        )
    return moment


def _moment(value: datetime | None, field: str) -> datetime:
    if value is None:
        return utcnow()
    moment = _aware(value, field)
    if moment > utcnow() + FUTURE_TOLERANCE:
        raise ValidationError(
            f"{field} {moment:%Y-%m-%d %H:%M} UTC is in the future; give the time it happened.",
            field=field,
        )
    return moment


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{field} {value.isoformat()} has no time zone; give it in local time with the zone.",
            field=field,
        )
    return value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    # Read back from SQLite the column type makes values aware UTC; be safe for naive ones.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _choice(enum_cls: Any, value: Any, field: str) -> Any:
    from clientdesk.domain.enums import parse_choice

    return parse_choice(enum_cls, value, field=field)


def _required_text(value: str | None, field: str, max_length: int | None = None) -> str:
    text = _optional_text(value, field, max_length)
    if text is None:
        raise ValidationError(f"{field} is required; write a few words.", field=field)
    return text


def _optional_text(
    value: str | None, field: str = "text", max_length: int | None = None
) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if max_length is not None and len(text) > max_length:
        raise ValidationError(
            f"{field} is {len(text)} characters long; keep it within {max_length} "
            "(put the rest in the details).",
            field=field,
        )
    return text


def _satisfaction(value: int | str | None) -> int:
    try:
        score = int(str(value).strip())
    except ValueError:
        score = 0
    if not 1 <= score <= 5 or isinstance(value, bool):
        raise ValidationError(
            f"satisfaction {value!r} is not a score from 1 (very unhappy) to 5 (very happy).",
            field="satisfaction",
        )
    return score
