"""The Data screen driven with Pilot like a user: back up now, the old-backup warning,
importing a good and a bad file, re-evaluating grades (dry run, then apply)."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, ProgressBar, Select

from clientdesk.config import Settings, default_backup_dir
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import Grade, TransactionKind
from clientdesk.domain.grading import GradeAssessment
from clientdesk.domain.transaction import Transaction
from clientdesk.storage.backup import create_backup, list_backups
from clientdesk.storage.database import Database, open_database, write_meta
from clientdesk.tui.app import ClientdeskApp, make_app
from clientdesk.tui.registry import modes
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.data import DataScreen
from clientdesk.tui.screens.grade_run import GradeRunScreen
from clientdesk.tui.screens.import_form import ImportFormScreen
from clientdesk.tui.screens.import_report import ImportReportScreen
from clientdesk.tui.widgets.data_list_table import ListTable

SIZE = (120, 36)
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2025, 3, 1)
SETTINGS = Settings.model_validate({"user": {"name": "测试员"}})

GOOD_CSV = (
    "客户编号,公司名称,等级,区域,建档日期,联系人,电话\n"
    ",测试导入甲有限公司,B,华东,2024-03-05,张三,021-12345678\n"
    ",测试导入乙有限公司,C,华南,2024/3/6,李四,020-1234567\n"
)
BAD_CSV = (
    "客户编号,公司名称,等级,区域,建档日期,联系人,电话\n"
    ",测试坏甲有限公司,Z,华东,2024-13-05,张三,021-12345678\n"
    ",,C,华南,2024/3/6,李四,020-1234567\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = build_db(tmp_path / "t.db")
    yield database
    database.dispose()


def build_db(path: Path) -> Database:
    """Three customers whose grades disagree with their scorecards in three ways:
    C000001 is D but bought ¥6M in twelve purchases (scores A), C000002 is A with no data
    at all (scores D), C000003 has no data either but its grade B is fixed by hand."""
    database = open_database(str(path))
    made = NOW - timedelta(days=400)
    with Session(database.engine) as s:
        for code, name, grade, fixed in (
            ("C000001", "北京华信科技有限公司", Grade.D, False),
            ("C000002", "南京金桥物流有限公司", Grade.A, False),
            ("C000003", "深圳长江贸易有限公司", Grade.B, True),
        ):
            s.add(
                Customer(
                    code=code,
                    name=name,
                    grade=grade,
                    grade_fixed=fixed,
                    owner="张伟",
                    created_at=made,
                    updated_at=made,
                )
            )
        s.flush()
        for k in range(12):
            s.add(
                Transaction(
                    customer_id=1,
                    kind=TransactionKind.SALE,
                    amount_cents=500_000_00,
                    occurred_on=TODAY - timedelta(days=10 + 25 * k),
                )
            )
        s.commit()
    return database


def app_for(database: Database, settings: Settings = SETTINGS) -> ClientdeskApp:
    return make_app(settings, database, now=NOW)


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_data(pilot: Pilot[Any]) -> DataScreen:
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DataScreen)
    return screen


async def open_file_tab(pilot: Pilot[Any], customer_id: int, key: str, tab: str) -> Any:
    """Open the customer's file, then the tab under `key`; the file screen."""
    from textual.widgets import TabbedContent

    from clientdesk.tui.screens.customer_file import CustomerFileScreen

    await settle(pilot)
    app = pilot.app
    assert isinstance(app, ClientdeskApp)
    app.open_customer(customer_id)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, CustomerFileScreen)
    await pilot.press(key)
    await settle(pilot)
    assert screen.query_one(TabbedContent).active == tab
    return screen


def shown(app: ClientdeskApp, selector: str) -> str:
    """The text a widget shows on screen, its wrapped lines joined with spaces."""
    widget = app.screen.query_one(selector)
    size = widget.outer_size  # with the border and its titles
    lines = widget.render_lines(Region(0, 0, size.width, size.height))
    text = (" ".join(line.text.strip(" │╭╮╰╯─").split()) for line in lines)  # no frame
    return " ".join(line for line in text if line)


