"""Search and list benchmarks (issue 3): search latency at 100k customers, and the app's
time to first customer rows and peak memory at 1k and at 100k customers.

Run: python benchmarks/bench_search.py [--db BIG.db] [--runs 5] [--launches 5]

--db names a `clientdesk demo --customers 100000` database to search (it is only read);
without it one is built in a temporary folder (about 40 s). A 1,000-customer demo is always
built for the launch comparison. Prints Markdown tables for benchmarks/README.md.

Search: each query of a fixed mix, taken from fixed customers of the database, is timed as
the list runs it on a keystroke: find the matches, count them, read the first window of
rows (240), best match first. Launch: `clientdesk`'s app in a subprocess, headless at
120x36 through Textual's run_test, from process start to the first customer rows drawn;
peak RSS is the process's ru_maxrss at that moment.
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
SAMPLE_IDS = (1_234, 9_876, 23_456, 41_000, 58_321, 66_666, 77_777, 88_888, 93_210, 99_001)

LAUNCH_CHILD = r"""
import asyncio, resource, sys, time
started = float(sys.argv[1])
from clientdesk.config import load_settings
from clientdesk.storage.database import open_database
from clientdesk.tui.app import make_app
from clientdesk.tui.widgets.customer_table import CustomerTable

async def main():
    app = make_app(load_settings().settings, open_database(sys.argv[2]))
    async with app.run_test(size=(120, 36)) as pilot:
        tables = app.screen.query(CustomerTable)
        while not tables or tables.first().row_count == 0:
            await pilot.pause(0.002)
            tables = app.screen.query(CustomerTable)
        await pilot.pause()  # the refresh that draws the rows
        drawn = time.time() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"{drawn:.4f} {rss}")

asyncio.run(main())
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def query_mix(db_path: str) -> dict[str, list[str]]:
    """Queries a salesperson would type, derived from fixed customers of the database."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{db_path}")
    mix: dict[str, list[str]] = {
        "Chinese, 2 characters": [],
        "Chinese, 4 characters": [],
        "latin substring": [],
        "pinyin initials": [],
        "full pinyin": [],
        "phone digits": [],
        "code": [],
        "e-mail part": [],
    }
    with engine.connect() as conn:
        for wanted in SAMPLE_IDS:
            # The first customer from `wanted` on with a Chinese name, and with an English one.
            chinese = conn.execute(
                sa.text(
                    "SELECT id, code, name, pinyin, pinyin_initials FROM customers"
                    " WHERE id >= :id AND unicode(name) > 19967 ORDER BY id LIMIT 1"
                ),
                {"id": wanted},
            ).one()
            english = conn.execute(
                sa.text(
                    "SELECT name FROM customers WHERE id >= :id AND unicode(name) < 128"
                    " ORDER BY id LIMIT 1"
                ),
                {"id": wanted},
            ).scalar_one()
            contact = conn.execute(
                sa.text(
                    "SELECT mobile, email FROM contacts WHERE customer_id >= :id"
                    " AND mobile IS NOT NULL AND email IS NOT NULL ORDER BY customer_id LIMIT 1"
                ),
                {"id": wanted},
            ).one()
            _, code, name, pinyin, initials = chinese
            mix["Chinese, 2 characters"].append(name[2:4])
            mix["Chinese, 4 characters"].append(name[2:6])
            mix["latin substring"].append(english.split()[-3].lower()[:6])
            mix["pinyin initials"].append(initials[:4])
            mix["full pinyin"].append(f"{pinyin[:6]} {pinyin[6:14]}")
            digits = "".join(ch for ch in contact.mobile if ch.isdigit())
            mix["phone digits"].append(f"{digits[:3]}-{digits[3:7]}-{digits[7:]}")
            mix["code"].append(code.lower())
            mix["e-mail part"].append(contact.email.split("@")[1][:8])
    engine.dispose()
    return mix


def search_figures(db_path: str, runs: int) -> None:
    from sqlmodel import Session

    from clientdesk.domain.customer_list import count_customers, page_customers
    from clientdesk.domain.search import find_customers
    from clientdesk.storage.database import open_database

    mix = query_mix(db_path)
    database = open_database(db_path, create=False, upgrade=False)

    def keystroke(session: Session, query: str) -> int:
        hits = find_customers(query, session=session)
        total = count_customers(session=session, search=hits)
        page_customers(session=session, limit=240, search=hits)
        return total

    print(f"Search on {db_path}: each query {runs} times after one warm-up run, in ms")
    print()
    print("| query kind | examples | median | p95 | max | matches (median) |")
    print("|---|---|---:|---:|---:|---:|")
    everything: list[float] = []
    with Session(database.engine) as session:
        for kind, queries in mix.items():
            times: list[float] = []
            matches: list[int] = []
            for query in queries:
                matches.append(keystroke(session, query))
                for _ in range(runs):
                    start = time.perf_counter()
                    keystroke(session, query)
                    times.append((time.perf_counter() - start) * 1000)
            everything += times
            examples = ", ".join(f"`{q}`" for q in queries[:2])
            print(
                f"| {kind} | {examples} | {statistics.median(times):.1f} |"
                f" {percentile(times, 0.95):.1f} | {max(times):.1f} |"
                f" {statistics.median(matches):,.0f} |"
            )
    print(
        f"| **all {len(everything)} runs** | | **{statistics.median(everything):.1f}** |"
        f" **{percentile(everything, 0.95):.1f}** | {max(everything):.1f} | |"
    )
    database.dispose()


def launch_figures(databases: dict[str, str], launches: int, env: dict[str, str]) -> None:
    print()
    print(f"App launch to first rows drawn, headless 120x36, median of {launches} launches")
    print()
    print("| database | first rows drawn (ms) | peak RSS (MiB) |")
    print("|---|---:|---:|")
    for label, path in databases.items():
        drawn: list[float] = []
        rss: list[float] = []
        for _ in range(launches + 1):  # the first warms the file cache
            started = time.time()
            out = subprocess.run(
                [sys.executable, "-c", LAUNCH_CHILD, repr(started), path],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout.split()
            drawn.append(float(out[0]) * 1000)
            rss.append(int(out[1]) / 1024)
        drawn, rss = drawn[1:], rss[1:]
        print(f"| {label} | {statistics.median(drawn):.0f} | {statistics.median(rss):.1f} |")


def step(text: str) -> None:
    print(f"... {text}", file=sys.stderr)


def build(size: int, path: Path, env: dict[str, str]) -> str:
    cmd = [str(BIN), "demo", "--customers", str(size), "--db", str(path), "--no-open", "--force"]
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="a 100,000-customer demo database (read only)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per search query")
    parser.add_argument("--launches", type=int, default=5, help="app launches per database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CLIENTDESK_CONFIG=f"{tmp}/config.toml")
        os.environ["CLIENTDESK_CONFIG"] = env["CLIENTDESK_CONFIG"]
        big = args.db
        if big is None:
            step("building a 100,000-customer demo")
            big = build(100_000, Path(tmp) / "big.db", env)
        step("building a 1,000-customer demo")
        small = build(1_000, Path(tmp) / "small.db", env)
        search_figures(big, args.runs)
        launch_figures({"1,000 customers": small, "100,000 customers": big}, args.launches, env)


if __name__ == "__main__":
    main()
