"""Demo data: a realistic, deterministic clientdesk database of any size.

    build_demo(engine, customers=2000, seed=1, today=None, progress=None) -> {table: rows}

fills an empty, migrated database with customer files (Chinese and English company names,
groups with subsidiaries, special customers such as banks and tax offices), contacts,
interactions, transactions, visits, contracts with their history, complaints with theirs,
and quarterly sales targets, over the two years before `today`. The same seed, customer
count and `today` give the same data. Never imports textual, typer or rich: the CLI passes
`progress(stage, done, total)` to show a bar.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from clientdesk.demo import tables as T
from clientdesk.demo.clock import Clock
from clientdesk.demo.generate import Generator
from clientdesk.demo.writer import Writer, can_use_fast_path
from clientdesk.errors import UsageError
from clientdesk.storage.bulk import BulkLoad, first_with_rows
from clientdesk.storage.engine import writer as writer_engine

__all__ = ["build_demo"]

Progress = Callable[[str, int, int], None]

BATCH = 2_000  # at most this many customers are generated, then written, at a time
BUILD_CACHE_KIB = 262_144  # SQLite page cache for the build connection (256 MiB)
STAGE_CUSTOMERS = "Generating customers and their records"
STAGE_TARGETS = "Writing sales targets"
STAGE_GRADING = "Grading (a year ago, today)"
STAGE_INDEXES = "Building indexes"
STAGE_SAVE = "Saving"


def build_demo(
    engine: Engine,
    *,
    customers: int = 2000,
    seed: int = 1,
    today: date | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Fill an empty clientdesk database with demo data; rows written per table.

    Raises UsageError when the database already has data or `customers` is below 1.
    """
    return build(engine, customers=customers, seed=seed, today=today, progress=progress)


def build(
    engine: Engine,
    *,
    customers: int,
    seed: int,
    today: date | None,
    progress: Progress | None,
    fast: bool | None = None,
) -> dict[str, int]:
    """build_demo, with the SQLite fast path chosen explicitly (tests compare both)."""
    if customers < 1:
        raise UsageError(f"the demo needs at least 1 customer, not {customers}.")
    report = progress or _silent
    day = today or date.today()
    with writer_engine(engine).connect() as connection:
        if fast is None:
            fast = can_use_fast_path(connection)
        sqlite_raw = _raw_sqlite(connection)
        old_cache = None
        if sqlite_raw is not None:
            old_cache = sqlite_raw.execute("PRAGMA cache_size").fetchone()[0]
            sqlite_raw.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        try:
            with connection.begin():
                _refuse_unless_empty(connection)
                out = Writer(connection, fast=fast)
                load = BulkLoad(connection, T.TABLES.values())
                if fast:
                    load.prepare()  # indexes and triggers built once, at the end
                generator = Generator(random.Random(seed), Clock(day, as_text=fast))
                report(STAGE_CUSTOMERS, 0, customers)
                batch = max(200, min(BATCH, customers // 50))  # ~50 progress steps
                done = 0
                while done < customers:
                    size = min(batch, customers - done)
                    for _ in range(size):
                        generator.customer()
                    done += size
                    _flush(generator, out)
                    report(STAGE_CUSTOMERS, done, customers)
                report(STAGE_TARGETS, 0, 1)
                generator.sales_targets()
                _flush(generator, out)
                report(STAGE_TARGETS, 1, 1)
                if fast:
                    report(STAGE_INDEXES, 0, 1)
                    load.finish()
                    report(STAGE_INDEXES, 1, 1)
                else:
                    load.reset_sequences()
                # After the indexes: the scorecard's queries lean on them.
                out.counts["grade_assessments"] = grade_history(connection, day, report)
                report(STAGE_SAVE, 0, 1)
        finally:
            if sqlite_raw is not None and old_cache is not None:
                sqlite_raw.execute(f"PRAGMA cache_size = {int(old_cache)}")
        if sqlite_raw is not None:
            # One big transaction leaves a WAL file as large as the database; fold it in.
            sqlite_raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    report(STAGE_SAVE, 1, 1)
    return dict(out.counts)


def grade_history(connection: Connection, day: date, report: Progress) -> int:
    """Grade a year ago and today with the default scorecard, so that the demo's grades are
    what `clientdesk grade run` gives and each customer file has a grade history."""
    from sqlmodel import Session

    from clientdesk.config import Settings
    from clientdesk.domain.regrade import run_grading

    grading = Settings().grading
    session = Session(bind=connection)
    stored = 0
    for step, as_of in enumerate((day - timedelta(days=365), day)):
        report(STAGE_GRADING, step, 2)
        result = run_grading(
            session=session,
            as_of=as_of,
            weights=grading.weights.model_dump(),
            thresholds=grading.thresholds.model_dump(),
            actor="demo",
            assessed_at=datetime.combine(as_of, time(2, 0), tzinfo=UTC),
        )
        stored += len(result.upgrades) + len(result.downgrades)
    report(STAGE_GRADING, 2, 2)
    return stored


def _silent(stage: str, done: int, total: int) -> None:
    return None


def _flush(generator: Generator, out: Writer) -> None:
    for name, rows in generator.rows.items():  # parents before children
        out.write(name, rows)
        rows.clear()


def _raw_sqlite(connection: Connection) -> Any:
    if connection.dialect.name != "sqlite":
        return None
    return connection.connection.dbapi_connection


def _refuse_unless_empty(connection: Connection) -> None:
    present = set(sa.inspect(connection).get_table_names())
    missing = [name for name in T.TABLES if name not in present]
    if missing:
        raise UsageError(
            f"this database has no {', '.join(missing)} table; it is not a clientdesk database.",
            hint="Open (and so create or upgrade) it with clientdesk before building demo data.",
        )
    found = first_with_rows(connection, T.TABLES.values())
    if found is not None:
        name, count = found
        what = "customers" if name == T.CUSTOMERS else f"rows in {name}"
        raise UsageError(
            f"the database already holds {count:,} {what}; demo data is only built into an "
            "empty database.",
            hint="Use a new database file, or recreate this one first.",
        )
