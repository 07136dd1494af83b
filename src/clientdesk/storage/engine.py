"""One engine factory for SQLite files and server URLs, with the pragmas clientdesk relies on."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from clientdesk.errors import DatabaseError, UsageError

# Long enough that an app and a scripted backup or import wait for each other rather
# than fail with "database is locked"; short enough that a stuck lock is reported.
BUSY_TIMEOUT_MS = 15_000


def resolve_location(location: str) -> tuple[URL, Path | None]:
    """A file path or SQLAlchemy URL → (URL, file path for SQLite files, else None)."""
    if "://" not in location:
        path = Path(location).expanduser().resolve()
        return URL.create("sqlite", database=str(path)), path
    try:
        url = make_url(location)
    except ArgumentError as exc:
        raise UsageError(f"{location!r} is not a database path or URL: {exc}") from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return url, None
        path = Path(url.database).expanduser().resolve()
        return url.set(database=str(path)), path
    return url, None


def ensure_private_file(path: Path) -> bool:
    """Create the database file (0600) and its folder (0700) if missing; True when created."""
    if path.exists():
        if path.is_dir():
            raise DatabaseError(
                f"{path} is a folder, not a database file.",
                hint="Give the path of a file, e.g. --db ~/clientdesk.db.",
            )
        return False
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise DatabaseError(
            f"cannot create the database {path}: {exc.strerror}.",
            hint="Choose a folder you can write to with --db or CLIENTDESK_DB.",
        ) from None
    os.close(fd)
    return True


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # pysqlite's own transaction handling issues BEGIN lazily and hides it from SQLAlchemy;
    # turn it off and emit BEGIN ourselves (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    # WAL + NORMAL is durable across application crashes; a power cut may lose the last
    # commit but never corrupts the file.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    # Writers ask for IMMEDIATE so they queue on the busy timeout instead of failing when
    # a read transaction would have to be upgraded under another writer.
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(location: str, *, echo: bool = False) -> Engine:
    url, _ = resolve_location(location)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions start as BEGIN IMMEDIATE on SQLite."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_begin="IMMEDIATE")
