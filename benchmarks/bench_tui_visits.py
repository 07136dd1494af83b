"""Visits screen benchmark: the reads its workers make, on the 100,000-customer database.

Run: python benchmarks/bench_tui_visits.py [--source /tmp/big100k.db] [--db PATH] [--runs 9]

Each figure is one window as a screen reads it after a key press (counts plus the pages the
window touches), the median of --runs warm runs in one process. The reads run on a copy of
the source (migrated to this version on the copy), so the shared file is left alone.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.config import Settings
from clientdesk.domain import Visit
from clientdesk.domain.visit_calendar import month_calendar
from clientdesk.storage.database import open_database
from clientdesk.tui.file_tabs.visits import read_customer_visits
from clientdesk.tui.screens.visit_day import read_day
from clientdesk.tui.widgets.visit_agenda import read_agenda
from clientdesk.tui.widgets.visit_calendar import PER_DAY
from clientdesk.tui.widgets.visit_window import FIRST_ROW

ZONE = ZoneInfo("Asia/Shanghai")


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/tmp/big100k.db"))
    parser.add_argument("--db", type=Path, default=Path("/tmp/clientdesk-bench-tui-visits.db"))
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if not args.db.exists():
        shutil.copyfile(args.source, args.db)
    database = open_database(str(args.db))
    settings = Settings()
    cadence = {g: settings.service_for(g).visit_every_days for g in "ABCD"}
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()

    from clientdesk.domain.enums import Grade
    from clientdesk.tui.widgets.visit_due import read_due

    every = {Grade(g): d for g, d in cadence.items()}
    rows: list[tuple[str, float, str]] = []
    with Session(database.engine) as s:
        visits = s.execute(select(func.count()).select_from(Visit)).scalar_one()
        busiest = s.execute(
            select(col(Visit.customer_id), func.count())
            .group_by(col(Visit.customer_id))
            .order_by(func.count().desc())
            .limit(1)
        ).one()

        def measure(label: str, fn: Callable[[], Any], note: Callable[[Any], str]) -> None:
            ms, result = median_ms(fn, args.runs)
            rows.append((label, ms, note(result)))

        def agenda_at(target: int) -> Any:
            return read_agenda(s, now=now, zone=ZONE, owner=None, target=target)

        def due_at(target: int, unplanned: bool = False) -> Any:
            return read_due(
                s, now=now, zone=ZONE, cadence=every, owner=None, unplanned_only=unplanned,
                target=target,
            )  # fmt: skip

        def window(w: Any) -> str:
            return f"{len(w.rows)} rows of {w.total:,}"

        measure("agenda: open (4 counts + first window)", lambda: agenda_at(FIRST_ROW), window)
        measure("agenda: window at row 10,000", lambda: agenda_at(10_000), window)
        measure("agenda: jump to the end (G)", lambda: agenda_at(-1), window)
        measure("due: open (count + first window)", lambda: due_at(FIRST_ROW), window)
        measure("due: window at row 1,000", lambda: due_at(1_000), window)
        measure("due: window at row 10,000", lambda: due_at(10_000), window)
        measure("due: not yet planned only (f)", lambda: due_at(FIRST_ROW, True), window)
        measure(
            "calendar: one month, 3 listed per day",
            lambda: month_calendar(
                session=s, year=today.year, month=today.month, zone=ZONE, per_day=PER_DAY
            ),
            lambda m: f"{m.planned + m.done:,} visits in the month",
        )
        measure(
            "calendar: a day's list (enter)",
            lambda: read_day(s, day=today, zone=ZONE, owner=None, target=FIRST_ROW),
            window,
        )
        measure(
            "file tab: the busiest customer's visits",
            lambda: read_customer_visits(s, customer_id=int(busiest[0]), target=FIRST_ROW),
            window,
        )
    database.dispose()
    print(f"{visits:,} visits; median of {args.runs} warm runs\n")
    print("| read | ms | shown |")
    print("|---|---:|---|")
    for label, ms, note in rows:
        print(f"| {label} | {ms:.1f} | {note} |")


if __name__ == "__main__":
    main()