def notices(app: ClientdeskApp) -> list[str]:
    return [n.message for n in app._notifications]


def digest(database: Database) -> str:
    """Every row of every table: equal digests mean the data did not change."""
    assert database.path is not None
    conn = sqlite3.connect(database.path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def backup_folder() -> Path:
    return default_backup_dir(SETTINGS)


def grades(database: Database) -> dict[str, tuple[Grade, bool]]:
    with Session(database.engine) as s:
        return {c.code: (c.grade, c.grade_fixed) for c in s.exec(select(Customer)).scalars()}  # type: ignore[call-overload]


def assessments(database: Database) -> list[GradeAssessment]:
    with Session(database.engine) as s:
        stmt = select(GradeAssessment).order_by(col(GradeAssessment.id))
        return list(s.execute(stmt).scalars())


# -- the screen ----------------------------------------------------------------------------


async def test_data_screen_shows_the_database_and_its_grades(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        facts = shown(app, "#db-facts")
        assert "t.db" in facts
        assert "up to date" in facts
        assert "Customers 客户" in facts and "Transactions 交易" in facts
        assert "Transactions 交易 12 " in facts
        grading = shown(app, "#grading-text")
        assert "A 1 (33%)" in grading and "Fixed by hand 1" in grading
        assert "No backup of this database yet" in shown(app, "#backup-last")


# -- backups --------------------------------------------------------------------------------


async def test_back_up_now_makes_an_owner_only_backup_and_updates_the_last_one(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await pilot.press("b")
        await settle(pilot)
        [entry] = list_backups(backup_folder())
        assert entry.good and entry.created_at == NOW
        assert stat.S_IMODE(entry.path.stat().st_mode) == 0o600
        manifest = entry.path.with_name(entry.path.name.removesuffix(".db") + ".manifest.json")
        assert stat.S_IMODE(manifest.stat().st_mode) == 0o600
        assert stat.S_IMODE(backup_folder().stat().st_mode) == 0o700
        result = shown(app, "#backup-result")
        assert entry.path.name in result and "quick check passed" in result
        last = shown(app, "#backup-last")
        assert "✓ Last good backup 2025-03-01 17:00 (just now)" in last
        assert "Backed up to" in notices(app)[-1]
        assert app.screen.query_one("#backups").row_count == 1  # type: ignore[attr-defined]


async def test_an_old_backup_is_warned_about_at_start_and_on_the_screen(db: Database) -> None:
    assert db.path is not None
    create_backup(db.path, backup_folder(), now=lambda: NOW - timedelta(days=10))
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_data(pilot)
        [reminder] = [n for n in app._notifications if "backup" in n.message]
        assert reminder.severity == "warning"
        assert "10 days ago" in reminder.message and "Press d, then b" in reminder.message
        last = shown(app, "#backup-last")
        assert "⚠ Last good backup 2025-02-19 17:00 (10 days ago): older than 7 days" in last
        assert screen.query_one("#backup-panel").has_class("-overdue")
        await pilot.press("b")
        await settle(pilot)
        assert "✓ Last good backup 2025-03-01 17:00 (just now)" in shown(app, "#backup-last")
        assert not screen.query_one("#backup-panel").has_class("-overdue")
        assert len(list_backups(backup_folder())) == 2


async def test_a_database_never_backed_up_is_reminded_once_it_is_a_week_old(
    db: Database,
) -> None:
    write_meta(db, {"created_at": (NOW - timedelta(days=30)).isoformat()})
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any(
            "no backup in the 30 days since it was made. Press d, then b" in text
            for text in notices(app)
        )


async def test_a_new_database_without_a_backup_is_not_nagged(db: Database) -> None:
    write_meta(db, {"created_at": (NOW - timedelta(days=2)).isoformat()})
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not [text for text in notices(app) if "backup" in text]


async def test_backups_are_off_with_a_note_for_a_database_that_is_not_a_file(
    db: Database,
) -> None:
    server = Database(engine=db.engine, url=db.url, path=None)  # as a PostgreSQL one is
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_data(pilot)
        assert "not a SQLite file" in shown(app, "#backup-last")
        assert "pg_dump" in shown(app, "#backup-last")
        assert not screen.query_one("#backups").display
        assert screen.check_action("back_up", ()) is False  # not in the footer
        await pilot.press("b")
        await settle(pilot)
        assert not backup_folder().exists()
        assert not [text for text in notices(app) if "no backup" in text]
        [data] = [mode for mode in modes() if mode.name == "data"]
        assert data.commands is not None
        titles = [command.title for command in data.commands(app, screen)]
        assert "Data: back up now" not in titles and "Data: import a file" in titles


async def test_palette_backs_up_from_another_screen(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"back up now")
        await pilot.pause(0.3)  # the palette searches on a short debounce
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DataScreen)
        assert len(list_backups(backup_folder())) == 1


# -- import ---------------------------------------------------------------------------------


async def check_file(pilot: Pilot[Any], path: Path) -> ImportReportScreen:
    await open_data(pilot)
    await pilot.press("i")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ImportFormScreen)
    form.query_one("#path", Input).value = str(path)
    await pilot.press("ctrl+s")
    await settle(pilot)
    report = pilot.app.screen
    assert isinstance(report, ImportReportScreen)
    return report


async def test_importing_a_good_csv_adds_its_rows(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "客户.csv"
    source.write_text(GOOD_CSV, encoding="utf-8")
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        report = await check_file(pilot, source)
        assert "✓ 2 rows are valid: 2 to insert, 0 to update, 0 to skip" in shown(
            app, "#import-counts"
        )
        assert len(grades(db)) == 3  # checked, not written
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is report
        counts = shown(app, "#import-counts")
        assert "2 inserted" in counts and "clientdesk import undo 1" in counts
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DataScreen)
        assert "#1" in shown(app, "#import-text")
        assert "Customers 客户" in shown(app, "#db-facts")
    names = {c.name for c in _customers(db)}
    assert {"测试导入甲有限公司", "测试导入乙有限公司"} <= names


def _customers(database: Database) -> list[Customer]:
    with Session(database.engine) as s:
        return list(s.execute(select(Customer)).scalars())


async def test_a_bad_csv_shows_every_problem_and_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(BAD_CSV, encoding="utf-8")
    before = digest(db)
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        report = await check_file(pilot, source)
        assert "✗ 3 problem(s) in 2 row(s): nothing will be written" in shown(app, "#import-counts")
        table = report.query_one("#import-problems", ListTable)
        assert table.total == 3
        lines = [(p.line, p.column, p.value) for p in table.items]
        assert (2, "建档日期", "2024-13-05") in lines
        assert (2, "等级", "Z") in lines
        assert (3, "公司名称", "") in lines
        detail = shown(app, "#import-detail")
        assert "bad.csv:2: 建档日期 '2024-13-05'" in detail
        assert report.check_action("commit", ()) is None
        await pilot.press("ctrl+s")  # refused: nothing to confirm
        await settle(pilot)
        assert app.screen is report
        await pilot.press("w")
        await settle(pilot)
        sheet = tmp_path / "bad.errors.csv"
        assert sheet.exists() and stat.S_IMODE(sheet.stat().st_mode) == 0o600
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DataScreen)
        assert "nothing was written" in notices(app)[-1]
    assert digest(db) == before


