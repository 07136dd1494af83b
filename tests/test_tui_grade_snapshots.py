"""A snapshot of the customer file's Grade tab at 120x36, on fixed data with a frozen clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from textual.pilot import Pilot

from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import Grade
from clientdesk.domain.grading import GradeAssessment
from clientdesk.storage.database import Database
from clientdesk.tui.app import ClientdeskApp, make_app
from test_tui_data import NOW, SETTINGS, SIZE, build_db
from test_tui_data_snapshots import Shown, settle

SnapCompare = Callable[..., bool]


@pytest.fixture
def graded_db(tmp_path: Path) -> Iterator[Database]:
    """C000001 of the grading fixture, now grade A with no account manager, rated 4 and 3
    by the salesperson, and two assessments in its history."""
    database = build_db(tmp_path / "t.db")
    with Session(database.engine) as s:
        customer = s.get(Customer, 1)
        assert customer is not None
        customer.grade, customer.owner = Grade.A, None
        customer.market_share_rating, customer.potential_rating = 4, 3
        s.add(customer)
        s.add_all(
            [
                GradeAssessment(customer_id=1, assessed_at=NOW - timedelta(days=200),
                                previous_grade=None, grade=Grade.D, total_score=12.0,
                                reason="no data", actor="李娜"),
                GradeAssessment(customer_id=1, assessed_at=NOW - timedelta(days=30),
                                previous_grade=Grade.D, grade=Grade.A, total_score=66.1,
                                reason="re-evaluation", actor="张伟"),
            ]
        )  # fmt: skip
        s.commit()
    yield Shown(engine=database.engine, url=database.url, path=database.path)
    database.dispose()


def open_grade_tab() -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, ClientdeskApp)
        app.open_customer(1)
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    return run


class TestGradeTab:
    def test_grade_tab(self, snap_compare: SnapCompare, graded_db: Database) -> None:
        """Grade A, the scorecard with the two ratings (total 73.1 → A) and thresholds, the
        A service standard with the missing account manager flagged, and the history,
        newest first."""
        app = make_app(SETTINGS, graded_db, now=NOW)
        assert snap_compare(app, terminal_size=SIZE, run_before=open_grade_tab())
