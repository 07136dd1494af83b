"""Restore: verified first, atomic, refused while the database is open, undoable."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clientdesk.errors import DatabaseBusyError, SchemaTooNewError
from clientdesk.storage import migrate
from clientdesk.storage.backup import (
    create_backup,
    key_from_file,
    list_backups,
    restore_backup,
    verify_backup,
)
from clientdesk.storage.backup.manifest import read_manifest
from clientdesk.storage.database import open_database
from clientdesk.storage.engine import make_engine
from clientdesk.storage.inspect import check_database
from test_backup_support import (
    demo_database,
    execute,
    fingerprint,
    held_open,
    no_partials,
    private,
    query,
)

CUSTOMERS = "SELECT count(*) FROM customers"


@pytest.fixture
def live(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return demo_database(tmp_path_factory, tmp_path / "data" / "clientdesk.db")


def test_restore_brings_the_data_back_and_keeps_a_safety_copy(live: Path, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    backup = create_backup(live, folder).path
    execute(live, "DELETE FROM visits", "DELETE FROM customers WHERE id > 10")
    changed = query(live, CUSTOMERS)

    result = restore_backup(backup, live, folder)

    assert query(live, CUSTOMERS) == [(40,)]
    assert check_database_ok(live)
    assert private(live)
    assert result.safety_copy is not None and private(result.safety_copy)
    assert query(result.safety_copy, CUSTOMERS) == changed
    safety = read_manifest(result.safety_copy)
    assert safety.reason == "pre-restore" and safety.integrity == "unchecked"
    assert safety.source == str(live)
    assert result.safety_copy.name.endswith("-pre-restore.db")
    assert verify_backup(result.safety_copy).ok
    assert read_manifest(backup).verified_ok is True  # restore verified it first
    assert no_partials(live.parent, folder)

    undo = restore_backup(result.safety_copy, live, folder)  # what the CLI tells you to run
    assert query(live, CUSTOMERS) == changed
    assert undo.safety_copy is not None and query(undo.safety_copy, CUSTOMERS) == [(40,)]


def check_database_ok(path: Path) -> bool:
    db = open_database(str(path), create=False, upgrade=False)
    try:
        return check_database(db).ok
    finally:
        db.dispose()


CRASHED_WRITER = textwrap.dedent(
    """
    import os, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE customers SET notes = 'only in the WAL' WHERE id = 1")
    os._exit(0)  # die without closing: the commit lives only in the -wal file
    """
)


def test_committed_data_left_in_the_wal_is_kept_and_stale_sidecars_removed(
    live: Path, tmp_path: Path
) -> None:
    backup = create_backup(live, tmp_path / "b").path
    subprocess.run([sys.executable, "-c", CRASHED_WRITER, str(live)], check=True)
    assert Path(f"{live}-wal").stat().st_size > 0

    result = restore_backup(backup, live, tmp_path / "b")

    assert result.safety_copy is not None
    note = "SELECT notes FROM customers WHERE id = 1"
    assert query(result.safety_copy, note) == [("only in the WAL",)]
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()
    assert query(live, note) != [("only in the WAL",)]
    assert check_database_ok(live)


def test_restore_is_refused_while_another_process_has_the_database_open(
    live: Path, tmp_path: Path
) -> None:
    backup = create_backup(live, tmp_path / "b").path
    execute(live, "DELETE FROM visits")
    with held_open(live):
        before = fingerprint(live)
        with pytest.raises(DatabaseBusyError, match="open in another program") as caught:
            restore_backup(backup, live, tmp_path / "b", wait_seconds=0.2)
        assert fingerprint(live) == before

    assert caught.value.exit_code == 3
    assert [e.path for e in list_backups(tmp_path / "b")] == [backup]  # no safety copy
    assert no_partials(live.parent, tmp_path / "b")


def test_restore_into_an_empty_place_creates_the_database(live: Path, tmp_path: Path) -> None:
    backup = create_backup(live, tmp_path / "b").path
    fresh = tmp_path / "new" / "place" / "clientdesk.db"
    result = restore_backup(backup, fresh, tmp_path / "b")
    assert result.safety_copy is None and result.notes
    assert query(fresh, CUSTOMERS) == [(40,)]
    assert private(fresh) and private(fresh.parent)


def test_backup_from_a_newer_schema_is_refused(live: Path, tmp_path: Path) -> None:
    future = tmp_path / "future.db"
    future.write_bytes(live.read_bytes())
    execute(future, "UPDATE alembic_version SET version_num = '9999_from_the_future'")
    backup = create_backup(future, tmp_path / "b").path
    before = fingerprint(live)
    with pytest.raises(SchemaTooNewError, match="newer clientdesk"):
        restore_backup(backup, live, tmp_path / "b")
    assert fingerprint(live) == before
    assert no_partials(live.parent)


def test_backup_from_an_older_schema_is_migrated_before_it_is_put_in_place(
    tmp_path: Path,
) -> None:
    oldest = min(migrate.known_revisions())  # revisions are numbered 0001, 0002...
    old = tmp_path / "old.db"
    engine = make_engine(str(old))
    migrate.upgrade(engine, oldest)
    engine.dispose()
    with sqlite3.connect(old) as conn:
        conn.execute("INSERT INTO clientdesk_meta (key, value) VALUES ('created_with', 'old')")
    backup = create_backup(old, tmp_path / "b").path
    assert read_manifest(backup).schema_revision == oldest

    target = tmp_path / "restored.db"
    result = restore_backup(backup, target, tmp_path / "b")

    assert not Path(f"{target}-wal").exists()
    head = migrate.head_revision()
    assert query(target, "SELECT version_num FROM alembic_version") == [(head,)]
    assert result.revision == head
    assert result.migrated_from == (oldest if oldest != head else None)


def test_encrypted_restore_keeps_an_encrypted_safety_copy(live: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(b"0123456789abcdef" * 3)
    key = key_from_file(key_file)
    backup = create_backup(live, tmp_path / "b", compression="zstd", secret=key).path
    execute(live, "DELETE FROM visits")
    result = restore_backup(backup, live, tmp_path / "b", secret=key)
    assert result.safety_copy is not None
    assert result.safety_copy.name.endswith("-pre-restore.db.enc")
    assert b"SQLite format 3" not in result.safety_copy.read_bytes()[:4096]
    assert verify_backup(result.safety_copy, secret=key, scratch=tmp_path).ok
    assert no_partials(live.parent, tmp_path / "b")
