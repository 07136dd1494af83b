"""Contract rules (合同管理): create, sign, amend, renew, terminate, complete, deliver, assess risk.

Every step is checked against the state machine in contract_states.py, writes a
ContractEvent (the contract's own history) and an AuditEntry (who did it), and flushes but
never commits: the caller owns the transaction, so a refused step leaves nothing behind.

Dates are calendar dates in the user's time zone: callers pass `today` (see `local_today`)
and a step dated after today is refused, since the history records what happened.

Becoming active and expiring follow the calendar, not a user: `activate_due(today=...)`
moves signed contracts whose start date has come to active, and active contracts past
their end date to expired, recording each as an event dated when it happened. Signing runs
the same rule for the one contract, so a contract signed on or after its start date is
active at once. The CLI runs `activate_due` before every `clientdesk contract` command and
in `clientdesk contract refresh` (for a nightly job); the app is to run it when it opens a
database and when the date changes. Statuses are stored, not computed on read, so lists
filter and count them with plain indexed SQL, and grading reads them as they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain import audit
from clientdesk.domain.common import utcnow
from clientdesk.domain.contract import Contract, ContractCreate, ContractEvent, ContractUpdate
from clientdesk.domain.contract_states import Action, check, next_status
from clientdesk.domain.customer import Customer
from clientdesk.domain.customers import get_customer
from clientdesk.domain.enums import (
    AuditAction,
    ContractEventKind,
    ContractStatus,
    RiskLevel,
    label_zh,
)
from clientdesk.domain.money import format_cents
from clientdesk.domain.visit import Visit
from clientdesk.domain.visits import plan_return_visit
from clientdesk.errors import ConflictError, NotFoundError, ValidationError

K = ContractEventKind
NUMBER_PREFIX = "HT"
_NUMBER = re.compile(rf"^{NUMBER_PREFIX}-(\d{{4}})-(\d+)$")
MAX_TEXT = 200
SWEEP_CHUNK = 500

FIELD_LABELS = {
    "customer_id": "customer",
    "number": "number",
    "title": "title",
    "start_on": "start date",
    "end_on": "end date",
    "value_cents": "value",
    "currency": "currency",
    "payment_terms": "payment terms",
    "owner": "owner",
    "notes": "notes",
    "signed_on": "signing date",
    "delivered_on": "delivery date",
    "on": "date",
    "value_change": "value change",
    "level": "risk level",
}
FIELD_ZH = {
    "number": "合同编号",
    "title": "合同名称",
    "start_on": "开始日期",
    "end_on": "结束日期",
    "value_cents": "金额",
    "currency": "币种",
    "payment_terms": "付款条件",
    "owner": "负责人",
    "notes": "备注",
}


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Today's date where the user is (settings.general.timezone)."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def normalise_number(text: str) -> str:
    """Full-width to half-width, outer spaces off, inner runs of spaces to one."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def next_contract_number(*, session: Session, year: int) -> str:
    """HT-2026-000001, HT-2026-000002, ...: one past the highest of that year in use."""
    prefix = f"{NUMBER_PREFIX}-{year:04d}-"
    numbers = session.execute(
        select(col(Contract.number))
        .where(col(Contract.number) >= prefix, col(Contract.number) < prefix + "\U0010ffff")
        .order_by(func.length(Contract.number).desc(), col(Contract.number).desc())
        .limit(50)
    ).scalars()
    highest = max((int(m.group(2)) for n in numbers if (m := _NUMBER.match(n))), default=0)
    return f"{prefix}{highest + 1:06d}"


# -- finding -----------------------------------------------------------------------------------


def get_contract(contract_id: int, *, session: Session) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(f"contract {contract_id} does not exist.")
    return contract


def get_by_number(number: str, *, session: Session) -> Contract:
    wanted = normalise_number(number)
    found = session.execute(select(Contract).where(col(Contract.number) == wanted)).scalar()
    if found is None:
        found = session.execute(
            select(Contract).where(func.lower(col(Contract.number)) == wanted.lower())
        ).scalar()
    if found is None:
        raise NotFoundError(
            f"no contract has the number {wanted!r}.",
            hint="Check the number with `clientdesk contract list --search`.",
        )
    return found


# -- checking input ------------------------------------------------------------------------------


