"""The Contracts screen, a contract's page and the customer file's Contracts tab, driven with
Pilot like a user (keys in; screen content and database rows out)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static, TabbedContent
from textual.worker import WorkerCancelled

from clientdesk.config import Settings
from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.contracts import (
    activate_due,
    add_milestone,
    amend_contract,
    build_create,
    complete_contract,
    create_contract,
    record_delivery,
    renew_contract,
    set_risk,
    sign_contract,
    terminate_contract,
)
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import (
    ContractEventKind,
    ContractStatus,
    RiskLevel,
    VisitKind,
    VisitStatus,
)
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import ClientdeskApp, make_app
from clientdesk.tui.screens.contract_commands import contract_commands
from clientdesk.tui.screens.contract_detail import ContractDetailScreen
from clientdesk.tui.screens.contract_form import ContractFormScreen
from clientdesk.tui.screens.contract_steps import AmendScreen, SignScreen
from clientdesk.tui.screens.contracts import ContractsScreen, bring_statuses_up_to_date
from clientdesk.tui.screens.customer_file import TABS, CustomerFileScreen
from clientdesk.tui.widgets.contract_cells import RowStyles
from clientdesk.tui.widgets.contract_panels import MilestoneTable
from clientdesk.tui.widgets.contract_table import ContractTable

SIZE = (120, 36)
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
TODAY = date(2025, 3, 1)
ZONE = ZoneInfo("Asia/Shanghai")
ACTOR = "seed"


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00+00:00")


def build_contracts(s: Session) -> None:
    """Six contracts in every state, built step by step through the domain on past dates:

    HT-2023-0004 北京华信, completed and renewed by HT-2024-0001 (active, ends in 19 days,
    two amendments, risk medium, one delivery overdue); HT-2025-0002 南京金桥 draft;
    HT-2025-0003 深圳长江 signed (active from 2025-03-10); HT-2024-0005 南京金桥 terminated;
    HT-2023-0006 深圳长江 expired."""

    def new(customer_id: int, number: str, title: str, start: str, end: str, value: int,
            on: str, **extra: Any) -> int:  # fmt: skip
        data = build_create(
            customer_id=customer_id, number=number, title=title, start_on=d(start),
            end_on=d(end), value_cents=value * 100, **extra,
        )  # fmt: skip
        contract = create_contract(data, session=s, actor=ACTOR, today=d(on))
        assert contract.id is not None
        return contract.id

    def sign(contract_id: int, on: str) -> None:
        sign_contract(contract_id, signed_on=d(on), session=s, actor=ACTOR, today=d(on))

    old = new(1, "HT-2023-0004", "年度软件服务框架协议", "2023-03-01", "2024-02-29", 2_000_000,
              "2023-02-01", payment_terms="半年付款")  # fmt: skip
    sign(old, "2023-02-20")
    activate_due(session=s, today=d("2023-03-01"), actor=ACTOR)
    main = renew_contract(old, number="HT-2024-0001", end_on=d("2025-03-20"),
                          value_cents=2_200_000_00, session=s, actor=ACTOR,
                          today=d("2024-02-10")).id  # fmt: skip
    assert main is not None
    sign(main, "2024-02-20")
    complete_contract(old, on=d("2024-02-29"), session=s, actor=ACTOR, today=d("2024-02-29"))
    activate_due(session=s, today=d("2024-03-01"), actor=ACTOR)
    first = add_milestone(main, what="第一期系统上线", due_on=d("2024-06-30"), session=s,
                          actor=ACTOR, today=d("2024-03-05"))  # fmt: skip
    delivery = record_delivery(main, delivered_on=d("2024-06-28"), milestone_id=first.id,
                               session=s, actor=ACTOR, today=d("2024-06-28"), within_days=7,
                               zone=ZONE, now=at("2024-06-28"))  # fmt: skip
    delivery.visit.status, delivery.visit.done_at = VisitStatus.DONE, at("2024-07-05")
    amend_contract(main, on=d("2024-09-01"), what="增加 10 个用户许可",
                   value_change_cents=200_000_00, session=s, actor=ACTOR,
                   today=d("2024-09-01"))  # fmt: skip
    amend_contract(main, on=d("2025-01-10"), what="维保响应改为 4 小时",
                   payment_terms="季度付款", session=s, actor=ACTOR,
                   today=d("2025-01-10"))  # fmt: skip
    add_milestone(main, what="第二期数据迁移", due_on=d("2025-02-15"), session=s, actor=ACTOR,
                  today=d("2024-09-02"))  # fmt: skip
    add_milestone(main, what="第三期用户培训", due_on=d("2025-03-15"), session=s, actor=ACTOR,
                  today=d("2024-09-02"))  # fmt: skip
    set_risk(main, level=RiskLevel.MEDIUM, notes="客户回款偏慢，关注二季度付款", session=s,
             actor=ACTOR, today=d("2025-01-15"))  # fmt: skip
    new(2, "HT-2025-0002", "物流服务合同", "2025-04-01", "2026-03-31", 360_000, "2025-02-20",
        payment_terms="月结 30 天")  # fmt: skip
    signed = new(3, "HT-2025-0003", "设备采购合同", "2025-03-10", "2026-03-09", 1_280_000,
                 "2025-02-18")  # fmt: skip
    sign(signed, "2025-02-25")
    ended = new(2, "HT-2024-0005", "仓储服务协议", "2024-05-01", "2025-04-30", 150_000,
                "2024-04-10")  # fmt: skip
    sign(ended, "2024-04-20")
    activate_due(session=s, today=d("2024-05-01"), actor=ACTOR)
    terminate_contract(ended, reason="客户仓库搬迁，双方协商解除", on=d("2024-11-30"), session=s,
                       actor=ACTOR, today=d("2024-11-30"))  # fmt: skip
    lapsed = new(3, "HT-2023-0006", "配件供货合同", "2023-06-01", "2024-05-31", 86_000,
                 "2023-05-20")  # fmt: skip
    sign(lapsed, "2023-05-25")
    activate_due(session=s, today=d("2024-06-01"), actor=ACTOR)


def build_database(path: Path) -> Database:
    database = open_database(str(path))
    with Session(database.engine) as s:
        for name, owner in (
            ("北京华信科技有限公司", "张伟"),
            ("南京金桥物流有限公司", "李娜"),
            ("深圳长江贸易有限公司", "王芳"),
        ):
            create_customer(
                CustomerCreate(name=name, owner=owner, created_at=NOW - timedelta(days=800)),
                session=s,
                actor=ACTOR,
            )
        build_contracts(s)
        s.commit()
    return database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = build_database(tmp_path / "t.db")
    yield database
    database.dispose()


def app_for(database: Database) -> ClientdeskApp:
    return make_app(Settings.model_validate({"user": {"name": "测试员"}}), database, now=NOW)


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and their messages reach the widgets (a newer read may cancel an
    older one: that is the point of exclusive workers, not a failure)."""
    for _ in range(3):
        with suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def shown(app: ClientdeskApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    text = (line.text.strip(" │╭╮╰╯─") for line in lines)
    return "\n".join(line for line in text if line)


def summary(app: ClientdeskApp) -> str:
    """The contract's summary panel as text: one "Label  value" line per row shown."""
    lines = []
    for row in app.screen.query(".summary-row"):
        if row.display:
            label, value = row.query_one(Label), row.query_one(".summary-value", Static)
            lines.append(f"{label.render()}  {value.render()}")
    return "\n".join(lines)


def contract(database: Database, number: str) -> Contract:
    with Session(database.engine) as s:
        found = s.execute(select(Contract).where(col(Contract.number) == number)).scalar_one()
        s.expunge(found)
        return found


def events(database: Database, contract_id: int, kind: ContractEventKind) -> list[ContractEvent]:
    with Session(database.engine) as s:
        stmt = (
            select(ContractEvent)
            .where(col(ContractEvent.contract_id) == contract_id, col(ContractEvent.kind) == kind)
            .order_by(col(ContractEvent.id))
        )
        return list(s.execute(stmt).scalars())


def count(database: Database) -> int:
    with Session(database.engine) as s:
        return int(s.execute(select(func.count()).select_from(Contract)).scalar_one())


def last_note(app: ClientdeskApp) -> str:
    return list(app._notifications)[-1].message


async def type_into(pilot: Pilot[Any], name: str, value: str) -> None:
    widget = pilot.app.screen.query_one(f"#{name}", Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*value)
    await pilot.pause()


async def contracts_screen(pilot: Pilot[Any]) -> ContractsScreen:
    await settle(pilot)
    await pilot.press("k")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ContractsScreen)
    return screen


