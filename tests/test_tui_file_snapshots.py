"""Snapshots of the customer file and its dialogs at 120x36, on fixed data with a frozen clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from textual.pilot import Pilot

from clientdesk.config import Settings
from clientdesk.domain.complaint import Complaint
from clientdesk.domain.contact import Contact
from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ContractEventKind,
    ContractStatus,
    CustomerKind,
    CustomerStatus,
    Grade,
    InteractionKind,
    Severity,
    TransactionKind,
    VisitStatus,
)
from clientdesk.domain.interaction import Interaction
from clientdesk.domain.transaction import Transaction
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import ClientdeskApp, make_app

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2025, 3, 1)
SIZE = (120, 36)
SnapCompare = Callable[..., bool]


def days(n: float) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[Database]:
    """One grade-A customer with a group, contacts and a year of mixed records; every
    timestamp is fixed so that the pictures never change."""
    database = open_database(str(tmp_path / "t.db"))
    stamp = {"created_at": NOW - days(420), "updated_at": NOW - days(30)}
    with Session(database.engine) as s:
        group = Customer(code="C000001", name="华信集团有限公司", **stamp)
        s.add(group)
        s.flush()
        customer = Customer(
            code="C000002",
            name="北京华信科技有限公司",
            short_name="华信科技",
            kind=CustomerKind.DIRECT,
            industry="软件和信息技术服务",
            region="华北",
            address="北京市海淀区中关村大街27号华信大厦12层",
            website="www.huaxin-tech.com.cn",
            credit_code="91110108MA01C2QX3P",
            registered_capital_cents=50_000_000_00,
            annual_revenue_cents=286_450_000_00,
            credit_limit_cents=3_000_000_00,
            bank_name="中国工商银行北京中关村支行",
            bank_account="0200 0045 0910 0123 456",
            owner="张伟",
            status=CustomerStatus.ACTIVE,
            grade=Grade.A,
            parent_id=group.id,
            last_contact_at=NOW - days(3),
            verified_at=NOW - days(200),
            notes="年度框架协议每年三月续签；采购部周一例会后方便拜访。",
            **stamp,
        )
        s.add(customer)
        s.flush()
        assert customer.id is not None
        cid = customer.id
        contacts = [
            Contact(customer_id=cid, name="王建国", title="采购总监", phone="010-6255 8800",
                    mobile="138 0013 8000", email="wang.jianguo@huaxin-tech.com.cn",
                    wechat="wjg_huaxin", is_primary=True, **stamp),
            Contact(customer_id=cid, name="李静", title="财务经理", mobile="139 1100 2233",
                    email="li.jing@huaxin-tech.com.cn", **stamp),
            Contact(customer_id=cid, name="Zhang Wei", title="IT Manager",
                    phone="+86 10 6255 8801", **stamp),
        ]  # fmt: skip
        s.add_all(contacts)
        s.flush()
        key = contacts[0].id
        s.add_all(
            [
                Interaction(customer_id=cid, contact_id=key, kind=InteractionKind.CALL,
                            occurred_at=NOW - days(3), subject="确认二季度采购计划", owner="张伟",
                            created_at=NOW),
                Interaction(customer_id=cid, contact_id=key, kind=InteractionKind.DINNER,
                            occurred_at=NOW - days(17.4), subject="春节后答谢宴", owner="张伟",
                            created_at=NOW),
                Interaction(customer_id=cid, kind=InteractionKind.SEMINAR,
                            occurred_at=NOW - days(60), subject="新产品技术座谈会", owner="张伟",
                            created_at=NOW),
                Transaction(customer_id=cid, kind=TransactionKind.SALE, amount_cents=1_286_400_00,
                            occurred_on=TODAY - days(10), due_on=TODAY + days(35),
                            reference="XS-20250219-0031", created_at=NOW),
                Transaction(customer_id=cid, kind=TransactionKind.SALE, amount_cents=356_000_00,
                            occurred_on=TODAY - days(75), due_on=TODAY - days(15),
                            reference="XS-20241216-0007", created_at=NOW),
                Transaction(customer_id=cid, kind=TransactionKind.PAYMENT, amount_cents=980_000_00,
                            occurred_on=TODAY - days(40), reference="SK-20250120-0002",
                            created_at=NOW),
                Transaction(customer_id=cid, kind=TransactionKind.SALE, amount_cents=980_000_00,
                            occurred_on=TODAY - days(100), due_on=TODAY - days(55),
                            paid_on=TODAY - days(40), reference="XS-20241121-0015",
                            created_at=NOW),
                Visit(customer_id=cid, contact_id=key, purpose="季度业务回顾",
                      planned_at=NOW + days(9), created_at=NOW, updated_at=NOW),
                Visit(customer_id=cid, contact_id=key, purpose="交货后回访",
                      planned_at=NOW - days(25), done_at=NOW - days(25),
                      status=VisitStatus.DONE, created_at=NOW, updated_at=NOW),
                Complaint(customer_id=cid, contact_id=contacts[1].id,
                          channel=ComplaintChannel.PHONE, category=ComplaintCategory.DELIVERY,
                          severity=Severity.HIGH, summary="第二批设备晚到三天",
                          received_at=NOW - days(20), due_at=NOW - days(20) + timedelta(hours=2),
                          status=ComplaintStatus.RESOLVED, resolved_at=NOW - days(19),
                          created_at=NOW, updated_at=NOW),
            ]
        )  # fmt: skip
        contract = Contract(
            customer_id=cid,
            number="HT-2024-0158",
            title="年度软件服务框架协议",
            value_cents=2_400_000_00,
            status=ContractStatus.ACTIVE,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(contract)
        s.flush()
        assert contract.id is not None
        s.add(
            ContractEvent(
                contract_id=contract.id,
                kind=ContractEventKind.SIGNED,
                occurred_on=TODAY - days(330),
                description="双方签订年度框架协议",
                created_at=NOW,
            )
        )
        s.commit()
    yield database
    database.dispose()


def shown_as(database: Database) -> Database:
    """The same database under a fixed name, so the header does not show the tmp path."""
    return dataclasses.replace(database, path=Path("~/clientdesk/clientdesk.db"))


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    # A blinking cursor would make the picture depend on when it is taken.
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


def open_file(*keys: str) -> Callable[[Pilot[Any]], Any]:
    """Open the file of 北京华信 (id 2), then press `keys`."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, ClientdeskApp)
        app.open_customer(2)
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def app_for(database: Database) -> ClientdeskApp:
    return make_app(Settings(), shown_as(database), now=NOW)


