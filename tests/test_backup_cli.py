"""`clientdesk backup ...` and `clientdesk restore` as cron scripts use them: JSON, exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientdesk.cli import app
from test_backup_support import demo_database, execute, fingerprint, flip_byte, held_open, query

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def live(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return demo_database(tmp_path_factory, tmp_path / "clientdesk.db")


@pytest.fixture
def folder(isolated_dirs: Path) -> Path:
    """The default backup folder: 'backups' in the (test's) data folder."""
    return isolated_dirs / "data" / "backups"


def create(live: Path, *extra: str) -> dict[str, object]:
    code, out, err = run("--db", str(live), "backup", "create", "--json", *extra)
    assert code == 0, err
    doc: dict[str, object] = json.loads(out)
    return doc


def test_create_json_writes_to_the_default_folder(live: Path, folder: Path) -> None:
    doc = create(live)
    path = Path(str(doc["path"]))
    assert path.parent == folder and path.exists()
    manifest = doc["manifest"]
    assert isinstance(manifest, dict)
    assert manifest["row_counts"]["customers"] == 40
    assert folder.stat().st_mode & 0o777 == 0o700


def test_create_text_names_the_file_and_dir_option_is_honoured(live: Path, tmp_path: Path) -> None:
    code, out, _ = run("--db", str(live), "backup", "create", "--dir", str(tmp_path / "elsewhere"))
    assert code == 0
    assert "backed up" in out and str(tmp_path / "elsewhere") in out
    assert len(list((tmp_path / "elsewhere").glob("*.manifest.json"))) == 1


def test_create_encrypted_with_key_file_and_verify_with_and_without_it(
    live: Path, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    key.write_bytes(os.urandom(48))
    key.chmod(0o600)
    doc = create(live, "--compress", "zstd", "--key-file", str(key))
    path = str(doc["path"])
    assert path.endswith(".db.zst.enc")

    code, out, _ = run("backup", "verify", path, "--json")
    assert code == 2
    assert json.loads(out)["results"][0]["status"] == "needs-key"
    code, out, _ = run("backup", "verify", path, "--key-file", str(key))
    assert code == 0 and out.startswith("ok:")


def test_encrypting_without_a_key_and_without_a_terminal_is_a_usage_error(
    live: Path, folder: Path
) -> None:
    code, _, err = run("--db", str(live), "backup", "create", "--encrypt")
    assert code == 2
    assert "--passphrase-file" in err
    assert not folder.exists()


def test_passphrase_is_asked_for_in_a_terminal(
    live: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("backup_common", "backup"):  # standard input is a terminal
        monkeypatch.setattr(f"clientdesk.cli.{module}.is_terminal", lambda: True)
    code, _, err = run("--db", str(live), "backup", "create", "--encrypt", stdin="pw\npw\n")
    assert code == 0, err
    [backup] = folder.glob("*.db.enc")
    code, _, _ = run("backup", "verify", str(backup), stdin="pw\n")
    assert code == 0
    code, _, err = run("backup", "verify", str(backup), stdin="nope\n")
    assert code == 1 and "wrong passphrase" in err


def test_list_json_and_text(live: Path, folder: Path) -> None:
    code, out, _ = run("backup", "list")
    assert code == 0 and "no backups" in out
    first = create(live)
    create(live, "--compress", "gzip")
    code, out, _ = run("backup", "list", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["folder"] == str(folder)
    assert doc["backups"][0]["path"] == first["path"]
    assert {b["state"] for b in doc["backups"]} == {"checked"}
    code, out, _ = run("backup", "list")
    assert "gzip" in out and Path(str(first["path"])).name in out


def test_verify_exit_codes(live: Path, folder: Path) -> None:
    good = str(create(live)["path"])
    bad = str(create(live, "--compress", "zstd")["path"])
    flip_byte(Path(bad), 100)
    assert run("backup", "verify", good)[0] == 0
    code, out, err = run("backup", "verify", "--all")
    assert code == 1
    assert good in out and "FAILED" in err and "1 ok, 1 failed" in err
    code, out, _ = run("backup", "verify", "--all", "--json")
    assert code == 1
    assert [r["status"] for r in json.loads(out)["results"]] == ["ok", "failed"]
    assert run("backup", "verify")[0] == 2
    assert run("backup", "verify", good, "--all")[0] == 2
    code, out, _ = run("backup", "list", "--json")
    assert [b["state"] for b in json.loads(out)["backups"]] == ["verified", "FAILED"]


def test_prune_dry_run_json_then_for_real(live: Path, folder: Path) -> None:
    for _ in range(3):
        create(live)
    code, out, _ = run("backup", "prune", "--keep-last", "1", "--dry-run", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["dry_run"] is True and len(doc["groups"][0]["remove"]) == 2
    assert len(list(folder.glob("*.db"))) == 3
    code, out, _ = run("backup", "prune", "--keep-last", "1")
    assert code == 0 and "removed" in out
    assert len(list(folder.glob("*.db"))) == 1
    code, _, err = run("backup", "prune")
    assert code == 2 and "--keep-daily 7" in err


def test_restore_needs_yes_without_a_terminal(live: Path) -> None:
    backup = str(create(live)["path"])
    execute(live, "DELETE FROM visits")
    before = fingerprint(live)
    code, _, err = run("--db", str(live), "restore", backup)
    assert code == 2 and "--yes" in err
    assert fingerprint(live) == before


def test_restore_yes_prints_how_to_undo(live: Path, folder: Path) -> None:
    backup = str(create(live)["path"])
    execute(live, "DELETE FROM visits")
    code, out, _ = run("--db", str(live), "restore", backup, "--yes")
    assert code == 0
    assert query(live, "SELECT count(*) FROM visits") != [(0,)]
    undo = next(line for line in out.splitlines() if line.startswith("to undo:"))
    assert f"--db {live} restore {folder}" in undo and undo.endswith("--yes")
    args = undo.removeprefix("to undo: clientdesk ").split()
    assert run(*args)[0] == 0
    assert query(live, "SELECT count(*) FROM visits") == [(0,)]


def test_restore_in_a_terminal_asks_first(live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backup = str(create(live)["path"])
    execute(live, "DELETE FROM visits")
    before = fingerprint(live)
    monkeypatch.setattr("clientdesk.cli.restore_cmd.is_terminal", lambda: True)
    code, out, _ = run("--db", str(live), "restore", backup, stdin="n\n")
    assert code == 1 and "nothing was changed" in out
    assert fingerprint(live) == before
    code, out, _ = run("--db", str(live), "restore", backup, "--json", stdin="y\n")
    assert code == 0
    assert json.loads(out[out.index("{") :])["safety_copy"]


def test_restore_json_and_busy_exit_code(live: Path) -> None:
    backup = str(create(live)["path"])
    with held_open(live):
        code, _, err = run("--db", str(live), "restore", backup, "--yes")
    assert code == 3 and "open in another program" in err
    code, out, _ = run("--db", str(live), "restore", backup, "--yes", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["database"] == str(live) and doc["safety_copy"].endswith("-pre-restore.db")


def test_damaged_backup_restore_exits_1_and_database_is_untouched(live: Path) -> None:
    backup = Path(str(create(live)["path"]))
    flip_byte(backup, backup.stat().st_size // 2)
    before = fingerprint(live)
    code, _, err = run("--db", str(live), "restore", str(backup), "--yes")
    assert code == 1 and "changed since it was made" in err
    assert fingerprint(live) == before


def test_server_urls_and_missing_databases(tmp_path: Path) -> None:
    url = "postgresql+psycopg://me@localhost/clientdesk"
    code, _, err = run("--db", url, "backup", "create")
    assert code == 2 and "pg_dump" in err
    code, _, err = run("--db", str(tmp_path / "none.db"), "backup", "create")
    assert code == 1 and "does not exist" in err
    assert not (tmp_path / "none.db").exists()
    code, _, err = run("--db", str(tmp_path / "x.db"), "restore", str(tmp_path / "nope.db"))
    assert code == 1 and "no manifest" in err


def test_key_options_are_checked(live: Path, tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(os.urandom(48))
    key.chmod(0o644)
    code, _, err = run("--db", str(live), "backup", "create", "--key-file", str(key))
    assert code == 0 and "can be read by other users" in err
    code, _, err = run(
        "--db", str(live), "backup", "create", "--key-file", str(key), "--passphrase-file", str(key)
    )
    assert code == 2 and "not both" in err
    short = tmp_path / "short"
    short.write_bytes(b"too short")
    code, _, err = run("--db", str(live), "backup", "create", "--key-file", str(short))
    assert code == 2 and "openssl rand" in err
    code, _, err = run("--db", str(live), "backup", "create", "--compress", "xz")
    assert code == 2 and "unknown compression" in err