def numbers(screen: ContractsScreen) -> list[str]:
    return [row.number for row in screen.query_one(ContractTable).window_rows]


async def open_contract(pilot: Pilot[Any], number: str) -> ContractDetailScreen:
    screen = await contracts_screen(pilot)
    screen.search(number)
    await settle(pilot)
    assert numbers(screen)[0] == number
    await pilot.press("enter")
    await settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, ContractDetailScreen)
    return detail


# -- the list --------------------------------------------------------------------------------


async def test_the_list_shows_every_contract_newest_first_with_what_needs_attention(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await contracts_screen(pilot)
        assert numbers(screen) == [
            "HT-2025-0002",
            "HT-2025-0003",
            "HT-2024-0005",
            "HT-2024-0001",
            "HT-2023-0006",
            "HT-2023-0004",
        ]
        assert shown(app, "#status") == "1 / 6 contracts  ·  sorted by start date, descending"
        table = shown(app, "#contracts")
        main = next(line for line in table.splitlines() if "HT-2024-0001" in line)
        # 北京华信's framework: 2,400,000 after amendments, 19 days left, risk 中, 1 late.
        assert main.split()[-7:] == [
            "履行中", "2,400,000.00", "2024-03-01", "2025-03-20", "19", "中", "1",
        ]  # fmt: skip
        lapsed = next(line for line in table.splitlines() if "HT-2023-0006" in line)
        assert "已到期" in lapsed
        assert "-274" in lapsed
        # Standing out: a late delivery in the error colour, the end in the warning one.
        styles = RowStyles.of(app.current_theme)
        grid = screen.query_one(ContractTable)
        late_row = numbers(screen).index("HT-2024-0001")
        cells = grid.get_row_at(late_row)
        assert cells[0].style == styles.late  # the number
        assert cells[6].style == styles.soon  # the end date, 19 days away
        assert cells[9].style == styles.late  # Late: 1
        calm = grid.get_row_at(numbers(screen).index("HT-2025-0002"))
        assert calm[0].style == ""


async def test_filters_by_status_ending_soon_and_overdue_deliveries(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await contracts_screen(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert numbers(screen) == ["HT-2024-0001"]
        assert "ending within 30 days" in shown(app, "#status")
        assert "sorted by end date, ascending" in shown(app, "#status")
        await pilot.press("e", "o")
        await settle(pilot)
        assert numbers(screen) == ["HT-2024-0001"]
        assert "overdue deliveries only" in shown(app, "#status")
        await pilot.press("x", "1", "2")  # draft and signed; still soonest end first
        await settle(pilot)
        assert numbers(screen) == ["HT-2025-0003", "HT-2025-0002"]
        assert "status 草稿, 已签订 only" in shown(app, "#status")
        await pilot.press("0", "6")  # terminated only
        await settle(pilot)
        assert numbers(screen) == ["HT-2024-0005"]


async def test_the_filter_dialog_sets_expiring_within_any_days(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await contracts_screen(pilot)
        await pilot.press("f")
        await settle(pilot)
        await type_into(pilot, "expiring", "400")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        # Signed or active, ending by 2026-04-05: soonest first.
        assert numbers(screen) == ["HT-2024-0001", "HT-2025-0003"]
        assert "ending within 400 days" in shown(app, "#status")


async def test_search_by_number_or_customer(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await contracts_screen(pilot)
        await pilot.press("slash", *"HT-2025")
        await settle(pilot)
        await pilot.pause(0.3)  # the search runs after a pause in typing
        await settle(pilot)
        assert numbers(screen) == ["HT-2025-0002", "HT-2025-0003"]
        screen.search("金桥")
        await settle(pilot)
        assert sorted(numbers(screen)) == ["HT-2024-0005", "HT-2025-0002"]
        screen.search("nothing-like-this")
        await settle(pilot)
        assert "No contract number or customer matches" in str(screen.query_one("#empty").render())


# -- creating, signing, amending by keys -------------------------------------------------------


async def test_create_sign_and_amend_a_contract_by_keys(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await contracts_screen(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert form.query_one("#number", Input).value == "HT-2025-000004"  # suggested
        await pilot.press(*"njjq")  # the customer picker: pinyin initials
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("enter")  # the first match
        await settle(pilot)
        assert form.customer is not None and form.customer[2] == "南京金桥物流有限公司"
        assert form.query_one("#title").has_focus
        await pilot.press(*"冷链运输合同")
        await type_into(pilot, "value_cents", "120000")
        await type_into(pilot, "start_on", "2025-03-01")
        await type_into(pilot, "end_on", "2026-02-28")
        await pilot.press("ctrl+s")
        await settle(pilot)

        created = contract(db, "HT-2025-000004")
        assert (created.status, created.customer_id, created.value_cents) == (
            ContractStatus.DRAFT, 2, 120_000_00,
        )  # fmt: skip
        assert created.owner == "李娜"  # the customer's
        detail = app.screen
        assert isinstance(detail, ContractDetailScreen)
        assert "s sign 签订 · e edit · m milestone" in summary(app)

        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SignScreen)
        await pilot.press("ctrl+s")  # signed today, the start date: active at once
        await settle(pilot)
        signed = contract(db, "HT-2025-000004")
        assert (signed.status, signed.signed_on) == (ContractStatus.ACTIVE, TODAY)
        assert "Signed HT-2025-000004 on 2025-03-01: active" in last_note(app)
        assert "履行中 active" in summary(app)

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AmendScreen)
        await pilot.press(*"增加两条线路")
        await type_into(pilot, "value_change", "+30000")
        await type_into(pilot, "end_on", "2026-06-30")
        await pilot.press("ctrl+s")
        await settle(pilot)
        amended = contract(db, "HT-2025-000004")
        assert (amended.value_cents, amended.end_on) == (150_000_00, d("2026-06-30"))
        assert amended.id is not None
        [event] = events(db, amended.id, ContractEventKind.AMENDED)
        assert (event.occurred_on, event.value_change_cents) == (TODAY, 30_000_00)
        assert event.description.startswith("增加两条线路")
        assert app.screen is detail
        amendments = shown(app, "#amendments")
        assert "Amendments 补充协议 (1)" in amendments
        assert "+30,000.00" in amendments and "150,000.00" in amendments
        assert "signed at 120,000.00; 1 amendment" in summary(app)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ContractsScreen)
        assert "HT-2025-000004" in numbers(app.screen)  # the list was read again


async def test_bad_input_is_refused_and_nothing_saved(db: Database) -> None:
    app = app_for(db)
    before = count(db)
    async with app.run_test(size=SIZE) as pilot:
        await contracts_screen(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        form.query_one("CustomerPicker").preset(3, "C000003", "深圳长江贸易有限公司")  # type: ignore[attr-defined]
        await type_into(pilot, "title", "备件合同")
        await type_into(pilot, "value_cents", "-5")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.field("value_cents").error == "must not be negative"
        await type_into(pilot, "value_cents", "5000")
        await type_into(pilot, "start_on", "2025-05-01")
        await type_into(pilot, "end_on", "2025-04-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "before the start date 2025-05-01" in (form.field("end_on").error or "")
        await type_into(pilot, "end_on", "2025-12-31")
        await type_into(pilot, "number", "ht-2025-0002")  # taken, whatever the case
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        error = form.field("number").error or ""
        assert "already used by contract HT-2025-0002" in error
        assert count(db) == before


async def test_a_refused_step_names_the_allowed_ones_and_changes_nothing(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_contract(pilot, "HT-2024-0005")  # terminated
        footer_keys = {b.binding.key for b in detail.active_bindings.values() if b.binding.show}
        assert not footer_keys & {"s", "a", "r", "t", "o", "m", "l"}
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is detail
        assert last_note(app) == (
            "contract HT-2024-0005 is terminated (已解除): it cannot be amended. "
            "A terminated contract is closed; nothing more can be done with it."
        )
        await pilot.press("escape")
        await settle(pilot)
        app.screen.search("HT-2025-0002")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        draft = app.screen
        assert isinstance(draft, ContractDetailScreen)
        await pilot.press("o")  # complete a draft
        await settle(pilot)
        assert app.screen is draft
        assert last_note(app).endswith(
            "From draft you can: sign, edit, milestone, risk, terminate."
        )
        assert contract(db, "HT-2025-0002").status == ContractStatus.DRAFT
        assert contract(db, "HT-2024-0005").status == ContractStatus.TERMINATED


# -- the contract's page ---------------------------------------------------------------------


async def test_the_page_shows_terms_amendments_in_order_milestones_and_renewals(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_contract(pilot, "HT-2024-0001")
        text = summary(app)
        assert "C000001 北京华信科技有限公司  ·  owner 张伟" in text
        assert "19 days to expiry  ·  ⚠ 1 delivery overdue" in text
        assert "CNY 2,400,000.00  (signed at 2,200,000.00; 2 amendments)" in text
        assert "季度付款" in text
        assert "中 medium: 客户回款偏慢，关注二季度付款" in text
        assert "HT-2023-0004 已完成 → HT-2024-0001 履行中" in text
        amendments = shown(app, "#amendments").splitlines()
        assert amendments[2].split()[:3] == ["2024-09-01", "+200,000.00", "2,400,000.00"]
        assert amendments[3].startswith("2025-01-10")
        assert "付款条件 半年付款 → 季度付款" in amendments[3]
        milestones = shown(app, "#milestones")
        assert "Milestones 交货节点 (3, 1 overdue)" in milestones
        lines = milestones.splitlines()
        assert lines[2].split()[-1] == "delivered"
        assert lines[3].split()[-1] == "overdue" and "第二期数据迁移" in lines[3]
        assert lines[4].split()[-1] == "open"
        await pilot.press("left_square_bracket")  # the contract it renews
        await settle(pilot)
        older = app.screen
        assert isinstance(older, ContractDetailScreen)
        title = older.query_one("#contract-summary").border_title
        assert title == "HT-2023-0004  年度软件服务框架协议"
        assert "completed 完成 2024-02-29" in summary(app)


async def test_recording_a_delivery_plans_the_return_visit(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_contract(pilot, "HT-2024-0001")
        table = detail.query_one(MilestoneTable)
        table.focus()
        table.move_cursor(row=1)  # 第二期数据迁移, overdue
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        main = contract(db, "HT-2024-0001")
        assert main.id is not None
        delivered = {
            e.description: e.delivered_on for e in events(db, main.id, ContractEventKind.MILESTONE)
        }
        assert delivered["第二期数据迁移"] == TODAY
        with Session(db.engine) as s:
            visits = list(
                s.execute(
                    select(Visit).where(
                        col(Visit.contract_id) == main.id,
                        col(Visit.status) == VisitStatus.PLANNED,
                    )
                ).scalars()
            )
        [visit] = visits
        assert visit.kind == VisitKind.RETURN
        assert visit.planned_at.astimezone(ZONE) == datetime(2025, 3, 8, 10, 0, tzinfo=ZONE)
        assert last_note(app) == (
            "Delivered “第二期数据迁移” of HT-2024-0001 on 2025-03-01; "
            "return visit (回访) planned for 2025-03-08 10:00."
        )
        assert "Milestones 交货节点 (3)" in shown(app, "#milestones")
        # A second delivery before that visit: the visit already planned covers it.
        table.move_cursor(row=2)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "the return visit (回访) already planned for 2025-03-08 10:00" in last_note(app)


async def test_renew_makes_a_linked_draft_and_opens_it(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_contract(pilot, "HT-2024-0001")
        await pilot.press("r")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#start_on", Input).value == "2025-03-21"
        assert form.query_one("#number", Input).value == "HT-2025-000004"
        await pilot.press("ctrl+s")
        await settle(pilot)
        renewal = contract(db, "HT-2025-000004")
        main = contract(db, "HT-2024-0001")
        assert (renewal.status, renewal.renewal_of_id) == (ContractStatus.DRAFT, main.id)
        assert renewal.value_cents == 2_400_000_00
        assert isinstance(app.screen, ContractDetailScreen) and app.screen is not detail
        assert "HT-2024-0001 履行中 → HT-2025-000004 草稿" in summary(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is detail
        assert "→ HT-2025-000004 草稿" in summary(app)


async def test_terminate_asks_for_the_reason(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_contract(pilot, "HT-2025-0003")
        await pilot.press("t", "ctrl+s")
        await settle(pilot)
        assert contract(db, "HT-2025-0003").status == ContractStatus.SIGNED  # no reason
        assert app.screen.field("reason").error == "required"  # type: ignore[attr-defined]
        await pilot.press(*"客户取消采购")
        await pilot.press("ctrl+s")
        await settle(pilot)
        ended = contract(db, "HT-2025-0003")
        assert (ended.status, ended.terminated_on) == (ContractStatus.TERMINATED, TODAY)
        assert ended.termination_reason == "客户取消采购"
        assert "terminated 解除 2025-03-01: 客户取消采购" in summary(app)


async def test_risk_and_milestone_forms_save(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_contract(pilot, "HT-2025-0002")
        await pilot.press("m")
        await settle(pilot)
        await type_into(pilot, "what", "首批车辆到位")
        await type_into(pilot, "due_on", "2025-04-10")
        await pilot.press("ctrl+s")
        await settle(pilot)
        draft = contract(db, "HT-2025-0002")
        assert draft.id is not None
        [milestone] = events(db, draft.id, ContractEventKind.MILESTONE)
        assert (milestone.description, milestone.due_on) == ("首批车辆到位", d("2025-04-10"))
        await pilot.press("exclamation_mark")
        await settle(pilot)
        app.screen.query_one("#level").value = RiskLevel.HIGH  # type: ignore[attr-defined]
        await pilot.press("tab", *"new customer no history")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assessed = contract(db, "HT-2025-0002")
        assert (assessed.risk_level, assessed.risk_notes) == (
            RiskLevel.HIGH,
            "new customer no history",
        )
        assert "高 high: new customer no history" in summary(app)


async def test_edit_a_draft_and_complete_an_expired_contract(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_contract(pilot, "HT-2025-0002")
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert form.query_one("#value_cents", Input).value == "360,000.00"
        await type_into(pilot, "value_cents", "390000")
        await type_into(pilot, "title", "物流及仓储服务合同")
        await pilot.press("ctrl+s")
        await settle(pilot)
        draft = contract(db, "HT-2025-0002")
        assert (draft.title, draft.value_cents) == ("物流及仓储服务合同", 390_000_00)
        assert draft.id is not None
        [edited] = events(db, draft.id, ContractEventKind.EDITED)
        assert edited.description == "修改合同条款：合同名称、金额"
        await pilot.press("escape")
        await settle(pilot)
        app.screen.search("HT-2023-0006")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o", "ctrl+s")  # completed today
        await settle(pilot)
        assert contract(db, "HT-2023-0006").status == ContractStatus.COMPLETED
        assert "completed 完成 2025-03-01" in summary(app)
        assert "r renew 续签" in summary(app)  # a completed contract can still be renewed


# -- the customer file's tab, housekeeping, palette --------------------------------------------


async def test_the_file_tab_lists_the_customers_contracts_and_creates_one(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_customer(1)
        await settle(pilot)
        file = app.screen
        assert isinstance(file, CustomerFileScreen)
        await pilot.press(str(TABS.index("contracts") + 1))
        await settle(pilot)
        tabs = file.query_one(TabbedContent)
        assert tabs.active == "contracts"
        assert str(tabs.get_tab("contracts").label).endswith("Contracts (2)")
        table = shown(app, "#customer-contracts")
        assert table.index("HT-2024-0001") < table.index("HT-2023-0004")
        status = shown(app, "#contracts-status")
        assert "HT-2024-0001 risk 中 medium: 客户回款偏慢，关注二季度付款" in status
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContractDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is file
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert form.customer == (1, "C000001", "北京华信科技有限公司")  # preset
        await pilot.press(*"年度硬件维保")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert contract(db, "HT-2025-000004").customer_id == 1
        assert isinstance(app.screen, ContractDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is file
        assert str(tabs.get_tab("contracts").label).endswith("Contracts (3)")


async def test_statuses_follow_the_calendar_at_start_with_a_notification(
    tmp_path: Path,
) -> None:
    database = build_database(tmp_path / "t.db")
    try:
        with Session(database.engine) as s:
            data = build_create(customer_id=2, number="HT-2025-0009", title="即将生效",
                                start_on=d("2025-02-25"), end_on=d("2025-12-31"))  # fmt: skip
            due = create_contract(data, session=s, actor=ACTOR, today=d("2025-02-01"))
            assert due.id is not None
            sign_contract(due.id, signed_on=d("2025-02-10"), session=s, actor=ACTOR,
                          today=d("2025-02-10"))  # fmt: skip
            s.commit()
        app = app_for(database)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            notes = [n.message for n in app._notifications]
            assert "Contracts: 1 became active (start date reached)." in notes
            assert contract(database, "HT-2025-0009").status == ContractStatus.ACTIVE
            # Nothing more to do: the next sweep says nothing.
            assert bring_statuses_up_to_date(app.context) is None
    finally:
        database.dispose()


async def test_palette_commands_follow_the_screen(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        anywhere = {c.title: c for c in contract_commands(app, app.screen)}
        await anywhere["Contracts: ending within 30 days"].run()  # from the customer list
        await settle(pilot)
        assert isinstance(app.screen, ContractsScreen)
        assert numbers(app.screen) == ["HT-2024-0001"]
        await pilot.press("c")
        await settle(pilot)
        anywhere["Contracts: new contract"].run()
        await settle(pilot)
        assert isinstance(app.screen, ContractFormScreen)
        await pilot.press("escape", "k")
        await settle(pilot)
        app.screen.clear_filters()  # type: ignore[attr-defined]
        app.screen.search("HT-2025-0002")  # type: ignore[attr-defined]
        screen = app.screen
        assert isinstance(screen, ContractsScreen)
        await settle(pilot)
        titles = [c.title for c in contract_commands(app, screen)]
        assert "Contracts: filter status 草稿 draft" in titles
        assert "Contracts: ending within 30 days" in titles
        await pilot.press("enter")  # HT-2025-0002, a draft
        await settle(pilot)
        titles = [c.title for c in contract_commands(app, app.screen)]
        assert "Contract: sign 签订" in titles
        assert "Contract: amend 补充协议" not in titles


# -- snapshots: 120x36, fixed data, frozen clock -------------------------------------------------

SnapCompare = Callable[..., bool]


def pictured(database: Database) -> ClientdeskApp:
    """The app over `database` shown under a fixed name, so the header never changes."""
    return app_for(dataclasses.replace(database, path=Path("~/clientdesk/clientdesk.db")))


def steps(*keys: str, number: str | None = None) -> Callable[[Pilot[Any]], Any]:
    """Open the Contracts screen (and the contract `number`), press `keys`, and hold still:
    no toasts from the start-up housekeeping, no blinking cursor."""

    async def run(pilot: Pilot[Any]) -> None:
        if number is None:
            await contracts_screen(pilot)
        else:
            await open_contract(pilot, number)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()
        for widget in pilot.app.screen.query("Input, TextArea"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
        await settle(pilot)

    return run


class TestContractsSnapshots:
    def test_list(self, snap_compare: SnapCompare, db: Database) -> None:
        """Every contract, newest start first: HT-2024-0001 in red (a delivery overdue, Late
        1) with its end date in yellow (19 days left); the expired one's days negative."""
        assert snap_compare(pictured(db), terminal_size=SIZE, run_before=steps())

    def test_filters_dialog(self, snap_compare: SnapCompare, db: Database) -> None:
        """The filter dialog: statuses in the order of a contract's life, risk levels, the
        days for "ending within", overdue deliveries only."""
        assert snap_compare(pictured(db), terminal_size=SIZE, run_before=steps("f"))

    def test_detail(self, snap_compare: SnapCompare, db: Database) -> None:
        """HT-2024-0001: terms after two amendments, the next steps with their keys, risk
        medium with its note, the renewal chain, milestones with one overdue in red."""
        assert snap_compare(
            pictured(db), terminal_size=SIZE, run_before=steps(number="HT-2024-0001")
        )

    def test_amend_form(self, snap_compare: SnapCompare, db: Database) -> None:
        """Amending (补充协议): today's date, what changed, the value change with the value
        now, and the end date and payment terms left as they are unless filled in."""
        assert snap_compare(
            pictured(db), terminal_size=SIZE, run_before=steps("a", number="HT-2024-0001")
        )
