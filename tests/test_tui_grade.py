"""The Grade tab of the customer file, driven with Pilot: the scorecard and service standard,
re-evaluating one customer, the grade history after a re-evaluation, the judgement inputs,
and fixing a grade by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from textual.pilot import Pilot
from textual.widgets import Input, Select, TabbedContent

from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import Grade
from clientdesk.storage.database import Database
from clientdesk.tui.file_tabs.grade import GradeTab
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.customer_file import CustomerFileScreen
from clientdesk.tui.screens.grade_fix import GradeFixScreen
from clientdesk.tui.screens.grade_inputs import GradeInputsScreen
from clientdesk.tui.widgets.grade_history import GradeHistoryTable
from clientdesk.tui.widgets.scorecard import ScorecardTable
from test_tui_data import (
    SIZE,
    app_for,
    assessments,
    build_db,
    grades,
    notices,
    open_data,
    open_file_tab,
    settle,
    shown,
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """The grading fixture of test_tui_data: C000001 scores A but is D, C000002 has no data
    but is A, C000003 has no data and a grade B fixed by hand."""
    database = build_db(tmp_path / "t.db")
    yield database
    database.dispose()


def customer(database: Database, customer_id: int) -> Customer:
    with Session(database.engine) as s:
        found = s.get(Customer, customer_id)
        assert found is not None
        return found


async def open_grade_tab(pilot: Pilot[Any], customer_id: int) -> GradeTab:
    screen = await open_file_tab(pilot, customer_id, "4", "grade")
    tab: GradeTab = screen.query_one(GradeTab)
    return tab


async def test_grade_tab_explains_the_grade_and_its_service_standard(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_grade_tab(pilot, 1)
        summary = shown(app, "#grade-summary")
        assert "Grade D · the scorecard now says A, score 66.1 ≥ 65 for A" in summary
        assert "press r to re-evaluate" in summary
        card = tab.query_one(ScorecardTable)
        assert card.row_count == 8  # seven dimensions and the total
        table = shown(app, "ScorecardTable")
        assert "Revenue, last 12 months (收益贡献) CNY 6,000,000.00 100.0 0.30 30.0" in table
        assert "Purchases, last 12 months (购买频次) 12 100.0 0.15 15.0" in table
        assert "Total 总分 1.00 66.1 → grade A" in table
        assert "A ≥ 65 · B ≥ 50 · C ≥ 35, else D" in table
        service = shown(app, "#grade-service")
        assert "Visit every 180 days" in service
        assert "Answer complaints within 48 h" in service
        assert "Dedicated manager: no" in service
        assert "No assessment yet" in shown(app, "#grade-history-empty")


async def test_an_a_customer_without_an_owner_is_flagged(db: Database) -> None:
    with Session(db.engine) as s:
        found = s.get(Customer, 2)
        assert found is not None
        found.owner = None
        s.add(found)
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_grade_tab(pilot, 2)
        service = shown(app, "#grade-service")
        assert "Dedicated manager: required" in service
        assert "⚠ Grade A has no account manager: assign one with o." in service
        assert tab.query_one("#grade-service").has_class("-warning")


async def test_re_evaluating_one_customer_moves_it_and_records_why(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_grade_tab(pilot, 1)
        await pilot.press("r")
        await settle(pilot)
        assert "C000001 moved up: D → A, score 66.1 ≥ 65 for A" in notices(app)[-1]
        history = tab.query_one(GradeHistoryTable)
        assert [(h.previous_grade, h.grade) for h in history.assessments] == [(Grade.D, Grade.A)]
        assert "2025-03-01 17:00 D → A 66.1 re-evaluation 测试员" in shown(app, "GradeHistoryTable")
        assert "Grade A · the scorecard agrees" in shown(app, "#grade-summary")
        assert shown(app, "#file-grade") == "A"  # the file's header follows
        assert "(1)" in str(app.screen.query_one(TabbedContent).get_tab("grade").label)
    assert grades(db)["C000001"] == (Grade.A, False)
    assert grades(db)["C000002"] == (Grade.A, False)  # only this one customer


async def test_a_hand_fixed_grade_is_kept_and_reported(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_grade_tab(pilot, 3)
        assert "fixed by hand, kept on re-evaluation" in shown(app, "#grade-summary")
        await pilot.press("r")
        await settle(pilot)
        assert "C000003 keeps grade B, fixed by hand; the scorecard says D" in notices(app)[-1]
    assert grades(db)["C000003"] == (Grade.B, True)
    assert assessments(db) == []


async def test_grade_history_after_a_re_evaluation_of_everyone(db: Database) -> None:
    """The issue's test: re-evaluate from the Data screen, then open the grade-history tab."""
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        tab = await open_grade_tab(pilot, 2)
        history = tab.query_one(GradeHistoryTable)
        assert history.display and history.row_count == 1
        row = shown(app, "GradeHistoryTable")
        assert "2025-03-01 17:00 A → D 0.0 no data 测试员" in row
        assert "Grade history 评级记录 (1)" in str(history.border_title)
        assert "Grade D · the scorecard agrees: no data" in shown(app, "#grade-summary")


async def test_judgement_inputs_are_set_from_the_tab(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_grade_tab(pilot, 2)
        await pilot.press("m")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, GradeInputsScreen)
        form.query_one("#market_share_rating", Select).value = 5
        form.query_one("#potential_rating", Select).value = 4
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert "Market share 5/5, potential 4/5" in notices(app)[-1]
        table = shown(app, "ScorecardTable")
        assert "Market share / influence (市场份额) 5/5 100.0 0.10 10.0" in table
        assert "Development potential (发展潜力) 4/5 80.0 0.10 8.0" in table
        assert tab.item is not None and tab.item.total == 24.1  # + loyalty 1.1, credit 5
    found = customer(db, 2)
    assert (found.market_share_rating, found.potential_rating) == (5, 4)


async def test_fixing_a_grade_by_hand_needs_a_reason_and_can_be_released(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_grade_tab(pilot, 2)
        await pilot.press("f")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, GradeFixScreen)
        form.query_one("#grade", Select).value = Grade.B
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.is_current  # no reason: not saved
        assert form.field("reason").error == "required"
        form.query_one("#reason", Input).value = "战略客户 strategic account"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        history = tab.query_one(GradeHistoryTable)
        assert "2025-03-01 17:00 A → B 0.0 fixed by hand: 战略客户" in shown(
            app, "GradeHistoryTable"
        )
        assert history.assessments[0].reason == "fixed by hand: 战略客户 strategic account"
        assert (customer(db, 2).grade, customer(db, 2).grade_fixed) == (Grade.B, True)
        [manual] = assessments(db)
        assert manual.manual and manual.scores["revenue"]["raw"] == "CNY 0.00"
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert "no longer fixed" in notices(app)[-1]
    assert grades(db)["C000002"] == (Grade.B, False)
