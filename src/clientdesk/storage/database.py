"""Open a clientdesk database: create it owner-only, migrate it, or refuse it with a reason."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from clientdesk import __version__
from clientdesk.domain.common import utcnow
from clientdesk.errors import (
    CorruptDatabaseError,
    DatabaseBusyError,
    DatabaseError,
    NotClientdeskDatabaseError,
    SchemaTooNewError,
)
from clientdesk.storage import migrate
from clientdesk.storage.engine import ensure_private_file, make_engine, resolve_location


@dataclass
class Database:
    """An open database: the engine plus where it lives, for messages and backups."""

    engine: Engine
    url: URL
    path: Path | None  # the file, for SQLite files

    @property
    def label(self) -> str:
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)

    @property
    def location(self) -> str:
        """What `--db` takes to open this database again (a URL keeps its password)."""
        return str(self.path) if self.path else self.url.render_as_string(hide_password=False)

    def dispose(self) -> None:
        self.engine.dispose()


def describe_error(exc: BaseException, where: str) -> DatabaseError:
    """Turn a driver error into one message that names the database and the fix."""
    text_ = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text_ or "busy" in text_:
        return DatabaseBusyError(
            f"{where} is locked by another program (a running import or restore?).",
            hint="Wait for it to finish and try again.",
        )
    if "not a database" in text_ or "malformed" in text_ or "corrupt" in text_:
        return CorruptDatabaseError(
            f"{where} is damaged or is not a SQLite database.",
            hint="Restore it from a backup (`clientdesk restore FILE`) "
            "or point --db at another file.",
        )
    if "disk is full" in text_ or "disk i/o" in text_:
        return DatabaseError(
            f"{where}: the disk is full or failing; nothing was saved.",
            hint="Free some space and try again.",
        )
    if "readonly" in text_ or "read-only" in text_ or "unable to open" in text_:
        return DatabaseError(
            f"{where} cannot be opened for writing.",
            hint="Check the file and folder permissions, or use --db to choose another file.",
        )
    return DatabaseError(f"{where}: {getattr(exc, 'orig', exc)}")


@contextlib.contextmanager
def translate_errors(where: str) -> Iterator[None]:
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.DatabaseError, sqlite3.DatabaseError) as exc:
        raise describe_error(exc, where) from None


def _stamp_new(engine: Engine) -> None:
    with engine.begin() as conn:
        for key, value in (("created_at", utcnow().isoformat()), ("created_with", __version__)):
            conn.execute(
                text("INSERT INTO clientdesk_meta (key, value) VALUES (:k, :v)"),
                {"k": key, "v": value},
            )


def open_database(location: str, *, create: bool = True, upgrade: bool = True) -> Database:
    """Open (creating or upgrading as allowed) and check that this is a clientdesk database.

    create=False refuses a missing file; upgrade=False leaves an older schema as it is (for
    `db info` and `db check`, which must not write).
    """
    url, path = resolve_location(location)
    where = str(path) if path else url.render_as_string(hide_password=True)
    if path is not None:
        if not path.exists() and not create:
            raise DatabaseError(
                f"{path} does not exist.", hint="Check the path, or run `clientdesk` to create it."
            )
        ensure_private_file(path)
        # Look before the engine touches it: its connect hook switches the file to WAL,
        # which must not happen to someone else's database.
        with translate_errors(where):
            probed: tuple[set[str], str | None] | None = _probe_sqlite(path)
    else:
        probed = None
    engine = make_engine(location)
    try:
        with translate_errors(where):
            if probed is None:
                with engine.connect() as conn:
                    probed = set(inspect(conn).get_table_names()), migrate.current_revision(conn)
            tables, revision = probed
            if not tables:
                migrate.upgrade(engine)
                _stamp_new(engine)
            else:
                _check_ours(tables, revision, where)
                if revision != migrate.head_revision() and upgrade:
                    migrate.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine=engine, url=url, path=path)


def _probe_sqlite(path: Path) -> tuple[set[str], str | None]:
    """Table names and schema revision, read through a read-only connection."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        tables = {
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        }
        revision = None
        if "alembic_version" in tables:
            found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
        return tables, revision
    finally:
        conn.close()


def _check_ours(tables: set[str], revision: str | None, where: str) -> None:
    if "clientdesk_meta" not in tables or revision is None:
        raise NotClientdeskDatabaseError(
            f"{where} is a database, but not a clientdesk one.",
            hint="Point --db at a clientdesk database, or at a new file to start one.",
        )
    if revision not in migrate.known_revisions():
        raise SchemaTooNewError(
            f"{where} was written by a newer clientdesk (schema {revision}); "
            f"this is clientdesk {__version__}.",
            hint="Upgrade clientdesk (pip install -U clientdesk) before opening it.",
        )


def recreate_database(database: Database) -> Database:
    """Start the database afresh (demo --force): remove the SQLite file, or drop every table."""
    location = database.url.render_as_string(hide_password=False)
    database.dispose()
    if database.path is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database.path}{suffix}").unlink(missing_ok=True)
        return open_database(str(database.path))
    from sqlmodel import SQLModel

    engine = make_engine(location)
    with translate_errors(database.label), engine.begin() as conn:
        SQLModel.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return open_database(location)


def read_meta(database: Database) -> dict[str, str]:
    with translate_errors(database.label), database.engine.connect() as conn:
        rows = conn.execute(text("SELECT key, value FROM clientdesk_meta"))
        return {key: value for key, value in rows}


def write_meta(database: Database, values: dict[str, str]) -> None:
    with translate_errors(database.label), database.engine.begin() as conn:
        for key, value in values.items():
            conn.execute(text("DELETE FROM clientdesk_meta WHERE key = :k"), {"k": key})
            conn.execute(
                text("INSERT INTO clientdesk_meta (key, value) VALUES (:k, :v)"),
                {"k": key, "v": value},
            )
