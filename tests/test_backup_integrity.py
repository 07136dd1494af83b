"""The integrity check of a backup, split over threads, is as strict as SQLite's own.

Each kind of damage below is caught by a different part of the split check (the per-table
index cross-check, the whole-file page accounting, the b-tree pages), so a split that lost
one part would fail here. The property test checks that the split check and the plain
`PRAGMA integrity_check` agree on damage at random places.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientdesk.errors import ClientdeskError
from clientdesk.storage.backup import create_backup, integrity, restore_backup, verify_backup
from clientdesk.storage.backup.files import create_private
from clientdesk.storage.backup.integrity import check_database
from clientdesk.storage.backup.snapshot import check_copy, online_copy, read_only, row_counts
from test_backup_support import (
    demo_database,
    execute,
    fingerprint,
    flip_byte,
    held_open,
    no_partials,
    query,
)

WORKERS = [1, 2, 4]


@pytest.fixture
def copy(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A backup-style copy (rollback journal, no WAL) of the small demo database."""
    source = demo_database(tmp_path_factory, tmp_path / "src" / "clientdesk.db")
    target = tmp_path / "copy.db"
    create_private(target)
    online_copy(source, target)
    return target


def plain_check(path: Path) -> list[str]:
    """SQLite's own single-threaded PRAGMA integrity_check; an unreadable file is a problem."""
    try:
        rows = query(path, "PRAGMA integrity_check")
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damaged schema text
        return [str(exc)]
    return [] if rows == [("ok",)] else [str(row[0]) for row in rows]


def split_check(path: Path, workers: int, *, full: bool = True) -> list[str]:
    try:
        return check_database(path, full=full, workers=workers).problems
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        return [str(exc)]


def break_index(path: Path) -> None:
    """Make ix_visits_owner disagree with its table while every page stays well-formed."""
    (version,) = query(path, "PRAGMA schema_version")[0]
    execute(
        path,
        "PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_visits_owner ON visits (purpose)' "
        "WHERE name = 'ix_visits_owner'",
        f"PRAGMA schema_version = {int(str(version)) + 1}",
    )


def orphan_free_pages(path: Path) -> None:
    """Free some pages, then drop the freelist from the header: pages that nothing uses."""
    execute(path, "PRAGMA auto_vacuum = NONE", "DELETE FROM visits", "DELETE FROM interactions")
    assert int(str(query(path, "PRAGMA freelist_count")[0][0])) > 0
    with path.open("r+b") as handle:
        handle.seek(32)  # first freelist trunk page, then the number of free pages
        handle.write(bytes(8))


def test_sound_copy_passes_with_the_same_counts_as_counted_in_turn(copy: Path) -> None:
    with read_only(copy) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        expected = row_counts(conn, tables)
    for workers in WORKERS:
        checked = check_database(copy, count=tables, workers=workers)
        assert checked.problems == []
        assert checked.counts == expected
    assert expected["visits"] > 0


@pytest.mark.parametrize("workers", WORKERS)
def test_an_index_that_disagrees_with_its_table_is_caught(copy: Path, workers: int) -> None:
    """Only the per-table part sees this: every page is well-formed (quick_check passes)."""
    break_index(copy)
    assert split_check(copy, workers, full=False) == []
    assert "missing from index ix_visits_owner" in plain_check(copy)[0]
    problems = split_check(copy, workers)
    assert problems and "ix_visits_owner" in problems[0]


@pytest.mark.parametrize("workers", WORKERS)
def test_pages_that_nothing_uses_are_caught(copy: Path, workers: int) -> None:
    """Only the whole-file part sees this: each table on its own is sound."""
    orphan_free_pages(copy)
    assert "never used" in "\n".join(plain_check(copy))
    assert query(copy, "PRAGMA integrity_check(visits)") == [("ok",)]
    problems = split_check(copy, workers)
    assert problems and any("never used" in p for p in problems)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_wrecked_page_is_caught(copy: Path, workers: int) -> None:
    size = copy.stat().st_size
    with copy.open("r+b") as handle:
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(b"\xa5" * 4096)
    assert plain_check(copy)
    assert split_check(copy, workers)


def test_not_a_database_is_reported_not_raised(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 1000)
    problems, revision, counts = check_copy(junk)
    assert problems[0].startswith("not a readable SQLite database")
    assert (revision, counts) == (None, {})


def test_problems_are_capped(copy: Path) -> None:
    orphan_free_pages(copy)
    assert 0 < len(check_database(copy, workers=2).problems) <= integrity.MAX_PROBLEMS


