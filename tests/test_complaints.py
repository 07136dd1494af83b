"""Complaints: answer deadlines, intake, the steps of a complaint's life, escalation, disputes
and follow-up visits, against a fresh database per test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.config import Settings, load_settings
from clientdesk.domain.audit import AuditEntry
from clientdesk.domain.complaint import Complaint, ComplaintEvent
from clientdesk.domain.complaint_queue import complaint_detail
from clientdesk.domain.complaints import (
    AUTO_ESCALATION_NOTE,
    TRANSITIONS,
    ConfirmationNeeded,
    DeadlineRules,
    Step,
    acknowledge,
    add_note,
    allowed_steps,
    answer_deadline,
    answer_minutes,
    close,
    describe_time_left,
    escalate,
    get_complaint,
    is_overdue,
    plan_followup,
    record_dispute,
    reopen,
    resolve,
    start_work,
    sweep_overdue,
    take_complaint,
    time_left,
)
from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import CustomerCreate, CustomerUpdate
from clientdesk.domain.customers import add_contact, create_customer, update_customer
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    CustomerStatus,
    Grade,
    Severity,
    VisitKind,
    VisitStatus,
)
from clientdesk.domain.visit import Visit
from clientdesk.errors import ConflictError, NotFoundError, ValidationError
from clientdesk.storage.database import Database

SH = ZoneInfo("Asia/Shanghai")
RULES = DeadlineRules.from_settings(Settings())
S = ComplaintStatus


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)  # type: ignore[misc]


def new_customer(session: Session, grade: str = "B", name: str = "北京华信科技有限公司") -> int:
    customer = create_customer(
        CustomerCreate(name=name, grade=Grade(grade), owner="王芳", status=CustomerStatus.ACTIVE),
        session=session,
        actor="test",
    )
    assert customer.id is not None
    return customer.id


def take(session: Session, customer_id: int, **overrides: Any) -> Complaint:
    values: dict[str, Any] = {
        "channel": "phone",
        "category": "product",
        "severity": "medium",
        "summary": "到货产品规格不符",
    }
    values.update(overrides)
    return take_complaint(
        session=session, rules=RULES, actor="客服-何佳", customer_id=customer_id, **values
    )


def counts(database: Database) -> tuple[int, int, int]:
    """Complaints, complaint events and audit entries, read afresh."""
    with Session(database.engine) as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Complaint, ComplaintEvent, AuditEntry)
        )


# -- the deadline ------------------------------------------------------------------------------

EXPECTED_MINUTES = {
    ("A", "low"): 480, ("A", "medium"): 240, ("A", "high"): 120, ("A", "critical"): 60,
    ("B", "low"): 960, ("B", "medium"): 480, ("B", "high"): 240, ("B", "critical"): 120,
    ("C", "low"): 2880, ("C", "medium"): 1440, ("C", "high"): 720, ("C", "critical"): 360,
    ("D", "low"): 5760, ("D", "medium"): 2880, ("D", "high"): 1440, ("D", "critical"): 720,
}  # fmt: skip


@pytest.mark.parametrize(("grade", "severity"), list(EXPECTED_MINUTES))
def test_default_deadline_per_grade_and_severity(grade: str, severity: str) -> None:
    """4/8/24/48 hours by grade, times 2/1/0.5/0.25 by severity."""
    received = sh(2026, 3, 2, 9, 0)
    expected = EXPECTED_MINUTES[(grade, severity)]
    assert RULES.minutes(grade, severity) == expected
    assert RULES.due_at(received, grade, severity) == received + timedelta(minutes=expected)


@pytest.mark.parametrize(
    ("grade", "severity", "received", "due"),
    [
        ("B", "medium", sh(2026, 3, 31, 22, 30), sh(2026, 4, 1, 6, 30)),  # midnight, month end
        ("A", "critical", sh(2026, 1, 31, 23, 30), sh(2026, 2, 1, 0, 30)),
        ("C", "medium", sh(2025, 12, 31, 20, 0), sh(2026, 1, 1, 20, 0)),  # year end
        ("D", "low", sh(2024, 2, 27, 10, 0), sh(2024, 3, 2, 10, 0)),  # 29 February
        ("D", "medium", sh(2025, 2, 27, 23, 0), sh(2025, 3, 1, 23, 0)),  # no 29 February
        ("A", "medium", sh(2026, 6, 30, 21, 59), sh(2026, 7, 1, 1, 59)),
    ],
)
def test_deadline_across_midnight_and_month_ends_is_stored_exactly(
    database: Database, grade: str, severity: str, received: datetime, due: datetime
) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session, grade)
        complaint_id = take(session, customer_id, severity=severity, received_at=received).id
        session.commit()
    with Session(database.engine) as session:
        stored = get_complaint(complaint_id, session=session)  # type: ignore[arg-type]
        assert stored.due_at == due
        assert stored.due_at.tzinfo is not None
        assert stored.due_at.astimezone(SH).strftime("%Y-%m-%d %H:%M") == f"{due:%Y-%m-%d %H:%M}"
        assert stored.received_at == received


def test_deadline_is_elapsed_time_across_a_daylight_saving_change() -> None:
    """24 real hours: in New York on the night clocks go forward that reads 13:00 next day."""
    ny = ZoneInfo("America/New_York")
    received = datetime(2026, 3, 7, 12, 0, tzinfo=ny)
    due = answer_deadline(received, response_hours=24, factor=1)
    assert due.tzinfo == UTC
    assert due - received == timedelta(hours=24)
    assert due.astimezone(ny).replace(tzinfo=None) == datetime(2026, 3, 8, 13, 0)


def test_minutes_use_the_factor_as_written_and_round_down() -> None:
    assert answer_minutes(4, 0.3) == 72
    assert answer_minutes(10, 0.29) == 174  # 600 * 0.29 is 173.99999999999997 in floats
    assert answer_minutes(1, 0.33) == 19  # 19.8 minutes: never more time than allowed
    assert answer_minutes(1, 0.001) == 1  # at least a minute


def test_deadline_from_a_settings_file(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[service.A]\ncomplaint_response_hours = 10\n\n"
        "[complaints.severity_factor]\ncritical = 0.29\nhigh = 0.3\n",
        encoding="utf-8",
    )
    rules = DeadlineRules.from_settings(load_settings(path, env={}).settings)
    assert rules.minutes("A", "critical") == 174
    assert rules.minutes("A", "high") == 180
    assert rules.minutes("B", "high") == 144  # B keeps its default 8 hours
    assert rules.minutes("C", "low") == 2880  # low keeps its default factor 2
    received = sh(2026, 1, 31, 22, 0)
    with Session(database.engine) as session:
        customer_id = new_customer(session, "A")
        complaint = take_complaint(
            session=session,
            rules=rules,
            actor=None,
            customer_id=customer_id,
            channel="email",
            category="billing",
            severity="critical",
            summary="发票金额错误",
            received_at=received,
        )
        session.commit()
        assert complaint.due_at == sh(2026, 2, 1, 0, 54)


def test_a_later_regrade_does_not_move_the_deadline(database: Database) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session, "D")
        complaint = take(session, customer_id, received_at=sh(2026, 3, 2, 9, 0))
        update_customer(customer_id, CustomerUpdate(grade=Grade.A), session=session, actor="t")
        session.commit()
        session.refresh(complaint)
        assert complaint.due_at == sh(2026, 3, 4, 9, 0)


# -- intake ------------------------------------------------------------------------------------


def test_intake_in_chinese_with_a_contact_writes_history_and_audit(database: Database) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session)
        contact = add_contact(
            ContactCreate(customer_id=customer_id, name="李明"), session=session, actor="t"
        )
        complaint = take(
            session,
            customer_id,
            channel="微信",
            category="交货",
            severity="严重",
            contact_id=contact.id,
            details="  第二批货物延迟三天  ",
            received_at=sh(2026, 3, 2, 9, 0),
        )
        session.commit()
        assert complaint.channel == ComplaintChannel.WECHAT
        assert complaint.category == ComplaintCategory.DELIVERY
        assert complaint.severity == Severity.HIGH
        assert complaint.status == S.RECEIVED
        assert complaint.details == "第二批货物延迟三天"
        assert complaint.owner == "王芳"  # the account manager by default
        assert complaint.due_at == sh(2026, 3, 2, 13, 0)  # B: 8 h × 0.5
        detail = complaint_detail(complaint.id, session=session)  # type: ignore[arg-type]
    assert detail.row.contact_name == "李明"
    [event] = detail.history
    assert (event.from_status, event.to_status, event.actor) == (None, S.RECEIVED, "客服-何佳")
    assert event.note == "通过微信受理投诉：到货产品规格不符"
    with Session(database.engine) as session:
        entry = session.execute(
            select(AuditEntry).where(col(AuditEntry.entity) == "complaint")
        ).scalar_one()
        assert entry.action == "create"
        assert entry.changes["severity"] == "high"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channel", "fax", "not a valid channel"),
        ("category", "price", "not a valid category"),
        ("severity", "urgent", "not a valid severity"),
        ("summary", "   ", "summary is required"),
        ("summary", "长" * 201, "keep it within 200"),
        ("received_at", datetime(2026, 3, 2, 9, 0), "has no time zone"),
        ("received_at", datetime.now(UTC) + timedelta(days=1), "in the future"),
    ],
)
def test_intake_refuses_bad_values_and_saves_nothing(
    database: Database, field: str, value: Any, message: str
) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session)
        session.commit()
    before = counts(database)
    with Session(database.engine) as session:
        with pytest.raises(ValidationError, match=message) as caught:
            take(session, customer_id, **{field: value})
        session.rollback()
    assert caught.value.field == field
    assert counts(database) == before


def test_intake_lists_the_allowed_choices(database: Database) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session)
        with pytest.raises(ValidationError) as caught:
            take(session, customer_id, severity="blocker")
    assert "low (轻微), medium (一般), high (严重), critical (紧急)" in str(caught.value)


def test_intake_refuses_another_customers_contact_and_an_unknown_customer(
    database: Database,
) -> None:
    with Session(database.engine) as session:
        first = new_customer(session, name="甲公司")
        second = new_customer(session, name="乙公司")
        other = add_contact(
            ContactCreate(customer_id=second, name="赵六"), session=session, actor=""
        )
        with pytest.raises(ValidationError, match="not a contact of"):
            take(session, first, contact_id=other.id)
        with pytest.raises(NotFoundError, match="customer 999"):
            take(session, 999)


# -- overdue and escalation --------------------------------------------------------------------


def test_overdue_is_computed_on_read_and_the_sweep_escalates_once(database: Database) -> None:
    received = sh(2026, 3, 2, 9, 0)  # grade A, medium: due 13:00
    with Session(database.engine) as session:
        customer_id = new_customer(session, "A")
        late = take(session, customer_id, received_at=received)
        answered = take(session, customer_id, received_at=received)
        later = take(session, customer_id, received_at=received + timedelta(hours=3))
        acknowledge(answered.id, session=session, actor="t", at=received + timedelta(hours=1))  # type: ignore[arg-type]
        session.commit()
        due = late.due_at
        assert due == sh(2026, 3, 2, 13, 0)
        assert not is_overdue(late, due - timedelta(minutes=1))
        assert not is_overdue(late, due)
        assert is_overdue(late, due + timedelta(minutes=1))
        assert time_left(late, received + timedelta(hours=1)) == timedelta(hours=3)
        assert time_left(answered, due + timedelta(hours=1)) is None
        assert not is_overdue(answered, due + timedelta(hours=1))

        assert sweep_overdue(session=session, now=due - timedelta(minutes=1)) == []
        swept_at = due + timedelta(minutes=30)
        assert sweep_overdue(session=session, now=swept_at) == [late.id]
        session.commit()
        assert sweep_overdue(session=session, now=swept_at + timedelta(hours=5)) == [later.id]
        assert sweep_overdue(session=session, now=swept_at + timedelta(hours=6)) == []
        session.commit()
        late_id, answered_id = late.id, answered.id
    assert late_id is not None and answered_id is not None
    with Session(database.engine) as session:
        stored = get_complaint(late_id, session=session)
        assert stored.escalated and stored.escalated_at == swept_at
        assert stored.status == S.RECEIVED  # escalation does not change the status
        assert not get_complaint(answered_id, session=session).escalated
        history = complaint_detail(late_id, session=session).history
        assert [(e.note, e.actor, e.at) for e in history[1:]] == [
            (AUTO_ESCALATION_NOTE, None, swept_at)
        ]
        audits = session.execute(
            select(AuditEntry)
            .where(col(AuditEntry.entity) == "complaint", col(AuditEntry.entity_id) == late_id)
            .order_by(col(AuditEntry.id))
        ).scalars()
        # created not escalated, then the sweep's change
        assert [a.changes.get("escalated") for a in audits] == [False, [False, True]]


def test_acknowledged_after_the_deadline_is_answered_late_not_overdue(database: Database) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session, "A")
        complaint = take(session, customer_id, received_at=sh(2026, 3, 2, 9, 0))
        acknowledge(complaint.id, session=session, actor="t", at=sh(2026, 3, 2, 14, 0))  # type: ignore[arg-type]
        assert sweep_overdue(session=session, now=sh(2026, 3, 2, 15, 0)) == []
        row = complaint_detail(complaint.id, session=session).row  # type: ignore[arg-type]
    assert row.answered_late
    assert not row.is_overdue(sh(2026, 3, 2, 15, 0))
    assert row.time_left_text(sh(2026, 3, 2, 15, 0)) == "answered"


def test_manual_escalation(database: Database) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session)
        complaint = take(session, customer_id)
        cid: int = complaint.id  # type: ignore[assignment]
        with pytest.raises(ValidationError, match="reason is required"):
            escalate(cid, session=session, actor="经理", reason=" ")
        escalate(cid, session=session, actor="经理", reason="客户要求总经理回复")
        assert complaint.escalated and complaint.escalated_at is not None
        assert Step.ESCALATE not in [s.step for s in allowed_steps(complaint)]
        with pytest.raises(ConflictError, match="already escalated"):
            escalate(cid, session=session, actor="经理", reason="again")
        # the sweep does not escalate it a second time
        assert sweep_overdue(session=session, now=complaint.due_at + timedelta(days=1)) == []
        resolve(cid, session=session, actor="t", resolution="已处理", confirm=True)
        with pytest.raises(ConflictError, match="only an open complaint"):
            escalate(cid, session=session, actor="经理", reason="too late")
        notes = [e.note for e in complaint_detail(cid, session=session).history]
    assert "已升级至部门经理：客户要求总经理回复" in notes


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=3, minutes=20), "3h 20m left"),
        (timedelta(minutes=-45), "overdue 45m"),
        (timedelta(days=-1, hours=-2), "overdue 1d 2h"),
        (timedelta(0), "0m left"),
        (None, "answered"),
    ],
)
def test_time_left_text(delta: timedelta | None, text: str) -> None:
    assert describe_time_left(delta) == text


# -- the steps, table-driven -------------------------------------------------------------------

STEPS: dict[str, Callable[[Session, int], Complaint]] = {
    "acknowledge": lambda s, i: acknowledge(i, session=s, actor="t"),
    "start": lambda s, i: start_work(i, session=s, actor="t"),
    "resolve": lambda s, i: resolve(i, session=s, actor="t", resolution="已补发", confirm=True),
    "close": lambda s, i: close(i, session=s, actor="t", satisfaction=4, resolution="已补发"),
    "reopen": lambda s, i: reopen(i, session=s, actor="t", reason="客户仍不满意"),
}
PATH = {  # how to bring a new complaint to each status
    S.RECEIVED: [],
    S.ACKNOWLEDGED: ["acknowledge"],
    S.IN_PROGRESS: ["acknowledge", "start"],
    S.RESOLVED: ["acknowledge", "start", "resolve"],
    S.CLOSED: ["acknowledge", "start", "resolve", "close"],
}
R = None  # refused
TABLE = {
    #              acknowledge     start           resolve     close     reopen
    S.RECEIVED: (S.ACKNOWLEDGED, R, S.RESOLVED, R, R),
    S.ACKNOWLEDGED: (R, S.IN_PROGRESS, S.RESOLVED, R, R),
    S.IN_PROGRESS: (R, R, S.RESOLVED, R, R),
    S.RESOLVED: (R, R, R, S.CLOSED, S.IN_PROGRESS),
    S.CLOSED: (R, R, R, R, S.IN_PROGRESS),
}
CASES = [(status, step, TABLE[status][n]) for status in TABLE for n, step in enumerate(STEPS)]


def in_status(session: Session, status: ComplaintStatus) -> int:
    customer_id = new_customer(session)
    complaint_id = take(session, customer_id, received_at=sh(2026, 3, 2, 9, 0)).id
    assert complaint_id is not None
    for step in PATH[status]:
        STEPS[step](session, complaint_id)
    assert get_complaint(complaint_id, session=session).status == status
    return complaint_id


@pytest.mark.parametrize(
    ("status", "step", "result"), CASES, ids=[f"{s.value}-{p}" for s, p, _ in CASES]
)
def test_transition(
    database: Database, status: ComplaintStatus, step: str, result: ComplaintStatus | None
) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, status)
        session.commit()
    before = counts(database)
    with Session(database.engine) as session:
        if result is None:
            with pytest.raises(ConflictError, match="Allowed now") as caught:
                STEPS[step](session, complaint_id)
            session.rollback()
            assert f"is {status.value.replace('_', ' ')}" in str(caught.value)
        else:
            assert STEPS[step](session, complaint_id).status == result
            session.commit()
    after = counts(database)
    with Session(database.engine) as session:
        stored = get_complaint(complaint_id, session=session)
        last = complaint_detail(complaint_id, session=session).history[-1]
    if result is None:
        assert stored.status == status
        assert after == before
    else:
        assert stored.status == result
        assert (last.from_status, last.to_status, last.actor) == (status, result, "t")
        assert after == (before[0], before[1] + 1, before[2] + 1)


@pytest.mark.parametrize("status", list(S))
def test_allowed_steps_follow_the_transition_table(database: Database, status: S) -> None:
    with Session(database.engine) as session:
        complaint = get_complaint(in_status(session, status), session=session)
        offered = {s.step.value: s.to_status for s in allowed_steps(complaint) if s.to_status}
    expected = {step: TABLE[status][n] for n, step in enumerate(STEPS) if TABLE[status][n]}
    assert offered == expected
    assert {s.value: to for s, (_, to) in TRANSITIONS.items()}.items() >= offered.items()


def test_resolving_an_unacknowledged_complaint_needs_confirmation(database: Database) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, S.RECEIVED)
        session.commit()
        [resolve_step] = [
            s
            for s in allowed_steps(get_complaint(complaint_id, session=session))
            if s.step == Step.RESOLVE
        ]
        assert resolve_step.needs_confirmation
    before = counts(database)
    with Session(database.engine) as session:
        with pytest.raises(ConfirmationNeeded, match="never acknowledged"):
            resolve(complaint_id, session=session, actor="t", resolution="已退款")
        session.rollback()
    assert counts(database) == before
    with Session(database.engine) as session:
        complaint = resolve(
            complaint_id, session=session, actor="t", resolution="已退款", confirm=True
        )
        session.commit()
        assert complaint.status == S.RESOLVED
        assert complaint.acknowledged_at is None  # on record as never acknowledged
        assert complaint.resolution == "已退款"


@pytest.mark.parametrize(
    ("resolution", "satisfaction", "message"),
    [
        (None, None, "without a resolution text .* and the customer's satisfaction"),
        (None, 5, "without a resolution text"),
        ("已补发", None, "without the customer's satisfaction"),
        ("已补发", 0, "not a score from 1"),
        ("已补发", 6, "not a score from 1"),
    ],
)
def test_closing_without_resolution_or_satisfaction_is_refused_and_nothing_saved(
    database: Database, resolution: str | None, satisfaction: int | None, message: str
) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session)
        complaint_id = take(session, customer_id).id
        assert complaint_id is not None
        acknowledge(complaint_id, session=session, actor="t")
        resolve(complaint_id, session=session, actor="t")  # no resolution text yet
        session.commit()
    before = counts(database)
    with Session(database.engine) as session:
        with pytest.raises(ValidationError, match=message):
            close(
                complaint_id,
                session=session,
                actor="t",
                satisfaction=satisfaction,
                resolution=resolution,
            )
        session.rollback()
    assert counts(database) == before
    with Session(database.engine) as session:
        stored = get_complaint(complaint_id, session=session)
        assert (stored.status, stored.closed_at, stored.satisfaction) == (S.RESOLVED, None, None)
        assert stored.resolution is None


def test_resolution_given_when_resolving_is_enough_to_close(database: Database) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, S.IN_PROGRESS)
        resolve(complaint_id, session=session, actor="t", resolution="更换批次")
        complaint = close(complaint_id, session=session, actor="t", satisfaction=5)
        assert (complaint.status, complaint.resolution, complaint.satisfaction) == (
            S.CLOSED,
            "更换批次",
            5,
        )


def test_reopen_a_closed_complaint_and_close_it_again(database: Database) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, S.CLOSED)
        with pytest.raises(ValidationError, match="reason is required"):
            reopen(complaint_id, session=session, actor="t", reason="")
        complaint = reopen(complaint_id, session=session, actor="t", reason="问题再次出现")
        assert complaint.status == S.IN_PROGRESS
        assert (complaint.closed_at, complaint.resolved_at, complaint.satisfaction) == (
            None,
            None,
            None,
        )
        assert complaint.resolution == "已补发"  # kept, to be revised
        resolve(complaint_id, session=session, actor="t", resolution="更换整批货物")
        close(complaint_id, session=session, actor="t", satisfaction=3)
        session.commit()
        history = complaint_detail(complaint_id, session=session).history
    steps = [(e.from_status, e.to_status) for e in history]
    assert steps == [
        (None, S.RECEIVED),
        (S.RECEIVED, S.ACKNOWLEDGED),
        (S.ACKNOWLEDGED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
        (S.CLOSED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
    ]
    assert history[5].note == "重新打开：问题再次出现"
    assert [e.at for e in history] == sorted(e.at for e in history)


def test_a_step_before_the_last_one_on_record_is_refused(database: Database) -> None:
    with Session(database.engine) as session:
        customer_id = new_customer(session)
        complaint = take(session, customer_id, received_at=sh(2026, 3, 2, 9, 0))
        cid: int = complaint.id  # type: ignore[assignment]
        with pytest.raises(ValidationError, match="before the last step"):
            acknowledge(cid, session=session, actor="t", at=sh(2026, 3, 2, 8, 59))
        acknowledge(cid, session=session, actor="t", at=sh(2026, 3, 2, 10, 0))
        with pytest.raises(ValidationError, match="before the last step"):
            start_work(cid, session=session, actor="t", at=sh(2026, 3, 2, 9, 30))
        with pytest.raises(ValidationError, match="no time zone"):
            start_work(cid, session=session, actor="t", at=datetime(2026, 3, 2, 11, 0))
        assert start_work(cid, session=session, actor="t", at=sh(2026, 3, 2, 10, 0)).status == (
            S.IN_PROGRESS
        )
        assert complaint.acknowledged_at == sh(2026, 3, 2, 10, 0)


def test_unknown_complaint(database: Database) -> None:
    with Session(database.engine) as session, pytest.raises(NotFoundError, match="complaint 42"):
        acknowledge(42, session=session, actor="t")


# -- disputes, notes, follow-up visits ---------------------------------------------------------


def test_dispute_positions_then_outcome_and_compensation(database: Database) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, S.IN_PROGRESS)
        with pytest.raises(ValidationError, match="nothing was given"):
            record_dispute(complaint_id, session=session, actor="t")
        with pytest.raises(ValidationError, match="give each side's position first"):
            record_dispute(complaint_id, session=session, actor="t", outcome="各退一步")
        record_dispute(
            complaint_id,
            session=session,
            actor="t",
            positions="客户要求全额退款；我方认为是运输损坏",
        )
        with pytest.raises(ValidationError, match="give the outcome with it"):
            record_dispute(complaint_id, session=session, actor="t", compensation="500")
        with pytest.raises(ValidationError, match="negative"):
            record_dispute(
                complaint_id, session=session, actor="t", outcome="补偿", compensation="-10"
            )
        with pytest.raises(ValidationError, match="not an amount"):
            record_dispute(
                complaint_id, session=session, actor="t", outcome="补偿", compensation="五百"
            )
        complaint = record_dispute(
            complaint_id,
            session=session,
            actor="t",
            outcome="补偿部分货款",
            compensation="¥5,000.50",
            currency="CNY",
        )
        session.commit()
        assert complaint.dispute_positions == "客户要求全额退款；我方认为是运输损坏"
        assert complaint.dispute_outcome == "补偿部分货款"
        assert complaint.compensation_cents == 500050
        assert complaint.status == S.IN_PROGRESS
        detail = complaint_detail(complaint_id, session=session)
        audits = session.execute(
            select(AuditEntry.changes).where(  # type: ignore[call-overload]
                col(AuditEntry.entity) == "complaint", col(AuditEntry.entity_id) == complaint_id
            )
        ).scalars()
        changes = [c for c in audits if "compensation_cents" in c or "dispute_positions" in c]
    assert detail.row.has_dispute
    assert detail.history[-1].note == "纠纷 — 协商结果：补偿部分货款；补偿：CNY 5,000.50"
    assert detail.history[-2].note == "纠纷 — 各方立场：客户要求全额退款；我方认为是运输损坏"
    assert changes[-1]["compensation_cents"] == [None, 500050]


def test_zero_compensation_is_allowed(database: Database) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, S.CLOSED)
        complaint = record_dispute(
            complaint_id,
            session=session,
            actor="t",
            positions="争议",
            outcome="不予补偿",
            compensation=0,
        )
        assert complaint.compensation_cents == 0


def test_add_note(database: Database) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, S.ACKNOWLEDGED)
        with pytest.raises(ValidationError, match="note is required"):
            add_note(complaint_id, session=session, actor="t", note="  ")
        add_note(complaint_id, session=session, actor="王芳", note="已致电客户，约定周五回复")
        last = complaint_detail(complaint_id, session=session).history[-1]
    assert (last.note, last.actor, last.to_status) == ("已致电客户，约定周五回复", "王芳", None)


def test_follow_up_visit_planned_from_a_complaint(database: Database) -> None:
    planned = datetime.now(UTC) + timedelta(days=3)
    with Session(database.engine) as session:
        customer_id = new_customer(session)
        contact = add_contact(
            ContactCreate(customer_id=customer_id, name="李明"), session=session, actor="t"
        )
        add_contact(
            ContactCreate(customer_id=customer_id, name="张三", is_primary=True),
            session=session,
            actor="t",
        )
        complaint_id = take(session, customer_id, contact_id=contact.id).id
        assert complaint_id is not None
        visit = plan_followup(complaint_id, session=session, actor="王芳", planned_at=planned)
        session.commit()
        assert visit.kind == VisitKind.COMPLAINT_FOLLOWUP
        assert visit.complaint_id == complaint_id
        assert visit.contact_id == contact.id  # the contact who complained, not the key one
        assert visit.purpose == "投诉跟进：到货产品规格不符"
        detail = complaint_detail(complaint_id, session=session)
    [followup] = detail.followups
    assert (followup.visit_id, followup.status) == (visit.id, VisitStatus.PLANNED)
    assert followup.planned_at == planned.replace(microsecond=planned.microsecond)
    assert detail.history[-1].note.startswith(f"已安排跟进拜访（拜访 {visit.id}）")


def test_follow_up_in_the_past_is_refused_and_nothing_saved(database: Database) -> None:
    with Session(database.engine) as session:
        complaint_id = in_status(session, S.RESOLVED)
        session.commit()
    before = counts(database)
    with Session(database.engine) as session:
        with pytest.raises(ValidationError, match="in the past"):
            plan_followup(
                complaint_id,
                session=session,
                actor="t",
                planned_at=datetime.now(UTC) - timedelta(days=1),
            )
        session.rollback()
    assert counts(database) == before
    with Session(database.engine) as session:
        visits = session.execute(select(func.count()).select_from(Visit)).scalar_one()
    assert visits == 0