async def test_the_import_dialog_refuses_a_missing_file(db: Database, tmp_path: Path) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ImportFormScreen)
        form.query_one("#path", Input).value = "~/no-such-file.csv"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.is_current  # still open
        error = form.field("path").error
        assert error is not None and "does not exist" in error
        form.query_one("#path", Input).value = str(tmp_path / "x.csv")
        form.query_one("#sheet", Input).value = "Sheet2"
        (tmp_path / "x.csv").write_text(GOOD_CSV, encoding="utf-8")
        await pilot.press("ctrl+s")
        await settle(pilot)
        sheet_error = form.field("sheet").error
        assert sheet_error is not None and "XLSX" in sheet_error


async def test_import_options_go_back_and_keep_what_was_chosen(
    db: Database, tmp_path: Path
) -> None:
    source = tmp_path / "客户.csv"
    source.write_text(GOOD_CSV, encoding="utf-8")
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ImportFormScreen)
        form.query_one("#path", Input).value = str(source)
        form.query_one("#on_duplicate", Select).value = "skip"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        again = app.screen
        assert isinstance(again, ImportFormScreen)
        assert again.query_one("#path", Input).value == str(source)
        assert again.query_one("#on_duplicate", Select).value == "skip"
    assert len(grades(db)) == 3


# -- grading --------------------------------------------------------------------------------


