"""Contracts over a real database: the state machine (every allowed and refused step),
the calendar sweep, amendments in order, renewal chains, deliveries planning return visits,
risk notes, and refused input leaving the database as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain import AuditEntry, Contract, ContractEvent, Visit
from clientdesk.domain.contract_detail import contract_detail, renewal_chain
from clientdesk.domain.contract_states import Action, allowed_actions
from clientdesk.domain.contracts import (
    activate_due,
    add_milestone,
    amend_contract,
    build_create,
    build_update,
    complete_contract,
    create_contract,
    edit_draft,
    get_by_number,
    local_today,
    next_contract_number,
    record_delivery,
    renew_contract,
    set_risk,
    sign_contract,
    terminate_contract,
)
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import (
    ContractEventKind,
    ContractStatus,
    RiskLevel,
    VisitKind,
    VisitStatus,
)
from clientdesk.errors import ConflictError, NotFoundError, ValidationError
from clientdesk.storage.database import Database

TODAY = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ZONE = ZoneInfo("Asia/Shanghai")
S = ContractStatus
K = ContractEventKind
DAY = timedelta(days=1)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with Session(database.engine) as s:
        yield s


def customer(session: Session, name: str = "北京华信科技有限公司", **kw: Any) -> int:
    made = create_customer(CustomerCreate(name=name, **kw), session=session, actor="tester")
    assert made.id is not None
    return made.id


_numbers = iter(range(1, 10_000))


def draft(
    session: Session,
    customer_id: int,
    *,
    start: date = TODAY + timedelta(days=10),
    end: date | None = TODAY + timedelta(days=375),
    value: int = 12_000_000,
    number: str | None = None,
    title: str = "年度采购框架协议",
) -> Contract:
    data = build_create(
        customer_id=customer_id,
        number=number or f"HT-T-{next(_numbers):05d}",
        title=title,
        start_on=start,
        end_on=end,
        value_cents=value,
        payment_terms="货到30天内付清",
    )
    return create_contract(data, session=session, actor="tester", today=TODAY)


def cid(contract: Contract) -> int:
    assert contract.id is not None
    return contract.id


def in_status(session: Session, customer_id: int, status: ContractStatus) -> Contract:
    """A contract brought to `status` the way a user would, through the service functions."""
    if status == S.DRAFT:
        return draft(session, customer_id)
    if status == S.SIGNED:
        contract = draft(session, customer_id)
        return sign_contract(cid(contract), signed_on=TODAY, **ACT)
    if status == S.EXPIRED:
        contract = draft(
            session, customer_id, start=TODAY - timedelta(days=400), end=TODAY - timedelta(days=35)
        )
        sign_contract(cid(contract), signed_on=TODAY - timedelta(days=410), **ACT)
        assert contract.status == S.EXPIRED
        return contract
    contract = draft(
        session, customer_id, start=TODAY - timedelta(days=30), end=TODAY + timedelta(days=335)
    )
    sign_contract(cid(contract), signed_on=TODAY - timedelta(days=40), **ACT)
    assert contract.status == S.ACTIVE
    if status == S.COMPLETED:
        complete_contract(cid(contract), on=TODAY, **ACT)
    if status == S.TERMINATED:
        terminate_contract(cid(contract), reason="客户违约", on=TODAY, **ACT)
    return contract


ACT: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _act(session: Session) -> Iterator[None]:
    ACT.clear()
    ACT.update(session=session, actor="tester", today=TODAY)
    yield
    ACT.clear()


def deliver(contract_id: int, **kw: Any) -> Any:
    return record_delivery(
        contract_id,
        delivered_on=kw.pop("delivered_on", TODAY),
        within_days=7,
        zone=ZONE,
        now=NOW,
        **ACT,
        **kw,
    )


STEPS: dict[Action, Callable[[int], Any]] = {
    Action.SIGN: lambda k: sign_contract(k, signed_on=TODAY, **ACT),
    Action.EDIT: lambda k: edit_draft(k, build_update(title="修改后的名称"), **ACT),
    Action.AMEND: lambda k: amend_contract(
        k, on=TODAY, what="增加数量", value_change_cents=100_000, **ACT
    ),
    Action.RENEW: lambda k: renew_contract(k, **ACT),
    Action.MILESTONE: lambda k: add_milestone(
        k, what="首批货物交付", due_on=TODAY + timedelta(days=20), **ACT
    ),
    Action.DELIVER: lambda k: deliver(k, what="首批货物"),
    Action.RISK: lambda k: set_risk(k, level=RiskLevel.HIGH, notes="回款慢", **ACT),
    Action.COMPLETE: lambda k: complete_contract(k, on=TODAY, **ACT),
    Action.TERMINATE: lambda k: terminate_contract(k, reason="双方协商解除", on=TODAY, **ACT),
}

# What each user action does from each status: the status after it, or None when refused.
# Written out by hand (not read from contract_states) so that a change to the machine
# must be made in both places.
EXPECTED: dict[ContractStatus, dict[Action, ContractStatus | None]] = {
    S.DRAFT: {
        Action.SIGN: S.SIGNED,
        Action.EDIT: S.DRAFT,
        Action.AMEND: None,
        Action.RENEW: None,
        Action.MILESTONE: S.DRAFT,
        Action.DELIVER: None,
        Action.RISK: S.DRAFT,
        Action.COMPLETE: None,
        Action.TERMINATE: S.TERMINATED,
    },
    S.SIGNED: {
        Action.SIGN: None,
        Action.EDIT: None,
        Action.AMEND: S.SIGNED,
        Action.RENEW: None,
        Action.MILESTONE: S.SIGNED,
        Action.DELIVER: S.SIGNED,
        Action.RISK: S.SIGNED,
        Action.COMPLETE: None,
        Action.TERMINATE: S.TERMINATED,
    },
    S.ACTIVE: {
        Action.SIGN: None,
        Action.EDIT: None,
        Action.AMEND: S.ACTIVE,
        Action.RENEW: S.ACTIVE,
        Action.MILESTONE: S.ACTIVE,
        Action.DELIVER: S.ACTIVE,
        Action.RISK: S.ACTIVE,
        Action.COMPLETE: S.COMPLETED,
        Action.TERMINATE: S.TERMINATED,
    },
    S.EXPIRED: {
        Action.SIGN: None,
        Action.EDIT: None,
        Action.AMEND: None,
        Action.RENEW: S.EXPIRED,
        Action.MILESTONE: None,
        Action.DELIVER: S.EXPIRED,
        Action.RISK: S.EXPIRED,
        Action.COMPLETE: S.COMPLETED,
        Action.TERMINATE: None,
    },
    S.COMPLETED: {
        Action.SIGN: None,
        Action.EDIT: None,
        Action.AMEND: None,
        Action.RENEW: S.COMPLETED,
        Action.MILESTONE: None,
        Action.DELIVER: None,
        Action.RISK: None,
        Action.COMPLETE: None,
        Action.TERMINATE: None,
    },
    S.TERMINATED: dict.fromkeys(STEPS, None),
}
CASES = [(status, action) for status in EXPECTED for action in EXPECTED[status]]


def snapshot(session: Session) -> tuple[Any, ...]:
    """Everything a step may write, to compare before and after a refusal."""
    count = session.execute(
        select(
            select(func.count()).select_from(Contract).scalar_subquery(),
            select(func.count()).select_from(ContractEvent).scalar_subquery(),
            select(func.count()).select_from(AuditEntry).scalar_subquery(),
            select(func.count()).select_from(Visit).scalar_subquery(),
        )
    ).one()
    rows = session.execute(
        select(Contract.status, Contract.value_cents, Contract.end_on).order_by(col(Contract.id))
    ).all()
    return (*count, tuple(rows))


def test_every_status_and_action_is_in_the_table() -> None:
    assert set(EXPECTED) == set(S)
    assert all(set(row) == set(STEPS) for row in EXPECTED.values())


@pytest.mark.parametrize(("status", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_state_machine(session: Session, status: ContractStatus, action: Action) -> None:
    contract = in_status(session, customer(session), status)
    assert contract.status == status
    session.commit()
    expected = EXPECTED[status][action]
    events = len(contract_detail(cid(contract), session=session, today=TODAY).history)
    if expected is None:
        before = snapshot(session)
        with pytest.raises(ConflictError) as refused:
            STEPS[action](cid(contract))
        session.rollback()
        assert snapshot(session) == before
        message = str(refused.value)
        assert f"is {status.value}" in message
        allowed = allowed_actions(status)
        if allowed:
            assert f"From {status.value} you can: {', '.join(a.value for a in allowed)}" in message
        else:
            assert "closed" in message
        assert action not in allowed
        return
    assert action in allowed_actions(status)
    STEPS[action](cid(contract))
    session.commit()
    session.refresh(contract)
    assert contract.status == expected
    detail = contract_detail(cid(contract), session=session, today=TODAY)
    assert len(detail.history) > events  # every step leaves an event
    audit = session.execute(
        select(func.count()).where(
            col(AuditEntry.entity) == "contract", col(AuditEntry.entity_id) == contract.id
        )
    ).scalar_one()
    assert audit == len(detail.history)  # ... and an audit entry


def test_allowed_actions_match_the_table() -> None:
    for status, row in EXPECTED.items():
        assert set(allowed_actions(status)) == {a for a, after in row.items() if after}


# -- the calendar ----------------------------------------------------------------------------------


def test_signed_contract_becomes_active_on_its_start_date(session: Session) -> None:
    contract = draft(session, customer(session), start=TODAY + timedelta(days=3))
    sign_contract(cid(contract), signed_on=TODAY, **ACT)
    assert contract.status == S.SIGNED
    assert activate_due(session=session, today=TODAY + timedelta(days=2), actor="x").activated == 0
    assert contract.status == S.SIGNED
    result = activate_due(session=session, today=TODAY + timedelta(days=3), actor="x")
    assert (result.activated, result.expired) == (1, 0)
    assert contract.status == S.ACTIVE
    activated = [e for e in contract_detail(cid(contract), session=session, today=TODAY).history
                 if e.kind == K.ACTIVATED]  # fmt: skip
    assert [e.occurred_on for e in activated] == [TODAY + timedelta(days=3)]
    again = activate_due(session=session, today=TODAY + timedelta(days=3), actor="x")
    assert (again.activated, again.expired) == (0, 0)


def test_active_contract_expires_the_day_after_its_end(session: Session) -> None:
    contract = in_status(session, customer(session), S.ACTIVE)
    end = contract.end_on
    assert end is not None
    assert activate_due(session=session, today=end, actor="x").expired == 0
    assert activate_due(session=session, today=end + timedelta(days=1), actor="x").expired == 1
    assert contract.status == S.EXPIRED
    history = contract_detail(cid(contract), session=session, today=TODAY).history
    assert history[-1].kind == K.EXPIRED and history[-1].occurred_on == end + timedelta(days=1)


def test_sweep_handles_many_contracts_in_chunks(session: Session) -> None:
    owner = customer(session)
    made = []
    for _ in range(1203):  # more than two chunks
        contract = draft(session, owner, start=TODAY - timedelta(days=5), end=TODAY + timedelta(9))
        contract.status, contract.signed_on = S.SIGNED, TODAY - timedelta(days=6)
        made.append(contract)
    session.flush()
    result = activate_due(session=session, today=TODAY, actor="x")
    assert (result.activated, result.expired) == (1203, 0)
    result = activate_due(session=session, today=TODAY + timedelta(days=10), actor="x")
    assert (result.activated, result.expired) == (0, 1203)
    assert {c.status for c in made} == {S.EXPIRED}


def test_signing_after_the_whole_term_leaves_it_expired(session: Session) -> None:
    contract = in_status(session, customer(session), S.EXPIRED)
    kinds = [e.kind for e in contract_detail(cid(contract), session=session, today=TODAY).history]
    # History is in date order: signed, in force and ended long before it was entered today.
    assert kinds == [K.SIGNED, K.ACTIVATED, K.EXPIRED, K.CREATED]


def test_signing_needs_a_start_date_and_a_date_not_in_the_future(session: Session) -> None:
    contract = draft(session, customer(session))
    with pytest.raises(ValidationError, match="after today"):
        sign_contract(cid(contract), signed_on=TODAY + timedelta(days=1), **ACT)
    edit_draft(cid(contract), build_update(start_on=None), **ACT)
    with pytest.raises(ValidationError, match="no start date") as refused:
        sign_contract(cid(contract), signed_on=TODAY, **ACT)
    assert refused.value.field == "start_on"


def test_local_today_follows_the_time_zone() -> None:
    late_evening_utc = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)  # 01:00 on July 1st in Shanghai
    assert local_today("Asia/Shanghai", late_evening_utc) == date(2026, 7, 1)
    assert local_today("Europe/London", late_evening_utc) == date(2026, 6, 30)


# -- amendments --------------------------------------------------------------------------------


def test_amendments_keep_their_history_in_date_order(session: Session) -> None:
    contract = in_status(session, customer(session), S.ACTIVE)
    k = cid(contract)
    amend_contract(
        k, on=TODAY - timedelta(days=2), what="增加数量", value_change_cents=500_000, **ACT
    )
    amend_contract(k, on=TODAY - timedelta(days=20), what="调整单价", value_change_cents=-200_000,
                   payment_terms="月结", **ACT)  # fmt: skip
    amend_contract(k, on=TODAY, what="延长工期", end_on=TODAY + timedelta(days=500), **ACT)
    session.commit()
    detail = contract_detail(k, session=session, today=TODAY)
    assert [a.on for a in detail.amendments] == [
        TODAY - timedelta(days=20),
        TODAY - timedelta(days=2),
        TODAY,
    ]
    assert detail.original_value_cents == 12_000_000
    assert [a.value_after_cents for a in detail.amendments] == [11_800_000, 12_300_000, 12_300_000]
    assert [a.value_change_cents for a in detail.amendments] == [-200_000, 500_000, 0]
    assert detail.amendments[0].description == "调整单价；付款条件 货到30天内付清 → 月结"
    assert detail.amendments[2].description.startswith("延长工期；结束日期 ")
    # The contract itself shows the current terms.
    assert contract.value_cents == 12_300_000
    assert contract.payment_terms == "月结"
    assert contract.end_on == TODAY + timedelta(days=500)
    assert detail.days_to_expiry == 500


def test_amendment_refusals_save_nothing(session: Session) -> None:
    contract = in_status(session, customer(session), S.ACTIVE)
    session.commit()
    before = snapshot(session)
    k = cid(contract)
    refusals: list[tuple[Callable[[], Any], str]] = [
        (lambda: amend_contract(k, on=TODAY, what="x", value_change_cents=-12_000_001, **ACT),
         "negative"),
        (lambda: amend_contract(k, on=TODAY, what="  ", **ACT), "required"),
        (lambda: amend_contract(k, on=TODAY + timedelta(days=1), what="x", **ACT), "after today"),
        (lambda: amend_contract(k, on=TODAY - timedelta(days=41), what="x", **ACT),
         "before the signing date"),
        (lambda: amend_contract(k, on=TODAY, what="x", end_on=TODAY - timedelta(days=31), **ACT),
         "before the start date"),
        (lambda: amend_contract(k, on=TODAY, what="x", end_on=TODAY - timedelta(days=1), **ACT),
         "before the amendment's date"),
    ]  # fmt: skip
    for attempt, message in refusals:
        with pytest.raises(ValidationError, match=message):
            attempt()
        session.rollback()
        assert snapshot(session) == before


def test_amending_a_terminated_contract_is_refused_with_what_is_allowed(session: Session) -> None:
    contract = in_status(session, customer(session), S.TERMINATED)
    session.commit()
    before = snapshot(session)
    with pytest.raises(ConflictError) as refused:
        amend_contract(cid(contract), on=TODAY, what="追加", value_change_cents=1, **ACT)
    session.rollback()
    assert snapshot(session) == before
    assert "is terminated (已解除): it cannot be amended" in str(refused.value)


# -- renewals ------------------------------------------------------------------------------------


def test_renewal_chain_is_visible_from_every_link(session: Session) -> None:
    first = in_status(session, customer(session), S.COMPLETED)
    second = renew_contract(cid(first), number="HT-R-2", **ACT)
    assert second.status == S.DRAFT and second.renewal_of_id == first.id
    assert first.end_on is not None and first.start_on is not None
    assert second.start_on == first.end_on + timedelta(days=1)
    assert second.end_on == second.start_on + (first.end_on - first.start_on)
    assert second.value_cents == first.value_cents and second.title == first.title
    sign_contract(cid(second), signed_on=TODAY, **ACT)
    assert second.start_on is not None
    activate_due(session=session, today=second.start_on, actor="x")
    assert second.status == S.ACTIVE
    third = renew_contract(cid(second), number="HT-R-3", value_cents=20_000_000, **ACT)
    session.commit()
    expected = [first.number, "HT-R-2", "HT-R-3"]
    for link in (first, second, third):
        assert [c.number for c in renewal_chain(cid(link), session=session)] == expected
    detail = contract_detail(cid(second), session=session, today=TODAY)
    assert detail.renewal_of is not None and detail.renewal_of.number == first.number
    assert detail.renewed_by is not None and detail.renewed_by.number == "HT-R-3"
    renewed = [e for e in contract_detail(cid(first), session=session, today=TODAY).history
               if e.kind == K.RENEWED]  # fmt: skip
    assert [e.description for e in renewed] == ["续签为 HT-R-2"]


def test_a_contract_is_renewed_once_unless_the_renewal_is_abandoned(session: Session) -> None:
    old = in_status(session, customer(session), S.ACTIVE)
    first = renew_contract(cid(old), number="HT-R-A", **ACT)
    with pytest.raises(ConflictError, match="already renewed by HT-R-A"):
        renew_contract(cid(old), number="HT-R-B", **ACT)
    terminate_contract(cid(first), reason="客户未签", on=TODAY, **ACT)
    second = renew_contract(cid(old), number="HT-R-B", **ACT)
    numbers = [c.number for c in renewal_chain(cid(old), session=session)]
    assert numbers == [old.number, second.number]


# -- deliveries ----------------------------------------------------------------------------------


def test_delivery_plans_a_return_visit(session: Session) -> None:
    contract = in_status(session, customer(session), S.ACTIVE)
    k = cid(contract)
    first = add_milestone(k, what="首批货物交付", due_on=TODAY - timedelta(days=3), **ACT)
    add_milestone(k, what="项目验收", due_on=TODAY + timedelta(days=60), **ACT)
    detail = contract_detail(k, session=session, today=TODAY)
    assert [(m.what, m.overdue) for m in detail.milestones] == [
        ("首批货物交付", True),
        ("项目验收", False),
    ]
    delivery = deliver(k, milestone_id=first.id, delivered_on=TODAY - timedelta(days=1))
    session.commit()
    assert first.delivered_on == TODAY - timedelta(days=1)
    visits = session.execute(select(Visit).where(col(Visit.contract_id) == k)).scalars().all()
    assert len(visits) == 1
    visit = visits[0]
    assert visit is delivery.visit
    assert (visit.kind, visit.status) == (VisitKind.RETURN, VisitStatus.PLANNED)
    assert visit.customer_id == contract.customer_id
    assert visit.planned_at.astimezone(ZONE) == datetime(2026, 7, 6, 10, 0, tzinfo=ZONE)
    detail = contract_detail(k, session=session, today=TODAY)
    assert detail.overdue_deliveries == 0
    assert detail.milestones[0].late_days == 2


def test_delivery_refusals(session: Session) -> None:
    contract = in_status(session, customer(session), S.ACTIVE)
    k = cid(contract)
    with pytest.raises(ValidationError, match="no open delivery milestone"):
        deliver(k)
    a = add_milestone(k, what="A", due_on=TODAY, **ACT)
    b = add_milestone(k, what="B", due_on=TODAY, **ACT)
    with pytest.raises(ValidationError, match="2 open milestones"):
        deliver(k)
    deliver(k, milestone_id=a.id)
    with pytest.raises(ConflictError, match="already delivered"):
        deliver(k, milestone_id=a.id)
    with pytest.raises(ValidationError, match="after today"):
        deliver(k, milestone_id=b.id, delivered_on=TODAY + timedelta(days=1))
    other = in_status(session, customer(session, "上海东方贸易有限公司"), S.ACTIVE)
    with pytest.raises(NotFoundError, match="no delivery milestone"):
        deliver(cid(other), milestone_id=b.id)
    delivered = deliver(k)  # B is now the only open one
    assert delivered.milestone.id == b.id


# -- risk ------------------------------------------------------------------------------------------


def test_risk_notes_are_kept_as_history_and_queryable(session: Session) -> None:
    from clientdesk.domain.contract_list import contracts_at_risk

    mine, theirs = customer(session), customer(session, "上海东方贸易有限公司")
    high = in_status(session, mine, S.ACTIVE)
    medium = in_status(session, mine, S.SIGNED)
    low = in_status(session, theirs, S.ACTIVE)
    closed = in_status(session, theirs, S.COMPLETED)
    set_risk(cid(high), level=RiskLevel.MEDIUM, notes="回款偶有延迟", **ACT)
    set_risk(cid(high), level=RiskLevel.HIGH, notes="连续两期逾期", **ACT)
    set_risk(cid(medium), level=RiskLevel.MEDIUM, notes=None, **ACT)
    set_risk(cid(low), level=RiskLevel.LOW, notes="风险可控", **ACT)
    closed.risk_level = RiskLevel.HIGH  # a closed contract carries no live risk
    session.commit()
    assert [r.number for r in contracts_at_risk(session=session)] == [high.number, medium.number]
    assert [r.number for r in contracts_at_risk(session=session, customer_ids=[theirs])] == []
    everything = contracts_at_risk(session=session, min_level=RiskLevel.LOW, customer_ids=[theirs])
    assert [r.number for r in everything] == [low.number]
    history = contract_detail(cid(high), session=session, today=TODAY).history
    events = [e.description for e in history if e.kind == K.RISK]
    assert events == ["风险等级：中；回款偶有延迟", "风险等级：高；连续两期逾期"]
    set_risk(cid(high), level=None, notes=None, **ACT)
    assert (high.risk_level, high.risk_notes) == (None, None)
    with pytest.raises(ValidationError, match="needs a level"):
        set_risk(cid(high), level=None, notes="只有说明", **ACT)


# -- creating and editing -------------------------------------------------------------------------


def test_create_writes_event_and_audit(session: Session) -> None:
    owner = customer(session, owner="王芳")
    contract = draft(session, owner, number=" HT-2026-000007 ")
    assert contract.number == "HT-2026-000007"
    assert contract.owner == "王芳"  # the customer's account manager by default
    history = contract_detail(cid(contract), session=session, today=TODAY).history
    assert [(e.kind, e.occurred_on, e.description) for e in history] == [
        (K.CREATED, TODAY, "起草合同")
    ]
    entry = session.execute(
        select(AuditEntry).where(
            col(AuditEntry.entity) == "contract", col(AuditEntry.entity_id) == contract.id
        )
    ).scalar_one()
    assert entry.entity == "contract" and entry.changes["number"] == "HT-2026-000007"
    assert next_contract_number(session=session, year=2026) == "HT-2026-000008"
    assert next_contract_number(session=session, year=2027) == "HT-2027-000001"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"end_on": TODAY - timedelta(days=1)}, "end_on", "before the start date"),
        ({"value_cents": -1}, "value_cents", "negative"),
        ({"title": "   "}, "title", "required"),
        ({"number": ""}, "number", "required"),
        ({"number": "X" * 41}, "number", "longer than 40"),
        ({"currency": "yuan"}, "currency", "three-letter"),
    ],
)
def test_bad_terms_are_refused_by_field(values: dict[str, Any], field: str, message: str) -> None:
    base = {"customer_id": 1, "number": "HT-1", "title": "t", "start_on": TODAY, "value_cents": 0}
    with pytest.raises(ValidationError, match=message) as refused:
        build_create(**(base | values))
    assert refused.value.field == field


def test_duplicate_number_names_the_existing_contract(session: Session) -> None:
    first = draft(session, customer(session), number="HT-2026-000001")
    other = customer(session, "上海东方贸易有限公司")
    session.commit()
    before = snapshot(session)
    for clash in ("HT-2026-000001", "ht-2026-000001", "ＨＴ-2026-000001"):
        with pytest.raises(ConflictError) as refused:
            draft(session, other, number=clash)
        session.rollback()
        assert snapshot(session) == before
        message = str(refused.value)
        assert "already used by contract HT-2026-000001 “年度采购框架协议”" in message
        assert "北京华信科技有限公司" in message and "HT-2026-000002" in message
    assert first.id is not None


def test_editing_a_draft_checks_the_merged_terms(session: Session) -> None:
    contract = draft(session, customer(session))
    k = cid(contract)
    with pytest.raises(ValidationError, match="before the start date"):
        edit_draft(k, build_update(end_on=TODAY), **ACT)
    draft(session, contract.customer_id, number="HT-TAKEN")
    with pytest.raises(ConflictError, match="already used"):
        edit_draft(k, build_update(number="HT-TAKEN"), **ACT)
    edit_draft(k, build_update(value_cents=9_900_000, payment_terms="预付30%"), **ACT)
    history = contract_detail(k, session=session, today=TODAY).history
    assert history[-1].kind == K.EDITED
    assert history[-1].description == "修改合同条款：金额、付款条件"


def test_unknown_contract_and_customer(session: Session) -> None:
    with pytest.raises(NotFoundError, match="no contract has the number 'HT-NONE'"):
        get_by_number("HT-NONE", session=session)
    with pytest.raises(NotFoundError, match="customer 999 does not exist"):
        draft(session, 999)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9/_ -]{0,38}[A-Za-z0-9]", fullmatch=True))
def test_numbers_are_unique_however_they_are_typed(session: Session, number: str) -> None:
    """The same number typed again in other letter case, full width or spacing is refused
    as a duplicate; and it is found by any of those spellings."""
    owner = customer(session, f"客户{number}")
    made = draft(session, owner, number=number)
    assert made.number == " ".join(number.split())
    for again in (number.upper(), number.lower(), full_width(number), f"  {number} "):
        with pytest.raises(ConflictError, match="already used"):
            draft(session, owner, number=again)
        assert get_by_number(again, session=session).id == made.id
    session.rollback()


def test_contract_values_count_toward_revenue_by_status(session: Session) -> None:
    """Grading counts contracts signed in the last 12 months with no sale booked against
    them (domain/regrade.py): whether still running, run out or completed, but not once
    terminated nor while a draft."""
    from clientdesk.config import Settings
    from clientdesk.domain.regrade import evaluate

    grading = Settings().grading
    counted = {}
    entered = NOW - 500 * DAY  # on file before TODAY: a run for a past day skips later ones
    for status in S:
        owner = customer(session, f"客户{status.value}", created_at=entered)
        in_status(session, owner, status)
        counted[status] = owner
    # a six-month contract signed within the 12 months
    short = customer(session, "短期客户", created_at=entered)
    ran_out = draft(session, short, start=TODAY - 200 * DAY, end=TODAY - 20 * DAY)
    sign_contract(cid(ran_out), signed_on=TODAY - 210 * DAY, **ACT)
    assert ran_out.status == S.EXPIRED
    session.commit()
    uninvoiced = {
        item.customer_id: item.inputs.uninvoiced_contract_cents
        for item in evaluate(
            session=session,
            as_of=TODAY,
            weights=grading.weights.model_dump(),
            thresholds=grading.thresholds.model_dump(),
        )
    }
    got = {status: uninvoiced[owner] for status, owner in counted.items()}
    expected = {status: 12_000_000 for status in S} | {S.DRAFT: 0, S.TERMINATED: 0}
    expected[S.EXPIRED] = 0  # that one was signed 410 days ago: outside the 12 months
    assert got == expected
    assert uninvoiced[short] == 12_000_000
