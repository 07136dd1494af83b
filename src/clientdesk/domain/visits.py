"""Visit plans (拜访计划): plan, reschedule, cancel, miss and log visits.

A visit is planned for a time ahead (a past visit is logged, not planned), then logged
with what was discussed, the customer's needs and pain points (需求和痛点), feedback,
satisfaction (1-5) and the next step; a next step with a date plans the follow-up visit.
After a delivery a return visit (回访) is planned automatically.

Every change writes an AuditEntry in the same transaction. Functions flush but never
commit: the caller owns the transaction, so a refusal leaves the database as it was.
The customer's `last_visit_at` (the latest done visit) is kept by database triggers
(migration 0003); logging also moves `last_contact_at` forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from clientdesk.domain import audit
from clientdesk.domain.common import utcnow
from clientdesk.domain.complaint import Complaint
from clientdesk.domain.contact import Contact
from clientdesk.domain.contract import Contract
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import AuditAction, VisitKind, VisitStatus, label_zh
from clientdesk.domain.visit import Visit
from clientdesk.errors import ConflictError, NotFoundError, ValidationError

# Clocks drift and forms take a while to fill in: a log may be a little ahead of "now".
FUTURE_GRACE = timedelta(minutes=10)
# Return visits and follow-ups planned from a date alone are put at this local time.
DEFAULT_VISIT_TIME = time(10, 0)
PURPOSE_MAX = 200
SATISFACTION_RANGE = range(1, 6)


@dataclass(frozen=True)
class VisitLog:
    """What a salesperson writes after a visit."""

    discussion: str  # 洽谈内容, required
    needs: str | None = None  # 需求和痛点
    feedback: str | None = None  # 反馈
    satisfaction: int | None = None  # 1 (very unhappy) to 5 (very happy)
    next_step: str | None = None
    next_step_on: date | None = None  # with a date, the follow-up visit is planned


@dataclass(frozen=True)
class LoggedVisit:
    visit: Visit
    follow_up: Visit | None  # planned from the next step's date, if it had one


# -- helpers -------------------------------------------------------------------------------------


def local_moment(day: date, zone: tzinfo, at: time = DEFAULT_VISIT_TIME) -> datetime:
    """`day` at `at` local time in `zone`, as an aware datetime (in `zone`)."""
    return datetime.combine(day, at, tzinfo=zone)


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            f"{field} {moment:%Y-%m-%d %H:%M} has no time zone; give an aware time "
            "(the CLI reads times in settings general.timezone).",
            field=field,
        )
    return moment


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _purpose(value: str) -> str:
    purpose = " ".join((value or "").split())
    if not purpose:
        raise ValidationError(
            "the purpose of the visit (拜访目的) is empty; say what the visit is for.",
            field="purpose",
        )
    if len(purpose) > PURPOSE_MAX:
        raise ValidationError(
            f"the purpose is {len(purpose)} characters long; keep it to {PURPOSE_MAX} "
            "and put the details in the log.",
            field="purpose",
        )
    return purpose


def _short(text: str) -> str:
    """A next step as the purpose of its follow-up visit."""
    text = " ".join(text.split())
    return text if len(text) <= PURPOSE_MAX else text[: PURPOSE_MAX - 1] + "…"


def get_visit(visit_id: int, *, session: Session) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFoundError(
            f"visit {visit_id} does not exist.", hint="List visits with `clientdesk visits agenda`."
        )
    return visit


def _customer(customer_id: int, *, session: Session) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} does not exist.")
    return customer


def key_contact_id(customer_id: int, *, session: Session) -> int | None:
    """The customer's key contact (主要联系人), if it has one."""
    found = session.execute(
        select(col(Contact.id)).where(
            col(Contact.customer_id) == customer_id, col(Contact.is_primary).is_(True)
        )
    ).scalar()
    return int(found) if found is not None else None