async def test_re_evaluate_shows_a_dry_run_then_applies_it(db: Database) -> None:
    before = digest(db)
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await pilot.press("g")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, GradeRunScreen)
        summary = shown(app, "#grading-summary")
        assert "3 customers evaluated as of 2025-03-01: 1 up and 1 down would move" in summary
        assert "1 kept as fixed by hand" in summary
        moves = dialog.query_one("#grading-moves", ListTable)
        rows = [(item.code, item.current, item.grade, item.fixed) for item in moves.items]
        assert rows == [
            ("C000001", Grade.D, Grade.A, False),
            ("C000002", Grade.A, Grade.D, False),
            ("C000003", Grade.B, Grade.D, True),
        ]
        assert digest(db) == before  # a dry run changes nothing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Applied: 2 grade changes recorded" in shown(app, "#grading-stage")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DataScreen)
    assert grades(db) == {
        "C000001": (Grade.A, False),
        "C000002": (Grade.D, False),
        "C000003": (Grade.B, True),
    }
    moved = [(a.customer_id, a.previous_grade, a.grade, a.actor) for a in assessments(db)]
    assert moved == [(1, Grade.D, Grade.A, "测试员"), (2, Grade.A, Grade.D, "测试员")]


async def test_closing_the_dry_run_changes_nothing(db: Database) -> None:
    before = digest(db)
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DataScreen)
    assert digest(db) == before


async def test_columns_can_be_mapped_in_the_dialog(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "firmen.csv"
    source.write_text("Firma,Stufe,Bemerkung\nMüller Handel GmbH,B,Stammkunde\n", encoding="utf-8")
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ImportFormScreen)
        form.query_one("#path", Input).value = str(source)
        form.query_one("#mapping", Input).value = "Firma=nosuch"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = form.field("mapping").error
        assert error is not None and "there is no field 'nosuch'" in error
        form.query_one("#mapping", Input).value = "Firma=name, Stufe=grade"
        form.query_one("#keep_unknown", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "1 rows are valid: 1 to insert" in shown(app, "#import-counts")
        assert "kept in the notes: 'Bemerkung'" in shown(app, "#import-warnings")
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
    [added] = [c for c in _customers(db) if c.name == "Müller Handel GmbH"]
    assert added.grade == Grade.B and added.notes == "Bemerkung: Stammkunde"


async def test_a_big_file_shows_progress_while_it_is_checked(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    lines = [f",批量客户{n:05d}有限公司,C,华东\n" for n in range(12_000)]
    source.write_text("客户编号,公司名称,等级,区域\n" + "".join(lines), encoding="utf-8")
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        report = await check_file(pilot, source)
        bar = report.query_one("#import-bar", ProgressBar)
        assert bar.total == source.stat().st_size  # the checking stage reported its bytes
        assert "12,000 rows are valid: 12,000 to insert" in shown(app, "#import-counts")
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        assert bar.total == 12_000  # the writing stage reported its rows
    assert len(_customers(db)) == 12_003