def _label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def _refuse(field: str, problem: str, hint: str | None = None) -> ValidationError:
    return ValidationError(f"{_label(field)}: {problem}", field=field, hint=hint)


def _text(value: str | None, field: str, *, required: bool, limit: int = MAX_TEXT) -> str | None:
    text = " ".join(value.split()) if value is not None else ""
    if not text:
        if required:
            raise _refuse(field, "is required and cannot be blank.")
        return None
    if len(text) > limit:
        raise _refuse(field, f"is {len(text)} characters long; at most {limit} fit.")
    return text


def check_terms(values: dict[str, Any]) -> dict[str, Any]:
    """Normalised contract terms, or ValidationError naming the first bad field.

    The same checks the form models make, with messages a user of the CLI can act on.
    """
    out = dict(values)
    if "number" in out:
        number = normalise_number(out["number"] or "")
        if not number:
            raise _refuse("number", "is required and cannot be blank.")
        if len(number) > 40:
            raise _refuse("number", f"{number!r} is longer than 40 characters.")
        out["number"] = number
    if "title" in out:
        out["title"] = _text(out["title"], "title", required=True)
    for key in ("payment_terms", "owner"):
        if key in out:
            out[key] = _text(out[key], key, required=False, limit=200 if key != "owner" else 60)
    if "notes" in out and out["notes"] is not None:
        out["notes"] = out["notes"].strip() or None
    if "currency" in out:
        currency = (out["currency"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise _refuse("currency", f"{out['currency']!r} is not a three-letter code like CNY.")
        out["currency"] = currency
    value = out.get("value_cents")
    if value is not None and value < 0:
        raise _refuse(
            "value_cents", f"{format_cents(value)} is negative; a contract's value is 0 or more."
        )
    start, end = out.get("start_on"), out.get("end_on")
    if start and end and end < start:
        raise _refuse(
            "end_on",
            f"{end} is before the start date {start}.",
            hint="The end date is the last day of the contract: on or after its start.",
        )
    return out


def build_create(**values: Any) -> ContractCreate:
    """A ContractCreate from plain values, refused with our ValidationError when invalid."""
    return _build(ContractCreate, check_terms(values))


def build_update(**values: Any) -> ContractUpdate:
    return _build(ContractUpdate, check_terms(values))


def _build(model: Any, values: dict[str, Any]) -> Any:
    try:
        return model(**values)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise _refuse(field, f"{message}.") from None


def _not_after_today(day: date, today: date, what: str, field: str) -> None:
    if day > today:
        raise _refuse(field, f"{what} {day} is after today ({today}); record it when it happens.")


def _not_before(day: date, earlier: date | None, what: str, other: str, field: str) -> None:
    if earlier is not None and day < earlier:
        raise _refuse(field, f"{what} {day} is before the {other} {earlier}.")


def _check_number(
    number: str, *, session: Session, year: int, exclude_id: int | None = None
) -> None:
    """Refuse a number already used (letters compared without case), naming the holder."""
    clash = session.execute(
        select(
            col(Contract.number),
            col(Contract.title),
            col(Contract.status),
            col(Customer.code),
            col(Customer.name),
        )
        .join(Customer, col(Customer.id) == col(Contract.customer_id))
        .where(
            func.lower(col(Contract.number)) == number.lower(),
            col(Contract.id) != (exclude_id or 0),
        )
    ).first()
    if clash:
        free = next_contract_number(session=session, year=year)
        raise ConflictError(
            f"contract number {number} is already used by contract {clash.number} "
            f"“{clash.title}” of {clash.code} {clash.name} ({clash.status}).",
            hint=f"Choose another number, or leave it out to get the next free one ({free}).",
        )


# -- recording -----------------------------------------------------------------------------------


def _event(
    contract: Contract,
    kind: ContractEventKind,
    on: date,
    description: str,
    *,
    session: Session,
    value_change_cents: int | None = None,
    due_on: date | None = None,
    delivered_on: date | None = None,
) -> ContractEvent:
    assert contract.id is not None
    event = ContractEvent(
        contract_id=contract.id,
        kind=kind,
        occurred_on=on,
        description=description,
        value_change_cents=value_change_cents,
        due_on=due_on,
        delivered_on=delivered_on,
    )
    session.add(event)
    return event


def _audit(
    contract: Contract,
    changes: dict[str, Any],
    *,
    session: Session,
    actor: str | None,
    action: AuditAction = AuditAction.UPDATE,
) -> None:
    assert contract.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="contract",
        entity_id=contract.id,
        action=action,
        changes=changes,
    )


def _set(contract: Contract, changes: dict[str, list[Any]]) -> None:
    for key, (_, new) in changes.items():
        setattr(contract, key, new)
    contract.updated_at = utcnow()


def _move(contract: Contract, action: Action) -> dict[str, list[Any]]:
    """The status change for `action` (refused if the machine does not allow it)."""
    new = next_status(contract.status, action)
    return {"status": [contract.status, new]} if new != contract.status else {}


def _guard(contract: Contract, action: Action) -> None:
    check(contract.status, action, number=contract.number)


# -- lifecycle -----------------------------------------------------------------------------------


def create_contract(
    data: ContractCreate,
    *,
    session: Session,
    actor: str | None,
    today: date,
    renewal_of: Contract | None = None,
) -> Contract:
    """A new draft (草稿) for an existing customer; its number must be new."""
    values = check_terms(data.model_dump())
    customer = get_customer(values["customer_id"], session=session)
    _check_number(values["number"], session=session, year=today.year)
    contract = Contract(**values)
    contract.owner = contract.owner or customer.owner
    if renewal_of is not None:
        contract.renewal_of_id = renewal_of.id
    session.add(contract)
    session.flush()
    what = f"续签自 {renewal_of.number}" if renewal_of is not None else "起草合同"
    _event(contract, K.CREATED, today, what, session=session)
    _audit(
        contract,
        contract.model_dump(exclude={"id", "created_at", "updated_at"}),
        session=session,
        actor=actor,
        action=AuditAction.CREATE,
    )
    session.flush()
    return contract


def edit_draft(
    contract_id: int, data: ContractUpdate, *, session: Session, actor: str | None, today: date
) -> Contract:
    """Change a draft's terms. After signing, terms change only by `amend_contract`."""
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.EDIT)
    wanted = check_terms(data.model_dump(exclude_unset=True))
    dates = {"start_on": contract.start_on, "end_on": contract.end_on}
    check_terms(dates | {k: v for k, v in wanted.items() if k in dates})
    changes = {k: [getattr(contract, k), v] for k, v in wanted.items() if getattr(contract, k) != v}
    if not changes:
        return contract
    if "number" in changes:
        _check_number(
            changes["number"][1], session=session, exclude_id=contract.id, year=today.year
        )
    _set(contract, changes)
    names = "、".join(FIELD_ZH.get(k, k) for k in changes)
    _event(contract, K.EDITED, today, f"修改合同条款：{names}", session=session)
    _audit(contract, changes, session=session, actor=actor)
    session.flush()
    return contract


