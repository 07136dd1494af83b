"""Contracts screens on a large database: what the list's worker reads per window (every
sort, deep windows, the filters, searches), a contract's page, the customer file's
Contracts tab, the calendar sweep, and the screens driven headless in the app.

    python benchmarks/bench_contracts_tui.py --db /tmp/big100k.db

The database is copied first (SQLite backup API) into a temporary folder: opening it may
apply migrations, and the app's housekeeping moves contract statuses with the calendar.
The copy is deleted at the end; the original is only read.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.config import Settings
from clientdesk.domain.contract import Contract
from clientdesk.domain.contract_detail import contract_detail
from clientdesk.domain.contract_list import (
    ContractFilter,
    contracts_at_risk,
    count_contracts,
    page_contracts,
    search_contracts,
)
from clientdesk.domain.contracts import activate_due
from clientdesk.domain.enums import ContractStatus, RiskLevel
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import make_app
from clientdesk.tui.file_tabs.contracts import TAB_LIMIT
from clientdesk.tui.screens.contract_detail import ContractDetailScreen
from clientdesk.tui.screens.contracts import ContractsScreen
from clientdesk.tui.widgets.contract_table import ContractTable
from clientdesk.tui.widgets.customer_table import WINDOW_SIZE, place_window


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(label: str, runs: list[float]) -> None:
    print(f"| {label} | {statistics.median(runs):,.1f} | {max(runs):,.1f} |")


def window_job(
    database: Database,
    *,
    target: int = 0,
    sort: str = "start",
    descending: bool = True,
    filters: ContractFilter | None = None,
    query: str = "",
) -> None:
    """What ContractsScreen._load reads: the search resolved, the count, one window."""
    today = date.today()
    with Session(database.engine) as session:
        search = search_contracts(query, session=session) if query else None
        total = count_contracts(session=session, today=today, filters=filters, search=search)
        offset, _ = place_window(target, total)
        page_contracts(session=session, today=today, filters=filters, search=search, sort=sort,
                       descending=descending, offset=offset, limit=WINDOW_SIZE)  # fmt: skip


def detail_job(database: Database, contract_id: int) -> None:
    with Session(database.engine) as session:
        contract_detail(contract_id, session=session, today=date.today())


def tab_job(database: Database, customer_id: int) -> None:
    """What the Contracts tab reads for one customer."""
    today = date.today()
    filters = ContractFilter(customer_ids=(customer_id,))
    with Session(database.engine) as session:
        count_contracts(session=session, today=today, filters=filters)
        page_contracts(session=session, today=today, filters=filters, limit=TAB_LIMIT)
        contracts_at_risk(session=session, customer_ids=(customer_id,), min_level=RiskLevel.LOW,
                          statuses=tuple(ContractStatus))  # fmt: skip


def sweep_job(database: Database) -> None:
    with Session(database.engine) as session:
        activate_due(session=session, today=date.today(), actor="bench")
        session.commit()


async def in_app(database: Database, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"list": [], "end": [], "expiring": [], "detail": []}
    app = make_app(Settings(), database)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(runs):
            start = time.perf_counter()
            await pilot.press("k")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ContractsScreen)
            screen = app.screen
            screen.reload()  # shown once: read again, as after a change
            await app.workers.wait_for_complete()
            await pilot.pause()
            times["list"].append((time.perf_counter() - start) * 1000)
            table = screen.query_one(ContractTable)
            start = time.perf_counter()
            await pilot.press("end")
            while table.position != table.total - 1:
                await pilot.pause()
            times["end"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await pilot.press("e")
            await app.workers.wait_for_complete()
            await pilot.pause()
            times["expiring"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await pilot.press("enter")
            while not (
                isinstance(app.screen, ContractDetailScreen) and app.screen.detail is not None
            ):
                await pilot.pause()
            times["detail"].append((time.perf_counter() - start) * 1000)
            await pilot.press("escape", "e", "home", "c")
            await app.workers.wait_for_complete()
            await pilot.pause()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a demo database, e.g. /tmp/big100k.db")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        source = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        source.backup(target)
        source.close()
        target.close()
        database = open_database(str(copy))
        sweep_job(database)  # the app's first sweep: later ones find little or nothing
        with Session(database.engine) as session:
            total = session.execute(select(func.count()).select_from(Contract)).scalar_one()
            busiest = session.execute(
                select(col(Contract.customer_id), func.count())
                .group_by(col(Contract.customer_id))
                .order_by(func.count().desc())
                .limit(1)
            ).one()
            chained = session.execute(
                select(col(Contract.id)).where(col(Contract.renewal_of_id).is_not(None)).limit(1)
            ).scalar_one()
        print(f"{total:,} contracts; busiest customer {busiest[0]} with {busiest[1]} contracts")
        print("| what | median ms | max ms |\n|---|---:|---:|")
        runs = args.runs
        for sort, descending in (("start", True), ("end", False), ("number", False),
                                 ("customer", False), ("value", True), ("risk", True)):  # fmt: skip
            summary(f"window, sort {sort}, first rows (count + {WINDOW_SIZE} rows)", timed(
                lambda s=sort, d=descending: window_job(database, sort=s, descending=d),
                runs))  # fmt: skip
        summary("window, sort start, middle", timed(
            lambda: window_job(database, target=total // 2), runs))  # fmt: skip
        summary("window, sort start, last rows", timed(
            lambda: window_job(database, target=-1), runs))  # fmt: skip
        summary("window, ending within 30 days, soonest first", timed(
            lambda: window_job(database, sort="end", descending=False,
                               filters=ContractFilter(expiring_within=30)), runs))  # fmt: skip
        summary("window, overdue deliveries only", timed(
            lambda: window_job(database, filters=ContractFilter(overdue_only=True)),
            runs))  # fmt: skip
        summary("window, status draft", timed(
            lambda: window_job(database, filters=ContractFilter(
                statuses=(ContractStatus.DRAFT,))), runs))  # fmt: skip
        for query in ("HT-2025", "华信", "bjhx"):
            summary(f"window, search “{query}”", timed(
                lambda q=query: window_job(database, query=q), runs))  # fmt: skip
        summary("contract page (detail, renewal chain)", timed(
            lambda: detail_job(database, chained), runs))  # fmt: skip
        summary("file tab: busiest customer's contracts", timed(
            lambda: tab_job(database, busiest[0]), runs))  # fmt: skip
        summary("housekeeping sweep (nothing due)", timed(
            lambda: sweep_job(database), runs))  # fmt: skip
        app_runs = max(3, runs // 3)
        times = asyncio.run(in_app(database, app_runs))
        summary("app: k and the list read again and drawn (headless)", times["list"])
        summary(f"app: end key to the last of {total:,}", times["end"])
        summary("app: e, ending within 30 days", times["expiring"])
        summary("app: enter until the contract's page is filled", times["detail"])
        database.dispose()


if __name__ == "__main__":
    main()
