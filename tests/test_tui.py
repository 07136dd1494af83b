"""The Customers screen driven with Pilot: keys in, table rows and status line out."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Checkbox, HelpPanel, Input, Select, SelectionList, Static
from textual.worker import WorkerCancelled

from clientdesk.config import Settings
from clientdesk.domain import Customer
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customer_list import (
    CustomerFilter,
    CustomerRow,
    count_customers,
    page_customers,
    search_customers,
)
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import ClientdeskApp, make_app
from clientdesk.tui.screens.customer_filters import FiltersScreen, ListFilters
from clientdesk.tui.screens.customers import CustomersScreen
from clientdesk.tui.screens.list_screen import SEARCH_DELAY
from clientdesk.tui.widgets.customer_table import WINDOW_SIZE, CustomerTable, place_window
from clientdesk.tui.widgets.window_moves import EDGE

CUSTOMERS = 600  # more than two windows, so End and scrolling need new windows
SIZE = (120, 36)
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CITIES = ("上海", "北京", "深圳", "杭州", "成都", "武汉")
WORDS = ("华信", "中科", "东方", "长江", "宏达", "恒通", "瑞丰", "金桥")
TAILS = ("科技有限公司", "集团股份有限公司", "贸易有限公司", "设计研究院")
OWNERS = ("张伟", "李娜", "王芳", "zhao.lei")
# Written out here rather than taken from label_zh, so a wrong label table fails the test.
KIND_ZH = {
    CustomerKind.SUPPLIER: "供应商",
    CustomerKind.DISTRIBUTOR: "经销商",
    CustomerKind.AGREEMENT: "协议户",
    CustomerKind.DIRECT: "直接用户",
    CustomerKind.SPECIAL: "特殊类客户",
}
STATUS_ZH = {
    CustomerStatus.PROSPECT: "潜在客户",
    CustomerStatus.ACTIVE: "活跃",
    CustomerStatus.DORMANT: "休眠",
    CustomerStatus.LOST: "流失",
}


def company(i: int) -> CustomerCreate:
    name = (
        f"{CITIES[i % 6]}{WORDS[i // 6 % 8]}{TAILS[i // 48 % 4]}{i}"
        if i % 5
        else f"Acme Trading {i:03d}"
    )
    return CustomerCreate(
        name=name,
        grade=list(Grade)[i * 7 % 4],
        kind=list(CustomerKind)[i % 5],
        status=list(CustomerStatus)[i % 4],
        region=("华东", "华北", "华南")[i % 3],
        owner=OWNERS[i % 4],
    )


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per module: create_customer for 600 companies takes about a second."""
    path = tmp_path_factory.mktemp("tui") / "template.db"
    database = open_database(str(path))
    with Session(database.engine) as session:
        for i in range(CUSTOMERS):
            customer = create_customer(company(i), session=session, actor="test")
            if i % 3:
                customer.last_contact_at = NOW - timedelta(days=i)
        session.commit()
    with database.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    database.dispose()
    return path


@pytest.fixture
def customers_db(template_db: Path, tmp_path: Path) -> Iterator[Database]:
    shutil.copyfile(template_db, tmp_path / "t.db")
    database = open_database(str(tmp_path / "t.db"))
    yield database
    database.dispose()


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "t.db"))
    yield database
    database.dispose()


def sql_page(
    database: Database, offset: int, limit: int = 1, sort: str = "name"
) -> list[CustomerRow]:
    with Session(database.engine) as session:
        return page_customers(session=session, offset=offset, limit=limit, sort=sort)


def sql_count(database: Database, filters: CustomerFilter | None = None) -> int:
    with Session(database.engine) as session:
        return count_customers(session=session, filters=filters)


async def settle(pilot: Pilot[None]) -> None:
    """Let the load workers finish and their messages reach the widgets.

    A newer request cancels the worker of an older one (typing over a search): those are
    passed over, and workers started by the messages of others are waited for in turn.
    """
    for _ in range(20):
        running = [worker for worker in pilot.app.workers if not worker.is_finished]
        if not running:
            break
        for worker in running:
            with suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()
    await pilot.pause()


def table_of(app: ClientdeskApp) -> CustomerTable:
    return app.screen.query_one(CustomerTable)


def status_of(app: ClientdeskApp) -> str:
    return str(app.screen.query_one("#status", Static).render())


