"""Snapshots of the Visits screen at 120x36 on fixed data with a frozen clock (Wednesday
2025-03-05 10:00 in Shanghai); the data is built by test_tui_visits.build_visits_db."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from clientdesk.config import Settings
from clientdesk.storage.database import Database
from clientdesk.tui.app import ClientdeskApp, make_app
from test_tui_visits import NOW, build_visits_db

SIZE = (120, 36)
SnapCompare = Callable[..., bool]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = build_visits_db(tmp_path / "t.db")
    yield database
    database.dispose()


def app_for(database: Database) -> ClientdeskApp:
    # The same database under a fixed name, so the header does not show the tmp path.
    shown = dataclasses.replace(database, path=Path("~/clientdesk/clientdesk.db"))
    return make_app(Settings(), shown, now=NOW)


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


def visits(*keys: str) -> Callable[[Pilot[Any]], Any]:
    """Open the Visits screen (v), press `keys`, and clear the notices shown at start."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        for key in ("v", *keys):
            await pilot.press(key)
            await settle(pilot)

    return run


class TestVisitsScreen:
    def test_agenda(self, snap_compare: SnapCompare, db: Database) -> None:
        """Overdue (in red), today, this week and later, each a heading with its count; the
        weekday and local time, grade, key contact with phone, a return visit marked."""
        assert snap_compare(app_for(db), terminal_size=SIZE, run_before=visits())

    def test_due(self, snap_compare: SnapCompare, db: Database) -> None:
        """Customers due for a visit, most overdue first: the never-visited one on top, the
        cadence per grade, the visit already planned for two of them."""
        assert snap_compare(app_for(db), terminal_size=SIZE, run_before=visits("2"))

    def test_calendar(self, snap_compare: SnapCompare, db: Database) -> None:
        """March 2025 Monday-first: today (the 5th) chosen, planned (●) and done (✓) counts,
        the first visits of each day listed."""
        assert snap_compare(app_for(db), terminal_size=SIZE, run_before=visits("3"))

    def test_log_form(self, snap_compare: SnapCompare, db: Database) -> None:
        """Logging the highlighted overdue visit: done at its planned time, the discussion
        first, satisfaction 1-5 explained, a next-step date plans the follow-up."""
        assert snap_compare(app_for(db), terminal_size=SIZE, run_before=visits("l"))

    def test_day_list(self, snap_compare: SnapCompare, db: Database) -> None:
        """Enter on a calendar day lists its planned and done visits."""
        keys = ("3", "left", "left", "enter")  # Monday 03-03
        assert snap_compare(app_for(db), terminal_size=SIZE, run_before=visits(*keys))
