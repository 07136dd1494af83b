"""The Targets screen (y), driven with Pilot: each salesperson's sales against the target
of the period, ahead of or behind its pace, and stepping between periods."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from clientdesk.config import Settings
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import make_app
from clientdesk.tui.screens.targets import TargetsScreen
from test_performance import _build
from test_tui_data import SIZE, settle, shown

# test_performance's data: Q1 2026 (张伟 85%, 李娜 120%) and Q2 2026 (张伟 only).
SETTINGS = Settings.model_validate({"user": {"name": "测试员"}})


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "t.db"))
    _build(database)
    yield database
    database.dispose()


def app_on(database: Database, day: str) -> Any:
    from datetime import UTC, datetime

    now = datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)  # 10:00 in Shanghai
    return make_app(SETTINGS, database, now=now)


async def open_targets(pilot: Pilot[Any]) -> TargetsScreen:
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TargetsScreen)
    return screen


async def test_the_running_period_ahead_and_behind_its_pace(db: Database) -> None:
    app = app_on(db, "2026-03-01")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_targets(pilot)
        summary = shown(app, "#targets-summary")
        assert "2026-01-01 – 2026-03-31 · 67% of the period gone" in summary
        assert "team CNY 1,450,000.00 of CNY 1,500,000.00 (97%) · 0 behind the pace" in summary
        rows = shown(app, "#targets")
        assert "李娜 500,000.00 600,000.00" in rows and "120%" in rows
        assert "张伟 1,000,000.00 850,000.00" in rows and "85%" in rows
        table = screen.query_one("#targets", DataTable)
        assert [str(key.value) for key in table.rows] == ["李娜", "张伟"]  # best first
        await pilot.press("]")
        await settle(pilot)
        assert screen.period is not None and str(screen.period[0]) == "2026-04-01"
        assert "1 behind the pace" not in shown(app, "#targets-summary")  # not begun yet
        assert [str(key.value) for key in table.rows] == ["张伟"]
        await pilot.press("[")
        await settle(pilot)
        assert screen.period is not None and str(screen.period[0]) == "2026-01-01"


async def test_behind_the_pace_is_said(db: Database) -> None:
    app = app_on(db, "2026-05-16")  # half of Q2 gone; 张伟 at 50% of his ¥2M target
    async with app.run_test(size=SIZE) as pilot:
        await open_targets(pilot)
        summary = shown(app, "#targets-summary")
        assert "2026-04-01 – 2026-06-30 · 51% of the period gone" in summary
        assert "1 behind the pace" in summary


async def test_without_targets_the_screen_says_what_they_are(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "empty.db"))
    app = make_app(SETTINGS, database)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_targets(pilot)
        assert screen.has_class("-empty")
        assert "No sales targets yet" in shown(app, "#targets-empty")
    database.dispose()


def test_targets_screen_snapshot(snap_compare: Any, db: Database) -> None:
    from test_tui_file_snapshots import shown_as

    async def run(pilot: Pilot[Any]) -> None:
        await open_targets(pilot)

    assert snap_compare(app_on(shown_as(db), "2026-03-01"), terminal_size=SIZE, run_before=run)
