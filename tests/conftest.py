"""Every test runs with config, data and database pointed into its own tmp_path."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("CLIENTDESK_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("CLIENTDESK_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("CLIENTDESK_DB", raising=False)
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clientdesk.db"


BACKEND = os.environ.get("CLIENTDESK_TEST_BACKEND", "sqlite")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: checks SQLite itself (query plans, files); not run on PostgreSQL"
    )


# Whole modules about SQLite itself (files, pragmas, WAL, migrations' SQL), or about
# features that read SQLite only in this version (import, export and backups).
SQLITE_ONLY_MODULES = ("test_storage", "test_migrations", "test_backup", "test_restore",
                       "test_export", "test_import", "test_demo", "test_tui", "test_cli",
                       "test_complaints_cli")  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "sqlite":
        return
    why = pytest.mark.skip(reason="needs SQLite; this run is on PostgreSQL")
    for item in items:
        module = item.path.stem
        if "sqlite_only" in item.keywords or module.startswith(SQLITE_ONLY_MODULES):
            item.add_marker(why)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A private PostgreSQL server (pgserver's bundled binaries) for the whole run, with a
    migrated template database; yields the URL pattern (format it with a database name).

    Its folder is not under pytest's tmp_path: pytest prunes old tmp folders, which other
    runs on the same machine would do under the running server's feet.
    """
    import pgserver

    from clientdesk.storage.database import open_database

    folder = Path(tempfile.mkdtemp(prefix="clientdesk-pg-"))
    server = pgserver.get_server(folder, cleanup_mode="delete")
    pattern = f"postgresql+psycopg://postgres@/{{name}}?host={folder}"
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):  # a throwaway server
        _admin(pattern, f"ALTER SYSTEM SET {setting} = off")
    _admin(pattern, "SELECT pg_reload_conf()")
    _admin(pattern, f'CREATE DATABASE "{PG_TEMPLATE}"')
    open_database(pattern.format(name=PG_TEMPLATE)).dispose()  # migrated once, copied per test
    yield pattern
    server.cleanup()


PG_TEMPLATE = "clientdesk_template"


def _admin(pattern: str, statement: str) -> None:
    import psycopg

    host = pattern.rsplit("host=", 1)[1]
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new PostgreSQL database for one test, at the schema's head revision."""
    pattern: str = request.getfixturevalue("postgres_server")
    name = f"t{uuid.uuid4().hex[:12]}"
    _admin(pattern, f'CREATE DATABASE "{name}" TEMPLATE "{PG_TEMPLATE}" STRATEGY FILE_COPY')
    yield pattern.format(name=name)
    _admin(pattern, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(request: pytest.FixtureRequest, db_path: Path) -> Iterator[object]:
    """An open, migrated database: SQLite in tmp_path, or with CLIENTDESK_TEST_BACKEND=
    postgresql a fresh PostgreSQL database, so the domain tests run on both."""
    from clientdesk.storage.database import open_database

    postgres = BACKEND == "postgresql"
    db = open_database(request.getfixturevalue("postgres_url") if postgres else str(db_path))
    yield db
    db.dispose()