def sign_contract(
    contract_id: int, *, signed_on: date, session: Session, actor: str | None, today: date
) -> Contract:
    """签订: draft → signed; active at once when its start date has come (see the module)."""
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.SIGN)
    _not_after_today(signed_on, today, "the signing date", "signed_on")
    if contract.start_on is None:
        raise _refuse(
            "start_on",
            f"contract {contract.number} has no start date; it becomes active on that date.",
            hint="Set it first (`clientdesk contract edit NUMBER --start YYYY-MM-DD`).",
        )
    changes: dict[str, list[Any]] = _move(contract, Action.SIGN) | {"signed_on": [None, signed_on]}
    _set(contract, changes)
    money = format_cents(contract.value_cents)
    _event(contract, K.SIGNED, signed_on, f"双方签订合同，金额 ¥{money}", session=session)
    _audit(contract, changes, session=session, actor=actor)
    _advance(contract, today, session=session, actor=actor)
    session.flush()
    return contract


def amend_contract(
    contract_id: int,
    *,
    on: date,
    what: str,
    value_change_cents: int = 0,
    end_on: date | None = None,
    payment_terms: str | None = None,
    session: Session,
    actor: str | None,
    today: date,
) -> ContractEvent:
    """补充协议: record what changed; the contract's terms become the amended ones.

    The value moves by `value_change_cents` (negative lowers it, never below 0); a new end
    date or payment terms replace the old ones and are noted in the amendment's text.
    """
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.AMEND)
    text = _text(what, "what", required=True, limit=500)
    assert text is not None
    _not_after_today(on, today, "the amendment date", "on")
    _not_before(on, contract.signed_on, "the amendment date", "signing date", "on")
    changes: dict[str, list[Any]] = {}
    notes: list[str] = []
    if value_change_cents:
        new_value = contract.value_cents + value_change_cents
        if new_value < 0:
            raise _refuse(
                "value_change",
                f"lowering the value by {format_cents(-value_change_cents)} would make it "
                f"negative (it is {format_cents(contract.value_cents)}).",
            )
        changes["value_cents"] = [contract.value_cents, new_value]
    if end_on is not None and end_on != contract.end_on:
        check_terms({"start_on": contract.start_on, "end_on": end_on})
        if end_on < on:
            raise _refuse(
                "end_on",
                f"the new end date {end_on} is before the amendment's date {on}.",
                hint="To end a contract early, terminate it (解除) with the reason.",
            )
        changes["end_on"] = [contract.end_on, end_on]
        notes.append(f"结束日期 {contract.end_on or '无'} → {end_on}")
    terms = _text(payment_terms, "payment_terms", required=False)
    if terms is not None and terms != contract.payment_terms:
        changes["payment_terms"] = [contract.payment_terms, terms]
        notes.append(f"付款条件 {contract.payment_terms or '无'} → {terms}")
    _set(contract, changes)
    description = "；".join([text, *notes])
    event = _event(
        contract,
        K.AMENDED,
        on,
        description,
        session=session,
        value_change_cents=value_change_cents or None,
    )
    _audit(contract, changes | {"amendment": description}, session=session, actor=actor)
    session.flush()
    return event


