"""The contract lists from SQL: filters, search by number or customer, paging and order,
days to expiry and overdue deliveries; the expiring report's rows; overdue milestones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from clientdesk.domain.contract import Contract
from clientdesk.domain.contract_list import (
    ContractFilter,
    count_expiring,
    expiring_contracts,
    list_contracts,
    overdue_deliveries,
)
from clientdesk.domain.contracts import (
    activate_due,
    add_milestone,
    build_create,
    complete_contract,
    create_contract,
    renew_contract,
    set_risk,
    sign_contract,
    terminate_contract,
)
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import ContractStatus, RiskLevel
from clientdesk.storage.database import Database

TODAY = date(2026, 6, 30)
S = ContractStatus
DAY = timedelta(days=1)


def made(session: Session, customer_id: int, number: str, **kw: Any) -> Contract:
    values = {
        "title": "产品购销合同",
        "start_on": TODAY - 100 * DAY,
        "end_on": TODAY + 265 * DAY,
        "value_cents": 1_000_000,
    } | kw
    contract = create_contract(
        build_create(customer_id=customer_id, number=number, **values),
        session=session,
        actor="t",
        today=TODAY,
    )
    return contract


def signed(session: Session, contract: Contract) -> Contract:
    assert contract.id is not None
    return sign_contract(
        contract.id, signed_on=TODAY - 120 * DAY, session=session, actor="t", today=TODAY
    )


@pytest.fixture
def book(database: Database) -> Iterator[tuple[Session, dict[str, Contract]]]:
    """Two customers, contracts in every status and at various distances from their end."""
    with Session(database.engine) as s:
        huaxin = create_customer(
            CustomerCreate(name="北京华信科技有限公司", code="C000101"), session=s, actor="t"
        )
        acme = create_customer(
            CustomerCreate(name="Acme Trading Co., Ltd.", code="C000202"), session=s, actor="t"
        )
        assert huaxin.id and acme.id
        act = {"session": s, "actor": "t", "today": TODAY}
        k: dict[str, Contract] = {}
        k["soon"] = signed(s, made(s, huaxin.id, "HT-2026-000001", end_on=TODAY + 10 * DAY,
                                   value_cents=5_000_000))  # fmt: skip
        k["later"] = signed(s, made(s, huaxin.id, "HT-2026-000002", end_on=TODAY + 40 * DAY))
        k["today"] = signed(s, made(s, acme.id, "HT-2026-000003", end_on=TODAY))
        k["future"] = signed(
            s, made(s, acme.id, "HT-2026-000004", start_on=TODAY + 5 * DAY, end_on=TODAY + 20 * DAY)
        )
        k["draft"] = made(s, acme.id, "HT-2026-000005", end_on=TODAY + 15 * DAY)
        k["ended"] = signed(s, made(s, huaxin.id, "HT-2025-000009", start_on=TODAY - 400 * DAY,
                                    end_on=TODAY - 35 * DAY))  # fmt: skip
        k["done"] = signed(s, made(s, acme.id, "HT-2025-000010", end_on=TODAY + 5 * DAY))
        assert k["done"].id and k["soon"].id and k["later"].id
        complete_contract(k["done"].id, on=TODAY, **act)
        k["cut"] = signed(s, made(s, huaxin.id, "HT-2025-000011", end_on=TODAY + 8 * DAY))
        assert k["cut"].id
        add_milestone(k["cut"].id, what="作废的交货", due_on=TODAY - 1 * DAY, **act)
        terminate_contract(k["cut"].id, reason="客户违约", on=TODAY, **act)
        renew_contract(k["soon"].id, number="HT-2026-000006", **act)
        add_milestone(k["later"].id, what="首批", due_on=TODAY - 3 * DAY, **act)
        add_milestone(k["later"].id, what="二批", due_on=TODAY - 1 * DAY, **act)
        add_milestone(k["later"].id, what="验收", due_on=TODAY + 9 * DAY, **act)
        set_risk(k["later"].id, level=RiskLevel.HIGH, notes="逾期", **act)
        s.commit()
        yield s, k


def numbers(page: Any) -> list[str]:
    return [row.number for row in page.rows]


def test_statuses_after_setup(book: tuple[Session, dict[str, Contract]]) -> None:
    _, k = book
    assert {name: c.status for name, c in k.items()} == {
        "soon": S.ACTIVE,
        "later": S.ACTIVE,
        "today": S.ACTIVE,
        "future": S.SIGNED,
        "draft": S.DRAFT,
        "ended": S.EXPIRED,
        "done": S.COMPLETED,
        "cut": S.TERMINATED,
    }


def test_list_everything_with_total_and_paging(book: tuple[Session, dict[str, Contract]]) -> None:
    s, _ = book
    everything = list_contracts(session=s, today=TODAY, sort="number", descending=False)
    assert everything.total == 9
    assert numbers(everything) == sorted(numbers(everything))
    pages = [
        list_contracts(session=s, today=TODAY, sort="number", descending=False, offset=o, limit=4)
        for o in (0, 4, 8)
    ]
    assert [numbers(p) for p in pages] == [
        numbers(everything)[0:4],
        numbers(everything)[4:8],
        numbers(everything)[8:],
    ]
    assert all(p.total == 9 for p in pages)


def test_rows_carry_customer_days_and_overdue(book: tuple[Session, dict[str, Contract]]) -> None:
    s, _ = book
    rows = {r.number: r for r in list_contracts(session=s, today=TODAY).rows}
    later = rows["HT-2026-000002"]
    assert (later.customer_code, later.customer_name) == ("C000101", "北京华信科技有限公司")
    assert later.days_to_expiry == 40
    assert later.overdue_deliveries == 2
    assert later.risk_level == RiskLevel.HIGH
    assert rows["HT-2026-000003"].days_to_expiry == 0
    assert rows["HT-2025-000009"].days_to_expiry == -35  # expired: how long ago
    assert rows["HT-2025-000010"].days_to_expiry is None  # completed
    assert rows["HT-2025-000011"].days_to_expiry is None  # terminated
    assert rows["HT-2025-000011"].overdue_deliveries == 0  # nothing owed once terminated


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ContractFilter(statuses=(S.ACTIVE,)), {"soon", "later", "today"}),
        (ContractFilter(statuses=(S.DRAFT, S.SIGNED)), {"draft", "future", "renewal"}),
        (ContractFilter(expiring_within=10), {"soon", "today"}),
        (ContractFilter(expiring_within=20), {"soon", "today", "future"}),
        (ContractFilter(expiring_within=0), {"today"}),
        (ContractFilter(expiring_within=40), {"soon", "later", "today", "future"}),
        (ContractFilter(overdue_only=True), {"later"}),
        (ContractFilter(risk_levels=(RiskLevel.HIGH,)), {"later"}),
        (ContractFilter(statuses=(S.ACTIVE,), expiring_within=30), {"soon", "today"}),
    ],
)
def test_filters(
    book: tuple[Session, dict[str, Contract]], filters: ContractFilter, expected: set[str]
) -> None:
    s, k = book
    by_number = {c.number: name for name, c in k.items()} | {"HT-2026-000006": "renewal"}
    page = list_contracts(session=s, today=TODAY, filters=filters)
    assert {by_number[n] for n in numbers(page)} == expected
    assert page.total == len(expected)


def test_one_customers_tab(book: tuple[Session, dict[str, Contract]]) -> None:
    s, k = book
    customer_id = k["today"].customer_id
    page = list_contracts(
        session=s, today=TODAY, filters=ContractFilter(customer_ids=(customer_id,))
    )
    assert set(numbers(page)) == {
        "HT-2026-000003", "HT-2026-000004", "HT-2026-000005", "HT-2025-000010",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("HT-2026-000003", ["HT-2026-000003"]),
        ("ht-2025", ["HT-2025-000011", "HT-2025-000010", "HT-2025-000009"]),
        ("000011", ["HT-2025-000011"]),
        ("华信", ["HT-2026-000006", "HT-2026-000002", "HT-2026-000001", "HT-2025-000011",
                  "HT-2025-000009"]),
        ("C000202", ["HT-2026-000005", "HT-2026-000004", "HT-2026-000003", "HT-2025-000010"]),
        ("acme", ["HT-2026-000005", "HT-2026-000004", "HT-2026-000003", "HT-2025-000010"]),
        ("bjhx", ["HT-2026-000006", "HT-2026-000002", "HT-2026-000001", "HT-2025-000011",
                  "HT-2025-000009"]),
        ("100%_", []),
    ],
)  # fmt: skip
def test_search_by_number_or_customer(
    book: tuple[Session, dict[str, Contract]], query: str, expected: list[str]
) -> None:
    s, _ = book
    page = list_contracts(session=s, today=TODAY, query=query, sort="number")
    assert numbers(page) == expected
    assert page.total == len(expected)


def test_exact_number_comes_first(book: tuple[Session, dict[str, Contract]]) -> None:
    s, _ = book
    page = list_contracts(session=s, today=TODAY, query="HT-2026-00000", sort="number")
    assert numbers(page)[0] == "HT-2026-000006"  # descending by number, all prefixes
    exact = list_contracts(session=s, today=TODAY, query="ht-2026-000001", sort="value")
    assert numbers(exact) == ["HT-2026-000001"]


def test_sort_by_end_puts_open_ended_last(book: tuple[Session, dict[str, Contract]]) -> None:
    s, k = book
    assert k["draft"].id
    from clientdesk.domain.contracts import build_update, edit_draft

    edit_draft(k["draft"].id, build_update(end_on=None), session=s, actor="t", today=TODAY)
    for descending in (False, True):
        page = list_contracts(session=s, today=TODAY, sort="end", descending=descending)
        assert numbers(page)[-1] == "HT-2026-000005"
    with pytest.raises(ValueError, match="unknown sort"):
        list_contracts(session=s, today=TODAY, sort="nonsense")


def test_expiring_rows_soonest_first_with_renewal(
    book: tuple[Session, dict[str, Contract]],
) -> None:
    s, _ = book
    rows = list(expiring_contracts(session=s, today=TODAY, within_days=30))
    assert [(r.number, r.days_to_expiry, r.renewed_by) for r in rows] == [
        ("HT-2026-000003", 0, None),
        ("HT-2026-000001", 10, "HT-2026-000006"),
        ("HT-2026-000004", 20, None),
    ]
    assert count_expiring(session=s, today=TODAY, within_days=30) == 3
    assert len(list(expiring_contracts(session=s, today=TODAY, within_days=30, limit=2))) == 2
    assert count_expiring(session=s, today=TODAY, within_days=30, owner="nobody") == 0


def test_expiring_follows_the_sweep(book: tuple[Session, dict[str, Contract]]) -> None:
    s, _ = book
    tomorrow = TODAY + DAY
    activate_due(session=s, today=tomorrow, actor="t")  # HT-2026-000003 ended today
    rows = list(expiring_contracts(session=s, today=tomorrow, within_days=30))
    assert [r.number for r in rows] == ["HT-2026-000001", "HT-2026-000004"]


def test_overdue_deliveries_longest_first(book: tuple[Session, dict[str, Contract]]) -> None:
    s, _ = book
    rows = overdue_deliveries(session=s, today=TODAY)
    assert [(r.what, r.days_late, r.customer_code) for r in rows] == [
        ("首批", 3, "C000101"),
        ("二批", 1, "C000101"),
    ]


@pytest.mark.sqlite_only
def test_overdue_queries_read_the_open_milestones_index(
    book: tuple[Session, dict[str, Contract]],
) -> None:
    """Overdue deliveries come from the partial index of undelivered milestones (migration
    0004), not from every milestone ever delivered."""
    from sqlalchemy import select
    from sqlmodel import col

    from clientdesk.domain.contract import ContractEvent
    from clientdesk.domain.contract_list import overdue_condition

    s, _ = book
    stmt = select(col(ContractEvent.contract_id)).where(overdue_condition(TODAY))
    compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
    plan = " ".join(
        str(row) for row in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
    )
    assert "ix_contract_events_open_milestones" in plan
