"""Opening, creating, migrating and refusing databases."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

import clientdesk.domain  # noqa: F401
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.search import SEARCH_TABLE
from clientdesk.errors import (
    CorruptDatabaseError,
    DatabaseError,
    NotClientdeskDatabaseError,
    SchemaTooNewError,
)
from clientdesk.storage import migrate
from clientdesk.storage.database import Database, open_database
from clientdesk.storage.engine import make_engine, writer
from clientdesk.storage.inspect import check_database, database_info


def test_new_database_is_owner_only_in_owner_only_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "c.db"
    db = open_database(str(path))
    db.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_new_database_is_migrated_and_marked(database: Database) -> None:
    with database.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        meta = {k: v for k, v in conn.execute(text("SELECT key, value FROM clientdesk_meta"))}
        assert meta["application"] == "clientdesk"
        assert "created_at" in meta
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_models_match_migrations(database: Database) -> None:
    """A model change without a migration shows up here as a difference."""
    with database.engine.connect() as conn:
        # The FTS5 search index (migration 0002) and its shadow tables have no model.
        def not_search_index(name: str | None, type_: str, _parents: object) -> bool:
            return not (type_ == "table" and (name or "").startswith(SEARCH_TABLE))

        opts = {"compare_type": True, "include_name": not_search_index}
        context = MigrationContext.configure(conn, opts=opts)
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == []


def test_upgrade_from_first_revision_keeps_rows(db_path: Path) -> None:
    revisions = list(reversed([r.revision for r in migrate.script_directory().walk_revisions()]))
    engine = make_engine(str(db_path))
    migrate.upgrade(engine, revisions[0])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, code, name, kind, status, grade, grade_fixed,"
                " pinyin, pinyin_initials, name_key, created_at, updated_at)"
                " VALUES (1, 'C000001', '北京华信科技有限公司', 'direct', 'active', 'B', 0,"
                " 'beijinghuaxin', 'bjhx', '北京华信科技', '2024-01-02 03:04:05',"
                " '2024-01-02 03:04:05')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contacts (customer_id, name, is_primary, phone_digits,"
                " mobile_digits, created_at, updated_at)"
                " VALUES (1, '王伟', 1, '', '13800138000', '2024-01-02', '2024-01-02')"
            )
        )
    engine.dispose()
    db = open_database(str(db_path))  # upgrades to head on open
    with Session(db.engine) as session:
        from clientdesk.domain import Contact, Customer

        customer = session.get(Customer, 1)
        assert customer is not None
        assert customer.name == "北京华信科技有限公司"
        assert customer.grade == "B"
        assert [c.name for c in session.exec(select(Contact)).all()] == ["王伟"]
    with db.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
    db.dispose()


def test_downgrade_to_base_and_back(db_path: Path) -> None:
    from alembic import command

    db = open_database(str(db_path))
    with db.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "base")
    with db.engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "head")
        assert migrate.current_revision(conn) == migrate.head_revision()
    db.dispose()


def test_newer_schema_is_refused(db_path: Path) -> None:
    open_database(str(db_path)).dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfeed'")
    with pytest.raises(SchemaTooNewError, match="newer clientdesk"):
        open_database(str(db_path))


def test_foreign_database_is_refused_untouched(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine')")
    before = db_path.read_bytes()
    with pytest.raises(NotClientdeskDatabaseError, match="not a clientdesk one"):
        open_database(str(db_path))
    with sqlite3.connect(db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"notes"}
    assert db_path.read_bytes() == before


def test_garbage_file_is_reported_as_corrupt(db_path: Path) -> None:
    db_path.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    with pytest.raises(CorruptDatabaseError) as caught:
        open_database(str(db_path))
    assert str(db_path) in str(caught.value)
    assert "backup" in str(caught.value)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a folder"):
        open_database(str(tmp_path))


def test_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(str(tmp_path / "nope.db"), create=False)
    assert not (tmp_path / "nope.db").exists()


def test_sqlalchemy_url_is_accepted(db_path: Path) -> None:
    db = open_database(f"sqlite:///{db_path}")
    assert db.path == db_path.resolve()
    db.dispose()


def test_second_writer_waits_instead_of_failing(database: Database) -> None:
    """The app and a scripted import write at once: the second one waits for the first."""
    held = threading.Event()

    def hold_lock() -> None:
        with writer(database.engine).begin() as conn:
            conn.execute(text("INSERT INTO clientdesk_meta (key, value) VALUES ('a', '1')"))
            held.set()
            time.sleep(0.5)

    thread = threading.Thread(target=hold_lock)
    thread.start()
    held.wait()
    other = make_engine(str(database.path))
    with writer(other).begin() as conn:
        conn.execute(text("INSERT INTO clientdesk_meta (key, value) VALUES ('b', '2')"))
    thread.join()
    other.dispose()
    with database.engine.connect() as conn:
        keys = set(conn.execute(text("SELECT key FROM clientdesk_meta")).scalars())
    assert {"a", "b"} <= keys


def test_info_counts_rows(database: Database) -> None:
    with Session(database.engine) as session:
        create_customer(CustomerCreate(name="上海浦东发展公司"), session=session, actor="t")
        session.commit()
    info = database_info(database)
    assert info.counts["customers"] == 1
    assert info.counts["audit_entries"] == 1
    assert info.up_to_date
    assert info.size_bytes and info.size_bytes > 0


def test_check_finds_broken_foreign_key(database: Database) -> None:
    assert check_database(database).ok
    with sqlite3.connect(database.path) as conn:  # type: ignore[arg-type]
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO contacts (customer_id, name, is_primary, phone_digits, mobile_digits,"
            " created_at, updated_at) VALUES (999, 'x', 0, '', '', '2024-01-01', '2024-01-01')"
        )
    result = check_database(database)
    assert not result.ok
    assert any("contacts" in p and "customers" in p for p in result.problems)