def renew_contract(
    contract_id: int,
    *,
    number: str | None = None,
    title: str | None = None,
    start_on: date | None = None,
    end_on: date | None = None,
    value_cents: int | None = None,
    payment_terms: str | None = None,
    session: Session,
    actor: str | None,
    today: date,
) -> Contract:
    """续签: a new draft linked to this contract (renewal_of_id), so the chain is visible.

    Unless given, the renewal starts the day after this one ends, runs as long, and keeps
    its title, current value and payment terms. A contract is renewed once: a second
    renewal is refused while the first is not terminated.
    """
    old = get_contract(contract_id, session=session)
    _guard(old, Action.RENEW)
    existing = session.execute(
        select(col(Contract.number), col(Contract.status)).where(
            col(Contract.renewal_of_id) == old.id,
            col(Contract.status) != ContractStatus.TERMINATED,
        )
    ).first()
    if existing:
        raise ConflictError(
            f"contract {old.number} is already renewed by {existing.number} ({existing.status}).",
            hint="Work on that renewal, or terminate it first to renew again.",
        )
    if start_on is None:
        if old.end_on is None:
            raise _refuse("start_on", f"contract {old.number} has no end date; give the start.")
        start_on = old.end_on + timedelta(days=1)
    if end_on is None and old.start_on and old.end_on:
        end_on = start_on + (old.end_on - old.start_on)
    data = build_create(
        customer_id=old.customer_id,
        number=number or next_contract_number(session=session, year=today.year),
        title=title or old.title,
        start_on=start_on,
        end_on=end_on,
        value_cents=old.value_cents if value_cents is None else value_cents,
        currency=old.currency,
        payment_terms=payment_terms or old.payment_terms,
        owner=old.owner,
    )
    new = create_contract(data, session=session, actor=actor, today=today, renewal_of=old)
    _event(old, K.RENEWED, today, f"续签为 {new.number}", session=session)
    _audit(old, {"renewed_by": new.number}, session=session, actor=actor)
    session.flush()
    return new


def terminate_contract(
    contract_id: int,
    *,
    reason: str,
    on: date,
    session: Session,
    actor: str | None,
    today: date,
) -> Contract:
    """解除: end the contract before its term (a draft: abandon it), with the reason."""
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.TERMINATE)
    why = _text(reason, "reason", required=True, limit=500)
    _not_after_today(on, today, "the termination date", "on")
    _not_before(on, contract.signed_on, "the termination date", "signing date", "on")
    changes = _move(contract, Action.TERMINATE) | {
        "terminated_on": [None, on],
        "termination_reason": [None, why],
    }
    _set(contract, changes)
    _event(contract, K.TERMINATED, on, why or "", session=session)
    _audit(contract, changes, session=session, actor=actor)
    session.flush()
    return contract