def _check_links(
    customer_id: int,
    *,
    session: Session,
    contact_id: int | None,
    contract_id: int | None,
    complaint_id: int | None,
) -> None:
    """The contact, contract and complaint must be the customer's own."""
    links: tuple[tuple[str, str, Any, int | None], ...] = (
        ("contact_id", "contact", Contact, contact_id),
        ("contract_id", "contract", Contract, contract_id),
        ("complaint_id", "complaint", Complaint, complaint_id),
    )
    for field, what, model, record_id in links:
        if record_id is None:
            continue
        record = session.get(model, record_id)
        if record is None:
            raise ValidationError(f"{what} {record_id} does not exist.", field=field)
        if record.customer_id != customer_id:
            raise ValidationError(
                f"{what} {record_id} belongs to another customer; choose one of this "
                "customer's own.",
                field=field,
            )


def _not_past(planned_at: datetime, now: datetime, *, field: str = "planned_at") -> datetime:
    planned_at = _aware(planned_at, field)
    if planned_at < now:
        raise ValidationError(
            f"{planned_at:%Y-%m-%d %H:%M %Z} is in the past: a past visit is logged, "
            "not planned. Pick a later time, or log the visit as done.",
            field=field,
        )
    return planned_at


def _check_log(log: VisitLog, *, today: date) -> dict[str, Any]:
    """The log's fields, cleaned; refuses a missing discussion or satisfaction outside 1-5."""
    discussion = _text(log.discussion)
    if not discussion:
        raise ValidationError(
            "say what was discussed (洽谈内容): the log of a visit cannot be empty.",
            field="discussion",
        )
    satisfaction = log.satisfaction
    if satisfaction is not None and (
        isinstance(satisfaction, bool)
        or not isinstance(satisfaction, int)
        or satisfaction not in SATISFACTION_RANGE
    ):
        raise ValidationError(
            f"satisfaction {satisfaction!r} is outside 1-5; use 1 (very unhappy) to "
            "5 (very happy), or leave it empty.",
            field="satisfaction",
        )
    next_step = _text(log.next_step)
    if log.next_step_on is not None:
        if not next_step:
            raise ValidationError(
                "the next step has a date but no text; say what the next step is.",
                field="next_step",
            )
        if log.next_step_on <= today:
            raise ValidationError(
                f"the next step's date {log.next_step_on} is not after today ({today}); "
                "give a later date for the follow-up visit, or leave the date empty.",
                field="next_step_on",
            )
    return {
        "discussion": discussion,
        "needs": _text(log.needs),
        "feedback": _text(log.feedback),
        "satisfaction": satisfaction,
        "next_step": next_step,
        "next_step_on": log.next_step_on,
    }


def _audit(
    session: Session, actor: str | None, visit: Visit, action: AuditAction, changes: dict[str, Any]
) -> None:
    assert visit.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="visit",
        entity_id=visit.id,
        action=action,
        changes=changes,
    )


def _new_visit(
    customer: Customer,
    *,
    session: Session,
    actor: str | None,
    kind: VisitKind | str,
    purpose: str,
    at: datetime,
    owner: str | None,
    contact_id: int | None,
    contract_id: int | None,
    complaint_id: int | None,
    now: datetime,
    **fields: Any,
) -> Visit:
    """A visit row for a planned or an unplanned visit: links checked, the key contact and
    the account manager (else the actor) filled in when not given."""
    assert customer.id is not None
    _check_links(
        customer.id,
        session=session,
        contact_id=contact_id,
        contract_id=contract_id,
        complaint_id=complaint_id,
    )
    if contact_id is None:
        contact_id = key_contact_id(customer.id, session=session)
    return Visit(
        customer_id=customer.id,
        contact_id=contact_id,
        kind=VisitKind(kind),
        purpose=purpose,
        planned_at=at,
        owner=_text(owner) or customer.owner or actor,
        contract_id=contract_id,
        complaint_id=complaint_id,
        created_at=now,
        updated_at=now,
        **fields,
    )


def _created(session: Session, actor: str | None, visit: Visit) -> None:
    session.add(visit)
    session.flush()
    _audit(session, actor, visit, AuditAction.CREATE, visit.model_dump(exclude={"id"}))


