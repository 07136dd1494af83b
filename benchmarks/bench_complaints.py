"""Complaint benchmarks: the queue pages, a complaint's page, the reports and the sweep.

Run: python benchmarks/bench_complaints.py [--db PATH] [--customers 100000] [--runs 5] [--write]
Builds the demo database first when PATH does not exist. Reads only: the database is opened
without upgrading its schema and nothing is written. `--write` also times the worst-case
sweep (every complaint made unanswered and past due) and 1,000 intakes on a copy.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from clientdesk.config import Settings
from clientdesk.domain.complaint import Complaint
from clientdesk.domain.complaint_queue import (
    ALL_STATUSES,
    ComplaintFilter,
    complaint_detail,
    complaint_queue,
    iter_complaints,
)
from clientdesk.domain.complaint_stats import satisfaction_summary
from clientdesk.domain.complaints import DeadlineRules, sweep_overdue, take_complaint
from clientdesk.storage.database import open_database


def median_ms(work: Callable[[], Any], runs: int) -> float:
    work()  # warm the page cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def reads(location: str, runs: int) -> list[tuple[str, float]]:
    db = open_database(location, upgrade=False)
    now = datetime.now(UTC)
    zone = ZoneInfo("Asia/Shanghai")
    with Session(db.engine) as session:
        total = session.execute(select(func.count()).select_from(Complaint)).scalar_one()
        busiest = session.execute(
            select(col(Complaint.customer_id))
            .group_by(col(Complaint.customer_id))
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        some_id = session.execute(select(func.max(Complaint.id))).scalar_one()
        open_total = complaint_queue(session=session, now=now).total
        every = ComplaintFilter(statuses=ALL_STATUSES)
        timings = [
            ("open queue: first page of 100 + count",
             lambda: complaint_queue(session=session, now=now)),
            (f"open queue: page at offset {max(open_total - 100, 0):,}",
             lambda: complaint_queue(session=session, now=now, offset=max(open_total - 100, 0))),
            ("overdue only: first page + count",
             lambda: complaint_queue(session=session, now=now,
                                     filters=ComplaintFilter(overdue=True))),
            ("all complaints by deadline: first page + count",
             lambda: complaint_queue(session=session, now=now, filters=every)),
            (f"all complaints by deadline: last page (offset {max(total - 100, 0):,})",
             lambda: complaint_queue(session=session, now=now, filters=every,
                                     offset=max(total - 100, 0))),
            ("one customer's complaints (newest first)",
             lambda: complaint_queue(session=session, now=now, sort="received",
                                     filters=ComplaintFilter(statuses=ALL_STATUSES,
                                                             customer_id=busiest))),
            ("one complaint with history, visits, steps",
             lambda: complaint_detail(some_id, session=session)),
            ("satisfaction summary (month, category, grade)",
             lambda: satisfaction_summary(session=session, zone=zone)),
            (f"stream all {total:,} complaints (report)",
             lambda: sum(1 for _ in iter_complaints(session=session, now=now, filters=every,
                                                    sort="received"))),
        ]  # fmt: skip
        results = [(name, median_ms(work, runs)) for name, work in timings]
    db.dispose()
    return [(f"{label} ({open_total:,} open of {total:,})", ms) if i == 0 else (label, ms)
            for i, (label, ms) in enumerate(results)]  # fmt: skip


def writes(location: str) -> list[tuple[str, float]]:
    rules = DeadlineRules.from_settings(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        for suffix in ("", "-wal"):
            if Path(location + suffix).exists():
                shutil.copyfile(location + suffix, str(copy) + suffix)
        db = open_database(str(copy))
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE complaints SET status = 'received', escalated = 0"))
        with Session(db.engine) as session:
            start = time.perf_counter()
            swept = sweep_overdue(session=session, now=datetime.now(UTC))
            session.commit()
            sweep = time.perf_counter() - start
            customer_ids = list(
                session.execute(text("SELECT id FROM customers LIMIT 1000")).scalars()
            )
            start = time.perf_counter()
            for customer_id in customer_ids:
                take_complaint(session=session, rules=rules, actor="bench", customer_id=customer_id,
                               channel="phone", category="product", severity="high",
                               summary="bench")  # fmt: skip
            session.commit()
            intake = time.perf_counter() - start
        db.dispose()
    return [
        (f"sweep: escalate {len(swept):,} overdue complaints, one transaction", sweep * 1000),
        (f"take {len(customer_ids):,} complaints, one transaction (per complaint)",
         intake * 1000 / max(len(customer_ids), 1)),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/clientdesk-bench-complaints.db")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if not Path(args.db).exists():
        cli = Path(sys.executable).parent / "clientdesk"
        cmd = [str(cli), "demo", "--customers", str(args.customers), "--db", args.db, "--no-open"]
        subprocess.run(cmd, check=True)
    rows = reads(args.db, args.runs)
    if args.write:
        rows += writes(args.db)
    print(f"| complaints ({Path(args.db).name}, median of {args.runs}) | ms |")
    print("|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:,.1f} |")


if __name__ == "__main__":
    main()