def test_with_one_core_it_is_the_plain_pragma(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    real = integrity._run_in_turn

    def spy(conn: sqlite3.Connection, parts: list[integrity.Part]) -> integrity.Outcome:
        ran.extend(part.sql for part in parts)
        return real(conn, parts)

    monkeypatch.setattr(integrity, "check_workers", lambda: 1)
    monkeypatch.setattr(integrity, "_run_in_turn", spy)
    assert check_database(copy).problems == []
    assert ran == [f"PRAGMA integrity_check({integrity.MAX_PROBLEMS})"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    base = tmp_path_factory.mktemp("pristine")
    source = demo_database(tmp_path_factory, base / "src.db")
    target = base / "copy.db"
    create_private(target)
    online_copy(source, target)
    return target.read_bytes()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.floats(min_value=0.0, max_value=1.0, exclude_max=True), mask=st.integers(1, 255))
def test_split_and_plain_checks_agree_on_a_flipped_byte(
    pristine: bytes, tmp_path: Path, where: float, mask: int
) -> None:
    damaged = bytearray(pristine)
    offset = 100 + int(where * (len(damaged) - 100))  # past the file header
    damaged[offset] ^= mask
    path = tmp_path / f"flip-{offset}-{mask}.db"
    path.write_bytes(bytes(damaged))
    assert bool(split_check(path, 2)) == bool(plain_check(path)), (offset, mask)


def wreck_page(path: Path) -> None:
    """Flip every byte of one page in the middle of the file."""
    size = path.stat().st_size
    start = size // 2 // 4096 * 4096
    for offset in range(start, start + 4096):
        flip_byte(path, offset)


@pytest.mark.parametrize("workers", [1, 4])
@pytest.mark.parametrize(("damage", "named"), [(break_index, "ix_visits_owner"), (wreck_page, "")])
def test_verify_and_restore_refuse_a_damaged_backup_whatever_the_threads(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
    damage: Callable[[Path], None],
    named: str,
) -> None:
    """The backup damaged and its manifest's hashes forged to match: only the integrity
    check can tell, with one thread or several."""
    monkeypatch.setattr(integrity, "check_workers", lambda: workers)
    source = demo_database(tmp_path_factory, tmp_path / "src" / "clientdesk.db")
    live = demo_database(tmp_path_factory, tmp_path / "live" / "clientdesk.db")
    folder = tmp_path / "b"
    made = create_backup(source, folder)
    damage(made.path)
    doc = json.loads(made.manifest_path.read_text(encoding="utf-8"))
    doc["size"] = doc["database_size"] = made.path.stat().st_size
    doc["sha256"] = doc["database_sha256"] = hashlib.sha256(made.path.read_bytes()).hexdigest()
    made.manifest_path.write_text(json.dumps(doc), encoding="utf-8")

    result = verify_backup(made.path, scratch=tmp_path)
    assert result.status == "failed"
    assert "integrity check" in result.problems[0] and named in result.problems[0]
    before = fingerprint(live)
    with pytest.raises(ClientdeskError, match="integrity check"):
        restore_backup(made.path, live, folder)
    assert fingerprint(live) == before


def test_a_changed_backup_is_named_before_a_database_in_use(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """The hash is checked while the backup is copied out, beside the other checks; its
    failure is still the reason given, and the database is left as it was."""
    source = demo_database(tmp_path_factory, tmp_path / "src" / "clientdesk.db")
    live = demo_database(tmp_path_factory, tmp_path / "live" / "clientdesk.db")
    made = create_backup(source, tmp_path / "b")
    flip_byte(made.path, made.manifest.size // 3)
    before = fingerprint(live)
    with held_open(live), pytest.raises(ClientdeskError, match="changed since it was made"):
        restore_backup(made.path, live, tmp_path / "b", wait_seconds=0.1)
    assert fingerprint(live) == before
    assert no_partials(live.parent, tmp_path / "b")


def test_create_checks_pages_by_default_and_everything_with_full_check(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """A source whose index disagrees with its table: `create` copies its pages faithfully
    and keeps the copy (quick_check passes), `create --full-check` refuses it, and
    `verify` (always the full check) marks the kept copy failed, naming the index."""
    source = demo_database(tmp_path_factory, tmp_path / "src" / "clientdesk.db")
    break_index(source)
    folder = tmp_path / "b"
    kept = create_backup(source, folder)
    assert kept.manifest.integrity == "quick-ok"
    with pytest.raises(ClientdeskError, match="integrity check"):
        create_backup(source, tmp_path / "full", full_check=True)
    assert no_partials(tmp_path / "full")
    result = verify_backup(kept.path, scratch=tmp_path)
    assert result.status == "failed" and "ix_visits_owner" in result.problems[0]
