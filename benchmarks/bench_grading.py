"""Grading benchmark: `grade run` over every customer against the floor of reading the
transactions once (one GROUP BY customer aggregate), both timed in the same process.

Run: python benchmarks/bench_grading.py [--db PATH] [--customers 100000] [--runs 3]
Builds the demo database first when PATH does not exist. The run is a dry run (rolled
back), so the database is left as it was; `--write` also times a run that commits on a
copy of the database.
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


def grade_once(location: str, *, commit: bool) -> tuple[float, int, int]:
    grading = Settings().grading
    db = open_database(location)
    with Session(db.engine) as session:
        start = time.perf_counter()
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
        elapsed = time.perf_counter() - start
    db.dispose()
    return elapsed, result.evaluated, len(result.upgrades) + len(result.downgrades)


def floor_once(location: str) -> float:
    db = open_database(location)
    with db.engine.connect() as conn:
        start = time.perf_counter()
        rows = conn.execute(text(FLOOR)).all()
        elapsed = time.perf_counter() - start
    db.dispose()
    assert rows
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/clientdesk-bench-grading.db")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if not Path(args.db).exists():
        cli = Path(sys.executable).parent / "clientdesk"
        cmd = [str(cli), "demo", "--customers", str(args.customers), "--db", args.db, "--no-open"]
        subprocess.run(cmd, check=True)
    floor_once(args.db)  # warm the page cache for both
    floors, runs = [], []
    evaluated = moved = 0
    for _ in range(args.runs):
        floors.append(floor_once(args.db))
        seconds, evaluated, moved = grade_once(args.db, commit=False)
        runs.append(seconds)
    floor, run = statistics.median(floors), statistics.median(runs)
    print(f"customers evaluated: {evaluated:,}; grades that would move: {moved:,}")
    print("| measure (median) | seconds | ratio to floor |")
    print("|---|---:|---:|")
    print(f"| floor: one GROUP BY over transactions | {floor:.2f} | 1.00x |")
    print(f"| `grade run --dry-run` (score every customer) | {run:.2f} | {run / floor:.2f}x |")
    if args.write:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.db"
            shutil.copy(args.db, copy)
            seconds, _, moved = grade_once(str(copy), commit=True)
        print(
            f"| `grade run` committing {moved:,} changes | {seconds:.2f} | {seconds / floor:.2f}x |"
        )


if __name__ == "__main__":
    main()
