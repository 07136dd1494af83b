"""Hold a database so that no other process has it open while restore replaces it.

Why SQLite's own locks rather than a lock file: clientdesk keeps its databases in WAL mode,
and in WAL mode every open connection, even an idle one in an app left open all day,
holds a SHARED lock on the database file until it is closed. A connection in EXCLUSIVE
locking mode that begins an EXCLUSIVE transaction therefore gets its lock only when no
other connection of any process (the app, an import, a backup, the sqlite3 shell) has the
file open, and then keeps it until it is closed, so nobody can open the database halfway
through a restore either. The operating system drops the lock when a process dies, so
there is never a stale lock file to clean up by hand.

Caveat: POSIX locks are per process. Nothing in the restoring process may open and close
the database file by other means while the lock is held (that would drop the lock), so
the safety copy is read through this same connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from clientdesk.errors import DatabaseBusyError, DatabaseError

DEFAULT_WAIT_S = 2.0  # rides out a commit in progress; an open app holds on for good


@contextlib.contextmanager
def exclusive_lock(
    path: Path, *, wait_seconds: float = DEFAULT_WAIT_S
) -> Iterator[sqlite3.Connection | None]:
    """Yield a connection holding `path` exclusively, out of WAL mode (the WAL folded in).

    Yields None for a file SQLite cannot read as a database: no program can have such a
    file open as one, and the caller copies it as plain bytes. Raises DatabaseBusyError
    (exit 3) while another connection has the database open.
    """
    conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=wait_seconds)
    conn.isolation_level = None
    try:
        readable = _take(conn, path)
        if readable:
            _leave_wal(conn, path)
        yield conn if readable else None
    finally:
        conn.close()


def ensure_not_in_use(path: Path, *, wait_seconds: float = DEFAULT_WAIT_S) -> None:
    """Fail fast (DatabaseBusyError) when another program has `path` open; changes nothing.

    Restore asks this before spending time on checking the backup; the lock that counts is
    taken again, and held, for the swap itself.
    """
    conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=wait_seconds)
    conn.isolation_level = None
    try:
        _take(conn, path)
    finally:
        conn.close()


def _take(conn: sqlite3.Connection, path: Path) -> bool:
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")  # in EXCLUSIVE locking mode the lock outlives the commit
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseBusyError(
                f"{path} is open in another program (the clientdesk app, an import, "
                "a backup or a sqlite3 shell); nothing was changed.",
                hint="Close it (quit the app on every machine that uses this file) "
                "and run the command again.",
            ) from None
        raise
    except sqlite3.DatabaseError:
        return False  # "file is not a database": nothing can be using it as one
    return True


def _leave_wal(conn: sqlite3.Connection, path: Path) -> None:
    # Fold the WAL into the file and leave WAL mode. The file is then complete on its own
    # for the safety copy, and closing this connection later cannot delete a -wal file
    # that by then belongs to the restored database.
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"cannot fold the write-ahead log of {path} into it ({exc}); nothing was changed.",
            hint="Run `clientdesk db check`, or move the file and its -wal aside by hand "
            "and restore into the empty place.",
        ) from None