def _updated(
    session: Session,
    actor: str | None,
    visit: Visit,
    changes: dict[str, list[Any]],
    now: datetime | None = None,
) -> Visit:
    for key, (_, new) in changes.items():
        if key != "reason":
            setattr(visit, key, new)
    visit.updated_at = now or utcnow()
    session.add(visit)
    _audit(session, actor, visit, AuditAction.UPDATE, changes)
    session.flush()
    return visit


# -- planning -----------------------------------------------------------------------------------


def plan_visit(
    *,
    session: Session,
    customer_id: int,
    planned_at: datetime,
    purpose: str,
    actor: str | None,
    kind: VisitKind = VisitKind.REGULAR,
    contact_id: int | None = None,
    contract_id: int | None = None,
    complaint_id: int | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> Visit:
    """Plan a visit ahead; a time in the past is refused (log the visit instead).

    Without a contact the customer's key contact is met; without an owner the
    customer's account manager (else the actor) makes the visit.
    """
    now = now or utcnow()
    customer = _customer(customer_id, session=session)
    planned_at = _not_past(planned_at, now)
    purpose = _purpose(purpose)
    visit = _new_visit(
        customer,
        session=session,
        actor=actor,
        kind=kind,
        purpose=purpose,
        at=planned_at,
        owner=owner,
        contact_id=contact_id,
        contract_id=contract_id,
        complaint_id=complaint_id,
        now=now,
        status=VisitStatus.PLANNED,
    )
    _created(session, actor, visit)
    return visit


def return_visit_time(
    *, delivered_on: date, within_days: int, zone: tzinfo, now: datetime
) -> datetime:
    """10:00 local on the day `within_days` after delivery; tomorrow 10:00 if that is past."""
    planned_at = local_moment(delivered_on + timedelta(days=within_days), zone)
    if planned_at <= now:
        planned_at = local_moment(now.astimezone(zone).date() + timedelta(days=1), zone)
    return planned_at


def plan_return_visit(
    *,
    session: Session,
    customer_id: int,
    contract_id: int,
    delivered_on: date,
    within_days: int,
    zone: tzinfo,
    actor: str | None,
    now: datetime | None = None,
) -> Visit:
    """Plan the return visit (回访) after a delivery (settings visits.return_visit_within_days).

    If a return visit for the same contract is still planned, that one is returned: one
    visit confirms satisfaction with every delivery made before it.
    """
    now = now or utcnow()
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise ValidationError(f"contract {contract_id} does not exist.", field="contract_id")
    if contract.customer_id != customer_id:
        raise ValidationError(
            f"contract {contract.number} belongs to another customer.", field="contract_id"
        )
    if within_days < 0:
        raise ValidationError(
            f"a return visit cannot be planned {within_days} days after delivery; "
            "use 0 or more days.",
            field="within_days",
        )
    pending = session.execute(
        select(Visit)
        .where(
            col(Visit.contract_id) == contract_id,
            col(Visit.kind) == VisitKind.RETURN,
            col(Visit.status) == VisitStatus.PLANNED,
        )
        .order_by(col(Visit.planned_at))
        .limit(1)
    ).scalar()
    if pending is not None:
        return pending
    planned_at = return_visit_time(
        delivered_on=delivered_on, within_days=within_days, zone=zone, now=now
    )
    return plan_visit(
        session=session,
        customer_id=customer_id,
        planned_at=planned_at,
        purpose=_short(f"回访：交货后确认满意度（合同 {contract.number} {contract.title}）"),
        actor=actor,
        kind=VisitKind.RETURN,
        contract_id=contract_id,
        owner=contract.owner,
        now=now,
    )


def revise_plan(
    visit_id: int,
    *,
    session: Session,
    actor: str | None,
    purpose: str | None = None,
    contact_id: int | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> Visit:
    """Change the purpose, contact or owner of a visit not yet done (None: unchanged)."""
    visit = get_visit(visit_id, session=session)
    if visit.status == VisitStatus.DONE:
        raise ConflictError(
            f"visit {visit_id} was done{_on(visit.done_at)}; its plan is history and cannot "
            "be changed.",
            hint="Plan a new visit instead.",
        )
    wanted: dict[str, Any] = {}
    if purpose is not None:
        wanted["purpose"] = _purpose(purpose)
    if contact_id is not None:
        _check_links(
            visit.customer_id,
            session=session,
            contact_id=contact_id,
            contract_id=None,
            complaint_id=None,
        )
        wanted["contact_id"] = contact_id
    if owner is not None:
        wanted["owner"] = _text(owner)
    changes = {k: [getattr(visit, k), v] for k, v in wanted.items() if getattr(visit, k) != v}
    return _updated(session, actor, visit, changes, now) if changes else visit


def _on(moment: datetime | None) -> str:
    return f" on {moment:%Y-%m-%d}" if moment else ""


def reschedule_visit(
    visit_id: int,
    *,
    session: Session,
    planned_at: datetime,
    actor: str | None,
    now: datetime | None = None,
) -> Visit:
    """Move a visit to a new time ahead; a missed or cancelled visit is planned again.

    A done visit cannot be rescheduled: plan a new one.
    """
    now = now or utcnow()
    visit = get_visit(visit_id, session=session)
    if visit.status == VisitStatus.DONE:
        raise ConflictError(
            f"visit {visit_id} was done{_on(visit.done_at)}: a done visit cannot be rescheduled.",
            hint="Plan a new visit for the customer instead.",
        )
    planned_at = _not_past(planned_at, now)
    changes: dict[str, list[Any]] = {}
    if visit.planned_at != planned_at:
        changes["planned_at"] = [visit.planned_at, planned_at]
    if visit.status != VisitStatus.PLANNED:
        changes["status"] = [visit.status, VisitStatus.PLANNED]
    return _updated(session, actor, visit, changes, now) if changes else visit


def cancel_visit(
    visit_id: int,
    *,
    session: Session,
    actor: str | None,
    reason: str | None = None,
    now: datetime | None = None,
) -> Visit:
    """Call off a planned (or missed) visit; the reason goes into the audit trail."""
    visit = get_visit(visit_id, session=session)
    if visit.status == VisitStatus.DONE:
        raise ConflictError(
            f"visit {visit_id} was done{_on(visit.done_at)}: a done visit cannot be cancelled."
        )
    if visit.status == VisitStatus.CANCELLED:
        raise ConflictError(
            f"visit {visit_id} is already cancelled.",
            hint="Reschedule it to plan it again.",
        )
    changes: dict[str, list[Any]] = {"status": [visit.status, VisitStatus.CANCELLED]}
    if _text(reason):
        changes["reason"] = [None, _text(reason)]
    return _updated(session, actor, visit, changes, now)


def mark_missed(
    visit_id: int, *, session: Session, actor: str | None, now: datetime | None = None
) -> Visit:
    """A planned visit whose time has passed did not happen (未拜访)."""
    now = now or utcnow()
    visit = get_visit(visit_id, session=session)
    if visit.status != VisitStatus.PLANNED:
        raise ConflictError(
            f"visit {visit_id} is {visit.status.value} ({label_zh(visit.status)}); only a "
            "planned visit can be marked missed."
        )
    if visit.planned_at > now:
        raise ConflictError(
            f"visit {visit_id} is planned for {visit.planned_at:%Y-%m-%d %H:%M} UTC, still "
            "ahead; it cannot have been missed yet.",
            hint="Cancel or reschedule it instead.",
        )
    return _updated(session, actor, visit, {"status": [visit.status, VisitStatus.MISSED]}, now)


# -- logging ------------------------------------------------------------------------------------


def _done_at(done_at: datetime | None, now: datetime) -> datetime:
    if done_at is None:
        return now
    done_at = _aware(done_at, "done_at")
    if done_at > now + FUTURE_GRACE:
        raise ValidationError(
            f"{done_at:%Y-%m-%d %H:%M %Z} is in the future: a visit is logged once it has "
            "happened. Plan it instead.",
            field="done_at",
        )
    return done_at


def _touch_customer(customer: Customer, done_at: datetime, *, session: Session) -> None:
    """Move the last contact forward (never back: an old visit may be logged late)."""
    if customer.last_contact_at is None or done_at > customer.last_contact_at:
        customer.last_contact_at = done_at
        session.add(customer)


def _follow_up(
    visit: Visit,
    fields: dict[str, Any],
    *,
    session: Session,
    actor: str | None,
    zone: tzinfo,
    now: datetime,
) -> Visit | None:
    if fields["next_step_on"] is None:
        return None
    complaint = visit.kind == VisitKind.COMPLAINT_FOLLOWUP
    return plan_visit(
        session=session,
        customer_id=visit.customer_id,
        planned_at=local_moment(fields["next_step_on"], zone),
        purpose=_short(fields["next_step"]),
        actor=actor,
        kind=VisitKind.COMPLAINT_FOLLOWUP if complaint else VisitKind.REGULAR,
        contact_id=visit.contact_id,
        contract_id=visit.contract_id,
        complaint_id=visit.complaint_id if complaint else None,
        owner=visit.owner,
        now=now,
    )


def _finish(session: Session, customer: Customer) -> None:
    session.flush()
    # The database trigger moved last_visit_at; let the next read fetch it.
    session.expire(customer, ["last_visit_at"])


def log_visit(
    visit_id: int,
    log: VisitLog,
    *,
    session: Session,
    actor: str | None,
    zone: tzinfo,
    done_at: datetime | None = None,
    now: datetime | None = None,
) -> LoggedVisit:
    """Record a planned (or missed) visit as done, with its log; `zone` places the next step."""
    now = now or utcnow()
    visit = get_visit(visit_id, session=session)
    if visit.status == VisitStatus.DONE:
        raise ConflictError(f"visit {visit_id} was already logged{_on(visit.done_at)}.")
    if visit.status == VisitStatus.CANCELLED:
        raise ConflictError(
            f"visit {visit_id} was cancelled; it cannot be logged as done.",
            hint="Reschedule it first, or log an unplanned visit.",
        )
    done = _done_at(done_at, now)
    fields = _check_log(log, today=now.astimezone(zone).date())
    customer = _customer(visit.customer_id, session=session)
    values = fields | {"status": VisitStatus.DONE, "done_at": done}
    changes = {k: [getattr(visit, k), v] for k, v in values.items() if getattr(visit, k) != v}
    _updated(session, actor, visit, changes, now)
    _touch_customer(customer, done, session=session)
    follow_up = _follow_up(visit, fields, session=session, actor=actor, zone=zone, now=now)
    _finish(session, customer)
    return LoggedVisit(visit=visit, follow_up=follow_up)


def log_unplanned_visit(
    *,
    session: Session,
    customer_id: int,
    purpose: str,
    log: VisitLog,
    actor: str | None,
    zone: tzinfo,
    done_at: datetime | None = None,
    kind: VisitKind = VisitKind.REGULAR,
    contact_id: int | None = None,
    contract_id: int | None = None,
    complaint_id: int | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> LoggedVisit:
    """Record a visit that was never planned (a call-in, a meeting at a fair) directly as done."""
    now = now or utcnow()
    customer = _customer(customer_id, session=session)
    done = _done_at(done_at, now)
    purpose = _purpose(purpose)
    fields = _check_log(log, today=now.astimezone(zone).date())
    visit = _new_visit(
        customer,
        session=session,
        actor=actor,
        kind=kind,
        purpose=purpose,
        at=done,
        owner=owner,
        contact_id=contact_id,
        contract_id=contract_id,
        complaint_id=complaint_id,
        now=now,
        status=VisitStatus.DONE,
        done_at=done,
        **fields,
    )
    _created(session, actor, visit)
    _touch_customer(customer, done, session=session)
    follow_up = _follow_up(visit, fields, session=session, actor=actor, zone=zone, now=now)
    _finish(session, customer)
    return LoggedVisit(visit=visit, follow_up=follow_up)