class TestCustomerFile:
    def test_profile(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """Header with grade A and its service standard, the stale warning (verified 200 days
        ago), static and financial information with money in CNY and overdue sales."""
        assert snap_compare(app_for(file_db), terminal_size=SIZE, run_before=open_file())

    def test_contacts(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """The key contact starred and first, the row keys in the line under the table."""
        assert snap_compare(app_for(file_db), terminal_size=SIZE, run_before=open_file("2"))

    def test_timeline(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """Every kind of record newest first: the planned visit on top, amounts aligned, an
        overdue sale and a late payment marked."""
        assert snap_compare(app_for(file_db), terminal_size=SIZE, run_before=open_file("3"))

    def test_group(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """The group: the parent and this subsidiary with its credit line and its overdue
        sale, against a limit from net capital, with the bar and the risk passed on."""
        risky = Settings.model_validate(
            {"user": {"name": "测试员"}, "risk": {"net_capital": "30000000"}}
        )
        app = make_app(risky, shown_as(file_db), now=NOW)
        assert snap_compare(app, terminal_size=SIZE, run_before=open_file("8"))

    def test_small_terminal(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """At 80x24 the panels stack and the footer keeps the file's first keys."""
        assert snap_compare(app_for(file_db), terminal_size=(80, 24), run_before=open_file())


class TestFileDialogs:
    def test_edit_form(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """The edit form in two columns, filled from the file, the parent shown by code."""
        assert snap_compare(app_for(file_db), terminal_size=SIZE, run_before=open_file("e"))

    def test_form_errors(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """A wrong credit code and a negative amount marked beside their fields; not saved."""

        async def run(pilot: Pilot[Any]) -> None:
            await open_file("e")(pilot)
            for name, value in (
                ("credit_code", "91110108MA01C2QX3A"),
                ("credit_limit_cents", "-5000"),
            ):
                widget = pilot.app.screen.query_one(f"#{name}")
                widget.value = value  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)

        assert snap_compare(app_for(file_db), terminal_size=SIZE, run_before=run)

    def test_log_interaction(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """Logging an interaction: a call, now in local time, with the key contact."""
        assert snap_compare(app_for(file_db), terminal_size=SIZE, run_before=open_file("i"))

    def test_delete_refused(self, snap_compare: SnapCompare, file_db: Database) -> None:
        """Delete explains why not (a contract and transactions) and offers only to close."""
        assert snap_compare(app_for(file_db), terminal_size=SIZE, run_before=open_file("D"))
