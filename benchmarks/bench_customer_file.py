"""Customer file speed on a large database: timeline pages, profile figures, duplicate checks,
parent lookup, deletion checks, and opening a file in the app.

    python benchmarks/bench_customer_file.py --db /tmp/big100k.db

The database is copied first (SQLite backup API) into a temporary folder, because the script
adds one synthetic customer with 20,000 records to show that a timeline page does not grow
with the customer's history. The copy is deleted at the end; the original is only read.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from clientdesk.config import Settings
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customer_file import load_file
from clientdesk.domain.customers import create_customer, deletion_impact
from clientdesk.domain.duplicates import find_duplicates
from clientdesk.domain.enums import InteractionKind, TransactionKind
from clientdesk.domain.lookup import lookup_customers
from clientdesk.domain.timeline import PAGE_SIZE, count_timeline, page_timeline
from clientdesk.storage.database import Database, open_database

HEAVY_RECORDS = 20_000


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    """Milliseconds of each run."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"| {label} | {len(ms)} | {statistics.median(ms):.2f} | {p95:.2f} | {ms[-1]:.2f} |")


def copy_database(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def add_heavy_customer(database: Database) -> int:
    """A customer with HEAVY_RECORDS interactions and transactions, half each."""
    now = datetime.now(UTC)
    with Session(database.engine) as s:
        customer = create_customer(
            CustomerCreate(name="基准测试重客户有限公司"), session=s, actor="bench"
        )
        assert customer.id is not None
        cid = customer.id
        s.commit()
    half = HEAVY_RECORDS // 2
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO interactions (customer_id, kind, occurred_at, subject, created_at)"
                " VALUES (:c, :k, :at, :s, :at)"
            ),
            [
                {
                    "c": cid,
                    "k": InteractionKind.CALL.value,
                    "at": (now - timedelta(hours=i * 3)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    "s": f"call {i}",
                }
                for i in range(half)
            ],
        )
        conn.execute(
            text(
                "INSERT INTO transactions (customer_id, kind, amount_cents, currency,"
                " occurred_on, created_at) VALUES (:c, :k, :a, 'CNY', :on, :at)"
            ),
            [
                {
                    "c": cid,
                    "k": TransactionKind.SALE.value,
                    "a": 1000 + i,
                    "on": (date.today() - timedelta(days=i // 4)).isoformat(),
                    "at": now.strftime("%Y-%m-%d %H:%M:%S.%f"),
                }
                for i in range(half)
            ],
        )
    return cid


def sample_customers(database: Database, n: int, seed: int = 7) -> list[tuple[int, str]]:
    with database.engine.connect() as conn:
        top = conn.execute(text("SELECT max(id) FROM customers")).scalar_one()
        rng = random.Random(seed)
        ids = rng.sample(range(1, top + 1), n)
        rows = conn.execute(
            text(f"SELECT id, name FROM customers WHERE id IN ({','.join(map(str, ids))})")  # noqa: S608
        )
        return [(row[0], row[1]) for row in rows]


def bench_domain(database: Database, customers: list[tuple[int, str]], heavy: int) -> None:
    today = date.today()
    print("| operation | runs | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    with Session(database.engine) as s:
        ids = [cid for cid, _ in customers]
        it = iter(ids * 3)
        summary(
            "timeline, first page (100 rows), sampled customers",
            timed(lambda: page_timeline(next(it), session=s, limit=PAGE_SIZE), len(ids)),
        )
        it = iter(ids * 3)
        summary(
            "timeline counts, sampled customers",
            timed(lambda: count_timeline(next(it), session=s), len(ids)),
        )
        summary(
            f"timeline, first page, customer with {HEAVY_RECORDS:,} records",
            timed(lambda: page_timeline(heavy, session=s, limit=PAGE_SIZE), 50),
        )
        pages: list[float] = []
        after = None
        while True:
            start = time.perf_counter()
            page = page_timeline(heavy, session=s, after=after, limit=PAGE_SIZE)
            pages.append((time.perf_counter() - start) * 1000)
            if not page:
                break
            after = page[-1].cursor
        summary(f"timeline, every page of the {HEAVY_RECORDS:,}-record customer", pages)
        summary(
            f"timeline counts, {HEAVY_RECORDS:,}-record customer",
            timed(lambda: count_timeline(heavy, session=s), 20),
        )
        it = iter(ids * 3)
        summary(
            "profile figures (load_file), sampled customers",
            timed(lambda: load_file(next(it), session=s, today=today), len(ids)),
        )
        names = iter([name for _, name in customers] * 3)
        summary(
            "duplicate check, names of existing customers",
            timed(lambda: find_duplicates(next(names), session=s), len(ids)),
        )
        rng = random.Random(3)
        edited = [name[:-1] + rng.choice("华信东方长江") for _, name in customers]
        names = iter(edited * 3)
        summary(
            "duplicate check, one character changed",
            timed(lambda: find_duplicates(next(names), session=s), len(ids)),
        )
        queries = iter(["华信", "C0500", "科技", "C012345", "zzz-none", "集团"] * 40)
        summary(
            "parent lookup (code or part of the name)",
            timed(lambda: lookup_customers(next(queries), session=s), 120),
        )
        it = iter(ids * 3)
        summary(
            "deletion check (deletion_impact)",
            timed(lambda: deletion_impact(next(it), session=s), len(ids)),
        )


def bench_open_file(database: Database, ids: list[int]) -> None:
    """From asking for a file to its header, contacts and first timeline page on screen."""
    from clientdesk.tui.app import make_app
    from clientdesk.tui.screens.customer_file import CustomerFileScreen

    async def run() -> list[float]:
        app = make_app(Settings(), database)
        out = []
        async with app.run_test(size=(120, 36)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            for cid in ids:
                start = time.perf_counter()
                app.open_customer(cid)
                while True:
                    await pilot.pause()
                    screen = app.screen
                    if (
                        isinstance(screen, CustomerFileScreen)
                        and screen.file is not None
                        and screen.timeline_counts  # set with the first timeline page
                    ):
                        break
                out.append((time.perf_counter() - start) * 1000)
                await pilot.press("escape")
                await app.workers.wait_for_complete()
                await pilot.pause()
        return out

    summary("open a file in the app (headless, 120x36)", asyncio.run(run()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a large clientdesk database")
    parser.add_argument("--sample", type=int, default=200, help="customers sampled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clientdesk-bench-") as folder:
        copy = Path(folder) / "copy.db"
        start = time.perf_counter()
        copy_database(args.db, copy)
        print(f"copied {args.db} in {time.perf_counter() - start:.1f} s")
        database = open_database(str(copy))
        try:
            with database.engine.connect() as conn:
                total = conn.execute(text("SELECT count(*) FROM customers")).scalar_one()
            print(f"{total:,} customers")
            heavy = add_heavy_customer(database)
            customers = sample_customers(database, args.sample)
            bench_domain(database, customers, heavy)
            bench_open_file(database, [cid for cid, _ in customers[:15]] + [heavy])
        finally:
            database.dispose()


if __name__ == "__main__":
    main()