def names(table: CustomerTable) -> list[str]:
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_first_rows_and_status_appear(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        first = sql_page(customers_db, 0, 3)
        assert app.title == "clientdesk"
        assert app.sub_title == customers_db.label
        assert table.row_count == WINDOW_SIZE
        assert names(table)[:3] == [row.name for row in first]
        assert [str(cell) for cell in table.get_row_at(0)][:3] == [
            first[0].code,
            first[0].name,
            first[0].grade.value,
        ]
        assert status_of(app).startswith(f"1 / {CUSTOMERS}")
        assert "sorted by name, ascending" in status_of(app)
        assert table.has_focus


async def test_kind_and_status_show_chinese_labels(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = [str(cell) for cell in table_of(app).get_row_at(0)]
        first = sql_page(customers_db, 0)[0]
        assert cells[3] == KIND_ZH[first.kind]
        assert cells[6] == STATUS_ZH[first.status]


async def test_end_and_home_jump_to_the_last_and_first_customer(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("end")
        await settle(pilot)
        last = sql_page(customers_db, CUSTOMERS - 1)[0]
        assert table.current is not None and table.current.name == last.name
        assert table.start == CUSTOMERS - WINDOW_SIZE
        assert table.row_count <= WINDOW_SIZE
        assert status_of(app).startswith(f"{CUSTOMERS} / {CUSTOMERS}")
        await pilot.press("g")
        await settle(pilot)
        assert table.position == 0
        assert table.current.id == sql_page(customers_db, 0)[0].id
        await pilot.press("G")
        await settle(pilot)
        assert table.position == CUSTOMERS - 1


async def test_moving_down_past_the_window_edge_loads_the_next_rows(
    customers_db: Database,
) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        near_edge = WINDOW_SIZE - EDGE - 5
        table.move_cursor(row=near_edge)  # arrive by hand rather than by 200 key presses
        await settle(pilot)
        assert table.start == 0
        for _ in range(30):
            await pilot.press("down")
            await settle(pilot)
            assert table.row_count <= WINDOW_SIZE
        position = near_edge + 30
        assert table.start > 0
        assert table.position == position
        assert table.current is not None
        assert table.current.id == sql_page(customers_db, position)[0].id
        assert status_of(app).startswith(f"{position + 1} / {CUSTOMERS}")


async def test_moving_up_past_the_window_edge_loads_the_rows_above(
    customers_db: Database,
) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("end")
        await settle(pilot)
        start = table.start
        table.move_cursor(row=EDGE + 5)
        await settle(pilot)
        for _ in range(30):
            await pilot.press("up")
            await settle(pilot)
        position = start + EDGE + 5 - 30
        assert table.start < start
        assert table.position == position
        assert table.current is not None
        assert table.current.id == sql_page(customers_db, position)[0].id


async def test_page_down_walks_the_whole_list_in_pages(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        page = table.scrollable_content_region.height - 1  # less the header line
        expected = 0
        while expected < CUSTOMERS - 1:
            await pilot.press("pagedown")
            await settle(pilot)
            expected = min(expected + page, CUSTOMERS - 1)
            assert table.position == expected
            assert table.current is not None
            assert table.current.id == sql_page(customers_db, expected)[0].id
            assert table.row_count <= WINDOW_SIZE
        await pilot.press("pageup")
        await settle(pilot)
        assert table.position == CUSTOMERS - 1 - page


async def test_grade_keys_filter_and_zero_clears(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("1")
        await settle(pilot)
        only_a = sql_count(customers_db, CustomerFilter(grades=(Grade.A,)))
        assert 0 < only_a < CUSTOMERS
        assert table.total == only_a
        assert {str(table.get_row_at(i)[2]) for i in range(table.row_count)} == {"A"}
        assert status_of(app).startswith(f"1 / {only_a}")
        assert "grade A only" in status_of(app)
        await pilot.press("3")
        await settle(pilot)
        a_and_c = sql_count(customers_db, CustomerFilter(grades=(Grade.A, Grade.C)))
        assert table.total == a_and_c
        assert "grade A, C only" in status_of(app)
        await pilot.press("1")
        await settle(pilot)
        assert table.total == sql_count(customers_db, CustomerFilter(grades=(Grade.C,)))
        await pilot.press("0")
        await settle(pilot)
        assert table.total == CUSTOMERS
        assert "grade" not in status_of(app)


async def test_r_and_shift_s_reverse_the_sort(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("r")
        await settle(pilot)
        assert table.current is not None
        assert table.current.id == sql_page(customers_db, CUSTOMERS - 1)[0].id
        assert "sorted by name, descending" in status_of(app)
        assert str(table.ordered_columns[1].label) == "Name ▼"
        await pilot.press("S")
        await settle(pilot)
        assert names(table)[:5] == [row.name for row in sql_page(customers_db, 0, 5)]


async def test_s_cycles_the_sort_column(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("s")
        await settle(pilot)
        assert "sorted by grade, ascending" in status_of(app)
        by_grade = sql_page(customers_db, 0, 10, sort="grade")
        assert [row.id for row in table.window_rows[:10]] == [row.id for row in by_grade]
        await pilot.press("s")
        await settle(pilot)
        assert "sorted by kind" in status_of(app)


async def test_clicking_a_header_sorts_by_that_column(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.click(CustomerTable, offset=(3, 1))  # the "Code" header, inside the border
        await settle(pilot)
        assert "sorted by code, ascending" in status_of(app)
        assert table.window_rows[0].code == "C000001"
        await pilot.click(CustomerTable, offset=(3, 1))
        await settle(pilot)
        assert "sorted by code, descending" in status_of(app)
        assert table.window_rows[0].code == f"C{CUSTOMERS:06d}"


async def test_clicking_next_visit_sorts_soonest_first(customers_db: Database) -> None:
    with Session(customers_db.engine) as session:
        for customer_id, days in ((7, 3), (3, 1), (500, 2)):
            planned = NOW + timedelta(days=days)
            session.add(Visit(customer_id=customer_id, purpose="例行拜访", planned_at=planned))
        session.commit()
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        x = 1 + sum(column.get_render_width(table) for column in table.ordered_columns[:-1])
        await pilot.click(CustomerTable, offset=(x + 2, 1))  # the "Next visit" header
        await settle(pilot)
        assert "sorted by next visit, ascending" in status_of(app)
        assert [row.id for row in table.window_rows[:3]] == [3, 500, 7]
        assert table.window_rows[3].next_visit_at is None  # no planned visit: after the rest


async def test_question_mark_and_f1_toggle_the_keys_panel(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query(HelpPanel)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query(HelpPanel)
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query(HelpPanel)


async def test_command_palette_runs_customer_commands(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"by code")
        await pilot.pause(0.3)  # the palette searches on a short debounce
        await pilot.press("enter")
        await settle(pilot)
        assert "sorted by code, ascending" in status_of(app)
        assert table_of(app).window_rows[0].code == "C000001"


async def test_empty_database_shows_a_friendly_empty_state(empty_db: Database) -> None:
    app = make_app(Settings(), empty_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#empty", Static)
        assert empty.display and not table_of(app).display
        assert "No customers yet" in str(empty.render())
        assert "clientdesk demo" in str(empty.render())
        assert not app._notifications  # nothing went wrong
        await pilot.press("1")
        await settle(pilot)
        assert "Press 0" in str(empty.render())


async def test_a_filter_with_no_match_says_how_to_clear_it(customers_db: Database) -> None:
    with customers_db.engine.begin() as conn:
        conn.execute(text("UPDATE customers SET grade = 'B' WHERE grade = 'A'"))
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        empty = app.screen.query_one("#empty", Static)
        assert empty.display
        assert str(empty.render()) == "No customers of grade A. Press 0 to show every grade."
        await pilot.press("0")
        await settle(pilot)
        assert not empty.display
        assert table_of(app).has_focus


async def test_database_error_becomes_a_notification(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with customers_db.engine.begin() as conn:
            conn.execute(text("DROP TABLE visits"))
        await pilot.press("ctrl+r")
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1
        assert "visits" in errors[0].message
        assert app.is_running
        assert table_of(app).row_count == WINDOW_SIZE  # the rows already shown stay


async def test_a_failed_sort_leaves_the_shown_sort_in_place(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with customers_db.engine.begin() as conn:
            conn.execute(text("DROP TABLE visits"))
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomersScreen)
        assert screen.listing == screen.shown
        assert not screen.listing.descending
        assert "sorted by name, ascending" in status_of(app)


async def test_refresh_keeps_the_cursor_on_the_same_customer(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("down", "down", "down")
        chosen = table.current
        with Session(customers_db.engine) as session:
            create_customer(CustomerCreate(name="0 最前面的公司"), session=session, actor="test")
            session.commit()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.current == chosen
        assert table.total == CUSTOMERS + 1
        assert status_of(app).startswith(f"5 / {CUSTOMERS + 1:,}")


async def test_theme_comes_from_settings(customers_db: Database) -> None:
    app = make_app(Settings.model_validate({"ui": {"theme": "nord"}}), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "nord"


async def test_changing_theme_keeps_rows_and_cursor(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("down", "down")
        chosen = table.current
        app.theme = "textual-light"
        await settle(pilot)
        assert table.row_count == WINDOW_SIZE
        assert table.current == chosen


async def test_unknown_theme_falls_back_with_a_warning(customers_db: Database) -> None:
    app = make_app(Settings.model_validate({"ui": {"theme": "no-such"}}), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert "no-such" in warnings[0].message


async def test_c_shows_the_customers_screen(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert app.current_mode == "customers"
        assert app.screen.query(CustomerTable)


async def test_narrow_terminal_still_shows_the_list(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert table.row_count == WINDOW_SIZE
        # 24 rows less the header, mode bar, search box, table header, status line, footer
        assert table.scrollable_content_region.height >= 14
        assert status_of(app).startswith(f"1 / {CUSTOMERS}")


async def test_q_quits(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


@pytest.mark.parametrize(
    ("target", "total", "expected"),
    [
        (0, 0, (0, 0)),
        (0, 1000, (0, 0)),
        (500, 1000, (500 - WINDOW_SIZE // 2, 500)),
        (-1, 1000, (1000 - WINDOW_SIZE, 999)),
        (5000, 1000, (1000 - WINDOW_SIZE, 999)),
        (50, 100, (0, 50)),
    ],
)
def test_place_window_centres_and_clamps(
    target: int, total: int, expected: tuple[int, int]
) -> None:
    assert place_window(target, total) == expected


# -- search and filters --------------------------------------------------------------------------


def sql_search(
    database: Database, query: str, filters: CustomerFilter | None = None
) -> tuple[list[int], int]:
    """(ids of the first rows, how many match) as the domain answers the same search."""
    with Session(database.engine) as session:
        page = search_customers(query, session=session, filters=filters, limit=WINDOW_SIZE)
    return [row.id for row in page.rows], page.total


async def search_for(pilot: Pilot[None], query: str, *, enter: bool = True) -> None:
    """Press / and type like a user; Enter runs the search at once, else the pause does."""
    await pilot.press("slash", *query)
    if enter:
        await pilot.press("enter")
    else:
        await pilot.pause(SEARCH_DELAY * 2)  # the search runs after a pause in typing
    await settle(pilot)


def screen_of(app: ClientdeskApp) -> CustomersScreen:
    screen = app.screen
    assert isinstance(screen, CustomersScreen)
    return screen


async def test_typing_a_search_shows_the_matching_rows(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "华信", enter=False)
        table = table_of(app)
        ids, total = sql_search(customers_db, "华信")
        assert 0 < total < CUSTOMERS
        assert [row.id for row in table.window_rows] == ids
        assert all("华信" in name for name in names(table))
        assert status_of(app).startswith(f"1 / {total} matching “华信”")
        assert app.screen.query_one("#search").has_focus  # typing goes on in the box


async def test_enter_runs_the_search_and_goes_to_the_results(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "shjq")  # pinyin initials of 上海金桥
        table = table_of(app)
        ids, total = sql_search(customers_db, "shjq")
        assert total and [row.id for row in table.window_rows] == ids
        assert all(name.startswith("上海金桥") for name in names(table))
        assert table.has_focus
        await pilot.press("down")
        await settle(pilot)
        assert status_of(app).startswith(f"2 / {total} matching")


async def test_a_code_finds_its_customer_first(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "c000042")
        table = table_of(app)
        assert table.window_rows[0].code == "C000042"
        assert table.total == sql_search(customers_db, "c000042")[1]


async def test_escape_clears_the_search_from_the_list_and_from_the_box(
    customers_db: Database,
) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "acme")
        assert table_of(app).total == sql_search(customers_db, "acme")[1] < CUSTOMERS
        await pilot.press("escape")  # on the list
        await settle(pilot)
        assert table_of(app).total == CUSTOMERS
        assert "matching" not in status_of(app)
        box = app.screen.query_one("#search", Input)
        assert box.value == ""
        await search_for(pilot, "acme", enter=False)
        assert box.has_focus and table_of(app).total < CUSTOMERS
        await pilot.press("escape")  # in the box: clears it and goes back to the list
        await settle(pilot)
        assert box.value == "" and table_of(app).has_focus
        assert table_of(app).total == CUSTOMERS


async def test_a_search_without_matches_says_how_to_get_back(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "不存在")
        empty = app.screen.query_one("#empty", Static)
        assert empty.display and not table_of(app).display
        assert str(empty.render()) == "No customers match “不存在”. Press Esc to clear the search."
        await pilot.press("escape")
        await settle(pilot)
        assert not empty.display and table_of(app).has_focus


async def test_grade_filter_and_search_together(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await search_for(pilot, "华信")
        table = table_of(app)
        ids, total = sql_search(customers_db, "华信", CustomerFilter(grades=(Grade.A,)))
        assert 0 < total < sql_search(customers_db, "华信")[1]
        assert [row.id for row in table.window_rows] == ids
        assert {str(table.get_row_at(i)[2]) for i in range(table.row_count)} == {"A"}
        assert "grade A only" in status_of(app)
        await pilot.press("0")  # the search stays, the filter goes
        await settle(pilot)
        assert table.total == sql_search(customers_db, "华信")[1]


async def test_a_newer_search_wins_over_an_older_one(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.search("华信")
        screen.search("acme")  # before the first has answered
        await settle(pilot)
        assert screen.shown.query == "acme"
        assert [row.id for row in table_of(app).window_rows] == sql_search(customers_db, "acme")[0]


async def test_stale_filter_from_the_dialog(customers_db: Database) -> None:
    with Session(customers_db.engine) as session:
        for customer in session.exec(select(Customer)).all():
            customer.created_at = NOW - timedelta(days=400)
            if customer.id is not None and customer.id % 3:
                customer.verified_at = NOW - timedelta(days=30)
            session.add(customer)
        session.commit()
    stale = CustomerFilter(stale_before=NOW - timedelta(days=180))
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FiltersScreen)
        dialog.query_one("#stale", Checkbox).focus()
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert screen_of(app).listing.filters == ListFilters(stale=True)
        assert table_of(app).total == sql_count(customers_db, stale) == CUSTOMERS // 3
        assert all(row.id % 3 == 0 for row in table_of(app).window_rows)
        assert "stale files only" in status_of(app)
        await pilot.press("x")
        await settle(pilot)
        assert table_of(app).total == CUSTOMERS
        assert "only" not in status_of(app)


async def test_filter_dialog_offers_the_regions_and_owners_in_use(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FiltersScreen)
        assert list(dialog.query_one("#grades", SelectionList).selected) == ["A"]
        owners = dialog.query_one("#owner", Select)
        assert [str(prompt) for prompt, _ in owners._options[1:]] == sorted(OWNERS)
        owners.value = "张伟"
        kinds = dialog.query_one("#kinds", SelectionList)
        kinds.select(CustomerKind.SUPPLIER.value)
        await pilot.press("ctrl+s")
        await settle(pilot)
        wanted = CustomerFilter(grades=(Grade.A,), kinds=(CustomerKind.SUPPLIER,), owner="张伟")
        assert table_of(app).total == sql_count(customers_db, wanted) > 0
        assert "grade A only  ·  kind 供应商 only  ·  owner 张伟 only" in status_of(app)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")  # cancel keeps the filters
        await settle(pilot)
        assert table_of(app).total == sql_count(customers_db, wanted)


async def test_palette_filters_by_kind(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"filter kind supplier")
        await pilot.pause(0.3)  # the palette searches on a short debounce
        await pilot.press("enter")
        await settle(pilot)
        wanted = CustomerFilter(kinds=(CustomerKind.SUPPLIER,))
        assert table_of(app).total == sql_count(customers_db, wanted)
        assert "kind 供应商 only" in status_of(app)


async def test_search_box_fits_a_small_terminal(customers_db: Database) -> None:
    app = make_app(Settings(), customers_db, now=NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search_for(pilot, "hangzhou")
        table = table_of(app)
        assert table.total == sql_search(customers_db, "hangzhou")[1] > 0
        assert table.scrollable_content_region.height >= 14  # under the header and mode bar
