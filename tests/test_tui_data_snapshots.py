"""Snapshots of the Data screen and its dialogs at 120x36, on fixed data with a frozen clock.

The database lives in the (test) home folder, so the screen shows it as ~/clientdesk.db;
backups are taken with fixed times and the import batch is stamped with a fixed time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session
from textual.pilot import Pilot
from textual.widgets import Input

from clientdesk.config import default_backup_dir
from clientdesk.domain.regrade import run_grading
from clientdesk.exchange.importer import ImportOptions, validate_import
from clientdesk.exchange.sources import open_path
from clientdesk.storage.backup import create_backup
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import ClientdeskApp, make_app
from clientdesk.tui.screens.grade_support import grading_args
from test_tui_data import BAD_CSV, GOOD_CSV, NOW, SETTINGS, SIZE, TODAY, build_db

SnapCompare = Callable[..., bool]


class Shown(Database):
    """The database under a fixed name in the header (the file itself is real)."""

    @property
    def label(self) -> str:
        return "~/clientdesk.db"


@pytest.fixture
def home_db(isolated_dirs: Path) -> Iterator[Database]:
    """The grading fixture of test_tui_data with C000002 re-evaluated a week ago, one
    import (stamped two days ago) and two backups (three days and one day old)."""
    path = isolated_dirs / "clientdesk.db"
    database = build_db(path)
    with Session(database.engine) as s:
        run_grading(
            session=s,
            as_of=TODAY - timedelta(days=7),
            actor="张伟",
            customer_id=2,  # the others are left for the dry run to move
            assessed_at=NOW - timedelta(days=7),
            **grading_args(SETTINGS),
        )
        s.commit()
    source = isolated_dirs / "客户.csv"
    source.write_text(GOOD_CSV, encoding="utf-8")
    plan = validate_import(
        database, "customers", open_path(str(source)), ImportOptions(settings=SETTINGS)
    )
    try:
        plan.commit()
    finally:
        plan.close()
    with database.engine.begin() as conn:
        stamp = (NOW - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S.000000")
        conn.execute(
            text("UPDATE audit_entries SET at = :at WHERE entity = 'import'"), {"at": stamp}
        )
    database.dispose()  # checkpoints the WAL: the size on screen is the file's
    folder = default_backup_dir(SETTINGS)
    for days in (3, 1):
        create_backup(path, folder, now=partial(fixed, NOW - timedelta(days=days)))
    (isolated_dirs / "bad.csv").write_text(BAD_CSV, encoding="utf-8")
    opened = open_database(str(path))
    yield Shown(engine=opened.engine, url=opened.url, path=opened.path)
    opened.dispose()


def fixed(moment: datetime) -> datetime:
    return moment


def app_for(database: Database) -> ClientdeskApp:
    return make_app(SETTINGS, database, now=NOW)


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


def press(*keys: str, path: str | None = None) -> Callable[[Pilot[Any]], Any]:
    """Show the Data screen, then press `keys` (typing `path` into the import dialog)."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
            if key == "i" and path is not None:
                pilot.app.screen.query_one("#path", Input).value = path
                await settle(pilot)

    return run


class TestDataScreen:
    def test_data_screen(self, snap_compare: SnapCompare, home_db: Database) -> None:
        """The database (file, size, schema, row counts), the last good backup one day ago
        with both backups listed, the import made two days ago, and the grade spread."""
        assert snap_compare(app_for(home_db), terminal_size=SIZE, run_before=press())

    def test_import_report_with_problems(
        self, snap_compare: SnapCompare, home_db: Database
    ) -> None:
        """A bad file: three problems in a table, the first one in full under it, Import
        disabled."""
        run = press("i", "ctrl+s", path=str(Path.home() / "bad.csv"))
        assert snap_compare(app_for(home_db), terminal_size=SIZE, run_before=run)

    def test_grading_dry_run(self, snap_compare: SnapCompare, home_db: Database) -> None:
        """The dry run: C000001 up to A, the two imported customers down to D (no data),
        C000003 kept (fixed by hand); Apply enabled."""
        assert snap_compare(app_for(home_db), terminal_size=SIZE, run_before=press("g"))
