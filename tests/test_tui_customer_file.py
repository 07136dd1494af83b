"""The customer file, its forms and actions, driven with Pilot like a user: keys in, screen
content and database rows out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlmodel import Session, col
from textual.command import CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import HelpPanel, Input, Static, Tab, TabbedContent

from clientdesk.config import Settings, load_settings
from clientdesk.domain import AuditEntry, Contact, Customer, Interaction, Transaction
from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.contacts import add_contact
from clientdesk.domain.contract import Contract
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import CustomerStatus, InteractionKind, TransactionKind
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import ClientdeskApp, make_app
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.contact_form import ContactFormScreen
from clientdesk.tui.screens.customer_file import CustomerFileScreen
from clientdesk.tui.screens.customer_form import CustomerFormScreen
from clientdesk.tui.screens.customers import CustomersScreen
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.contact_table import ContactTable
from clientdesk.tui.widgets.customer_table import CustomerTable
from clientdesk.tui.widgets.form_field import FormField
from clientdesk.tui.widgets.timeline_table import TimelineTable

SIZE = (120, 36)
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
VALID_CODE = "91110108MA01C2QX3P"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """Three customers, in the same order by name, pinyin or code: 北京华信, 南京金桥 (with a
    contract), 深圳长江."""
    database = open_database(str(tmp_path / "t.db"))
    with Session(database.engine) as s:
        for name, extra in (
            ("北京华信科技有限公司", {"region": "华北", "owner": "张伟"}),
            ("南京金桥物流有限公司", {"region": "华东", "owner": "李娜"}),
            ("深圳长江贸易有限公司", {"region": "华南", "owner": "王芳"}),
        ):
            create_customer(
                CustomerCreate(name=name, created_at=NOW - timedelta(days=400), **extra),
                session=s,
                actor="test",
            )
        s.add(Contract(customer_id=2, number="HT-2025-001", title="年度框架协议"))
        s.commit()
    yield database
    database.dispose()


def app_for(database: Database, **kw: Any) -> ClientdeskApp:
    return make_app(Settings.model_validate({"user": {"name": "测试员"}}), database, now=NOW, **kw)


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and their messages reach the widgets (twice: a load may chain)."""
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def rows(database: Database, model: Any, *where: Any) -> list[Any]:
    with Session(database.engine) as s:
        return list(s.execute(select(model).where(*where)).scalars())


def customer_named(database: Database, name: str) -> Customer:
    [customer] = rows(database, Customer, col(Customer.name) == name)
    return customer


def shown(app: ClientdeskApp, selector: str) -> str:
    """The text a widget shows on screen, lines joined by newlines."""
    widget = app.screen.query_one(selector)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    text = (line.text.strip(" │╭╮╰╯─") for line in lines)  # without the frame
    return "\n".join(line for line in text if line)


def field(app: ClientdeskApp, name: str) -> FormField:
    return app.screen.query_one(f"#field-{name}", FormField)


async def type_into(pilot: Pilot[Any], name: str, value: str) -> None:
    """Replace the text of a form field, as a user selecting it all and typing would."""
    widget = pilot.app.screen.query_one(f"#{name}", Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*value)
    await pilot.pause()


async def open_first_file(pilot: Pilot[Any]) -> CustomerFileScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerFileScreen)
    return screen


# -- opening and reading a file -------------------------------------------------------------


async def test_enter_opens_the_highlighted_customers_file_and_escape_returns(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_file(pilot)
        assert screen.customer_id == customer_named(db, "北京华信科技有限公司").id
        assert "北京华信科技有限公司" in shown(app, "#file-name")
        assert shown(app, "#file-code").startswith("C000001")
        assert "owner 张伟" in shown(app, "#file-facts")
        assert "region 华北" in shown(app, "#file-facts")
        assert shown(app, "#file-service") == (
            "Grade D service: visit every 180 days · answer complaints within 48 h"
        )
        tabs = app.screen.query_one(TabbedContent)
        labels = [str(tabs.get_tab(pane.id or "").label) for pane in tabs.query("TabPane")]
        assert labels == [
            "1 Profile",
            "2 Contacts (0)",
            "3 Timeline (0)",
            "4 Grade (0)",
            "5 Visits (0)",
            "6 Contracts (0)",
            "7 Complaints (0)",
            "8 Group",  # in no group: no count
        ]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)


