"""Group risk benchmarks: the Groups screen's reads and a group's page, on a large file.

Run: python benchmarks/bench_groups.py --db BIG.db [--runs 5] [--net-capital 500000000]

Opens the database without upgrading it and writes nothing. Prints Markdown for
benchmarks/README.md: median milliseconds of each read.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from clientdesk.domain.group_risk import (
    Limit,
    group_counts,
    group_detail,
    group_of,
    group_rows,
)
from clientdesk.storage.database import open_database


def median_ms(work: Callable[[], Any], runs: int) -> float:
    work()  # warm the page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--net-capital", default="500000000")
    args = parser.parse_args()
    db = open_database(args.db, create=False, upgrade=False)
    limit = Limit.from_settings(Decimal(args.net_capital), 0.15, 0.8)
    today = date.today()
    with Session(db.engine) as s:
        counts = group_counts(session=s, limit=limit, today=today)
        largest = group_rows(session=s, limit=limit, today=today, page_size=1)[0]
        detail = group_detail(largest.root_id, session=s, limit=limit, today=today)
        assert detail is not None
        member = detail.members[-1].id

        def window(offset: int, flagged: bool = False) -> Callable[[], Any]:
            def read() -> Any:
                group_counts(session=s, limit=limit, today=today)
                return group_rows(
                    session=s,
                    limit=limit,
                    today=today,
                    offset=offset,
                    page_size=200,
                    flagged_only=flagged,
                )

            return read

        timings = [
            ("counts of every group (over, warning, overdue, flagged)",
             lambda: group_counts(session=s, limit=limit, today=today)),
            ("first 200 groups by credit used", lambda: group_rows(
                session=s, limit=limit, today=today, page_size=200)),
            ("Groups screen window: counts + first 200", window(0)),
            (f"Groups screen window: counts + 200 at offset {counts.total // 2:,}",
             window(counts.total // 2)),
            ("Groups screen window, flagged only", window(0, flagged=True)),
            (f"one group's page ({len(detail.members)} members)", lambda: group_detail(
                largest.root_id, session=s, limit=limit, today=today)),
            ("the group of a member (climb to the top parent)",
             lambda: group_of(member, session=s)),
        ]  # fmt: skip
        results = [(label, median_ms(work, args.runs)) for label, work in timings]
    db.dispose()
    print(
        f"{counts.total:,} groups; {counts.over:,} over the limit, {counts.warning:,} at the "
        f"early warning, {counts.at_risk:,} with a member overdue (net capital "
        f"{args.net_capital}); median of {args.runs} runs.\n"
    )
    print("| read | ms |")
    print("|---|---:|")
    for label, ms in results:
        print(f"| {label} | {ms:.1f} |")


if __name__ == "__main__":
    main()
