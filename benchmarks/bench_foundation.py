"""Foundation benchmarks: demo database build time, and CLI start-up against `import typer`.

Run: python benchmarks/bench_foundation.py [--sizes 10000 100000] [--runs 15]
Prints a Markdown table to paste into benchmarks/README.md. Uses the installed
`clientdesk` command of the running interpreter's environment.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "clientdesk"


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def median_ms(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    timed(cmd, env)  # warm the file cache
    return statistics.median(timed(cmd, env) for _ in range(runs)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CLIENTDESK_CONFIG=f"{tmp}/config.toml")
        print("| demo build | seconds | database size |")
        print("|---|---:|---:|")
        db = Path(tmp) / "bench.db"
        for size in args.sizes:
            cmd = [str(BIN), "demo", "--customers", str(size), "--db", str(db), "--no-open"]
            seconds = timed([*cmd, "--force"], env)
            mib = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 1_048_576
            print(f"| {size:,} customers | {seconds:.1f} | {mib:,.0f} MiB |")

        env["CLIENTDESK_DB"] = str(db)
        floor = median_ms([sys.executable, "-c", "import typer"], args.runs, env)
        rows = [
            ("`python -c 'import typer'` (reference)", floor),
            ("`clientdesk --help`", median_ms([str(BIN), "--help"], args.runs, env)),
            ("`clientdesk --version`", median_ms([str(BIN), "--version"], args.runs, env)),
            ("`clientdesk db info`", median_ms([str(BIN), "db", "info"], args.runs, env)),
        ]
        print()
        print(f"| start-up (median of {args.runs}) | ms | ratio to import typer |")
        print("|---|---:|---:|")
        for label, ms in rows:
            print(f"| {label} | {ms:.0f} | {ms / floor:.2f}x |")


if __name__ == "__main__":
    main()
