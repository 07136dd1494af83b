"""Complaints screens on a large database: what the queue's worker reads per window, the
customer file's Complaints tab, and the screens driven headless in the app.

    python benchmarks/bench_complaints_tui.py --db /tmp/big100k.db

The database is copied first (SQLite backup API) into a temporary folder: opening it may
apply migrations, and the app's housekeeping escalates overdue complaints. The copy is
deleted at the end; the original is only read.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.config import Settings
from clientdesk.domain.complaint import Complaint
from clientdesk.domain.complaint_queue import ComplaintFilter, count_complaints, page_complaints
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import make_app
from clientdesk.tui.file_tabs.complaints import DONE_LIMIT, DONE_STATUSES, OPEN_LIMIT
from clientdesk.tui.screens.complaint_detail import ComplaintDetailScreen
from clientdesk.tui.screens.complaints import VIEWS, ComplaintsScreen, View
from clientdesk.tui.widgets.complaint_table import ComplaintTable
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


def queue_job(database: Database, view: View, target: int) -> None:
    """What ComplaintsScreen._load reads: the three counts and one window of rows."""
    now = datetime.now(UTC)
    spec = VIEWS[view]
    with Session(database.engine) as session:
        counts = {
            v: count_complaints(session=session, now=now, filters=VIEWS[v].filters) for v in View
        }
        offset, _ = place_window(target, counts[view])
        page_complaints(
            session=session,
            now=now,
            filters=spec.filters,
            sort=spec.sort,
            offset=offset,
            limit=WINDOW_SIZE,
        )


def tab_job(database: Database, customer_id: int) -> None:
    """What the Complaints tab reads for one customer."""
    now = datetime.now(UTC)
    with Session(database.engine) as session:
        open_ = ComplaintFilter(customer_id=customer_id)
        done = ComplaintFilter(customer_id=customer_id, statuses=DONE_STATUSES)
        page_complaints(session=session, now=now, filters=open_, limit=OPEN_LIMIT)
        page_complaints(session=session, now=now, filters=done, sort="received", limit=DONE_LIMIT)
        count_complaints(
            session=session, now=now, filters=ComplaintFilter(customer_id=customer_id, statuses=())
        )


async def in_app(database: Database, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"queue": [], "end": [], "detail": []}
    app = make_app(Settings(), database)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(runs):
            start = time.perf_counter()
            await pilot.press("p")  # the queue is read again each time it is shown
            await app.workers.wait_for_complete()
            await pilot.pause()
            times["queue"].append((time.perf_counter() - start) * 1000)
            assert isinstance(app.screen, ComplaintsScreen)
            queue = app.screen
            table = queue.query_one(ComplaintTable)
            await pilot.press("3")
            await app.workers.wait_for_complete()
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("end")
            while table.position != table.total - 1:
                await pilot.pause()
            times["end"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await pilot.press("enter")
            while not (
                isinstance(app.screen, ComplaintDetailScreen) and app.screen.detail is not None
            ):
                await pilot.pause()
            times["detail"].append((time.perf_counter() - start) * 1000)
            await pilot.press("escape", "1", "c")
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
        with Session(database.engine) as session:
            total = session.execute(select(func.count()).select_from(Complaint)).scalar_one()
            busiest = session.execute(
                select(col(Complaint.customer_id), func.count())
                .group_by(col(Complaint.customer_id))
                .order_by(func.count().desc())
                .limit(1)
            ).one()
        print(f"{total:,} complaints; busiest customer {busiest[0]} with {busiest[1]} complaints")
        print("| what | median ms | max ms |\n|---|---:|---:|")
        runs = args.runs
        summary("queue window, open view (3 counts + 240 rows)", timed(
            lambda: queue_job(database, View.OPEN, 0), runs))  # fmt: skip
        summary("queue window, overdue view", timed(
            lambda: queue_job(database, View.OVERDUE, 0), runs))  # fmt: skip
        summary("queue window, all, first rows", timed(
            lambda: queue_job(database, View.ALL, 0), runs))  # fmt: skip
        summary("queue window, all, last rows", timed(
            lambda: queue_job(database, View.ALL, -1), runs))  # fmt: skip
        summary("file tab: busiest customer's complaints", timed(
            lambda: tab_job(database, busiest[0]), runs))  # fmt: skip
        app_runs = max(3, runs // 3)
        times = asyncio.run(in_app(database, app_runs))
        summary("app: p until the queue is read and drawn (headless)", times["queue"])
        summary(f"app: all view, end key to the last of {total:,}", times["end"])
        summary("app: enter until the complaint's page is filled", times["detail"])
        database.dispose()


if __name__ == "__main__":
    main()