async def test_clicking_the_highlighted_row_opens_its_file(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(CustomerTable, offset=(12, 3))  # second row: highlight it
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        await pilot.click(CustomerTable, offset=(12, 3))  # again: open it
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert "南京金桥物流有限公司" in shown(app, "#file-name")


async def test_a_file_not_verified_for_long_says_so_until_marked_verified(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        stale = app.screen.query_one("#file-stale", Static)
        assert stale.display
        assert "Stale: entered, never verified, 400 days ago" in str(stale.render())
        await pilot.press("v")
        await settle(pilot)
        assert not stale.display
        customer = customer_named(db, "北京华信科技有限公司")
        assert customer.verified_at == NOW
        assert "marked verified" in list(app._notifications)[-1].message
        [entry] = rows(
            db,
            AuditEntry,
            col(AuditEntry.entity_id) == customer.id,
            col(AuditEntry.action) == "update",
        )
        assert entry.changes["verified_at"][1] == str(NOW)
        assert entry.actor == "测试员"


async def test_profile_shows_money_with_separators_and_currency(db: Database) -> None:
    with Session(db.engine) as s:
        customer = s.get(Customer, 1)
        assert customer is not None
        customer.registered_capital_cents = 123_456_789_00
        s.add(customer)
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        finance = shown(app, "#profile-finance")
        assert "CNY 123,456,789.00" in finance


# -- editing ------------------------------------------------------------------------------


async def test_edit_and_save_changes_the_database_and_the_list(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        await type_into(pilot, "region", "西南")
        await type_into(pilot, "annual_revenue_cents", "¥2,500,000.50")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        customer = customer_named(db, "北京华信科技有限公司")
        assert customer.region == "西南"
        assert customer.annual_revenue_cents == 2_500_000_50
        assert "region 西南" in shown(app, "#file-facts")
        entry = rows(db, AuditEntry, col(AuditEntry.entity_id) == customer.id)[-1]
        assert entry.changes["region"] == ["华北", "西南"]
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        assert table.current is not None and table.current.region == "西南"


async def test_an_edit_keeping_the_name_is_not_held_up_by_similar_names(db: Database) -> None:
    with Session(db.engine) as s:
        create_customer(CustomerCreate(name="北京华信科技发展有限公司"), session=s, actor="t")
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)  # 北京华信科技发展, very like 北京华信科技
        await pilot.press("e")
        await settle(pilot)
        await type_into(pilot, "industry", "软件")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert customer_named(db, "北京华信科技发展有限公司").industry == "软件"
        # Renaming it is checked again.
        await pilot.press("e")
        await settle(pilot)
        await type_into(pilot, "name", "北京华信科技有限责任公司")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        assert "C000001  北京华信科技有限公司  (same name)" in shown(app, "#duplicates-text")


async def test_a_parent_cycle_is_shown_beside_the_parent_field(db: Database) -> None:
    with Session(db.engine) as s:
        child = s.get(Customer, 2)
        assert child is not None
        child.parent_id = 1  # 南京金桥 belongs to 北京华信
        s.add(child)
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)  # 北京华信
        await pilot.press("e")
        await settle(pilot)
        await type_into(pilot, "parent_id-input", "C000002")  # the code, not picked
        await pilot.pause(0.2)  # the matches are looked up after a pause in typing
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        error = field(app, "parent_id").error
        assert error is not None and "own parent" in error
        assert customer_named(db, "北京华信科技有限公司").parent_id is None


# -- creating -------------------------------------------------------------------------------


async def test_new_customer_with_bad_email_and_credit_code_saves_nothing(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        await type_into(pilot, "name", "杭州宏达建设工程有限公司")
        await type_into(pilot, "credit_code", "91110108MA01C2QX3A")
        await type_into(pilot, "contact_name", "赵磊")
        await type_into(pilot, "contact_email", "zhao.lei@")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        assert "check character is A but should be P" in (field(app, "credit_code").error or "")
        assert "not an e-mail address" in (field(app, "contact_email").error or "")
        error_line = field(app, "contact_email").query_one(".field-error", Static)
        assert error_line.display and "✗" in str(error_line.render())
        assert "Not saved: 2 fields need fixing" in shown(app, "#form-notice")
        assert len(rows(db, Customer)) == 3
        assert rows(db, Contact) == []
        # Fixing both saves the customer and its key contact together, then opens the file.
        await type_into(pilot, "credit_code", VALID_CODE)
        await type_into(pilot, "contact_email", "zhao.lei@example.com")
        assert field(app, "contact_email").error is None  # cleared as the user fixed it
        assert not app.screen.query_one("#form-notice").display  # nothing left to fix
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        created = customer_named(db, "杭州宏达建设工程有限公司")
        assert created.credit_code == VALID_CODE
        assert created.owner == "测试员"
        [contact] = rows(db, Contact)
        assert (contact.customer_id, contact.name, contact.is_primary) == (created.id, "赵磊", True)


async def test_an_error_appears_when_a_field_is_left(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "registered_capital_cents", "-100")
        await pilot.press("tab")
        await pilot.pause()
        assert field(app, "registered_capital_cents").error == "must not be negative"
        assert field(app, "name").error is None  # untouched fields are not judged yet


async def test_a_likely_duplicate_is_pointed_out_and_can_be_opened(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "name", "北京华信科技股份有限公司")
        await pilot.press("tab")
        await settle(pilot)
        panel = app.screen.query_one("#duplicates")
        assert panel.display
        assert "C000001  北京华信科技有限公司  (same name)" in shown(app, "#duplicates-text")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Press ctrl+s again to save anyway" in shown(app, "#form-notice")
        assert len(rows(db, Customer)) == 3
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert app.screen.customer_id == customer_named(db, "北京华信科技有限公司").id
        assert len(rows(db, Customer)) == 3


async def test_saving_anyway_after_the_duplicate_warning(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "name", "北京华信科技股份有限公司")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert len(rows(db, Customer)) == 4


async def test_a_database_error_keeps_the_form_and_what_was_typed(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "name", "成都恒通建设工程有限公司")
        await type_into(pilot, "address", "成都市高新区天府大道100号")
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE audit_entries"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "audit_entries" in errors[-1].message
        assert app.screen.query_one("#name", Input).value == "成都恒通建设工程有限公司"
        assert app.screen.query_one("#address", Input).value == "成都市高新区天府大道100号"
        assert len(rows(db, Customer)) == 3


async def test_escape_on_a_changed_form_asks_before_discarding(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "name", "某公司")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CustomerFormScreen)
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert len(rows(db, Customer)) == 3


# -- contacts ---------------------------------------------------------------------------------


async def test_add_a_contact_then_make_another_the_key_contact(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_file(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "name", "周敏")
        await type_into(pilot, "mobile", "138 0013 8000")
        await type_into(pilot, "email", "not-an-address")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not an e-mail address" in (field(app, "email").error or "")
        assert rows(db, Contact) == []
        await type_into(pilot, "email", "zhou.min@example.com")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        [first] = rows(db, Contact)
        assert (first.name, first.mobile_digits, first.is_primary) == ("周敏", "13800138000", True)
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "name", "吴强")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(ContactTable)
        assert table.has_focus
        assert [c.name for c in table.contacts] == ["周敏", "吴强"]
        await pilot.press("down", "p")
        await settle(pilot)
        key = rows(db, Contact, col(Contact.is_primary))
        assert [c.name for c in key] == ["吴强"]
        assert [c.name for c in table.contacts] == ["吴强", "周敏"]
        assert str(table.get_row_at(0)[0]) == "★"


async def test_enter_edits_a_contact_and_d_deletes_it(db: Database) -> None:
    with Session(db.engine) as s:
        for name in ("周敏", "吴强"):
            add_contact(ContactCreate(customer_id=1, name=name), session=s, actor="t")
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactFormScreen)
        assert app.screen.query_one("#name", Input).value == "周敏"
        await type_into(pilot, "title", "采购经理")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [c.title for c in rows(db, Contact, col(Contact.name) == "周敏")] == ["采购经理"]
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        remaining = rows(db, Contact)
        assert [(c.name, c.is_primary) for c in remaining] == [("吴强", True)]
        assert [c.name for c in app.screen.query_one(ContactTable).contacts] == ["吴强"]


