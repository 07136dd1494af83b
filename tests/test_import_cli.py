"""`clientdesk import ...` as admins script it: exit codes, messages, --json, --errors,
standard input, undo; and an import killed mid-write leaves nothing behind."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.storage.database import open_database
from data.corpus import fingerprint

runner = CliRunner()
SHEET = "公司名称,等级,联系人,手机\n北京华信科技有限公司,A,张伟,13800138000\n上海银驰环保,B,,\n"
BAD = "公司名称,等级,建档日期\n甲公司,A,2024-13-01\n乙公司,Z,\n丙公司,B,2024-01-01\n"


def run(db: Path, *args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], input=stdin)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_import_then_duplicate_then_undo(tmp_path: Path, db_path: Path) -> None:
    sheet = tmp_path / "customers.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    code, out, _ = run(db_path, "import", "customers", str(sheet))
    assert code == 0
    assert "2 inserted, 0 updated, 0 skipped; batch 1" in out
    code, _, err = run(db_path, "import", "customers", str(sheet))
    assert code == 1
    assert "customers.csv:2: this row is already stored as customer C000001" in err
    assert "nothing was imported" in err
    code, out, _ = run(db_path, "import", "customers", str(sheet), "--on-duplicate", "skip")
    assert code == 0 and "2 skipped" in out
    code, out, _ = run(db_path, "import", "batches", "--json")
    assert [b["batch"] for b in json.loads(out)] == [1, 2]
    code, out, _ = run(db_path, "import", "undo", "1")
    assert code == 0
    assert "deleted 2 customers, 1 contacts" in out
    assert query(db_path, "SELECT count(*) FROM customers") == [(0,)]


def test_invalid_file_lists_every_problem_and_writes_an_errors_sheet(
    tmp_path: Path, db_path: Path
) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text(BAD, encoding="utf-8")
    errors = tmp_path / "errors.csv"
    code, _, err = run(db_path, "import", "customers", str(sheet), "--errors", str(errors))
    assert code == 1
    assert "bad.csv:2: 建档日期 '2024-13-01' is not a calendar date" in err
    assert "bad.csv:3: 等级 'Z' is not one of: A (A), B (B), C (C), D (D)" in err
    assert "2 problem(s) in 3 row(s); nothing was imported" in err
    assert stat.S_IMODE(errors.stat().st_mode) == 0o600
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        sheet_rows = list(csv.reader(handle))
    assert sheet_rows[0] == ["公司名称", "等级", "建档日期", "import_line", "import_problems"]
    assert sheet_rows[1][:4] == ["甲公司", "A", "2024-13-01", "2"]
    assert sheet_rows[2][:4] == ["乙公司", "Z", "", "3"]
    assert query(db_path, "SELECT count(*) FROM customers") == [(0,)]
    # The user fixes the errors sheet and imports it as it is: the extra columns are ignored.
    fixed = errors.read_text(encoding="utf-8-sig").replace("2024-13-01", "2024-12-01")
    errors.write_text(fixed.replace(",Z,", ",C,"), encoding="utf-8")
    code, out, err = run(db_path, "import", "customers", str(errors))
    assert code == 0, err
    assert "2 inserted" in out
    assert "warning" not in err


def test_json_report_dry_run_and_stdin(db_path: Path) -> None:
    code, out, _ = run(db_path, "import", "customers", "-", "--dry-run", "--json", stdin=SHEET)
    assert code == 0
    report = json.loads(out)
    assert (report["ok"], report["to_insert"], report["dry_run"], report["batch"]) == (
        True,
        2,
        True,
        None,
    )
    assert report["file"] == "<stdin>"
    code, out, _ = run(db_path, "import", "customers", "-", "--json", stdin=BAD.encode("gb18030"))
    assert code == 1
    report = json.loads(out)
    assert report["encoding"] == "gb18030"
    assert [p["line"] for p in report["problems"]] == [2, 3]
    assert query(db_path, "SELECT count(*) FROM customers") == [(0,)]


def test_refused_files_and_usage_errors(tmp_path: Path, db_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _, err = run(db_path, "import", "customers", str(empty))
    assert code == 1 and "is empty" in err
    code, _, err = run(db_path, "import", "customers", str(tmp_path / "nope.csv"))
    assert code == 2 and "does not exist" in err
    sheet = tmp_path / "c.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    code, _, err = run(db_path, "import", "customers", str(sheet), "--on-duplicate", "merge")
    assert code == 2 and "--on-duplicate 'merge'" in err
    code, _, err = run(db_path, "import", "customers", str(sheet), "--map", "Firma=nonsense")
    assert code == 2 and "no field 'nonsense'" in err
    code, _, err = run(db_path, "import", "undo", "7")
    assert code == 1 and "no import batch 7" in err


def test_snapshot_round_trip_through_the_cli(tmp_path: Path, db_path: Path) -> None:
    sheet = tmp_path / "c.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    run(db_path, "import", "customers", str(sheet))
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    code, _, _ = run(db_path, "export", "all", "--out", str(first))
    assert code == 0 and stat.S_IMODE(first.stat().st_mode) == 0o600
    restored = tmp_path / "restored.db"
    code, out, _ = run(restored, "import", "all", str(first))
    assert code == 0, out
    code, _, _ = run(restored, "export", "all", "--out", str(second))
    assert first.read_bytes() == second.read_bytes()
    code, _, err = run(restored, "import", "all", str(first))
    assert code == 1 and "a snapshot restores into an empty database only" in err


def _big_sheet(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["公司名称", "等级", "联系人", "手机", "备注"])
        for n in range(count):
            writer.writerow([f"测试公司{n:06d}有限公司", "ABCD"[n % 4], f"联系人{n}", "13800138000",
                             "备注" * 20])  # fmt: skip


def test_killed_import_leaves_the_database_as_it_was(tmp_path: Path, db_path: Path) -> None:
    """SIGKILL while the import is writing: the transaction never commits."""
    sheet = tmp_path / "big.csv"
    _big_sheet(sheet, 60_000)
    open_database(str(db_path)).dispose()  # create and migrate the database
    before = fingerprint(db_path)
    wal = Path(f"{db_path}-wal")
    baseline = wal.stat().st_size if wal.exists() else 0
    env = dict(os.environ, CLIENTDESK_DB=str(db_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "clientdesk", "import", "customers", str(sheet), "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    writing = False
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > baseline + 256 * 1024:
            writing = True  # the commit transaction is spilling pages into the WAL
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert writing, "the import finished (or never wrote) before it could be killed"
    assert process.returncode == -signal.SIGKILL
    assert query(db_path, "SELECT count(*) FROM customers") == [(0,)]
    assert query(db_path, "SELECT count(*) FROM audit_entries") == [(0,)]
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert fingerprint(db_path) == before
