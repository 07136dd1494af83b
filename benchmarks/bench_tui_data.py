"""The Data screen and the Grade tab on a large database: what their workers read, the
windowed list behind the import report and the grading dry run, and the screens driven
headless in the app (dry run of every grade, checking a 100,000-row import file).

    python benchmarks/bench_tui_data.py --db /tmp/big100k.db

The database is copied first (SQLite backup API) into a temporary folder: the app's
housekeeping writes (escalations, contract states), and the checks here must not touch
the original. The copy is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session
from textual.widgets import DataTable

from clientdesk.config import Settings
from clientdesk.domain.grade_manual import grade_history
from clientdesk.domain.regrade import evaluate, run_grading
from clientdesk.exchange.importer import ImportOptions, validate_import
from clientdesk.exchange.sources import open_path
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.app import make_app
from clientdesk.tui.context import AppContext
from clientdesk.tui.screens.data_status import read_backups, read_summary
from clientdesk.tui.screens.grade_run import GradeRunScreen
from clientdesk.tui.screens.grade_support import grading_args
from clientdesk.tui.screens.import_form import ImportRequest
from clientdesk.tui.screens.import_report import ImportReportScreen
from clientdesk.tui.widgets.data_list_table import ListColumn, ListTable

SETTINGS = Settings()


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def row(label: str, runs: list[float]) -> None:
    print(f"| {label} | {statistics.median(runs):,.1f} | {max(runs):,.1f} |")


def copy_database(source: Path, folder: Path) -> Path:
    target = folder / "bench.db"
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def context(database: Database) -> AppContext:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(SETTINGS.general.timezone)
    return AppContext(
        database=database,
        settings=SETTINGS,
        zone=zone,
        now=lambda: datetime.now(UTC),
        today=lambda: datetime.now(zone).date(),
    )


def workers(database: Database, customers: int) -> None:
    ctx = context(database)
    print("| worker read | median ms | max ms |\n|---|---:|---:|")
    row("Data screen: database summary (counts, grades, imports)", timed(
        lambda: read_summary(database), 7))  # fmt: skip
    row("Data screen: backup folder and last good backup", timed(lambda: read_backups(ctx), 7))
    today, args = ctx.today(), grading_args(SETTINGS)
    ids = random.Random(7).sample(range(1, customers + 1), 20)

    def grade_tab() -> None:
        with Session(database.engine) as session:
            for cid in ids:
                next(evaluate(session=session, as_of=today, customer_id=cid, **args))
                grade_history(cid, session=session)

    runs = [ms / len(ids) for ms in timed(grade_tab, 3)]
    row("Grade tab: one customer's scorecard and history", runs)

    def dry_run() -> None:
        with Session(database.engine) as session:
            run_grading(session=session, as_of=today, actor="bench", dry_run=True, **args)

    row("grading dry run, called directly (the floor for the dialog)", timed(dry_run, 1))


def check_directly(database: Database, csv: Path) -> float:
    start = time.perf_counter()
    plan = validate_import(
        database, "customers", open_path(str(csv)), ImportOptions(settings=SETTINGS)
    )
    plan.close()
    return (time.perf_counter() - start) * 1000


async def in_the_app(database: Database, csv: Path | None) -> None:
    app = make_app(SETTINGS, database)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()

        start = time.perf_counter()
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        print(f"| Data screen shown and filled | {(time.perf_counter() - start) * 1000:,.0f} |")

        start = time.perf_counter()
        dialog = GradeRunScreen(app.context)
        await app.push_screen(dialog)
        while dialog.phase == "dry-run":
            await pilot.pause(0.05)
        moved = dialog.query_one(ListTable).total
        ms = (time.perf_counter() - start) * 1000
        print(f"| grading dry run in the dialog, {moved:,} moves listed | {ms:,.0f} |")
        dialog.dismiss(None)
        await pilot.pause()

        if csv is not None:
            start = time.perf_counter()
            report = ImportReportScreen(app.context, ImportRequest(path=csv))
            await app.push_screen(report)
            while report.phase == "checking":
                await pilot.pause(0.05)
            ms = (time.perf_counter() - start) * 1000
            problems = report.report.problems if report.report else []
            print(f"| import check in the dialog, {len(problems):,} problems listed | {ms:,.0f} |")
            report.action_cancel()
            await app.workers.wait_for_complete()
            await pilot.pause()

        table: ListTable[int] = ListTable([ListColumn("n", "n", 10)], lambda n: [str(n)])
        await app.screen.mount(table)
        items = list(range(100_000))
        start = time.perf_counter()
        table.show(items)
        table.action_last()
        await pilot.pause()
        ms = (time.perf_counter() - start) * 1000
        print(f"| ListTable: show 100,000 items and jump to the last | {ms:,.0f} |")

        plain: DataTable[str] = DataTable()
        await app.screen.mount(plain)
        plain.add_column("n", width=10)
        start = time.perf_counter()
        plain.add_rows([str(n)] for n in items)
        plain.move_cursor(row=len(items) - 1)
        await pilot.pause()
        ms = (time.perf_counter() - start) * 1000
        print(f"| a plain DataTable given all 100,000 rows (for comparison) | {ms:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--csv", type=Path, help="a customer CSV to check (e.g. an export)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("CLIENTDESK_DATA_DIR", folder)
        path = copy_database(args.db, Path(folder))
        database = open_database(str(path))
        try:
            customers = read_summary(database).counts["customers"]
            workers(database, customers)
            if args.csv:
                print(f"| import check of {args.csv.name}, called directly | "
                      f"{check_directly(database, args.csv):,.0f} |")  # fmt: skip
            print("\n| in the app (headless) | ms |\n|---|---:|")
            asyncio.run(in_the_app(database, args.csv))
        finally:
            database.dispose()


if __name__ == "__main__":
    main()