# -- logging ----------------------------------------------------------------------------------


async def test_log_an_interaction_in_a_few_keys(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_file(pilot)
        await pilot.press("i")
        await settle(pilot)
        when = app.screen.query_one("#occurred_at", Input).value
        assert when == "2025-03-01 17:00"  # now, in Asia/Shanghai
        await pilot.press(*"年度采购计划沟通")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        [logged] = rows(db, Interaction)
        assert (logged.kind, logged.subject, logged.owner) == (
            InteractionKind.CALL,
            "年度采购计划沟通",
            "测试员",
        )
        assert logged.occurred_at == NOW
        assert customer_named(db, "北京华信科技有限公司").last_contact_at == NOW
        await pilot.press("3")
        await settle(pilot)
        timeline = app.screen.query_one(TimelineTable)
        assert [str(cell) for cell in timeline.get_row_at(0)][:3] == [
            "2025-03-01 17:00",
            "电话",
            "年度采购计划沟通",
        ]
        assert "last contact 2025-03-01 (today)" in shown(app, "#file-facts")


async def test_an_empty_subject_is_refused(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("i", "ctrl+s")
        await settle(pilot)
        assert field(app, "subject").error == "required"
        assert rows(db, Interaction) == []


async def test_log_a_transaction(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"86,400.50")
        await type_into(pilot, "due_on", "2025-02-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "before the transaction date" in (field(app, "due_on").error or "")
        await type_into(pilot, "due_on", "2025-04-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [sale] = rows(db, Transaction)
        assert (sale.kind, sale.amount_cents, sale.currency) == (
            TransactionKind.SALE,
            86_400_50,
            "CNY",
        )
        assert (sale.occurred_on, sale.due_on) == (date(2025, 3, 1), date(2025, 4, 1))
        await pilot.press("3")
        await settle(pilot)
        cells = [str(c) for c in app.screen.query_one(TimelineTable).get_row_at(0)]
        assert cells[1] == "销售"
        assert cells[3].strip() == "CNY 86,400.50"
        assert cells[4] == "due 2025-04-01"


async def test_timeline_loads_more_rows_as_the_user_scrolls(db: Database) -> None:
    with Session(db.engine) as s:
        s.add_all(
            Interaction(
                customer_id=1,
                kind=InteractionKind.EMAIL,
                occurred_at=NOW - timedelta(hours=i),
                subject=f"邮件 {i:03d}",
            )
            for i in range(250)
        )
        s.commit()
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one(TimelineTable)
        assert table.row_count == 100
        assert "100 of 250 shown" in shown(app, "#timeline-status")
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 200
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 250
        assert str(table.get_row_at(249)[2]) == "邮件 249"
        await pilot.press("k")
        await settle(pilot)
        assert "100 of 250 shown, newest first  ·  interactions only" in shown(
            app, "#timeline-status"
        )
        await pilot.press("k")
        await settle(pilot)
        assert not table.display
        assert shown(app, "#timeline-empty") == "No transactions. Press k for the next filter."


# -- archive and delete -----------------------------------------------------------------------


async def test_delete_is_refused_while_the_customer_has_contracts(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # the second row: 南京金桥, which has a contract
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        message = str(app.screen.query_one(".dialog-message", Static).render())
        assert "cannot be deleted: it has 1 contract" in message
        assert "Archive it instead" in message
        assert not app.screen.query("#yes")
        await pilot.press("y")  # no way to confirm a refusal
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        assert len(rows(db, Customer)) == 3


async def test_delete_after_confirming_removes_the_file_and_refreshes_the_list(
    db: Database,
) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)  # 北京华信: no contracts
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.query_one("#no").has_focus  # enter would cancel
        await pilot.press("enter")
        await settle(pilot)
        assert len(rows(db, Customer)) == 3
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        names = [c.name for c in rows(db, Customer)]
        assert names == ["南京金桥物流有限公司", "深圳长江贸易有限公司"]
        assert app.screen.query_one(CustomerTable).total == 2
        deleted = rows(db, AuditEntry, col(AuditEntry.action) == "delete")
        assert [e.changes["name"] for e in deleted] == ["北京华信科技有限公司"]


async def test_archive_after_confirming_sets_status_lost(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert customer_named(db, "北京华信科技有限公司").status == CustomerStatus.LOST
        assert "status 流失 lost" in shown(app, "#file-facts")


async def test_owner_and_region_change(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("o")
        await settle(pilot)
        await type_into(pilot, "owner", "王芳")
        await type_into(pilot, "region", "华南")
        await pilot.press("ctrl+s")
        await settle(pilot)
        customer = customer_named(db, "北京华信科技有限公司")
        assert (customer.owner, customer.region) == ("王芳", "华南")


# -- the app shell --------------------------------------------------------------------------


async def test_palette_offers_the_file_actions(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"log interaction")
        await pilot.pause(0.3)  # the palette searches on a short debounce
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert "Log interaction" in shown(app, ".dialog-title")


async def test_palette_new_customer_from_the_list(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"new customer")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)


async def test_keys_panel_lists_the_file_keys(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_file(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query(HelpPanel)
        keys = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {"Edit", "Interaction", "Transaction", "Verified", "Archive", "Delete"} <= keys


async def test_the_chosen_theme_is_saved_to_the_settings_file(db: Database, tmp_path: Path) -> None:
    settings_file = tmp_path / "config.toml"
    app = app_for(db, settings_path=settings_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not settings_file.exists()  # opening the app writes nothing
        app.theme = "nord"  # the theme picker previews themes like this as it moves
        await pilot.pause()
        assert not settings_file.exists()
        app.theme = "dracula"
        await pilot.pause(1.5)  # stays chosen: written
        assert load_settings(settings_file).settings.ui.theme == "dracula"
        app.theme = "nord"
    # Closing the app writes a choice that had no time to settle.
    assert load_settings(settings_file).settings.ui.theme == "nord"
    assert settings_file.stat().st_mode & 0o777 == 0o600


async def test_the_file_is_usable_at_80x24(db: Database) -> None:
    with Session(db.engine) as s:
        s.add_all(
            Interaction(
                customer_id=1,
                kind=InteractionKind.MEETING,
                occurred_at=NOW - timedelta(days=i),
                subject=f"会议 {i}",
            )
            for i in range(30)
        )
        s.commit()
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_file(pilot)
        await pilot.press("3")
        await settle(pilot)
        timeline = app.screen.query_one(TimelineTable)
        assert timeline.scrollable_content_region.height >= 8
        assert timeline.has_focus
        await pilot.press("i")
        await settle(pilot)
        save = app.screen.query_one("#save")
        assert save.region.bottom <= 24 and save.region.right <= 80


async def test_a_customer_deleted_elsewhere_closes_its_file(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_file(pilot)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM customers WHERE id = :id"), {"id": screen.customer_id})
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert app.screen.query_one(CustomerTable).total == 2
        assert any("does not exist" in n.message for n in app._notifications)


async def test_new_customer_gets_its_parent_from_the_picker(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "name", "北京华信软件有限公司")
        # Text that matches no customer cannot be saved as the parent.
        await type_into(pilot, "parent_id-input", "上海")
        await pilot.pause(0.2)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "pick the parent from the list" in (field(app, "parent_id").error or "")
        assert len(rows(db, Customer)) == 3
        # Typing pinyin initials lists 北京华信; enter picks it and the error goes.
        await type_into(pilot, "parent_id-input", "bjhx")
        await pilot.pause(0.2)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert field(app, "parent_id").error is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFileScreen)
        parent = customer_named(db, "北京华信科技有限公司")
        assert customer_named(db, "北京华信软件有限公司").parent_id == parent.id


# -- tab labels at any width ----------------------------------------------------------------


def tab_row(app: ClientdeskApp) -> str:
    """The tab labels that are wholly on screen, in order."""
    width = app.screen.size.width
    tabs = app.screen.query("#file-tabs Tab").results(Tab)
    return "  ".join(t.label_text for t in tabs if t.region.x >= 0 and t.region.right <= width)


async def test_every_tab_shows_at_80_columns_and_counts_return_when_wide(db: Database) -> None:
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_file(pilot)
        row = tab_row(app)
        titles = ["1 Profile", "2 Contacts", "3 Timeline", "4 Grade", "5 Visits"]
        for title in [*titles, "6 Contr.", "7 Compl.", "8 Group"]:
            assert title in row
        assert "(" not in row  # no room for the counts
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        row = tab_row(app)
        assert "3 Timeline (" in row and "7 Complaints (0)" in row
        await pilot.press("7")  # the keys still reach every tab
        await settle(pilot)
        assert app.screen.query_one("#file-tabs", TabbedContent).active == "complaints"


def test_tab_labels_fit_their_width_dropping_padding_then_counts() -> None:
    from clientdesk.tui.screens.customer_file import TAB_TITLES, fit_tab_labels

    notes = {tab: "12,345" for tab in TAB_TITLES}
    wide, tight = fit_tab_labels(notes, 200)
    assert not tight and wide["timeline"] == "3 Timeline (12,345)"
    middle, tight = fit_tab_labels(notes, sum(len(label) + 1 for label in wide.values()))
    assert tight and middle == wide
    no_notes, tight = fit_tab_labels(notes, sum(len(label) + 1 for label in TAB_TITLES.values()))
    assert tight and no_notes == TAB_TITLES
    narrow, tight = fit_tab_labels(notes, 78)
    assert tight and narrow["contracts"] == "6 Contr." and narrow["complaints"] == "7 Compl."
    assert sum(len(label) + 1 for label in narrow.values()) <= 78
