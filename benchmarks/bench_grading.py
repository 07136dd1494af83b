"""Grading benchmark: `grade run` over every customer against the floor of reading the
transactions once (one GROUP BY customer aggregate), both timed in the same process.

Run: python benchmarks/bench_grading.py [--db PATH] [--customers 100000] [--runs 5]
Builds the demo database first when PATH does not exist (opening it upgrades its schema:
point --db at a copy of a database you share). The run is a dry run (rolled back), so the
database is left as it was; `--write` also times, on a copy, a committing run and then a
second one (the usual case: few grades move). Figures: median and best of the runs, with
the CPU seconds of the process beside them (less disturbed by other work on the machine).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from clientdesk.config import Settings
from clientdesk.domain.regrade import run_grading
from clientdesk.storage.database import open_database

FLOOR = "SELECT customer_id, SUM(amount_cents), COUNT(*) FROM transactions GROUP BY customer_id"


def grade_once(location: str, *, commit: bool) -> tuple[float, float, int, int]:
    grading = Settings().grading
    db = open_database(location)
    with Session(db.engine) as session:
        start, cpu = time.perf_counter(), time.process_time()
        result = run_grading(
            session=session,
            as_of=date.today(),
            weights=grading.weights.model_dump(),
            thresholds=grading.thresholds.model_dump(),
            actor="bench",
            dry_run=not commit,
        )
        if commit:
            session.commit()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.dispose()
    return elapsed, cpu, result.evaluated, len(result.upgrades) + len(result.downgrades)


def floor_once(location: str) -> tuple[float, float]:
    db = open_database(location)
    with db.engine.connect() as conn:
        start, cpu = time.perf_counter(), time.process_time()
        rows = conn.execute(text(FLOOR)).all()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.dispose()
    assert rows
    return elapsed, cpu


def row(label: str, seconds: list[float], cpu: list[float], floor: float, floor_cpu: float) -> str:
    middle, best, cpu_best = statistics.median(seconds), min(seconds), min(cpu)
    return (
        f"| {label} | {middle:.2f} | {best:.2f} | {best / floor:.2f}x | {cpu_best:.2f} | "
        f"{cpu_best / floor_cpu:.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/clientdesk-bench-grading.db")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if not Path(args.db).exists():
        cli = Path(sys.executable).parent / "clientdesk"
        cmd = [str(cli), "demo", "--customers", str(args.customers), "--db", args.db, "--no-open"]
        subprocess.run(cmd, check=True)
    floor_once(args.db)  # warm the page cache for both
    floors: list[tuple[float, float]] = []
    runs: list[tuple[float, float]] = []
    evaluated = moved = 0
    for _ in range(args.runs):
        floors.append(floor_once(args.db))
        seconds, cpu, evaluated, moved = grade_once(args.db, commit=False)
        runs.append((seconds, cpu))
    floor, floor_cpu = min(s for s, _ in floors), min(c for _, c in floors)
    print(f"customers evaluated: {evaluated:,}; grades that would move: {moved:,}")
    print("| measure | median s | best s | best / floor | CPU s (best) | CPU / floor CPU |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, times in (("floor: one GROUP BY over transactions", floors),
                         ("`grade run --dry-run`", runs)):  # fmt: skip
        walls, cpus = [s for s, _ in times], [c for _, c in times]
        print(row(label, walls, cpus, floor, floor_cpu))
    if args.write:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.db"
            shutil.copy(args.db, copy)
            for label in ("`grade run` committing", "`grade run` again, committing"):
                seconds, cpu, _, moved = grade_once(str(copy), commit=True)
                print(row(f"{label} {moved:,} changes", [seconds], [cpu], floor, floor_cpu))


if __name__ == "__main__":
    main()
