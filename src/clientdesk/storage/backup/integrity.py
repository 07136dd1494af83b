"""SQLite's integrity check of a backup copy, spread over several connections in threads.

`PRAGMA integrity_check` is single-threaded and, on a large database, several times slower
than copying it. What it checks falls into two parts, and SQLite can run each on its own:

- the file as a whole: every b-tree page, cell and overflow chain, the freelist, and that
  every page is used exactly once; plus each row's NOT NULL and CHECK constraints. That is
  `PRAGMA quick_check`, run over the whole file;
- per table: the same b-tree and row checks for the table and its indexes, and in addition
  that every row has its entry in every index, each index has no other entries, and
  UNIQUE indexes hold no duplicates. That is `PRAGMA integrity_check(TABLE)`, which skips
  only the whole-file part (freelist, pages used once), since it cannot see other tables.

The whole-file quick_check plus integrity_check(TABLE) for every table therefore covers all
that `PRAGMA integrity_check` covers (the b-tree walks are done twice, which is cheap next
to the index look-ups). Each runs on its own connection in a thread: Python's sqlite3
releases the GIL while SQLite works, so they run on as many cores as there are.

Tried and left out: a larger page cache for the checking connections made the check slower
(the index look-ups are random, and a large cache only adds work to each), and
memory-mapping the file gave the same time on the 1 GB demo database while it turns a read
error of a damaged disk or a file cut short underneath into a crash (SIGBUS).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

MAX_PROBLEMS = 20
MAX_WORKERS = 8  # past this, the largest table's own check is the time, whatever the cores
PER_TABLE_CHECK = (3, 33, 0)  # the SQLite that added integrity_check(TABLE)


def check_workers() -> int:
    """Threads for a check: one per core the process may use, at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection to a file nobody writes.

    immutable=1: no locks and no -wal/-shm files beside a backup. check_same_thread=False:
    a check's connection is opened in one thread and closed in another.
    """
    conn = sqlite3.connect(
        f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
    )
    conn.text_factory = _text
    return conn


def _text(value: bytes) -> str:
    # A damaged file can hold text that is not UTF-8: report it, never fail on decoding it.
    return value.decode("utf-8", "replace")


def quote(name: str) -> str:
    """An identifier read from sqlite_master, quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Part:
    """One piece of the work: a check (a pragma) or a row count, with a guess of its cost."""

    sql: str
    cost: int
    counts: str | None = None  # the table whose rows this part counts


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)  # [] when the file is sound
    counts: dict[str, int] = field(default_factory=dict)  # rows of each table asked for


def check_database(
    path: Path, *, full: bool = True, count: Sequence[str] = (), workers: int | None = None
) -> Outcome:
    """SQLite's integrity_check (quick_check if not `full`) of the file at `path`, and the
    rows of the tables in `count` (left empty when the check finds problems).

    Raises sqlite3.Error when the file cannot be read as a database at all.
    """
    threads = workers or check_workers()
    pragma = "integrity_check" if full else "quick_check"
    whole = Part(f"PRAGMA {pragma}({MAX_PROBLEMS})", 0)
    conn = connect(path)
    try:
        if threads <= 1:
            return _run_in_turn(conn, [whole, *_counts(conn, count)])
        if full and sqlite3.sqlite_version_info >= PER_TABLE_CHECK:
            parts = _per_table(conn)
        else:
            parts = [whole]
        parts += _counts(conn, count)
    finally:
        conn.close()
    parts.sort(key=lambda part: part.cost, reverse=True)  # the longest first
    return _run_parallel(path, parts, min(threads, len(parts)))


def _estimate_rows(conn: sqlite3.Connection, table: str, sql: str) -> int:
    """The last rowid: a look-up, not a count, and near enough for planning."""
    if sql.upper().startswith("CREATE VIRTUAL"):
        return 0
    try:
        found = conn.execute(f"SELECT max(rowid) FROM {quote(table)}").fetchone()  # noqa: S608
        return int(found[0] or 0)
    except (sqlite3.Error, TypeError, ValueError):  # WITHOUT ROWID, or unreadable
        return 0


def _per_table(conn: sqlite3.Connection) -> list[Part]:
    """The full check as the whole-file quick_check plus integrity_check(TABLE) per table."""
    schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    indexes: dict[str, int] = {}
    for kind, _, table, _ in schema:
        if kind == "index":
            indexes[table] = indexes.get(table, 0) + 1
    parts = []
    for kind, name, _, sql in schema:
        if kind == "table":
            rows = _estimate_rows(conn, name, str(sql or ""))
            # Each index costs a look-up per row, some ten times reading the row itself.
            cost = rows * (1 + 10 * indexes.get(name, 0))
            parts.append(Part(f"PRAGMA integrity_check({quote(name)})", cost))
    # The whole-file part reads every page once: about the cost of reading every row.
    whole_cost = sum(part.cost for part in parts) // 10
    return [Part(f"PRAGMA quick_check({MAX_PROBLEMS})", whole_cost), *parts]


def _counts(conn: sqlite3.Connection, tables: Sequence[str]) -> list[Part]:
    # Cheap next to the check, so they come last and fill the gaps between checks.
    return [Part(f"SELECT count(*) FROM {quote(t)}", -1, counts=t) for t in tables]  # noqa: S608


def _do(conn: sqlite3.Connection, part: Part, outcome: Outcome) -> bool:
    """Run one part into `outcome`; False when it found a problem."""
    rows = [row[0] for row in conn.execute(part.sql)]
    if part.counts is not None:
        outcome.counts[part.counts] = int(rows[0])
        return True
    if rows == ["ok"]:
        return True
    outcome.problems += _lines(rows) or [repr(rows)]  # never an empty list for a failure
    return False


def _lines(rows: list[object]) -> list[str]:
    """One problem a line: SQLite reports the b-tree check as one row of several lines,
    headed "*** in database main ***"."""
    lines = (line.strip() for row in rows for line in str(row).splitlines())
    return [line for line in lines if line and not line.startswith("*** in database")]


def _run_in_turn(conn: sqlite3.Connection, parts: list[Part]) -> Outcome:
    outcome = Outcome()
    for part in parts:
        if not _do(conn, part, outcome):
            return Outcome(outcome.problems[:MAX_PROBLEMS])
    return outcome


def _run_parallel(path: Path, parts: list[Part], threads: int) -> Outcome:
    """Run the parts on `threads` threads, a connection each; a problem stops the rest."""
    local = threading.local()
    opened: list[sqlite3.Connection] = []
    lock = threading.Lock()
    failed = threading.Event()
    outcome = Outcome()

    def fail() -> None:
        failed.set()
        with lock:
            for conn in opened:
                conn.interrupt()  # thread-safe: the part running on it stops now

    def run(part: Part) -> None:
        if failed.is_set():
            return
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None:
            local.conn = conn = connect(path)
            with lock:
                opened.append(conn)
        try:
            sound = _do(conn, part, outcome)  # the GIL makes each update of outcome whole
        except sqlite3.OperationalError:
            if failed.is_set():  # interrupted because another part failed
                return
            fail()
            raise
        except BaseException:
            fail()
            raise
        if not sound:
            fail()

    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="check") as pool:
            for future in [pool.submit(run, part) for part in parts]:
                future.result()  # re-raises a part's sqlite3.Error
    finally:
        for conn in opened:
            conn.close()
    if outcome.problems:
        return Outcome(outcome.problems[:MAX_PROBLEMS])
    return outcome
