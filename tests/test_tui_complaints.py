"""The Complaints screen, a complaint's page and the customer file's Complaints tab, driven
with Pilot like a user (keys in; screen content and database rows out), and snapshots of
the queue and a complaint at 120x36 with fixed data and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent
from textual.worker import WorkerCancelled

from clientdesk.config import Settings
from clientdesk.domain.complaint import Complaint, ComplaintEvent
from clientdesk.domain.complaints import (
    DeadlineRules,
    acknowledge,
    add_note,
    close,
    plan_followup,
    record_dispute,
    resolve,
    start_work,
    sweep_overdue,
    take_complaint,
)
from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import add_contact, create_customer
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    CustomerStatus,
    Grade,
    Severity,
    VisitKind,
)
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import ClientdeskApp, make_app
from clientdesk.tui.screens.complaint_detail import ComplaintDetailScreen
from clientdesk.tui.screens.complaint_satisfaction import SatisfactionScreen, bar, months_back
from clientdesk.tui.screens.complaint_steps import CloseForm, ResolveForm
from clientdesk.tui.screens.complaint_take import TakeComplaintScreen
from clientdesk.tui.screens.complaint_views import sweep, swept_text
from clientdesk.tui.screens.complaints import ComplaintsScreen, complaint_commands
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.customer_file import TABS, CustomerFileScreen
from clientdesk.tui.widgets.complaint_table import ComplaintTable
from clientdesk.tui.widgets.form_field import FormField

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
SIZE = (120, 36)
SETTINGS = Settings.model_validate({"user": {"name": "测试员"}})
RULES = DeadlineRules.from_settings(SETTINGS)
SnapCompare = Callable[..., bool]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# Complaint numbers in the fixture, by what they show.
OVERDUE = 1  # grade A, high: answer was due 3 h ago; escalated by a sweep
WAITING = 2  # grade B, medium: received 2 h ago, 6 h left
WORKING = 3  # grade C, low: acknowledged in time, in progress
LATE = 4  # grade A, critical: acknowledged an hour late, in progress
CLOSED = 5  # grade B: closed with satisfaction 4
RESOLVED = 6  # grade C: resolved, waiting to be closed


def build(database: Database) -> None:
    """Three customers and six complaints at fixed times, written through the domain as
    the app writes them (so history and audit are real)."""
    with Session(database.engine) as s:
        ids = []
        for name, grade, owner in (
            ("北京华信科技有限公司", Grade.A, "张伟"),
            ("南京金桥物流有限公司", Grade.B, "李娜"),
            ("深圳长江贸易有限公司", Grade.C, "王芳"),
        ):
            customer = create_customer(
                CustomerCreate(
                    name=name,
                    grade=grade,
                    owner=owner,
                    status=CustomerStatus.ACTIVE,
                    created_at=NOW - timedelta(days=400),
                ),
                session=s,
                actor="test",
            )
            assert customer.id is not None
            ids.append(customer.id)
        hx, jq, cj = ids
        add_contact(
            ContactCreate(customer_id=hx, name="李明", is_primary=True, mobile="13800138000"),
            session=s,
            actor="test",
        )
        add_contact(ContactCreate(customer_id=hx, name="王强"), session=s, actor="test")

        def take(customer_id: int, received: datetime, **kw: Any) -> int:
            complaint = take_complaint(
                session=s,
                rules=RULES,
                actor="张伟",
                customer_id=customer_id,
                received_at=received,
                **kw,
            )
            assert complaint.id is not None
            return complaint.id

        take(
            hx,
            NOW - hours(5),
            channel="phone",
            category="delivery",
            severity="high",
            summary="到货延迟三天，影响生产线",
            details="客户来电：第二批货物未按合同日期送达。",
            contact_id=1,  # 李明
        )
        take(
            jq,
            NOW - hours(2),
            channel="email",
            category="billing",
            severity="medium",
            summary="发票金额与合同不符",
        )
        n = take(
            cj,
            NOW - hours(30),
            channel="wechat",
            category="product",
            severity="low",
            summary="包装破损",
        )
        acknowledge(n, session=s, actor="王芳", at=NOW - hours(29))
        start_work(n, session=s, actor="王芳", at=NOW - hours(28))
        n = take(
            hx,
            NOW - hours(72),
            channel="visit",
            category="service",
            severity="critical",
            summary="安装工程师未按约定上门",
        )
        acknowledge(n, session=s, actor="张伟", at=NOW - hours(70))
        start_work(n, session=s, actor="张伟", at=NOW - hours(69))
        n = take(
            jq,
            NOW - timedelta(days=40),
            channel="phone",
            category="delivery",
            severity="medium",
            summary="送货车辆超时",
        )
        acknowledge(n, session=s, actor="李娜", at=NOW - timedelta(days=40) + hours(1))
        resolve(n, session=s, actor="李娜", resolution="更换物流公司", at=NOW - timedelta(days=39))
        close(n, session=s, actor="李娜", satisfaction=4, at=NOW - timedelta(days=38))
        n = take(
            cj,
            NOW - timedelta(days=5),
            channel="letter",
            category="other",
            severity="low",
            summary="对账单格式",
        )
        acknowledge(n, session=s, actor="王芳", at=NOW - timedelta(days=5) + hours(2))
        resolve(n, session=s, actor="王芳", at=NOW - timedelta(days=4))
        # The overdue one: escalated by the sweep an hour after its deadline, then worked on.
        sweep_overdue(session=s, now=NOW - hours(2))
        add_note(
            OVERDUE, session=s, actor="张伟", note="已致电物流，明早答复客户", at=NOW - hours(1.5)
        )
        record_dispute(
            OVERDUE,
            session=s,
            actor="张伟",
            positions="客户要求赔偿停产损失；我方认为延迟系承运商责任",
            outcome="补发加急，减免运费",
            compensation="5,000",
            currency="CNY",
            at=NOW - hours(1),
        )
        plan_followup(
            OVERDUE,
            session=s,
            actor="张伟",
            planned_at=NOW + hours(25),
            purpose="上门致歉并确认到货",
            now=NOW - hours(0.5),
        )
        s.commit()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "t.db"))
    build(database)
    yield database
    database.dispose()


def app_for(database: Database) -> ClientdeskApp:
    return make_app(SETTINGS, database, now=NOW)


async def settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish and its messages reach the widgets (a load may chain)."""
    for _ in range(20):
        running = [worker for worker in pilot.app.workers if not worker.is_finished]
        if not running:
            break
        for worker in running:
            with suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()
    await pilot.pause()


