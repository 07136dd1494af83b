"""Backup and restore benchmarks (issue 5): `clientdesk backup create` against sqlite3's .backup.

Run: python benchmarks/bench_backup.py [--db PATH] [--customers 40000] [--runs 5]

Without --db, builds (once, then reuses) a demo database of --customers customers (some
300-400 MB for 40,000) with `clientdesk demo --no-open`. Needs the sqlite3 shell for the
reference (`apt-get install -y sqlite3`). Each round runs every command once, in turn, so
a busy machine slows them alike; the table gives the best and the median of the
rounds, and the best one's ratio to the reference.
Prints Markdown to paste into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from clientdesk.storage.backup.integrity import check_workers

BIN = Path(sys.executable).parent / "clientdesk"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, env=env, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def newest(folder: Path, pattern: str) -> Path:
    return max(folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, help="database to back up (default: build a demo)")
    parser.add_argument("--customers", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        raise SystemExit(
            "the sqlite3 shell is needed for the reference: apt-get install -y sqlite3"
        )

    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ, CLIENTDESK_CONFIG=str(tmp / "config.toml"))
        env["CLIENTDESK_DATA_DIR"] = str(tmp / "data")
        db = args.db or Path(tempfile.gettempdir()) / f"clientdesk-bench-{args.customers}.db"
        if not db.exists():
            print(f"building {db} ({args.customers:,} customers)...", file=sys.stderr)
            build = [str(BIN), "demo", "--customers", str(args.customers), "--db", str(db)]
            timed([*build, "--no-open"], env)
        size = db.stat().st_size
        key = tmp / "key"
        key.write_bytes(os.urandom(48))
        key.chmod(0o600)
        out = tmp / "backups"
        target = tmp / "restore-target.db"
        reference = tmp / "reference.db"
        cd = [str(BIN), "--db", str(db)]

        def sqlite_backup() -> float:
            reference.unlink(missing_ok=True)
            return timed(["sqlite3", str(db), f".backup {reference}"], env)

        def create(*extra: str) -> Callable[[], float]:
            return lambda: timed([*cd, "backup", "create", "--dir", str(out), *extra], env)

        def verify(pattern: str, *extra: str) -> Callable[[], float]:
            return lambda: timed(
                [str(BIN), "backup", "verify", str(newest(out, pattern)), *extra], env
            )

        def restore(pattern: str, *extra: str) -> Callable[[], float]:
            def run() -> float:
                shutil.copyfile(db, target)
                command = [str(BIN), "--db", str(target), "restore", str(newest(out, pattern))]
                return timed([*command, "--yes", "--dir", str(tmp / "safety"), *extra], env)

            return run

        key_opt = ("--key-file", str(key))
        steps: list[tuple[str, Callable[[], float]]] = [
            ('`sqlite3 DB ".backup FILE"` (reference)', sqlite_backup),
            (
                '`sqlite3 FILE "PRAGMA integrity_check"`',
                lambda: timed(["sqlite3", str(reference), "PRAGMA integrity_check"], env),
            ),
            (
                '`sqlite3 FILE "PRAGMA quick_check"`',
                lambda: timed(["sqlite3", str(reference), "PRAGMA quick_check"], env),
            ),
            ("`backup create` (quick_check, the default)", create()),
            ("`backup create --full-check`", create("--full-check")),
            ("`backup create --compress zstd`", create("--compress", "zstd")),
            (
                "`backup create --compress zstd --key-file K`",
                create("--compress", "zstd", *key_opt),
            ),
            ("`backup create --compress gzip`", create("--compress", "gzip")),
            ("`backup verify` (plain)", verify("*Z.db")),
            ("`backup verify` (zstd + encrypted)", verify("*.db.zst.enc", *key_opt)),
            ("`restore --yes` (plain; includes the safety copy)", restore("*Z.db")),
            ("`restore --yes` (zstd + encrypted)", restore("*.db.zst.enc", *key_opt)),
        ]
        times: dict[str, list[float]] = {label: [] for label, _ in steps}
        for round_ in range(args.runs):
            print(f"round {round_ + 1}/{args.runs}", file=sys.stderr)
            for label, step in steps:
                times[label].append(step())
            for folder in (out, tmp / "safety"):  # keep the folders from filling the disk
                shutil.rmtree(folder, ignore_errors=True)

        # Best of N is the figure least disturbed by other work on the machine; the median
        # shows how much that disturbance was.
        floor = min(times[steps[0][0]])
        built = "" if args.db else f" ({args.customers:,} customers)"
        print(
            f"Database: {size / 1_048_576:,.0f} MiB{built}; best and median of {args.runs} "
            f"rounds; the integrity check on {check_workers()} threads.\n"
        )
        print("| command | best s | median s | best, ratio to `.backup` |")
        print("|---|---:|---:|---:|")
        for label, _ in steps:
            best, middle = min(times[label]), statistics.median(times[label])
            print(f"| {label} | {best:.2f} | {middle:.2f} | {best / floor:.2f}x |")


if __name__ == "__main__":
    main()
