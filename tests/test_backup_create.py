"""`create_backup`: a consistent, checked, owner-only copy with a manifest that tells the truth."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from clientdesk import __version__
from clientdesk.errors import (
    CorruptDatabaseError,
    DatabaseError,
    NotClientdeskDatabaseError,
    UsageError,
)
from clientdesk.storage import migrate
from clientdesk.storage.backup import (
    create_backup,
    key_from_file,
    last_good_backup,
    list_backups,
    verify_backup,
)
from clientdesk.storage.backup.crypto import Secret
from clientdesk.storage.backup.manifest import read_manifest
from clientdesk.storage.backup.verify import extract
from test_backup_support import clock, demo_database, no_partials, private, query

SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def source(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return demo_database(tmp_path_factory, tmp_path / "data" / "clientdesk.db")


def test_backup_is_a_checked_copy_with_a_truthful_manifest(source: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    result = create_backup(source, folder)

    data = result.path
    assert data.parent == folder and data.exists()
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["file"] == data.name
    assert manifest["size"] == data.stat().st_size
    assert manifest["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert manifest["database_sha256"] == manifest["sha256"]
    assert manifest["schema_revision"] == migrate.head_revision()
    assert manifest["program_version"] == __version__
    assert manifest["source"] == str(source)
    assert manifest["compression"] == "none" and manifest["encryption"] is None
    assert manifest["integrity"] == "quick-ok"  # quick_check by default; verify runs the full
    for table, count in manifest["row_counts"].items():
        assert query(source, f'SELECT count(*) FROM "{table}"') == [(count,)]  # noqa: S608
    # The search index is counted by its shadow tables, not by its virtual tables.
    assert "customer_search_data" in manifest["row_counts"]
    assert "customer_search" not in manifest["row_counts"]
    assert "customer_search_terms" not in manifest["row_counts"]
    assert manifest["row_counts"]["customers"] == 40
    customers = "SELECT id, name, code, credit_code FROM customers ORDER BY id"
    assert query(data, customers) == query(source, customers)


def test_files_are_owner_only_in_an_owner_only_folder_whatever_the_umask(
    source: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "new" / "backups"
    old = os.umask(0)
    try:
        result = create_backup(source, folder, compression="zstd")
    finally:
        os.umask(old)
    assert private(folder)
    assert private(result.path) and private(result.manifest_path)
    assert result.warnings == []


def test_an_open_existing_folder_is_warned_about_and_left_as_it_is(
    source: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    result = create_backup(source, folder)
    assert "chmod 700" in result.warnings[0]
    assert folder.stat().st_mode & 0o777 == 0o755
    assert private(result.path) and private(result.manifest_path)


@pytest.mark.parametrize("compression", ["none", "zstd", "gzip"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_every_format_verifies_and_holds_the_same_database(
    source: Path, tmp_path: Path, compression: str, encrypted: bool
) -> None:
    secret = Secret("key-file", os.urandom(32)) if encrypted else None
    result = create_backup(source, tmp_path / "b", compression=compression, secret=secret)
    suffix = {"none": ".db", "zstd": ".db.zst", "gzip": ".db.gz"}[compression]
    assert result.path.name.endswith(suffix + (".enc" if encrypted else ""))
    if compression != "none" or encrypted:
        assert result.manifest.sha256 != result.manifest.database_sha256
    assert verify_backup(result.path, secret=secret, scratch=tmp_path).ok
    inside = extract(result.path, result.manifest, secret, tmp_path)
    source_sha = hashlib.sha256(inside.read_bytes()).hexdigest()
    assert source_sha == result.manifest.database_sha256
    assert query(inside, "SELECT count(*) FROM visits") == query(
        source, "SELECT count(*) FROM visits"
    )
    inside.unlink()
    assert no_partials(tmp_path, tmp_path / "b", source.parent)


def test_encrypted_backup_keeps_no_plaintext_in_the_backup_folder(
    source: Path, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    key.write_bytes(os.urandom(48))
    result = create_backup(source, tmp_path / "b", secret=key_from_file(key))
    stored = result.path.read_bytes()
    assert b"SQLite format 3" not in stored
    assert "clientdesk" not in stored.decode("latin-1")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(
        [result.path.name, result.manifest_path.name]
    )


def test_name_carries_the_utc_time_and_backups_in_one_second_do_not_collide(
    source: Path, tmp_path: Path
) -> None:
    moment = datetime(2026, 3, 15, 10, 30, 5, tzinfo=SHANGHAI)  # 02:30:05 UTC
    now = clock(moment, moment)
    first = create_backup(source, tmp_path / "b", now=now)
    second = create_backup(source, tmp_path / "b", now=now)
    assert first.path.name == "clientdesk-20260315T023005Z.db"
    assert second.path.name == "clientdesk-20260315T023005Z-2.db"
    assert read_manifest(second.path).created_at == moment.astimezone(UTC)
    assert [e.path for e in list_backups(tmp_path / "b")] == [first.path, second.path]


def test_damaged_database_is_refused_and_nothing_is_kept(source: Path, tmp_path: Path) -> None:
    size = source.stat().st_size
    with source.open("r+b") as handle:  # wreck pages in the middle, past the schema page
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(b"\xa5" * 8192)
    with pytest.raises(CorruptDatabaseError, match=r"integrity check.*no backup was kept"):
        create_backup(source, tmp_path / "b")
    assert list((tmp_path / "b").iterdir()) == []
    assert no_partials(source.parent)


def test_server_database_is_refused_naming_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="SQLite files only") as caught:
        create_backup("postgresql+psycopg://me@localhost/clientdesk", tmp_path / "b")
    assert "pg_dump" in str(caught.value)
    assert not (tmp_path / "b").exists()


def test_missing_and_foreign_databases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        create_backup(tmp_path / "missing.db", tmp_path / "b")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(NotClientdeskDatabaseError):
        create_backup(foreign, tmp_path / "b")
    assert not (tmp_path / "missing.db").exists()
    assert not (tmp_path / "b").exists()


def test_unknown_compression_is_a_usage_error(source: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown compression"):
        create_backup(source, tmp_path / "b", compression="xz")


def test_backing_up_loads_neither_sqlalchemy_nor_the_ui(source: Path, tmp_path: Path) -> None:
    """`backup create` starts fast: SQLAlchemy alone would cost more than the copy."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from clientdesk.storage.backup import create_backup\n"
        f"create_backup(Path({str(source)!r}), Path({str(tmp_path / 'b')!r}))\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'alembic', 'textual', 'typer', 'rich')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert len(list((tmp_path / "b").glob("*.manifest.json"))) == 1


def test_last_good_backup_is_what_the_app_shows(
    source: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    assert last_good_backup(folder) is None
    moments = [datetime(2026, 3, day, 2, 0, tzinfo=UTC) for day in (13, 14, 15)]
    made = [create_backup(source, folder, now=clock(moment)) for moment in moments]
    other = demo_database(tmp_path_factory, tmp_path / "other.db")
    create_backup(other, folder, now=clock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC)))
    made[2].path.write_bytes(b"damaged")  # the newest of `source` is no longer good
    verify_backup(made[2].path)

    entry = last_good_backup(folder, source=source)
    assert entry is not None
    assert (entry.created_at, entry.path) == (moments[1], made[1].path)
    newest = last_good_backup(folder)
    assert newest is not None and newest.manifest is not None
    assert newest.manifest.source == str(other)
