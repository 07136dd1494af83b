"""Visit plans benchmark: agenda, visits due, month calendar and .ics export on a big database.

Run: python benchmarks/bench_visits.py [--source /tmp/big100k.db] [--db PATH] [--runs 9]

The queries run on a copy of the source database (built with `clientdesk demo --customers
100000` when missing), so that migrating it to this version leaves the shared file as it
was. Each figure is the median of --runs warm runs, in one process, as the app calls them.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.config import Settings
from clientdesk.domain import Customer, Visit
from clientdesk.domain.agenda import Bucket, agenda, agenda_counts, agenda_rows, customer_visits
from clientdesk.domain.enums import Grade, VisitStatus
from clientdesk.domain.visit_calendar import month_calendar
from clientdesk.domain.visits import VisitLog, log_visit, plan_visit
from clientdesk.domain.visits_due import count_due, due_page
from clientdesk.exchange.ics import IcsOptions, write_visits_ics
from clientdesk.storage.database import open_database


def prepare(source: Path, work: Path, customers: int) -> float | None:
    """The work copy, migrated; the seconds the migration took when it ran now."""
    if not source.exists():
        cli = Path(sys.executable).parent / "clientdesk"
        cmd = [str(cli), "demo", "--customers", str(customers), "--db", str(source), "--no-open"]
        subprocess.run(cmd, check=True)
    if work.exists():
        open_database(str(work)).dispose()
        return None
    shutil.copyfile(source, work)
    start = time.perf_counter()
    open_database(str(work)).dispose()
    return time.perf_counter() - start


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", default="/tmp/big100k.db")
    parser.add_argument("--db", default="/tmp/clientdesk-bench-visits.db")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    migrated = prepare(Path(args.source), Path(args.db), args.customers)
    if migrated is not None:
        print(f"migration to head (0003 backfill + indexes) on the copy: {migrated:.1f} s")

    settings = Settings()
    zone = ZoneInfo(settings.general.timezone)
    cadence = {g: settings.service_for(g.value).visit_every_days for g in Grade}
    now = datetime.now(UTC)
    today = now.astimezone(zone).date()
    db = open_database(args.db)
    rows: list[tuple[str, float, str]] = []
    with Session(db.engine) as s:
        visits = s.execute(select(func.count()).select_from(Visit)).scalar_one()
        customers = s.execute(select(func.count()).select_from(Customer)).scalar_one()
        owner = s.execute(
            select(col(Visit.owner))
            .where(col(Visit.status) == VisitStatus.PLANNED)
            .group_by(col(Visit.owner))
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        busiest = s.execute(
            select(col(Visit.customer_id))
            .group_by(col(Visit.customer_id))
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        print(f"{customers:,} customers, {visits:,} visits; busiest owner {owner}")

        def add(name: str, fn: Callable[[], Any], show: Callable[[Any], str]) -> None:
            ms, result = median_ms(fn, args.runs)
            rows.append((name, ms, show(result)))

        common: dict[str, Any] = {"session": s, "now": now, "zone": zone}
        add(
            "agenda: counts + first 20 of each bucket",
            lambda: agenda(**common, per_bucket=20),
            lambda r: f"{r.total:,} planned",
        )
        add(
            "agenda counts only",
            lambda: agenda_counts(**common),
            lambda r: ", ".join(f"{b.value} {n:,}" for b, n in r.items()),
        )
        add(
            f"agenda of one owner ({owner})",
            lambda: agenda(**common, owner=owner, per_bucket=20),
            lambda r: f"{r.total:,} planned",
        )
        add(
            "agenda page 'later', offset 10,000",
            lambda: agenda_rows(**common, bucket=Bucket.LATER, offset=10_000, limit=50),
            lambda r: f"{len(r)} rows",
        )
        due = dict(common, every_days=cadence)
        add("visits due: count", lambda: count_due(**due), lambda n: f"{n:,} due")
        add("visits due: first page (50)", lambda: due_page(**due), lambda r: f"{len(r)} rows")
        add(
            "visits due: count + first page",
            lambda: (count_due(**due), due_page(**due)),
            lambda r: f"{r[0]:,} due",
        )
        for offset in (1_000, 10_000):
            add(
                f"visits due: page at offset {offset:,}",
                lambda offset=offset: due_page(**due, offset=offset),
                lambda r: f"{len(r)} rows",
            )
        add(
            "visits due of one owner: count + page",
            lambda: (count_due(**due, owner=owner), due_page(**due, owner=owner)),
            lambda r: f"{r[0]:,} due",
        )
        add(
            "visits due, unplanned only: page",
            lambda: due_page(**due, unplanned_only=True),
            lambda r: f"{len(r)} rows",
        )
        add(
            "visits due, unplanned only: count",
            lambda: count_due(**due, unplanned_only=True),
            lambda n: f"{n:,} due",
        )
        for label, month in (
            ("this month", today),
            ("last month", today.replace(day=1) - timedelta(days=1)),
        ):
            add(
                f"month calendar, {label} (3 per day)",
                lambda month=month: month_calendar(
                    session=s, year=month.year, month=month.month, zone=zone
                ),
                lambda c: f"{c.planned:,} planned, {c.done:,} done",
            )
        add(
            "customer's visits tab (busiest customer)",
            lambda: customer_visits(session=s, customer_id=busiest, limit=50),
            lambda r: f"{len(r)} rows",
        )

        def export(days: int) -> int:
            options = IcsOptions(zone=zone, start=today, end=today + timedelta(days=days))
            return write_visits_ics(s, io.BytesIO(), options)

        for days, runs in ((7, 3), (30, 1)):
            start = time.perf_counter()
            for _ in range(runs):
                written = export(days)
            seconds = (time.perf_counter() - start) / runs
            rows.append((f".ics export, next {days} days", seconds * 1000, f"{written:,} events"))

        # The write path with its trigger: plan and log 200 visits, rolled back.
        ids = s.execute(select(col(Customer.id)).limit(200)).scalars().all()
        start = time.perf_counter()
        for cid in ids:
            visit = plan_visit(
                session=s,
                customer_id=cid,
                planned_at=now + timedelta(days=1),
                purpose="bench",
                actor="bench",
                now=now,
            )
            assert visit.id is not None
            log_visit(
                visit.id,
                VisitLog(discussion="bench"),
                session=s,
                actor="bench",
                zone=zone,
                now=now + timedelta(days=1, minutes=5),
            )
        per_visit = (time.perf_counter() - start) / len(ids) * 1000
        s.rollback()
        rows.append(("plan + log one visit (audit, trigger)", per_visit, "rolled back"))
    db.dispose()
    print("\n| query | ms (median) | result |\n|---|---:|---|")
    for name, ms, shown in rows:
        print(f"| {name} | {ms:,.1f} | {shown} |")


if __name__ == "__main__":
    main()
