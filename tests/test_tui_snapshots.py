"""Snapshots of the main screens at a fixed size, on fixed data with a frozen clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from clientdesk.config import Settings
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import make_app

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SnapCompare = Callable[..., bool]

# name, grade, kind, region, owner, status, days since last contact, days to the next visit
CUSTOMERS: list[
    tuple[str, Grade, CustomerKind, str, str, CustomerStatus, int | None, int | None]
] = [
    (
        "上海华信科技有限公司",
        Grade.A,
        CustomerKind.DIRECT,
        "华东",
        "张伟",
        CustomerStatus.ACTIVE,
        3,
        7,
    ),
    (
        "北京中科设计研究院",
        Grade.B,
        CustomerKind.SPECIAL,
        "华北",
        "李娜",
        CustomerStatus.ACTIVE,
        20,
        -4,
    ),
    (
        "深圳长江贸易有限公司",
        Grade.C,
        CustomerKind.DISTRIBUTOR,
        "华南",
        "王芳",
        CustomerStatus.DORMANT,
        95,
        None,
    ),
    (
        "杭州宏达集团股份有限公司华东区域销售分公司",
        Grade.A,
        CustomerKind.AGREEMENT,
        "华东",
        "张伟",
        CustomerStatus.ACTIVE,
        1,
        14,
    ),
    (
        "成都恒通建设工程有限公司",
        Grade.D,
        CustomerKind.SUPPLIER,
        "西南",
        "zhao.lei",
        CustomerStatus.PROSPECT,
        None,
        None,
    ),
    (
        "Acme Trading (Shanghai) Co., Ltd.",
        Grade.B,
        CustomerKind.DIRECT,
        "华东",
        "陈静",
        CustomerStatus.LOST,
        240,
        None,
    ),
    ("武汉瑞丰银行", Grade.A, CustomerKind.SPECIAL, "华中", "李娜", CustomerStatus.ACTIVE, 10, 0),
    (
        "南京金桥物流有限公司",
        Grade.C,
        CustomerKind.DISTRIBUTOR,
        "华东",
        "王芳",
        CustomerStatus.ACTIVE,
        45,
        30,
    ),
]


@pytest.fixture
def snapshot_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "t.db"))
    with Session(database.engine) as session:
        for name, grade, kind, region, owner, status, contacted, visit in CUSTOMERS:
            data = CustomerCreate(
                name=name, grade=grade, kind=kind, region=region, owner=owner, status=status
            )
            customer = create_customer(data, session=session, actor="test")
            if contacted is not None:
                customer.last_contact_at = NOW - timedelta(days=contacted)
            if visit is not None:
                assert customer.id is not None
                planned = NOW + timedelta(days=visit)
                session.add(Visit(customer_id=customer.id, purpose="例行拜访", planned_at=planned))
        session.commit()
    yield database
    database.dispose()


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "t.db"))
    yield database
    database.dispose()


def shown_as(database: Database) -> Database:
    """The same database under a fixed name, so the header does not show the tmp path."""
    return dataclasses.replace(database, path=Path("~/clientdesk/clientdesk.db"))


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(20):  # a newer request cancels an older worker: wait for the rest
        running = [worker for worker in pilot.app.workers if not worker.is_finished]
        if not running:
            break
        for worker in running:
            with suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()
    await pilot.pause()


class TestCustomersScreen:
    def test_list(self, snap_compare: SnapCompare, snapshot_db: Database) -> None:
        """Customers sorted by name; CJK names line up, the long name ends in an ellipsis,
        and the visit planned four days ago is shown as overdue."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)
        assert snap_compare(app, terminal_size=(120, 36), run_before=settle)

    def test_grade_filter_reversed(self, snap_compare: SnapCompare, snapshot_db: Database) -> None:
        """Grade A only, name descending: the header arrow and the status line say so."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)

        async def filter_and_reverse(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("1", "r")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 36), run_before=filter_and_reverse)

    def test_keys_panel(self, snap_compare: SnapCompare, snapshot_db: Database) -> None:
        """`?` opens the keys of the screen beside the list."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)

        async def show_keys(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 36), run_before=show_keys)

    def test_empty_database(self, snap_compare: SnapCompare, empty_db: Database) -> None:
        """A new database shows how to get sample data instead of an empty grid."""
        app = make_app(Settings(), shown_as(empty_db), now=NOW)
        assert snap_compare(app, terminal_size=(120, 36), run_before=settle)

    def test_small_terminal(self, snap_compare: SnapCompare, snapshot_db: Database) -> None:
        """At 80x24 code and name stay in view; the other columns scroll sideways."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)
        assert snap_compare(app, terminal_size=(80, 24), run_before=settle)

    def test_search(self, snap_compare: SnapCompare, snapshot_db: Database) -> None:
        """Typing 有限 keeps the matching customers, the match marked in each name; the
        status line names the search."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)

        async def search(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("slash", "有", "限", "enter")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 36), run_before=search)

    def test_search_without_matches(self, snap_compare: SnapCompare, snapshot_db: Database) -> None:
        """A search that matches nothing says so and how to get the list back."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)

        async def search(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("slash", *"zzz", "enter")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 36), run_before=search)

    def test_filter_dialog(self, snap_compare: SnapCompare, snapshot_db: Database) -> None:
        """f opens every filter at once, with the regions and owners in use; grade A is
        ticked because the list was filtered to it before."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)

        async def open_filters(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("1", "f")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 36), run_before=open_filters)

    def test_filter_dialog_small_terminal(
        self, snap_compare: SnapCompare, snapshot_db: Database
    ) -> None:
        """At 80x24 the filter dialog still shows every field and its buttons."""
        app = make_app(Settings(), shown_as(snapshot_db), now=NOW)

        async def open_filters(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(80, 24), run_before=open_filters)
