"""Snapshots of the complaint queue (with an overdue row) and of a complaint's page at
120x36, on the fixed data of test_tui_complaints.build with a frozen clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import make_app
from test_tui_complaints import NOW, SETTINGS, SIZE, build, settle

SnapCompare = Callable[..., bool]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "t.db"))
    build(database)
    yield database
    database.dispose()


def shown_as(database: Database) -> Database:
    """The same database under a fixed name, so the header does not show the tmp path."""
    return dataclasses.replace(database, path=Path("~/clientdesk/clientdesk.db"))


async def quiet(pilot: Pilot[Any]) -> None:
    """Settle, then drop the notifications of the app's housekeeping (other areas' too)."""
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


class TestComplaintSnapshots:
    def test_queue(self, snap_compare: SnapCompare, db: Database) -> None:
        """The open queue by deadline: the overdue complaint marked ! (and ↑ escalated) in
        red with "overdue 3h 00m", the one answered late in the warning colour."""
        app = make_app(SETTINGS, shown_as(db), now=NOW)

        async def to_queue(pilot: Pilot[Any]) -> None:
            await quiet(pilot)
            await pilot.press("p")
            await quiet(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=to_queue)

    def test_detail(self, snap_compare: SnapCompare, db: Database) -> None:
        """The overdue complaint: facts and deadline, its history (intake, escalation,
        note, dispute, follow-up), the dispute with compensation and the follow-up visit;
        the footer offers only the steps allowed now."""
        app = make_app(SETTINGS, shown_as(db), now=NOW)

        async def to_detail(pilot: Pilot[Any]) -> None:
            await quiet(pilot)
            await pilot.press("p", "2")
            await quiet(pilot)
            await pilot.press("enter")
            await quiet(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=to_detail)