def shown(app: ClientdeskApp, selector: str) -> str:
    """The text a widget shows on screen, lines joined by newlines."""
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    text = (line.text.strip(" │╭╮╰╯─") for line in lines)
    return "\n".join(line for line in text if line)


def complaint(database: Database, complaint_id: int) -> Complaint:
    with Session(database.engine) as s:
        found = s.get(Complaint, complaint_id)
        assert found is not None
        return found


def events(database: Database, complaint_id: int) -> list[ComplaintEvent]:
    with Session(database.engine) as s:
        stmt = (
            select(ComplaintEvent)
            .where(col(ComplaintEvent.complaint_id) == complaint_id)
            .order_by(col(ComplaintEvent.id))
        )
        return list(s.execute(stmt).scalars())


def count(database: Database) -> int:
    with Session(database.engine) as s:
        return len(list(s.execute(select(col(Complaint.id))).scalars()))


def notices(app: ClientdeskApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_queue(pilot: Pilot[Any]) -> ComplaintsScreen:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ComplaintsScreen)
    return screen


async def open_complaint(pilot: Pilot[Any], complaint_id: int) -> ComplaintDetailScreen:
    """From the queue (all complaints, newest first), open complaint `complaint_id`."""
    queue = await open_queue(pilot)
    await pilot.press("3")
    await settle(pilot)
    table = queue.query_one(ComplaintTable)
    ids = [row.id for row in table.window_rows]
    table.move_cursor(row=ids.index(complaint_id))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ComplaintDetailScreen)
    assert screen.complaint_id == complaint_id
    return screen


