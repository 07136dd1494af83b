"""Backups taken while another process writes are consistent snapshots that restore cleanly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clientdesk.storage.backup import create_backup, restore_backup, verify_backup
from clientdesk.storage.backup.crypto import Secret
from clientdesk.storage.backup.verify import extract
from test_backup_support import demo_database, query

# Each transaction adds one interaction and bumps a counter in clientdesk_meta: in any
# consistent snapshot the two agree.
WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    from pathlib import Path
    db, stop = sys.argv[1], Path(sys.argv[2])
    conn = sqlite3.connect(db, isolation_level=None, timeout=15)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("INSERT INTO clientdesk_meta (key, value) VALUES ('writer_count', '0')")
    n, deadline = 0, time.monotonic() + 60
    while not stop.exists() and time.monotonic() < deadline:
        n += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO interactions (customer_id, kind, occurred_at, subject, created_at)"
            " VALUES (1 + ? % 40, 'call', '2026-03-15 02:00:00', 'concurrent',"
            " '2026-03-15 02:00:00')",
            (n,),
        )
        conn.execute("UPDATE clientdesk_meta SET value = ? WHERE key = 'writer_count'", (str(n),))
        conn.execute("COMMIT")
        if n == 50:
            print("writing", flush=True)
    print(n, flush=True)
    """
)

CONCURRENT = "SELECT count(*) FROM interactions WHERE subject = 'concurrent'"
COUNTER = "SELECT CAST(value AS INTEGER) FROM clientdesk_meta WHERE key = 'writer_count'"


def consistent(path: Path) -> int:
    """The writer's progress in this snapshot; fails if the two halves disagree."""
    [(rows,)] = query(path, CONCURRENT)
    [(counter,)] = query(path, COUNTER) or [(0,)]
    assert rows == counter
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    return int(str(rows))


def test_backups_during_continuous_writes_verify_and_restore_consistently(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    live = demo_database(tmp_path_factory, tmp_path / "data" / "clientdesk.db")
    folder, stop = tmp_path / "b", tmp_path / "stop"
    key = Secret("key-file", b"k" * 32)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(live), str(stop)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    try:
        assert writer.stdout.readline().strip() == "writing"
        made = [
            create_backup(live, folder),
            create_backup(live, folder, compression="zstd"),
            create_backup(live, folder, compression="gzip", secret=key),
        ]
    finally:
        stop.touch()
        written = int(writer.stdout.read().strip())
        assert writer.wait(timeout=60) == 0

    progress = []
    for result in made:
        assert verify_backup(result.path, secret=key, scratch=tmp_path).ok
        inside = extract(result.path, result.manifest, key, tmp_path)
        progress.append(consistent(inside))
        inside.unlink()
    assert 50 <= progress[0] <= progress[1] <= progress[2] <= written
    assert progress[0] < written  # the writer went on committing after the first backup
    assert made[0].manifest.row_counts["interactions"] - progress[0] == (
        query(live, "SELECT count(*) FROM interactions")[0][0] - written
    )

    elsewhere = tmp_path / "restored" / "clientdesk.db"
    restore_backup(made[1].path, elsewhere, folder)
    assert consistent(elsewhere) == progress[1]
    restore_backup(made[2].path, live, folder, secret=key)
    assert consistent(live) == progress[2]


HOLD_TRANSACTION = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM visits")
    print("uncommitted", flush=True)
    sys.stdin.read()
    conn.execute("ROLLBACK")
    """
)


def test_a_long_import_transaction_neither_blocks_the_backup_nor_leaks_into_it(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    live = demo_database(tmp_path_factory, tmp_path / "clientdesk.db")
    visits = query(live, "SELECT count(*) FROM visits")
    importer = subprocess.Popen(
        [sys.executable, "-c", HOLD_TRANSACTION, str(live)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert importer.stdin is not None and importer.stdout is not None
    try:
        assert importer.stdout.readline().strip() == "uncommitted"
        # Completes while the write transaction is still open (blocked, it would fail with
        # "database is locked" after the busy timeout).
        result = create_backup(live, tmp_path / "b")
        assert importer.poll() is None
    finally:
        importer.stdin.close()
        importer.wait(timeout=30)
    assert query(result.path, "SELECT count(*) FROM visits") == visits
    assert result.manifest.row_counts["visits"] == visits[0][0]
