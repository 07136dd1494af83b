"""The command line as admins script it: exit codes, output, and the rows left behind."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientdesk import __version__
from clientdesk.cli import app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def all_command_paths() -> list[list[str]]:
    import typer.main

    group = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(cmd: object, prefix: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(group, [])
    return paths


@pytest.mark.parametrize("path", all_command_paths(), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_help(path: list[str]) -> None:
    code, out, _ = run(*path, "--help")
    assert code == 0
    assert "Usage" in out
    # a sentence of help, not just the usage line
    assert len([line for line in out.splitlines() if line.strip()]) > 3


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert __version__ in out


def test_db_info_on_missing_database_fails_cleanly(tmp_path: Path) -> None:
    code, _, err = run("--db", str(tmp_path / "missing.db"), "db", "info")
    assert code == 1
    assert "does not exist" in err
    assert not (tmp_path / "missing.db").exists()


def test_db_info_json_reports_counts(db_path: Path, database: object) -> None:
    code, out, _ = run("--db", str(db_path), "db", "info", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["up_to_date"] is True
    assert info["counts"]["customers"] == 0
    assert info["location"] == str(db_path)


def test_db_env_variable_selects_database(db_path: Path, database: object) -> None:
    code, out, _ = run("db", "info", env={"CLIENTDESK_DB": str(db_path)})
    assert code == 0
    assert str(db_path) in out


def test_db_check_ok_then_broken(db_path: Path, database: object) -> None:
    code, out, _ = run("--db", str(db_path), "db", "check")
    assert code == 0
    assert "ok" in out
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO contacts (customer_id, name, is_primary, phone_digits, mobile_digits,"
            " created_at, updated_at) VALUES (42, 'x', 0, '', '', '2024-01-01', '2024-01-01')"
        )
    code, _, err = run("--db", str(db_path), "db", "check")
    assert code == 1
    assert "contacts" in err


def test_corrupt_database_gives_one_line_and_exit_1(db_path: Path) -> None:
    db_path.write_bytes(b"\x00garbage" * 1000)
    before = db_path.read_bytes()
    code, _, err = run("--db", str(db_path), "db", "check")
    assert code == 1
    assert "damaged or is not a SQLite database" in err
    assert db_path.read_bytes() == before


def test_foreign_database_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE t (x)")
    code, _, err = run("--db", str(db_path), "db", "info")
    assert code == 1
    assert "not a clientdesk one" in err


def test_db_upgrade_up_to_date(db_path: Path, database: object) -> None:
    code, out, _ = run("--db", str(db_path), "db", "upgrade")
    assert code == 0
    assert "up to date" in out


def test_config_show_names_sources(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[files]\nstale_after_days = 90\n", encoding="utf-8")
    code, out, _ = run("--config", str(cfg), "config", "show", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["settings"]["files.stale_after_days"] == {
        "value": 90,
        "source": f"file {cfg}:2",
    }
    assert doc["settings"]["risk.concentration_limit"]["source"] == "default"


def test_malformed_config_names_line(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[files]\nstale_after_days = -3\n", encoding="utf-8")
    code, _, err = run("--config", str(cfg), "config", "show")
    assert code == 2
    assert "line 2" in err
    assert "stale_after_days" in err


def test_config_init_writes_private_file_once(tmp_path: Path) -> None:
    cfg = tmp_path / "sub" / "c.toml"
    code, _, _ = run("--config", str(cfg), "config", "init")
    assert code == 0
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    code, _, err = run("--config", str(cfg), "config", "init")
    assert code == 1
    assert "already exists" in err


def test_app_refuses_without_terminal(db_path: Path) -> None:
    code, _, err = run("--db", str(db_path))
    assert code == 1
    assert "needs a terminal" in err


def test_demo_builds_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "demo.db"
    code, _, err = run("demo", "--customers", "120", "--db", str(target), "--no-open")
    assert code == 0, err
    with sqlite3.connect(target) as conn:
        first = conn.execute("SELECT count(*), min(name) FROM customers").fetchone()
        meta = dict(conn.execute("SELECT key, value FROM clientdesk_meta").fetchall())
    assert first[0] == 120
    assert meta["demo_seed"] == "1"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    code, _, err = run("demo", "--customers", "50", "--db", str(target), "--no-open")
    assert code == 1
    assert "will not overwrite" in err
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 120

    code, _, _ = run(
        "demo", "--customers", "50", "--seed", "7", "--db", str(target), "--no-open", "--force"
    )
    assert code == 0
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 50


def test_demo_same_seed_same_data(tmp_path: Path) -> None:
    names = []
    for i in range(2):
        target = tmp_path / f"d{i}.db"
        code, _, _ = run(
            "demo", "--customers", "60", "--seed", "3", "--db", str(target), "--no-open"
        )
        assert code == 0
        with sqlite3.connect(target) as conn:
            names.append(conn.execute("SELECT code, name FROM customers ORDER BY id").fetchall())
    assert names[0] == names[1]


def test_demo_default_location_is_data_folder(isolated_dirs: Path) -> None:
    code, _, err = run("demo", "--customers", "30", "--no-open")
    assert code == 0, err
    assert (isolated_dirs / "data" / "demo.db").exists()


def test_db_check_finds_a_stale_search_index_and_reindex_repairs_it(tmp_path: Path) -> None:
    from sqlmodel import Session

    from clientdesk.domain.customer import CustomerCreate
    from clientdesk.domain.customers import create_customer
    from clientdesk.storage.database import open_database

    path = tmp_path / "c.db"
    database = open_database(str(path))
    with Session(database.engine) as s:
        for name in ("北京华信科技有限公司", "深圳长江贸易有限公司"):
            create_customer(CustomerCreate(name=name), session=s, actor="t")
        s.commit()
    database.dispose()
    assert run("--db", str(path), "db", "check")[0] == 0
    with sqlite3.connect(path) as conn:  # an index out of step, as a crash mid-repair might leave
        conn.execute("DELETE FROM customer_search WHERE rowid = 1")
        conn.execute("UPDATE customer_search SET code = 'X' WHERE rowid = 2")
    code, stdout, stderr = run("--db", str(path), "db", "check")
    assert code == 1
    assert "customers missing from the search index: 1" in stderr
    assert "pinyin differ in the search index: 1" in stderr
    assert "clientdesk db reindex" in stderr
    code, stdout, _ = run("--db", str(path), "db", "reindex")
    assert code == 0 and "rebuilt for 2 customers" in stdout
    assert run("--db", str(path), "db", "check")[0] == 0