def footer_keys(app: ClientdeskApp) -> set[str]:
    return {binding.action for _, binding, enabled, _ in app.active_bindings.values() if enabled}


# -- the queue ----------------------------------------------------------------------------


async def test_the_queue_lists_open_complaints_by_deadline_with_the_overdue_one_marked(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        queue = await open_queue(pilot)
        table = queue.query_one(ComplaintTable)
        # Unanswered first by deadline, then the answered ones by deadline.
        assert [row.id for row in table.window_rows] == [OVERDUE, WAITING, LATE, WORKING]
        text = shown(app, "#complaints")
        overdue_line = next(line for line in text.splitlines() if "到货延迟" in line)
        assert overdue_line.startswith("!↑")
        assert "overdue 3h 00m" in overdue_line
        assert "北京华信科技有限公司" in overdue_line
        waiting_line = next(line for line in text.splitlines() if "发票金额" in line)
        assert "6h 00m left" in waiting_line and not waiting_line.startswith("!")
        late_line = next(line for line in text.splitlines() if "安装工程师" in line)
        assert "answered late" in late_line
        status = shown(app, "#complaints-status")
        assert "1 / 4 open complaints, unanswered first, by deadline" in status
        assert "! 1 overdue (press 2)" in status


async def test_the_views_show_overdue_only_or_every_complaint(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        queue = await open_queue(pilot)
        table = queue.query_one(ComplaintTable)
        await pilot.press("2")
        await settle(pilot)
        assert [row.id for row in table.window_rows] == [OVERDUE]
        await pilot.press("3")
        await settle(pilot)
        assert [row.id for row in table.window_rows] == [WAITING, OVERDUE, WORKING, LATE, 6, 5]
        assert "6 complaints, the newest first" in shown(app, "#complaints-status")
        await pilot.press("1")
        await settle(pilot)
        assert len(table.window_rows) == 4


async def test_an_empty_view_says_what_to_do(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "empty.db"))
    app = app_for(database)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        assert "No open complaints. Press n to take one." in shown(app, "#complaints-empty")
        await pilot.press("2")
        await settle(pilot)
        assert "Nothing overdue" in shown(app, "#complaints-empty")
    database.dispose()


# -- taking a complaint ---------------------------------------------------------------------


async def test_taking_a_complaint_by_keys_shows_and_saves_the_deadline(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TakeComplaintScreen)
        await pilot.press(*"bjhx")  # pinyin initials of 北京华信
        await pilot.pause(0.3)  # the picker looks up after a pause in typing
        await settle(pilot)
        await pilot.press("enter")  # the first match
        await settle(pilot)
        assert "grade A answers within 4 h" in shown(app, "#deadline")
        await pilot.press("e", "tab", "s", "tab", "h", "tab")  # e-mail, service, high
        await pilot.press(*"售后响应太慢")
        await settle(pilot)
        assert " ".join(shown(app, "#deadline").split()) == (
            "Answer due 2025-03-01 19:00 (2h 00m left): grade A answers within 4 h, "
            "severity 严重 high × 0.5."
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintsScreen)
        taken = complaint(db, 7)
        assert (taken.customer_id, taken.channel, taken.category, taken.severity) == (
            1,
            ComplaintChannel.EMAIL,
            ComplaintCategory.SERVICE,
            Severity.HIGH,
        )
        assert taken.summary == "售后响应太慢"
        assert taken.contact_id == 1  # the key contact, 李明
        assert taken.received_at == NOW and taken.due_at == NOW + hours(2)
        assert any("Complaint 7 taken: answer due 2025-03-01 19:00" in n for n in notices(app))
        rows = app.screen.query_one(ComplaintTable).window_rows
        assert 7 in [row.id for row in rows]


async def test_a_complaint_without_customer_or_category_is_not_saved(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TakeComplaintScreen)
        errors = {name: f.error for name, f in form.fields().items() if f.error}
        assert set(errors) == {"customer", "category", "summary"}
        assert "Not saved: 3 fields need fixing" in shown(app, "#form-notice")
        assert count(db) == 6


# -- a complaint's steps ------------------------------------------------------------------


async def test_acknowledge_then_resolve_by_keys(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_complaint(pilot, WAITING)
        assert "6h 00m left" in shown(app, "#facts-text")
        assert "a acknowledge" in shown(app, "#complaint-next")
        await pilot.press("a")
        await settle(pilot)
        assert complaint(db, WAITING).status == ComplaintStatus.ACKNOWLEDGED
        assert complaint(db, WAITING).acknowledged_at == NOW
        assert "answered 2025-03-01 17:00, in time" in shown(app, "#facts-text")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ResolveForm)
        await pilot.press(*"已重开发票")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # no question: it was acknowledged
        resolved = complaint(db, WAITING)
        assert resolved.status == ComplaintStatus.RESOLVED
        assert resolved.resolution == "已重开发票"
        steps = [(e.from_status, e.to_status) for e in events(db, WAITING)]
        assert steps[-2:] == [
            (ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED),
            (ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.RESOLVED),
        ]
        history = shown(app, "#history-text")
        assert "已确认 → 已解决  已重开发票" in history
        await pilot.press("escape", "1")  # back to the queue: the open ones
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, ComplaintsScreen)
        assert WAITING not in [row.id for row in queue.query_one(ComplaintTable).window_rows]