def complete_contract(
    contract_id: int, *, on: date, session: Session, actor: str | None, today: date
) -> Contract:
    """完成: the contract was carried out (an active one, or one whose term ran out)."""
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.COMPLETE)
    _not_after_today(on, today, "the completion date", "on")
    _not_before(on, contract.start_on, "the completion date", "start date", "on")
    changes = _move(contract, Action.COMPLETE)
    _set(contract, changes)
    _event(contract, K.COMPLETED, on, "合同履行完毕", session=session)
    _audit(contract, changes | {"completed_on": on}, session=session, actor=actor)
    session.flush()
    return contract


def set_risk(
    contract_id: int,
    *,
    level: RiskLevel | None,
    notes: str | None,
    session: Session,
    actor: str | None,
    today: date,
) -> Contract:
    """风险评估: the contract's risk level and notes (None clears them); kept as history."""
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.RISK)
    text = _text(notes, "notes", required=False, limit=1000)
    if level is None and text:
        raise _refuse("level", "a risk note needs a level: low, medium or high.")
    changes = {
        key: [getattr(contract, key), new]
        for key, new in (("risk_level", level), ("risk_notes", text))
        if getattr(contract, key) != new
    }
    if not changes:
        return contract
    _set(contract, changes)
    if level is None:
        description = "风险评估已清除"
    else:
        description = f"风险等级：{label_zh(level)}" + (f"；{text}" if text else "")
    _event(contract, K.RISK, today, description, session=session)
    _audit(contract, changes, session=session, actor=actor)
    session.flush()
    return contract


# -- delivery ------------------------------------------------------------------------------------


def add_milestone(
    contract_id: int,
    *,
    what: str,
    due_on: date,
    session: Session,
    actor: str | None,
    today: date,
) -> ContractEvent:
    """A delivery milestone (交货节点): what is to be delivered, by when."""
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.MILESTONE)
    text = _text(what, "what", required=True)
    assert text is not None
    event = _event(contract, K.MILESTONE, today, text, session=session, due_on=due_on)
    contract.updated_at = utcnow()
    session.flush()
    _audit(
        contract,
        {"milestone_id": event.id, "milestone": text, "due_on": due_on},
        session=session,
        actor=actor,
    )
    return event


def open_milestones(contract_id: int, *, session: Session) -> list[ContractEvent]:
    """The contract's milestones not delivered yet, soonest due first."""
    stmt = (
        select(ContractEvent)
        .where(
            col(ContractEvent.contract_id) == contract_id,
            col(ContractEvent.kind) == K.MILESTONE,
            col(ContractEvent.delivered_on).is_(None),
        )
        .order_by(col(ContractEvent.due_on), col(ContractEvent.id))
    )
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class Delivery:
    milestone: ContractEvent
    visit: Visit  # the return visit (回访) after it: planned now, or the one already planned


def record_delivery(
    contract_id: int,
    *,
    delivered_on: date,
    milestone_id: int | None = None,
    what: str | None = None,
    session: Session,
    actor: str | None,
    today: date,
    within_days: int,
    zone: tzinfo,
    now: datetime | None = None,
) -> Delivery:
    """交货: mark a milestone delivered and plan the return visit (回访) after it.

    The milestone is `milestone_id`; or, with `what`, a delivery nobody planned (recorded
    as a milestone due and delivered that day); or, with neither, the contract's only
    open milestone. The return visit is due within `within_days` (settings:
    visits.return_visit_within_days) of the delivery, in the user's time zone `zone`; if a
    return visit for the contract is still planned, that one covers this delivery too.
    """
    contract = get_contract(contract_id, session=session)
    _guard(contract, Action.DELIVER)
    _not_after_today(delivered_on, today, "the delivery date", "delivered_on")
    if milestone_id is None and what is not None:
        text = _text(what, "what", required=True)
        assert text is not None
        milestone = _event(
            contract, K.MILESTONE, delivered_on, text, session=session, due_on=delivered_on
        )
    else:
        milestone = _pick_milestone(contract, milestone_id, session=session)
        if milestone.delivered_on is not None:
            raise ConflictError(
                f"milestone {milestone.id} “{milestone.description}” of contract "
                f"{contract.number} was already delivered on {milestone.delivered_on}.",
            )
    old = milestone.delivered_on
    milestone.delivered_on = delivered_on
    milestone.occurred_on = delivered_on  # on the timeline a milestone sits at its delivery
    session.add(milestone)
    contract.updated_at = utcnow()
    session.flush()
    assert contract.id is not None
    _audit(
        contract,
        {"milestone_id": milestone.id, "delivered_on": [old, delivered_on]},
        session=session,
        actor=actor,
    )
    visit = plan_return_visit(
        session=session,
        customer_id=contract.customer_id,
        contract_id=contract.id,
        delivered_on=delivered_on,
        within_days=within_days,
        zone=zone,
        actor=actor,
        now=now,
    )
    session.flush()
    return Delivery(milestone, visit)


