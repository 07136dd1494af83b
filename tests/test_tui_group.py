"""The Group tab of the customer file, driven with Pilot: the group's members under their
parents, its credit against the concentration limit with the early warning, the members
overdue, and Enter opening a member's file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent

from clientdesk.config import Settings
from clientdesk.domain import Transaction
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.screens.customer_file import CustomerFileScreen
from test_group_risk import company, sale
from test_tui_data import SIZE, app_for, notices, open_file_tab, settle, shown

# The app's clock (test_tui_data.NOW) is 2025-03-01; net capital ¥100M: limit ¥15M.
RISKY = Settings.model_validate({"user": {"name": "测试员"}, "risk": {"net_capital": "100000000"}})


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """华信集团 (1, ¥10M) → 华信北京 (2, ¥2M, owes ¥2.5M, ¥0.5M overdue since 2025-01-10)
    → 华信北京物流 (3, ¥1M); 独立公司 (4) in no group. Used ¥13.5M: the early warning."""
    database = open_database(str(tmp_path / "t.db"))
    with Session(database.engine) as s:
        top = company(s, "华信集团有限公司", 10_000_000)
        beijing = company(s, "华信北京有限公司", 2_000_000, top)
        company(s, "华信北京物流有限公司", 1_000_000, beijing)
        company(s, "独立公司有限公司", 1_000_000)
        sale(s, beijing, 2_000_000, due=date(2025, 3, 20))
        sale(s, beijing, 500_000, due=date(2025, 1, 10))
        sale(s, beijing, 700_000, due=date(2025, 1, 1), paid=date(2025, 1, 1) + timedelta(1))
        s.commit()
    yield database
    database.dispose()


async def open_group_tab(pilot: Pilot[Any], customer_id: int) -> CustomerFileScreen:
    screen: CustomerFileScreen = await open_file_tab(pilot, customer_id, "8", "group")
    return screen


async def test_a_subsidiarys_group_with_its_limit_warning_and_overdue_member(
    db: Database,
) -> None:
    app = app_for(db, RISKY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_group_tab(pilot, 2)
        summary = shown(app, "#group-summary")
        assert "华信集团有限公司 C000001 · 3 members" in summary
        assert "Credit used CNY 13,500,000.00 of the limit CNY 15,000,000.00" in summary
        assert "90% early warning 预警" in summary
        assert "⚠ Overdue: 华信北京有限公司 CNY 500,000.00 since 2025-01-10" in summary
        members = shown(app, "#group-members")
        assert "华信集团有限公司 10,000,000.00 0.00" in members
        assert "▸ 华信北京有限公司 2,000,000.00 2,500,000.00 500,000.00 2025-01-10" in members
        assert "华信北京物流有限公司 1,000,000.00 0.00" in members
        assert "8 Group (3)" in str(screen.query_one(TabbedContent).get_tab("group").label)
        table = screen.query_one("#group-members", DataTable)
        assert table.cursor_row == 1  # on this customer
        await pilot.press("down", "enter")  # open the logistics company's file
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, CustomerFileScreen) and opened.customer_id == 3


async def test_a_customer_in_no_group_says_how_to_make_one(db: Database) -> None:
    app = app_for(db, RISKY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_group_tab(pilot, 4)
        assert "Not part of a group" in shown(app, "#group-summary")
        assert not screen.query_one("#group-members").display


async def test_without_net_capital_the_tab_says_what_to_set(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_group_tab(pilot, 1)
        summary = shown(app, "#group-summary")
        assert "Credit used CNY 13,500,000.00" in summary
        assert "set risk.net_capital (资本净额) in the settings" in summary


# -- the Groups screen (j) ----------------------------------------------------------------------


@pytest.fixture
def two_groups(db: Database) -> Database:
    """Adds 金桥集团 (5, ¥14M) → 金桥南京 (6, ¥1.5M): ¥15.5M, over the limit, nobody overdue."""
    with Session(db.engine) as s:
        jinqiao = company(s, "金桥集团有限公司", 14_000_000)
        company(s, "金桥南京有限公司", 1_500_000, jinqiao)
        s.commit()
    return db


async def test_groups_screen_lists_by_credit_used_filters_and_opens_a_group(
    two_groups: Database,
) -> None:
    from clientdesk.tui.screens.groups import GroupsScreen, GroupTable

    app = app_for(two_groups, RISKY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GroupsScreen)
        summary = shown(app, "#groups-summary")
        assert "2 groups · limit CNY 15,000,000.00 per group · 1 over" in summary
        assert "1 at the early warning · 1 with a member overdue" in summary
        table = screen.query_one(GroupTable)
        assert [row.code for row in table.window_rows] == ["C000005", "C000001"]
        rows = shown(app, "GroupTable")
        assert "C000005 金桥集团有限公司 2 15,500,000 103% over 超限 0" in rows
        assert "C000001 华信集团有限公司 3 13,500,000 90% warning 预警 2,500,000 500,000 !" in rows
        assert "1 / 2 groups, by credit used" in shown(app, "#groups-status")
        await pilot.press("f")  # flagged: past the warning level or with a member overdue
        await settle(pilot)
        assert [row.code for row in table.window_rows] == ["C000005", "C000001"]
        await pilot.press("down", "enter")
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, CustomerFileScreen) and opened.customer_id == 1
        assert opened.query_one(TabbedContent).active == "group"
        assert opened.query_one("#group-members", DataTable).has_focus


async def test_groups_screen_flagged_only_and_empty(db: Database) -> None:
    from clientdesk.tui.screens.groups import GroupsScreen, GroupTable

    app = app_for(db)  # no net capital: only the overdue flags a group
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GroupsScreen)
        assert "set risk.net_capital" in shown(app, "#groups-summary")
        await pilot.press("f")
        await settle(pilot)
        assert [row.code for row in screen.query_one(GroupTable).window_rows] == ["C000001"]
    with Session(db.engine) as s:
        for row in s.exec(select(Transaction)).all():
            row.paid_on = row.due_on
            s.add(row)
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        assert app.screen.has_class("-empty")
        assert "No group is at the early warning or has a member overdue" in shown(
            app, "#groups-empty"
        )


def test_groups_screen_snapshot(snap_compare: Any, two_groups: Database) -> None:
    """The Groups screen at 120x36: the summary, one group over the limit and one at the
    early warning with a member overdue."""
    from clientdesk.tui.app import make_app
    from test_tui_data import NOW
    from test_tui_file_snapshots import shown_as

    app = make_app(RISKY, shown_as(two_groups), now=NOW)

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        pilot.app.clear_notifications()  # the start-up early warning (tested below)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run)


async def test_the_app_warns_of_groups_at_or_past_the_limit_when_it_opens(
    two_groups: Database,
) -> None:
    from clientdesk.tui.screens.groups import risk_warning

    app = app_for(two_groups, RISKY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (
            "Group risk 风险预警: 1 group is over and 1 at the early warning of the "
            "concentration limit. Press j."
        ) in notices(app)
    quiet = app_for(two_groups)  # no net capital: nothing to warn of
    assert risk_warning(quiet.context) is None