async def test_resolving_an_unacknowledged_complaint_asks_first(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_complaint(pilot, WAITING)
        assert "r resolve (asks to confirm)" in shown(app, "#complaint-next")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"客户撤回投诉", "ctrl+s")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "never acknowledged" in question.message
        await pilot.press("n")  # not now
        await settle(pilot)
        assert isinstance(app.screen, ResolveForm)
        assert "acknowledge it first" in shown(app, "#form-notice")
        assert complaint(db, WAITING).status == ComplaintStatus.RECEIVED
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintDetailScreen)
        resolved = complaint(db, WAITING)
        assert resolved.status == ComplaintStatus.RESOLVED
        assert resolved.acknowledged_at is None
        assert resolved.resolution == "客户撤回投诉"


async def test_closing_needs_the_satisfaction_and_a_resolution(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_complaint(pilot, RESOLVED)
        before = len(events(db, RESOLVED))
        await pilot.press("x")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CloseForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert form.field("satisfaction").error == "required: the customer's satisfaction, 1 to 5"
        assert form.field("resolution").error == "required: what was done to resolve it"
        assert complaint(db, RESOLVED).status == ComplaintStatus.RESOLVED
        assert len(events(db, RESOLVED)) == before
        await pilot.press("4")  # the satisfaction bar has the focus
        assert form.field("satisfaction").error is None
        await pilot.press("tab", *"改用新版对账单", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        closed = complaint(db, RESOLVED)
        assert (closed.status, closed.satisfaction) == (ComplaintStatus.CLOSED, 4)
        assert closed.resolution == "改用新版对账单"
        assert "4/5 满意" in shown(app, "#outcome-text")


async def test_only_the_allowed_steps_have_keys(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_complaint(pilot, OVERDUE)  # received, already escalated
        keys = footer_keys(app)
        assert "step('acknowledge')" in keys and "step('resolve')" in keys
        for step in ("start", "close", "reopen", "escalate"):
            assert f"step('{step}')" not in keys
        await pilot.press("x", "o", "e")  # close, reopen, escalate: nothing happens
        await settle(pilot)
        assert app.screen is screen
        assert complaint(db, OVERDUE).status == ComplaintStatus.RECEIVED
        titles = [c.title for c in complaint_commands(app, screen)]
        assert "Complaints: acknowledge" in titles and "Complaints: close" not in titles
        await pilot.press("escape")
        await settle(pilot)
        screen = await open_complaint(pilot, CLOSED)
        keys = footer_keys(app)
        assert "step('reopen')" in keys and "step('resolve')" not in keys


async def test_reopen_and_escalate_need_a_reason(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_complaint(pilot, CLOSED)
        await pilot.press("o", "ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#field-reason", FormField).error == "required"
        await pilot.press(*"客户反映问题复发", "ctrl+s")
        await settle(pilot)
        reopened = complaint(db, CLOSED)
        assert reopened.status == ComplaintStatus.IN_PROGRESS
        assert reopened.satisfaction is None
        await pilot.press("e", *"客户要求经理出面", "ctrl+s")
        await settle(pilot)
        escalated = complaint(db, CLOSED)
        assert escalated.escalated and escalated.escalated_at == NOW
        assert "已升级至部门经理：客户要求经理出面" in events(db, CLOSED)[-1].note
        assert "↑ escalated 2025-03-01 17:00" in shown(app, "#facts-text")


async def test_dispute_note_and_follow_up_visit(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_complaint(pilot, WAITING)
        await pilot.press("j", "ctrl+s")
        await settle(pilot)
        positions = app.screen.query_one("#field-positions", FormField)
        assert "nothing was given" in str(positions.error)
        assert complaint(db, WAITING).dispute_positions is None
        await pilot.press(*"客户要求全额退款")
        await pilot.press("tab", "tab", *"-5")
        await pilot.press("ctrl+s")
        await settle(pilot)
        field = app.screen.query_one("#field-compensation", FormField)
        assert field.error == "must not be negative"
        field.control.focus()
        await pilot.press("backspace", "backspace", *"1,200")
        await pilot.press("ctrl+s")
        await settle(pilot)
        outcome = app.screen.query_one("#field-outcome", FormField)
        assert "give the outcome with it" in str(outcome.error)
        assert outcome.control.has_focus  # the form goes to the field to fix
        assert complaint(db, WAITING).dispute_positions is None
        await pilot.press(*"退一半差价")
        await pilot.press("ctrl+s")
        await settle(pilot)
        disputed = complaint(db, WAITING)
        assert disputed.dispute_positions == "客户要求全额退款"
        assert disputed.dispute_outcome == "退一半差价"
        assert disputed.compensation_cents == 120000
        assert "CNY 1,200.00" in shown(app, "#outcome-text")
        await pilot.press("n", *"客户同意等待新发票", "ctrl+s")
        await settle(pilot)
        assert events(db, WAITING)[-1].note == "客户同意等待新发票"
        await pilot.press("f", "ctrl+s")  # tomorrow 10:00 and the default purpose
        await settle(pilot)
        with Session(db.engine) as s:
            [visit] = s.execute(select(Visit).where(col(Visit.complaint_id) == WAITING)).scalars()
        assert visit.kind == VisitKind.COMPLAINT_FOLLOWUP
        assert visit.planned_at == datetime(2025, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 Shanghai
        assert visit.purpose == "投诉跟进：发票金额与合同不符"
        assert "2025-03-02 10:00" in shown(app, "#followups-text")


# -- housekeeping, satisfaction, the palette ------------------------------------------------


async def test_the_app_escalates_complaints_that_pass_their_deadline(db: Database) -> None:
    with Session(db.engine) as s:
        take_complaint(
            session=s,
            rules=RULES,
            actor="test",
            customer_id=3,
            received_at=NOW - hours(50),
            channel="phone",
            category="product",
            severity="low",
            summary="说明书缺页",
        )
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "1 complaint passed its answer deadline and was escalated." in notices(app)
        assert complaint(db, 7).escalated and complaint(db, 7).escalated_at == NOW
        # A second sweep finds nothing, and says nothing.
        assert sweep(app.context) is None


def test_the_sweep_says_how_many_only_when_there_are_some() -> None:
    assert swept_text(0) is None
    assert swept_text(1) == "1 complaint passed its answer deadline and was escalated."
    assert swept_text(1234) == "1,234 complaints passed their answer deadline and were escalated."


async def test_satisfaction_summary_by_month_category_and_grade(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SatisfactionScreen)
        overall = shown(app, "#satisfaction-overall")
        assert overall == ("Satisfaction 满意度, since 2024-04: 4.00 / 5 over 1 closed complaints")
        first_rows = {
            name: [str(cell) for cell in app.screen.query_one(f"#{name}", DataTable).get_row_at(0)]
            for name in ("by-month", "by-category", "by-grade")
        }
        assert first_rows == {
            "by-month": ["2025-01", "1", "4.00", bar(4)],
            "by-category": ["交货 delivery", "1", "4.00", bar(4)],
            "by-grade": ["B", "1", "4.00", bar(4)],
        }
        await pilot.press("t")
        await settle(pilot)
        assert "all time" in shown(app, "#satisfaction-overall")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintsScreen)


def test_satisfaction_bars_and_months() -> None:
    assert bar(5) == "█" * 10
    assert bar(0) == " " * 10
    assert bar(2.5) == "█████     "
    assert months_back(datetime(2025, 3, 1).date(), 12) == datetime(2024, 4, 1).date()
    assert months_back(datetime(2025, 12, 31).date(), 12) == datetime(2025, 1, 1).date()


async def test_palette_offers_complaint_commands_everywhere(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in complaint_commands(app, app.screen)]
        assert titles == ["Complaints: take a complaint", "Complaints: satisfaction summary"]
        queue = await open_queue(pilot)
        titles = [c.title for c in complaint_commands(app, queue)]
        assert "Complaints: show overdue" in titles
        assert "Complaints: escalate overdue now" in titles
        run = next(c.run for c in complaint_commands(app, queue) if c.title.endswith("overdue"))
        run()
        await settle(pilot)
        assert [row.id for row in queue.query_one(ComplaintTable).window_rows] == [OVERDUE]


# -- the customer file's Complaints tab ----------------------------------------------------


async def test_the_file_tab_lists_open_complaints_first_and_takes_one(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_customer(1)
        await settle(pilot)
        file = app.screen
        assert isinstance(file, CustomerFileScreen)
        await pilot.press(str(TABS.index("complaints") + 1))
        await settle(pilot)
        tabs = file.query_one(TabbedContent)
        assert tabs.active == "complaints"
        assert str(tabs.get_tab("complaints").label).endswith("Complaints (2)")
        table = shown(app, "#file-complaints")
        lines = [line for line in table.splitlines() if "安装" in line or "到货" in line]
        assert "到货延迟" in lines[0] and "安装工程师" in lines[1]  # unanswered first
        assert "overdue 3h 00m" in lines[0]
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ComplaintDetailScreen) and detail.complaint_id == OVERDUE
        assert "open_customer" not in footer_keys(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is file
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TakeComplaintScreen)
        assert form.field("customer").raw == (1, "C000001", "北京华信科技有限公司")
        assert "grade A answers within 4 h" in shown(app, "#deadline")
        await pilot.press("v", "tab", "p", "tab", "c", "tab", *"设备停机")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is file
        taken = complaint(db, 7)
        assert (taken.customer_id, taken.channel, taken.severity) == (
            1,
            ComplaintChannel.VISIT,
            Severity.CRITICAL,
        )
        assert taken.due_at == NOW + hours(1)
        assert str(tabs.get_tab("complaints").label).endswith("Complaints (3)")
        assert "设备停机" in shown(app, "#file-complaints")


async def test_a_customer_without_complaints_can_take_one_from_the_empty_tab(
    db: Database,
) -> None:
    with Session(db.engine) as s:
        create_customer(CustomerCreate(name="成都恒通建设工程有限公司"), session=s, actor="test")
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_customer(4)
        await settle(pilot)
        await pilot.press(str(TABS.index("complaints") + 1))
        await settle(pilot)
        assert "No complaints on file. Press n to take one." in shown(app, ".complaints-empty")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TakeComplaintScreen)
        assert "grade D answers within 48 h" in shown(app, "#deadline")
        await pilot.press("escape")  # nothing typed: closes without asking
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert count(db) == 6
