"""SQLite work for backups: take a consistent copy, check a copy, read what a copy holds.

The copy uses SQLite's online backup API in a single step: one read transaction, so the
copy is exactly the database as of one commit. In WAL mode (which clientdesk always uses)
that read transaction does not block the app or an import writing at the same time.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from clientdesk.errors import (
    CorruptDatabaseError,
    DatabaseError,
    NotClientdeskDatabaseError,
)
from clientdesk.storage.backup.integrity import check_database

BUSY_TIMEOUT_S = 15.0  # as storage.engine.BUSY_TIMEOUT_MS, without importing SQLAlchemy


def sqlite_problem(exc: sqlite3.Error, where: str) -> DatabaseError:
    """A driver error as the one-line message `clientdesk db` commands give."""
    from clientdesk.storage.database import describe_error

    return describe_error(exc, where)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to a file nobody else writes (a backup or a temporary copy).

    immutable=1: no locks and no -wal/-shm files are made beside a backup.
    """
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def table_names(conn: sqlite3.Connection) -> list[str]:
    """The tables that hold rows, by name: not SQLite's own, and not virtual tables.

    A virtual table's rows live in its shadow tables (listed); counting the search index's
    vocabulary would read the whole index, a third of a second at 100,000 customers.
    """
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
    )
    return [row[0] for row in rows]


def schema_revision(conn: sqlite3.Connection, tables: list[str], where: str) -> str:
    """The Alembic revision; refuses a database that is not a clientdesk one."""
    revision = None
    if "alembic_version" in tables:
        found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = found[0] if found else None
    if "clientdesk_meta" not in tables or revision is None:
        raise NotClientdeskDatabaseError(
            f"{where} is a database, but not a clientdesk one.",
            hint="Point --db at a clientdesk database.",
        )
    return str(revision)


def row_counts(conn: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    counts = {}
    for name in tables:
        quoted = '"' + name.replace('"', '""') + '"'  # a name read from sqlite_master
        counts[name] = int(conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])  # noqa: S608
    return counts


def describe_source(path: Path) -> str:
    """The schema revision of the database to back up; refuses anything else."""
    where = str(path)
    if not path.exists():
        raise DatabaseError(
            f"{path} does not exist.", hint="Check --db, or run `clientdesk` to create it."
        )
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file.")
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            return schema_revision(conn, table_names(conn), where)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise sqlite_problem(exc, where) from None


def online_copy(source: Path, target: Path) -> None:
    """Copy `source` as of one commit into the existing empty file `target`.

    The copy is left in rollback-journal mode, so checking or reading it later never makes
    -wal/-shm files beside it; the app switches it back to WAL when it opens it.
    """
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise sqlite_problem(exc, str(source)) from None
    try:
        dst = sqlite3.connect(target, isolation_level=None)
        try:
            # A temporary file needs no journal; it is synced before it gets its name.
            dst.execute("PRAGMA journal_mode = OFF")
            dst.execute("PRAGMA synchronous = OFF")
            try:
                src.backup(dst, pages=-1)  # one step: a single, consistent read transaction
            except sqlite3.Error as exc:
                raise sqlite_problem(exc, str(source)) from None
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def check_copy(
    path: Path, *, full: bool = True, workers: int | None = None
) -> tuple[list[str], str | None, dict[str, int]]:
    """(integrity problems, schema revision, row counts) of a copy; never raises for damage.

    The check and the row counts run on several threads (storage.backup.integrity).
    """
    where = str(path)
    try:
        with read_only(path) as conn:
            tables = table_names(conn)
        checked = check_database(path, full=full, count=tables, workers=workers)
        if checked.problems:
            return checked.problems, None, {}
        with read_only(path) as conn:
            counts = {name: checked.counts[name] for name in tables}
            return [], schema_revision(conn, tables, where), counts
    except (sqlite3.DatabaseError, CorruptDatabaseError, UnicodeDecodeError) as exc:
        return [f"not a readable SQLite database ({exc})"], None, {}
    except NotClientdeskDatabaseError as exc:
        return [exc.message], None, {}
