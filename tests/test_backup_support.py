"""Helpers shared by the backup and restore tests (this module holds no tests itself)."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

TEMPLATE_CUSTOMERS = 40


def demo_database(factory: pytest.TempPathFactory, target: Path) -> Path:
    """A small demo database at `target` (built once per session, then copied)."""
    template = factory.getbasetemp() / "backup-template" / "demo.db"
    if not template.exists():
        from clientdesk.demo import build_demo
        from clientdesk.storage.database import open_database

        db = open_database(str(template))
        build_demo(db.engine, customers=TEMPLATE_CUSTOMERS, seed=5, today=date(2026, 3, 15))
        db.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    target.chmod(0o600)
    return target


def query(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def execute(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def fingerprint(path: Path) -> tuple[str, int, list[str]]:
    """Content hash, mtime and sidecar files: equal before and after means untouched."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sidecars = sorted(p.name for p in path.parent.glob(path.name + "-*"))
    return digest, path.stat().st_mtime_ns, sidecars


def clock(*moments: datetime) -> Callable[[], datetime]:
    """A `now` that returns the given times in turn, then keeps adding a second."""
    queue = list(moments)
    last = [moments[0] if moments else datetime(2026, 3, 15, 2, 0, tzinfo=UTC)]

    def now() -> datetime:
        if queue:
            last[0] = queue.pop(0)
        else:
            last[0] += timedelta(seconds=1)
        return last[0]

    return now


def flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def private(path: Path) -> bool:
    return (path.stat().st_mode & 0o777) == (0o700 if path.is_dir() else 0o600)


HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("SELECT count(*) FROM customers").fetchall()
    print("open", flush=True)
    sys.stdin.read()  # hold the database open, idle, until the test closes our stdin
    """
)


@contextlib.contextmanager
def held_open(path: Path) -> Iterator[None]:
    """Another process has the database open, idle, like the app left open all day."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "open"
        yield
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def no_partials(*folders: Path) -> bool:
    return not any(p.name.endswith(".partial") for folder in folders for p in folder.iterdir())