def _pick_milestone(
    contract: Contract, milestone_id: int | None, *, session: Session
) -> ContractEvent:
    if milestone_id is not None:
        event = session.get(ContractEvent, milestone_id)
        if event is None or event.contract_id != contract.id or event.kind != K.MILESTONE:
            raise NotFoundError(
                f"contract {contract.number} has no delivery milestone {milestone_id}.",
                hint="See its milestones with `clientdesk contract show NUMBER`.",
            )
        return event
    assert contract.id is not None
    waiting = open_milestones(contract.id, session=session)
    if len(waiting) == 1:
        return waiting[0]
    if not waiting:
        raise _refuse(
            "milestone",
            f"contract {contract.number} has no open delivery milestone.",
            hint="Say what was delivered (--what) to record a delivery nobody planned.",
        )
    listed = "; ".join(f"{m.id} {m.description} (due {m.due_on})" for m in waiting[:10])
    raise _refuse(
        "milestone",
        f"contract {contract.number} has {len(waiting)} open milestones: {listed}.",
        hint="Say which one was delivered (--milestone ID).",
    )


# -- the calendar ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueResult:
    activated: int
    expired: int


def _advance(contract: Contract, today: date, *, session: Session, actor: str | None) -> int:
    """Apply the calendar to one contract: signed → active → expired as the dates say."""
    steps = 0
    if (
        contract.status == ContractStatus.SIGNED
        and contract.start_on is not None
        and contract.start_on <= today
    ):
        changes = _move(contract, Action.ACTIVATE)
        _set(contract, changes)
        began = max(contract.start_on, contract.signed_on or contract.start_on)
        _event(contract, K.ACTIVATED, began, "合同生效", session=session)
        _audit(contract, changes | {"active_from": began}, session=session, actor=actor)
        steps |= 1
    if (
        contract.status == ContractStatus.ACTIVE
        and contract.end_on is not None
        and contract.end_on < today
    ):
        changes = _move(contract, Action.EXPIRE)
        _set(contract, changes)
        ended = contract.end_on + timedelta(days=1)
        _event(contract, K.EXPIRED, ended, "合同到期", session=session)
        _audit(contract, changes | {"ended_on": contract.end_on}, session=session, actor=actor)
        steps |= 2
    return steps


def activate_due(*, session: Session, today: date, actor: str | None) -> DueResult:
    """Bring statuses up to the calendar: signed contracts whose start date has come become
    active, active ones past their end date expire. Idempotent; only the contracts due are
    read (index ix_contracts_status_end), a chunk at a time."""
    activated = expired = 0
    due_to_start = (col(Contract.status) == ContractStatus.SIGNED) & (
        col(Contract.start_on) <= today
    )
    due_to_end = (col(Contract.status) == ContractStatus.ACTIVE) & (col(Contract.end_on) < today)
    for condition in (due_to_start, due_to_end):
        while True:
            chunk = list(
                session.execute(
                    select(Contract).where(condition).order_by(col(Contract.id)).limit(SWEEP_CHUNK)
                ).scalars()
            )
            for contract in chunk:
                steps = _advance(contract, today, session=session, actor=actor)
                activated += steps & 1
                expired += steps >> 1
            session.flush()
            if len(chunk) < SWEEP_CHUNK:
                break
    return DueResult(activated, expired)
