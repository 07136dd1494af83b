"""The Visits screen and the customer file's Visits tab, driven with Pilot like a user: keys
in, screen content and database rows out.

The clock is fixed at Wednesday 2025-03-05 10:00 in Shanghai: the agenda has two overdue
visits, one today, one later this week and one later; four customers are due for a visit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session, col
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent, TextArea

from clientdesk.config import Settings
from clientdesk.domain import AuditEntry, Customer
from clientdesk.domain.contact import Contact
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import Grade, VisitKind, VisitStatus
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import ClientdeskApp, make_app
from clientdesk.tui.file_tabs.visits import CustomerVisitTable, VisitsTab
from clientdesk.tui.screens.customer_file import CustomerFileScreen
from clientdesk.tui.screens.visit_cancel import CancelVisitScreen
from clientdesk.tui.screens.visit_day import DayVisitsScreen
from clientdesk.tui.screens.visit_log import LogVisitScreen
from clientdesk.tui.screens.visit_plan import PlanVisitScreen, RescheduleVisitScreen
from clientdesk.tui.screens.visits import VisitsScreen
from clientdesk.tui.widgets.customer_picker import CustomerPicker
from clientdesk.tui.widgets.form_field import FormField
from clientdesk.tui.widgets.visit_agenda import AgendaRow, AgendaTable
from clientdesk.tui.widgets.visit_calendar import MonthGrid, add_months
from clientdesk.tui.widgets.visit_due import DueTable
from clientdesk.tui.widgets.visit_window import WINDOW_SIZE, Heading, Layout, Section

SIZE = (120, 36)
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 5, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
TODAY = date(2025, 3, 5)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A local Shanghai time, as the aware UTC datetime the database stores."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


# (name, grade, owner, key contact, mobile, days since the file was entered)
CUSTOMERS = [
    ("北京华信科技有限公司", Grade.A, "张伟", "王建国", "138 0013 8000", 400),
    ("上海金桥物流有限公司", Grade.B, "李娜", "李静", "139 1100 2233", 400),
    ("深圳长江贸易有限公司", Grade.C, "王芳", "陈刚", "137 2000 1111", 400),
    ("成都恒通建设工程有限公司", Grade.D, "王芳", None, None, 200),
    ("Highland Electronics Ltd", Grade.B, "张伟", "Tom Lee", "+86 21 5555 0101", 400),
]


def build_visits_db(path: Path) -> Database:
    """Five customers and their visits, every time fixed relative to NOW."""
    database = open_database(str(path))
    with Session(database.engine) as s:
        ids = []
        for name, grade, owner, contact, mobile, age in CUSTOMERS:
            customer = create_customer(
                CustomerCreate(
                    name=name, grade=grade, owner=owner, created_at=NOW - timedelta(days=age)
                ),
                session=s,
                actor="test",
            )
            assert customer.id is not None
            ids.append(customer.id)
            if contact:
                s.add(
                    Contact(customer_id=customer.id, name=contact, mobile=mobile, is_primary=True)
                )
        s.flush()
        keys = {
            cid: s.execute(select(col(Contact.id)).where(col(Contact.customer_id) == cid)).scalar()
            for cid in ids
        }
        hua, jin, chang, _heng, high = ids

        def visit(cid: int, purpose: str, at: datetime, **kw: Any) -> Visit:
            status = kw.pop("status", VisitStatus.PLANNED)
            done = at if status == VisitStatus.DONE else None
            return Visit(customer_id=cid, contact_id=keys[cid], purpose=purpose, planned_at=at,
                         status=status, done_at=done, owner=kw.pop("owner", None),
                         created_at=NOW - timedelta(days=60), updated_at=NOW - timedelta(days=60),
                         **kw)  # fmt: skip

        s.add_all(
            [
                visit(chang, "催收逾期货款", local(date(2025, 2, 20), 10), owner="王芳"),
                visit(hua, "季度业务回顾", local(date(2025, 3, 3), 14, 30), owner="张伟"),
                visit(jin, "年度合作回顾与计划", local(TODAY, 15), owner="李娜"),
                visit(high, "介绍新产品方案", local(date(2025, 3, 7), 10), owner="张伟"),
                visit(hua, "交货后回访", local(date(2025, 3, 18), 9, 30), owner="张伟",
                      kind=VisitKind.RETURN),
                visit(hua, "技术交流", local(date(2025, 2, 10), 10), status=VisitStatus.DONE,
                      owner="张伟", discussion="二期系统上线", satisfaction=4,
                      feedback="响应及时", next_step="报价"),
                visit(jin, "拜访新任采购负责人", local(date(2025, 2, 20), 11),
                      status=VisitStatus.DONE, owner="李娜", discussion="认识新负责人"),
                visit(chang, "走访工厂现场", local(date(2024, 10, 1), 15),
                      status=VisitStatus.DONE, owner="王芳", discussion="现场考察"),
                visit(high, "Quarterly review", local(date(2024, 12, 1), 10),
                      status=VisitStatus.DONE, owner="张伟", discussion="pricing"),
                visit(jin, "商务洽谈：价格与交期", local(date(2025, 3, 1), 14),
                      status=VisitStatus.CANCELLED, owner="李娜"),
            ]
        )  # fmt: skip
        s.commit()
    return database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = build_visits_db(tmp_path / "t.db")
    yield database
    database.dispose()


def app_for(database: Database) -> ClientdeskApp:
    return make_app(Settings.model_validate({"user": {"name": "张伟"}}), database, now=NOW)


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and their messages reach the widgets (a load may chain)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_visits(pilot: Pilot[Any], view: str = "1") -> VisitsScreen:
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    if view != "1":
        await pilot.press(view)
        await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, VisitsScreen)
    # The view takes the focus once it has drawn (after a refresh): keys before that would
    # go elsewhere, as they would for a user typing ahead of the screen.
    for _ in range(50):
        if screen.focused is not None and screen.focused.id in FOCUSED_VIEWS:
            break
        await pilot.pause(0.02)
    await settle(pilot)  # and the cursor placed on the first visit
    return screen


FOCUSED_VIEWS = ("agenda-table", "due-table", "month-grid")


def shown(app: ClientdeskApp, selector: str) -> str:
    """The text a widget shows on screen, lines joined by newlines, without its frame."""
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    text = (line.text.strip(" │╭╮╰╯─") for line in lines)
    return "\n".join(line for line in text if line)


def visits(database: Database, *where: Any) -> list[Visit]:
    with Session(database.engine) as s:
        return list(s.execute(select(Visit).where(*where).order_by(col(Visit.id))).scalars())


def customer(database: Database, customer_id: int) -> Customer:
    with Session(database.engine) as s:
        found = s.get(Customer, customer_id)
        assert found is not None
        return found


def notes(app: ClientdeskApp) -> list[str]:
    return [n.message for n in app._notifications]


def field(app: ClientdeskApp, name: str) -> FormField:
    return app.screen.query_one(f"#field-{name}", FormField)


async def type_into(pilot: Pilot[Any], name: str, value: str) -> None:
    """Replace the text of a form field as a user would: focus it, clear it, type."""
    widget = pilot.app.screen.query_one(f"#{name}")
    widget.focus()
    if isinstance(widget, TextArea):
        widget.text = ""
    else:
        assert isinstance(widget, Input)
        widget.value = ""
    await pilot.press(*value)
    await pilot.pause()


async def pick_customer(pilot: Pilot[Any], typed: str) -> None:
    """Type into the customer picker, wait for its matches, take the first with enter."""
    picker = pilot.app.screen.query_one(CustomerPicker)
    picker.input.focus()
    await pilot.press(*typed)
    for _ in range(40):  # the lookup runs after a short pause in typing
        await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
        if picker.matches:
            break
    await pilot.press("enter")
    await settle(pilot)
    assert picker.chosen is not None


# -- the agenda --------------------------------------------------------------------------------


async def test_agenda_shows_the_four_buckets_with_their_visits_in_local_time(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_visits(pilot)
        table = screen.query_one(AgendaTable)
        kinds = [
            row.section.key if isinstance(row, Heading) else row.purpose
            for row in table.window_rows
        ]
        assert kinds == [
            "overdue", "催收逾期货款", "季度业务回顾",
            "today", "年度合作回顾与计划",
            "this_week", "介绍新产品方案",
            "later", "交货后回访",
        ]  # fmt: skip
        text = shown(app, "#agenda-table")
        assert "▌Overdue 逾期" in text and "2 visits" in text
        assert "周一 03-03 14:30  C000001  北京华信科技有限公司" in text
        assert "王建国 138 0013 8000" in text
        assert "[回访] 交货后回访" in text
        # The cursor starts on the first visit, not on a heading.
        assert isinstance(table.current, AgendaRow) and table.current.purpose == "催收逾期货款"
        status = shown(app, "#agenda-status")
        assert "2 overdue · 1 today · 1 this week · 1 later" in status


async def test_the_notice_at_start_counts_the_overdue_visits(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "2 planned visits are overdue; 1 planned today. Press v" in "\n".join(notes(app))


async def test_no_notice_when_nothing_is_overdue(db: Database) -> None:
    with Session(db.engine) as s:
        for v in s.execute(select(Visit).where(col(Visit.planned_at) < NOW)).scalars():
            s.delete(v)
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not any("overdue" in text for text in notes(app))


async def test_plan_a_visit_by_picking_a_customer_on_the_next_working_day(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PlanVisitScreen)
        assert app.screen.query_one("#planned_at", Input).value == "2025-03-06 10:00"
        await pick_customer(pilot, "C000004")
        await type_into(pilot, "purpose", "初次拜访")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VisitsScreen)
        [planned] = visits(db, col(Visit.customer_id) == 4)
        assert planned.status == VisitStatus.PLANNED
        assert planned.planned_at == local(date(2025, 3, 6), 10)
        assert planned.purpose == "初次拜访"
        assert planned.owner == "王芳"  # the account manager, not the one who planned it
        assert "Planned a visit to C000004 成都恒通建设工程有限公司 on 周四 2025-03-06 10:00." in (
            notes(app)
        )
        assert "2 this week" in shown(app, "#agenda-status")
        assert "初次拜访" in shown(app, "#agenda-table")


async def test_planning_in_the_past_is_refused_with_advice_to_log_it(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        before = visits(db)
        await pilot.press("n")
        await settle(pilot)
        await pick_customer(pilot, "C000002")
        await type_into(pilot, "purpose", "补录")
        await type_into(pilot, "planned_at", "2025-03-04 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PlanVisitScreen)  # still open, nothing lost
        error = field(app, "planned_at").error or ""
        assert "2025-03-04 10:00 is in the past" in error
        assert "logged, not planned. Log it instead (key u)" in error
        assert visits(db) == before


async def test_log_the_highlighted_visit_with_a_follow_up(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        await pilot.press("down")  # from 深圳长江's overdue visit to 北京华信's
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogVisitScreen)
        # Planned in the past: logged at its planned time unless changed.
        assert app.screen.query_one("#done_at", Input).value == "2025-03-03 14:30"
        await type_into(pilot, "discussion", "二期需求确认")
        await type_into(pilot, "needs", "报表太慢")
        await type_into(pilot, "feedback", "满意")
        await type_into(pilot, "satisfaction", "5")
        await type_into(pilot, "next_step", "送报价")
        await type_into(pilot, "next_step_on", "2025-03-12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VisitsScreen)
        done = visits(db, col(Visit.purpose) == "季度业务回顾")[0]
        assert done.status == VisitStatus.DONE
        assert done.done_at == local(date(2025, 3, 3), 14, 30)
        assert (done.discussion, done.needs, done.feedback) == ("二期需求确认", "报表太慢", "满意")
        assert (done.satisfaction, done.next_step) == (5, "送报价")
        [follow_up] = visits(db, col(Visit.purpose) == "送报价")
        assert follow_up.status == VisitStatus.PLANNED
        assert follow_up.planned_at == local(date(2025, 3, 12), 10)
        # The domain moved the customer's last contact to when the visit was done.
        assert customer(db, 1).last_contact_at == done.done_at
        assert "follow-up visit planned for 2025-03-12 10:00" in "\n".join(notes(app))
        assert "1 overdue · 1 today · 1 this week · 2 later" in shown(app, "#agenda-status")


async def test_satisfaction_outside_1_to_5_is_refused_and_nothing_is_written(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        before = visits(db)
        await pilot.press("l")
        await settle(pilot)
        await type_into(pilot, "discussion", "催款")
        await type_into(pilot, "satisfaction", "7")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LogVisitScreen)
        assert "'7' is outside 1-5: use 1 (very unhappy) to 5 (very happy)" in (
            field(app, "satisfaction").error or ""
        )
        assert visits(db) == before
        await type_into(pilot, "satisfaction", "3")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VisitsScreen)
        assert visits(db, col(Visit.purpose) == "催收逾期货款")[0].satisfaction == 3


async def test_reschedule_the_highlighted_visit(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RescheduleVisitScreen)
        # Overdue: offered the next working day at the time it was planned for.
        assert app.screen.query_one("#planned_at", Input).value == "2025-03-06 10:00"
        await type_into(pilot, "planned_at", "2025-03-10 09:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VisitsScreen)
        [moved] = visits(db, col(Visit.purpose) == "催收逾期货款")
        assert moved.planned_at == local(date(2025, 3, 10), 9)
        assert moved.status == VisitStatus.PLANNED
        assert "1 overdue · 1 today · 1 this week · 2 later" in shown(app, "#agenda-status")
        assert "周一 03-10 09:00  C000003" in shown(app, "#agenda-table")
        # The cursor stayed on the visit, now under Later.
        table = app.screen.query_one(AgendaTable)
        assert table.current is not None and table.current.purpose == "催收逾期货款"


async def test_cancel_the_highlighted_visit_with_a_reason(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, CancelVisitScreen)
        await type_into(pilot, "reason", "客户已付款")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [cancelled] = visits(db, col(Visit.purpose) == "催收逾期货款")
        assert cancelled.status == VisitStatus.CANCELLED
        with Session(db.engine) as s:
            entry = s.execute(
                select(AuditEntry).where(
                    col(AuditEntry.entity) == "visit", col(AuditEntry.entity_id) == cancelled.id
                )
            ).scalar_one()
        assert entry.changes["reason"] == [None, "客户已付款"]
        assert "1 overdue" in shown(app, "#agenda-status")


async def test_keys_on_a_heading_say_to_highlight_a_visit(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        await pilot.press("up")  # onto the Overdue heading
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, VisitsScreen)
        assert "Highlight a visit first" in "\n".join(notes(app))


async def test_m_shows_only_my_visits_and_back(db: Database) -> None:
    app = app_for(db)  # the user is 张伟
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        await pilot.press("m")
        await settle(pilot)
        status = shown(app, "#agenda-status")
        assert "1 overdue · 0 today · 1 this week · 1 later" in status
        assert "only 张伟's" in status
        await pilot.press("m")
        await settle(pilot)
        assert "2 overdue · 1 today" in shown(app, "#agenda-status")


async def test_enter_opens_the_customers_file(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert app.screen.customer_id == 3


async def test_a_long_agenda_is_read_a_window_at_a_time(db: Database) -> None:
    with Session(db.engine) as s:
        s.add_all(
            Visit(customer_id=2, purpose=f"补访 {n:04}", planned_at=NOW - timedelta(hours=n + 30))
            for n in range(600)
        )
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_visits(pilot)
        table = screen.query_one(AgendaTable)
        assert table.total == 602 + 7 and len(table.window_rows) <= WINDOW_SIZE
        await pilot.press("G")  # the end: the one later visit
        await settle(pilot)
        assert table.position == table.total - 1
        assert table.current is not None and table.current.purpose == "交货后回访"
        assert len(table.window_rows) <= WINDOW_SIZE
        await pilot.press("g")
        await settle(pilot)
        assert table.position == 0 and isinstance(table.highlighted, Heading)


# -- due for a visit ---------------------------------------------------------------------------


async def test_due_list_is_most_overdue_first(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_visits(pilot, "2")
        table = screen.query_one(DueTable)
        codes = [row.code for row in table.window_rows]
        # Never visited 200 days ago; C visited 2024-10-01 (90 d); B 2024-12-01 (30 d);
        # A 2025-02-10 (14 d). B visited 2025-02-20 is not due until 03-22.
        assert codes == ["C000004", "C000003", "C000005", "C000001"]
        text = shown(app, "#due-table")
        assert "never" in text and "200 d" in text
        assert "4 due, most overdue first" in shown(app, "#due-status")
        await pilot.press("f")  # hide the customers already planned
        await settle(pilot)
        assert [row.code for row in table.window_rows] == ["C000004"]


async def test_one_key_plans_a_visit_for_the_due_customer(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot, "2")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PlanVisitScreen)
        assert app.screen.query_one(CustomerPicker).chosen == (
            4,
            "C000004",
            "成都恒通建设工程有限公司",
        )
        await pilot.press("ctrl+s")  # the next working day, 10:00, a regular visit
        await settle(pilot)
        [planned] = visits(db, col(Visit.customer_id) == 4)
        assert planned.planned_at == local(date(2025, 3, 6), 10)
        assert planned.purpose == "例行拜访"
        assert "03-06 10:00" in shown(app, "#due-table")


async def test_a_friday_plans_for_monday(db: Database) -> None:
    friday = datetime(2025, 3, 7, 2, 0, tzinfo=UTC)
    app = make_app(Settings(), db, now=friday)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot, "2")
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#planned_at", Input).value == "2025-03-10 10:00"


# -- the month calendar ------------------------------------------------------------------------


async def test_calendar_moves_by_day_week_and_month_and_lists_a_day(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_visits(pilot, "3")
        grid = screen.query_one(MonthGrid)
        assert grid.selected == TODAY
        assert "March 2025 · 2025年3月  ·  4 planned · 0 done" in shown(app, "#calendar-title")
        await pilot.press("right", "down", "left", "left")
        assert grid.selected == date(2025, 3, 11)
        await pilot.press("up")
        assert grid.selected == date(2025, 3, 4)
        await pilot.press("pageup")
        await settle(pilot)
        assert grid.selected == date(2025, 2, 4)
        assert "February 2025" in shown(app, "#calendar-title")
        assert "1 planned · 2 done" in shown(app, "#calendar-title")
        await pilot.press("t")
        await settle(pilot)
        assert grid.selected == TODAY and grid.month is not None and grid.month.month == 3
        await pilot.press("left", "left", "enter")  # Monday 03-03
        await settle(pilot)
        assert isinstance(app.screen, DayVisitsScreen)
        text = shown(app, "#day-table")
        assert "▌Planned 计划" in text and "▌Done 已拜访" in text
        assert "C000001  北京华信科技有限公司" in text and "· 14:30" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, VisitsScreen)


async def test_plan_on_the_chosen_calendar_day(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_visits(pilot, "3")
        await pilot.press("pagedown", "n")
        await settle(pilot)
        assert app.screen.query_one("#planned_at", Input).value == "2025-04-05 10:00"


def test_months_keep_the_day_inside_the_month() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
    assert add_months(date(2025, 1, 15), -1) == date(2024, 12, 15)


# -- the customer file's Visits tab ------------------------------------------------------------


async def open_tab(pilot: Pilot[Any], customer_id: int) -> VisitsTab:
    app = pilot.app
    assert isinstance(app, ClientdeskApp)
    await settle(pilot)
    app.open_customer(customer_id)
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    assert isinstance(app.screen, CustomerFileScreen)
    return app.screen.query_one(VisitsTab)


async def test_file_tab_lists_the_customers_visits_planned_first(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(pilot, 1)
        tabs = app.screen.query_one(TabbedContent)
        assert str(tabs.get_tab("visits").label) == "5 Visits (3)"
        table = tab.query_one(CustomerVisitTable)
        assert table.has_focus
        assert [row.purpose for row in table.window_rows] == [
            "季度业务回顾",
            "交货后回访",
            "技术交流",
        ]
        text = shown(app, "#file-visits-table")
        assert "已拜访" in text and "★★★★☆" in text and "回访" in text


async def test_file_tab_plans_and_logs_for_its_customer(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, 5)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PlanVisitScreen)
        assert app.screen.query_one(CustomerPicker).chosen == (
            5,
            "C000005",
            "Highland Electronics Ltd",
        )
        await type_into(pilot, "purpose", "Demo")
        await type_into(pilot, "planned_at", "2025-03-20 15:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        tabs = app.screen.query_one(TabbedContent)
        assert str(tabs.get_tab("visits").label) == "5 Visits (3)"
        [demo] = visits(db, col(Visit.purpose) == "Demo")
        assert demo.planned_at == local(date(2025, 3, 20), 15) and demo.customer_id == 5
        # u: a visit that happened without a plan, logged for this customer.
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, LogVisitScreen)
        await type_into(pilot, "purpose", "Walk-in at the fair")
        await type_into(pilot, "discussion", "met at the booth")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [fair] = visits(db, col(Visit.purpose) == "Walk-in at the fair")
        assert fair.status == VisitStatus.DONE and fair.done_at == NOW
        assert customer(db, 5).last_contact_at == NOW
        assert str(tabs.get_tab("visits").label) == "5 Visits (4)"


async def test_rescheduling_a_done_visit_is_refused(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_tab(pilot, 1)
        table = tab.query_one(CustomerVisitTable)
        before = visits(db)
        await pilot.press("end")  # the done visit of 2025-02-10
        assert table.current is not None and table.current.status == VisitStatus.DONE
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)  # no form opened
        assert "was done on 2025-02-10: a done visit cannot be rescheduled" in "\n".join(notes(app))
        await pilot.press("x")
        await settle(pilot)
        assert "a done visit cannot be cancelled" in "\n".join(notes(app))
        assert visits(db) == before


async def test_file_tab_reschedules_the_highlighted_visit(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, 1)
        await pilot.press("r")  # 季度业务回顾, overdue since 03-03
        await settle(pilot)
        assert isinstance(app.screen, RescheduleVisitScreen)
        await type_into(pilot, "planned_at", "2025-03-06 16:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert visits(db, col(Visit.purpose) == "季度业务回顾")[0].planned_at == local(
            date(2025, 3, 6), 16
        )
        assert "moved to 周四 2025-03-06 16:00" in "\n".join(notes(app))


async def test_palette_lists_the_visit_commands(db: Database) -> None:
    from clientdesk.tui.screens.visits import visit_commands

    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_visits(pilot)
        titles = [c.title for c in visit_commands(app, screen)]
        for wanted in (
            "Visits: plan a visit",
            "Visits: reschedule",
            "Visits: log an unplanned visit",
            "Visits: due for a visit",
            "Visits: month calendar",
            "Visits: cancel visit",
        ):
            assert wanted in titles
        tab = await open_tab(pilot, 1)
        assert "Customer: plan a visit" in [c.title for c in tab.commands()]


async def test_palette_opens_a_view_from_another_screen(db: Database) -> None:
    from clientdesk.tui.screens.visits import visit_commands

    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        [due] = [c for c in visit_commands(app, app.screen) if c.title == "Visits: due for a visit"]
        due.run()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, VisitsScreen) and screen.view == "due"
        assert screen.query_one(DueTable).has_focus


# -- the window arithmetic ---------------------------------------------------------------------


def test_layout_maps_a_window_to_one_page_per_section() -> None:
    layout = Layout((Section("a", 3), Section("b", 0), Section("c", 5)))
    assert layout.total == (1 + 3) + (1 + 0) + (1 + 5)
    pieces = layout.pieces(2, 6)  # rows 2..7: a[1], a[2], heading b, heading c, c[0], c[1]
    assert [(p.section.key, p.offset, p.limit) for p in pieces] == [("a", 1, 2), ("c", 0, 2)]
    rows = layout.assemble(2, 6, {"a": ["a1", "a2"], "c": ["c0", "c1"]})
    assert rows[:2] == ["a1", "a2"] and rows[4:] == ["c0", "c1"]
    assert [r.section.key for r in rows[2:4]] == ["b", "c"]
    assert layout.first_row() == 1
    assert Layout((Section("x", 0), Section("y", 2))).first_row() == 2
