"""Contract benchmarks: the list pages, searches, filters, detail and reports of issue 8.

Run: python benchmarks/bench_contracts.py --db /tmp/copy-of-big.db [--runs 7]
The database should be a demo copy (`clientdesk demo --customers 100000 --db X --no-open`,
or `sqlite3 big.db ".backup copy.db"`): the first step is the status sweep
(`activate_due`), which writes to it. Prints a Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain.contract import Contract
from clientdesk.domain.contract_detail import contract_detail
from clientdesk.domain.contract_list import (
    ContractFilter,
    contracts_at_risk,
    count_expiring,
    expiring_contracts,
    list_contracts,
    overdue_deliveries,
)
from clientdesk.domain.contracts import activate_due, local_today
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import ContractStatus
from clientdesk.storage.database import open_database
from clientdesk.storage.engine import writer


def median_ms(work: Callable[[], Any], runs: int) -> float:
    work()  # warm the cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    database = open_database(args.db, create=False)
    today = local_today("Asia/Shanghai")
    with Session(writer(database.engine)) as s:
        start = time.perf_counter()
        due = activate_due(session=s, today=today, actor="bench")
        s.commit()
        sweep_ms = (time.perf_counter() - start) * 1000
        contracts = s.execute(select(func.count()).select_from(Contract)).scalar_one()
        customers = s.execute(select(func.count()).select_from(Customer)).scalar_one()
        number = s.execute(select(Contract.number).order_by(col(Contract.id)).limit(1)).scalar_one()
        busiest = s.execute(
            select(col(Contract.id))
            .order_by(col(Contract.customer_id).desc(), col(Contract.id))
            .limit(1)
        ).scalar_one()
        group = list(s.execute(select(col(Customer.id)).limit(2000)).scalars())

        def page(**kw: Any) -> Callable[[], Any]:
            return lambda: list_contracts(session=s, today=today, limit=100, **kw)

        def report() -> int:
            return sum(1 for _ in expiring_contracts(session=s, today=today, within_days=30))

        active = ContractFilter(statuses=(ContractStatus.ACTIVE,))
        expiring = ContractFilter(expiring_within=30)
        overdue = ContractFilter(overdue_only=True)
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("list: first page (newest start first) + total", page()),
            ("list: page at offset 40,000", page(offset=40_000)),
            ("list: sorted by customer (pinyin)", page(sort="customer", descending=False)),
            ("list: status active", page(filters=active)),
            ("list: expiring within 30 days", page(filters=expiring, sort="end", descending=False)),
            ("list: with an overdue delivery", page(filters=overdue)),
            (f"search: exact number {number}", page(query=number)),
            ("search: number part `2025-0001`", page(query="2025-0001")),
            ("search: customer `华信`", page(query="华信")),
            ("search: customer pinyin `bjhx`", page(query="bjhx")),
            ("detail: one contract with history and chain",
             lambda: contract_detail(busiest, session=s, today=today)),
            ("report contracts --expiring 30 (all rows)", report),
            ("count expiring within 30",
             lambda: count_expiring(session=s, today=today, within_days=30)),
            ("contracts_at_risk: 2,000 group members",
             lambda: contracts_at_risk(session=s, customer_ids=group)),
            ("contracts_at_risk: everyone", lambda: contracts_at_risk(session=s)),
            ("overdue deliveries: first 100", lambda: overdue_deliveries(session=s, today=today)),
        ]  # fmt: skip
        print(f"{customers:,} customers, {contracts:,} contracts; first sweep {sweep_ms:,.0f} ms "
              f"({due.activated:,} activated, {due.expired:,} expired)")  # fmt: skip
        print()
        print(f"| contracts (median of {args.runs}) | ms |")
        print("|---|---:|")
        for name, work in cases:
            print(f"| {name} | {median_ms(work, args.runs):,.1f} |")
        again = median_ms(lambda: activate_due(session=s, today=today, actor="bench"), args.runs)
        print(f"| sweep with nothing due (every contract command runs it) | {again:,.1f} |")
    database.dispose()


if __name__ == "__main__":
    main()
