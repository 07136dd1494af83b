"""Import and export benchmarks (issue 4), on customer CSVs made from the demo data.

Run: python benchmarks/bench_exchange.py [--sizes 10000 100000] [--runs 1] [--db BIG.db]

For each size it builds (or reuses, with --db, a demo database of at least that many
customers) a customer CSV with `clientdesk export customers --headers zh`, then measures:

- import: `clientdesk import customers FILE` into a new, empty clientdesk database (full
  validation, pinyin, key contacts, search index, one transaction), against the floor of
  the `sqlite3` CLI's `.import --csv` (no validation, one untyped table) and against
  `sqlite-utils insert --csv` (a peer; installed into the environment for benchmarks only);
- export: `clientdesk export customers` (CSV) against `sqlite3 -csv` running the same
  joined SELECT without formatting; the export function in-process (without the ~0.5 s of
  interpreter and import start-up); and XLSX export rows/s;
- peak memory (max RSS) of the import and the export, at each size.

Every command runs in its own process; wall time and CPU time (user + sys) are reported,
since a shared machine makes wall time noisy, with ratios of both. Byte code is cached (in
a temporary PYTHONPYCACHEPREFIX, warmed up first) as it is for an installed clientdesk,
even where the environment sets PYTHONDONTWRITEBYTECODE. Prints Markdown for
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
Result = dict[str, float | int | str]
MEASURE = """
import json, os, resource, runpy, sys, time
sys.argv = ["clientdesk", *json.loads(os.environ["BENCH_ARGS"])]
try:
    runpy.run_module("clientdesk", run_name="__main__")
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
finally:
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, out)
"""


def timed(
    cmd: list[str], env: dict[str, str] | None = None, stdout: int | None = None
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        cmd, check=True, env=env, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def clientdesk(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall, CPU, max RSS in KiB) of `clientdesk ARGS` in a fresh interpreter."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        run_env = dict(env, BENCH_ARGS=json.dumps(args), BENCH_OUT=report.name)
        wall, cpu = timed([sys.executable, "-c", MEASURE], run_env)
        maxrss = json.loads(Path(report.name).read_text())["maxrss_kib"]
    return wall, cpu, maxrss


def median(values: list[float]) -> float:
    return statistics.median(values)


def fresh_db(path: Path, env: dict[str, str]) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    code = (
        "from clientdesk.storage.database import open_database; "
        f"open_database({str(path)!r}).dispose()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def export_sql() -> str:
    from clientdesk.exchange.export import ExportFilters, _query, choose_columns

    outs = choose_columns("customers", [])
    sql, _ = _query("customers", outs, [o.sql for o in outs], ExportFilters())
    return sql


def in_process_export(db: Path, fmt: str) -> tuple[float, float]:
    """(wall, CPU) seconds of the export function alone, without the process start-up."""
    from zoneinfo import ZoneInfo

    from clientdesk.exchange.export import ExportOptions, export_entity
    from clientdesk.storage.database import open_database

    database = open_database(str(db))
    try:
        with open(os.devnull, "wb") as sink:
            start, cpu = time.perf_counter(), time.process_time()
            export_entity(
                database,
                "customers",
                sink,
                ExportOptions(format=fmt, headers="zh", zone=ZoneInfo("Asia/Shanghai")),
            )
            return time.perf_counter() - start, time.process_time() - cpu
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument(
        "--db", type=Path, help="a demo database with at least max(sizes) customers"
    )
    parser.add_argument(
        "--xlsx", action="store_true", help="also time XLSX export (slow: openpyxl)"
    )
    args = parser.parse_args()
    sqlite3_cli = shutil.which("sqlite3")
    sqlite_utils = BIN / "sqlite-utils" if (BIN / "sqlite-utils").exists() else None

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = dict(
            os.environ,
            CLIENTDESK_CONFIG=str(tmp / "config.toml"),
            PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        source = args.db
        if source is None:
            source = tmp / "demo.db"
            subprocess.run(
                [
                    str(BIN / "clientdesk"),
                    "demo",
                    "--customers",
                    str(max(args.sizes)),
                    "--db",
                    str(source),
                    "--no-open",
                ],
                check=True,
                env=env,
                capture_output=True,
            )
        warm = tmp / "warm.db"
        fresh_db(warm, env)  # compiles and caches the byte code of what the commands import
        for command in (["import", "customers", "-", "--dry-run"], ["export", "customers"]):
            subprocess.run(
                [str(BIN / "clientdesk"), "--db", str(warm), *command],
                input=b"code,name\nC000001,Warm-up Ltd\n",
                check=True,
                env=env,
                capture_output=True,
            )
        results: list[Result] = []
        for size in args.sizes:
            # The first `size` customers of the demo, as a customer CSV with Chinese headers.
            sample = tmp / f"sample{size}.db"
            sheet = tmp / f"customers{size}.csv"
            shutil.copy(source, sample)
            conn = sqlite3.connect(sample)
            with conn:
                # A smaller sample: drop the customers past `size` (search triggers off; the
                # sample is only read by the export).
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                ).fetchall():
                    conn.execute(f'DROP TRIGGER "{name}"')
                conn.execute("PRAGMA foreign_keys = OFF")
                conn.execute("UPDATE customers SET parent_id = NULL WHERE parent_id > ?", (size,))
                conn.execute("DELETE FROM customers WHERE id > ?", (size,))
                conn.execute("DELETE FROM contacts WHERE customer_id > ?", (size,))
            conn.close()
            subprocess.run(
                [
                    str(BIN / "clientdesk"),
                    "--db",
                    str(sample),
                    "export",
                    "customers",
                    "--headers",
                    "zh",
                    "-o",
                    str(sheet),
                ],
                check=True,
                env=env,
                capture_output=True,
            )
            row: Result = {
                "size": size,
                "csv_mib": sheet.stat().st_size / 1_048_576,
            }
            target = tmp / "import.db"
            walls, cpus, rss = [], [], []
            for _ in range(args.runs):
                fresh_db(target, env)
                wall, cpu, maxrss = clientdesk(
                    ["--db", str(target), "import", "customers", str(sheet), "--quiet"], env
                )
                walls.append(wall)
                cpus.append(cpu)
                rss.append(maxrss)
            row |= {
                "import_wall": median(walls),
                "import_cpu": median(cpus),
                "import_rss": max(rss),
            }
            if sqlite3_cli:
                floor = []
                for _ in range(args.runs):
                    plain = tmp / "plain.db"
                    plain.unlink(missing_ok=True)
                    floor.append(timed([sqlite3_cli, str(plain), f".import --csv {sheet} t"]))
                row |= {
                    "sqlite3_wall": median([w for w, _ in floor]),
                    "sqlite3_cpu": median([c for _, c in floor]),
                }
            if sqlite_utils:
                peer = []
                for _ in range(args.runs):
                    plain = tmp / "peer.db"
                    plain.unlink(missing_ok=True)
                    peer.append(
                        timed([str(sqlite_utils), "insert", str(plain), "t", str(sheet), "--csv"])
                    )
                row |= {
                    "sqlite_utils_wall": median([w for w, _ in peer]),
                    "sqlite_utils_cpu": median([c for _, c in peer]),
                }
            # Export from the sample database.
            out = tmp / "out.csv"
            walls, cpus, rss = [], [], []
            for _ in range(args.runs):
                wall, cpu, maxrss = clientdesk(
                    [
                        "--db",
                        str(sample),
                        "export",
                        "customers",
                        "--headers",
                        "zh",
                        "-o",
                        str(out),
                        "--quiet",
                    ],
                    env,
                )
                walls.append(wall)
                cpus.append(cpu)
                rss.append(maxrss)
            row |= {
                "export_wall": median(walls),
                "export_cpu": median(cpus),
                "export_rss": max(rss),
            }
            inproc = [in_process_export(sample, "csv") for _ in range(args.runs)]
            row["export_inproc_wall"] = median([w for w, _ in inproc])
            row["export_inproc_cpu"] = median([c for _, c in inproc])
            if sqlite3_cli:
                cli = [
                    timed([sqlite3_cli, "-csv", "-header", str(sample), export_sql()])
                    for _ in range(args.runs)
                ]
                row |= {
                    "sqlite3_export_wall": median([w for w, _ in cli]),
                    "sqlite3_export_cpu": median([c for _, c in cli]),
                }
            if args.xlsx:
                xlsx = tmp / "out.xlsx"
                wall, cpu, maxrss = clientdesk(
                    [
                        "--db",
                        str(sample),
                        "export",
                        "customers",
                        "-f",
                        "xlsx",
                        "-o",
                        str(xlsx),
                        "--quiet",
                    ],
                    env,
                )
                row |= {"xlsx_wall": wall, "xlsx_cpu": cpu, "xlsx_rss": maxrss}
            results.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        report(results)


def _table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def _timing(r: Result, key: str) -> str:
    return f"{r[key + '_wall']:.2f} ({r[key + '_cpu']:.2f})" if key + "_wall" in r else "-"


def _ratio(r: Result, key: str, floor: str) -> str:
    if floor not in r:
        return "-"
    return f"{float(r[key]) / float(r[floor]):.1f}x"


def _ratios(r: Result, key: str, floor: str) -> str:
    """Wall-time ratio (CPU-time ratio)."""
    if f"{floor}_wall" not in r:
        return "-"
    wall = _ratio(r, f"{key}_wall", f"{floor}_wall")
    return f"{wall} ({_ratio(r, f'{key}_cpu', f'{floor}_cpu')})"


def report(results: list[Result]) -> None:
    import_rows = []
    for r in results:
        size = int(r["size"])
        import_rows.append(
            [
                f"{size:,} ({float(r['csv_mib']):.1f} MiB)",
                _timing(r, "import"),
                f"{size / float(r['import_wall']):,.0f}",
                _timing(r, "sqlite3"),
                _ratios(r, "import", "sqlite3"),
                _timing(r, "sqlite_utils"),
                _ratios(r, "import", "sqlite_utils"),
            ]
        )
    _table(
        ["import customers", "clientdesk s (cpu)", "rows/s", "sqlite3 .import s (cpu)",
         "ratio (cpu)", "sqlite-utils s (cpu)", "ratio (cpu)"],
        import_rows,
    )  # fmt: skip
    export_rows = []
    for r in results:
        size = int(r["size"])
        xlsx = ["-", "-"]
        if "xlsx_wall" in r:
            xlsx = [f"{r['xlsx_wall']:.1f}", f"{size / float(r['xlsx_wall']):,.0f}"]
        export_rows.append(
            [
                f"{size:,}",
                _timing(r, "export"),
                _timing(r, "export_inproc"),
                _timing(r, "sqlite3_export"),
                _ratios(r, "export", "sqlite3_export"),
                _ratios(r, "export_inproc", "sqlite3_export"),
                *xlsx,
            ]
        )
    _table(
        ["export customers", "clientdesk CSV s (cpu)", "in-process s (cpu)",
         "sqlite3 -csv s (cpu)", "ratio (cpu)", "ratio in-process (cpu)", "XLSX s", "XLSX rows/s"],
        export_rows,
    )  # fmt: skip
    memory = []
    for key, label in (
        ("import_rss", "import"),
        ("export_rss", "export CSV"),
        ("xlsx_rss", "XLSX"),
    ):
        if all(key in r for r in results):
            memory.append([label, *(f"{int(r[key]) / 1024:,.0f} MiB" for r in results)])
    _table(["peak memory (max RSS)", *(f"{int(r['size']):,} rows" for r in results)], memory)


if __name__ == "__main__":
    main()
