"""The fast paths of a customer import give what the slow paths give: the search index
filled in one statement equals the one its triggers build row by row, the checks are
repeated at commit exactly when the database changed, and a failure after the bulk
writes leaves the database (triggers included) byte for byte as it was."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from clientdesk.errors import ConflictError, DatabaseError
from clientdesk.exchange import batches
from clientdesk.exchange import customers as customer_import
from clientdesk.exchange.importer import EntityImport, set_based_insert, validate_import
from clientdesk.exchange.sources import open_sheet
from clientdesk.storage.database import Database, open_database
from data.corpus import count, fingerprint, rows, run_import

HEADER = "客户编号,公司名称,简称,联系人,电话,手机,邮箱,上级客户编号\n"
SEARCH = "SELECT rowid, names, code, pinyin, contacts, phones FROM customer_search ORDER BY rowid"
TRIGGERS = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"


def sheet_text(first: int, count: int) -> str:
    """Customers with and without a key contact, e-mail and phones, some in a group."""
    lines = [HEADER]
    for n in range(first, first + count):
        contact = f"联系人{n},010-{n:08d},138{n:08d},c{n}@example.cn" if n % 3 else ",,,"
        parent = f"C{first:06d}" if n % 5 == 0 and n != first else ""
        lines.append(f"C{n:06d},华信{n}科技有限公司,华信{n},{contact},{parent}\n")
    return "".join(lines)


def imported(database: Database, text: str, **options: Any) -> None:
    report = run_import(database, "customers.csv", text.encode(), **options)
    assert report.ok, report.problems


def test_the_bulk_search_index_equals_the_one_the_triggers_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk = open_database(str(tmp_path / "bulk.db"))
    per_row = open_database(str(tmp_path / "per_row.db"))
    try:
        triggers = rows(bulk, TRIGGERS)
        imported(bulk, sheet_text(1, 60))
        imported(bulk, sheet_text(61, 40))  # into a table that holds customers already
        with monkeypatch.context() as patch:
            patch.setattr(customer_import, "set_based_insert", lambda *_: None)
            imported(per_row, sheet_text(1, 60))
            imported(per_row, sheet_text(61, 40))
        assert count(bulk, "SELECT count(*) FROM customer_search") == 100
        assert rows(bulk, SEARCH) == rows(per_row, SEARCH)
        contacts = "SELECT id, customer_id, name, email, phone_digits FROM contacts ORDER BY id"
        assert rows(bulk, contacts) == rows(per_row, contacts)
        assert rows(bulk, TRIGGERS) == triggers  # put back as they were
        raw = bulk.engine.raw_connection()
        try:  # FTS5 checks its index against its content
            raw.cursor().execute(
                "INSERT INTO customer_search (customer_search) VALUES ('integrity-check')"
            )
        finally:
            raw.close()
    finally:
        bulk.dispose()
        per_row.dispose()


def test_set_based_form_of_the_live_trigger(database: Database) -> None:
    [(sql,)] = rows(database, "SELECT sql FROM sqlite_master WHERE name = 'customer_search_insert'")
    statement = set_based_insert(sql, "customers")
    assert statement is not None
    assert statement.startswith("INSERT INTO customer_search (rowid, names,")
    assert statement.endswith("FROM customers AS new WHERE new.id BETWEEN :first AND :last")
    assert set_based_insert(sql, "contacts") is None  # a trigger on another table
    other = "CREATE TRIGGER t AFTER INSERT ON customers BEGIN UPDATE x SET y = new.id; END"
    assert set_based_insert(other, "customers") is None  # not one INSERT ... VALUES
    two = (
        "CREATE TRIGGER t AFTER INSERT ON customers BEGIN INSERT INTO a (x) VALUES (new.id); "
        "UPDATE b SET y = (1); END"
    )
    assert set_based_insert(two, "customers") is None  # two statements
    quoted = (
        "CREATE TRIGGER t AFTER INSERT ON customers FOR EACH ROW BEGIN "
        "INSERT INTO a (x, y) VALUES (new.id, ');(' || new.name); END"
    )
    assert set_based_insert(quoted, "customers") == (
        "INSERT INTO a (x, y) SELECT new.id, ');(' || new.name FROM customers AS new "
        "WHERE new.id BETWEEN :first AND :last"
    )


def test_a_failure_after_the_bulk_writes_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kept.db"
    database = open_database(str(path))
    imported(database, sheet_text(1, 10))
    database.dispose()
    before = fingerprint(path)

    def broken(*_: Any) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(batches, "record", broken)
    database = open_database(str(path))
    try:
        with pytest.raises(DatabaseError, match="disk"):
            run_import(database, "more.csv", sheet_text(11, 30).encode())
    finally:
        database.dispose()
    assert fingerprint(path) == before
    database = open_database(str(path))
    try:
        assert [name for name, _ in rows(database, TRIGGERS)][:2] == [
            "customer_search_contact_delete",
            "customer_search_contact_insert",
        ]
        assert count(database) == 10
    finally:
        database.dispose()


def _plan(database: Database, text: str) -> Any:
    sheet = open_sheet(io.BytesIO(text.encode()), "customers.csv")
    return validate_import(database, "customers", sheet)


def _other_connection(database: Database, sql: str) -> None:
    assert database.path is not None
    conn = sqlite3.connect(database.path)
    with conn:
        conn.execute(sql)
    conn.close()


def test_commit_repeats_the_checks_only_when_the_database_changed(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = customer_import.CustomerImport.check

    def counted(self: EntityImport, checks: Any) -> None:
        calls.append("check")
        original(self, checks)  # type: ignore[arg-type]

    monkeypatch.setattr(customer_import.CustomerImport, "check", counted)
    plan = _plan(database, sheet_text(1, 5))
    try:
        assert plan.report.ok
        plan.commit()
    finally:
        plan.close()
    assert calls == ["check"]  # nothing changed in between: the checks still hold

    calls.clear()
    plan = _plan(database, sheet_text(6, 5))
    try:
        _other_connection(database, "UPDATE customers SET notes = 'seen' WHERE id = 1")
        plan.commit()
    finally:
        plan.close()
    assert calls == ["check", "check"]  # another program wrote: checked again, still fine
    assert count(database) == 10


def test_a_conflicting_change_before_commit_writes_nothing(database: Database) -> None:
    imported(database, sheet_text(1, 3))
    plan = _plan(database, "客户编号,公司名称\nC000009,新公司\n")
    try:
        assert plan.report.ok
        # Someone stores C000009 between the check and the commit.
        _other_connection(
            database,
            "INSERT INTO customers (code, name, kind, status, grade, grade_fixed, pinyin, "
            "pinyin_initials, name_key, created_at, updated_at) VALUES ('C000009', '别家', "
            "'direct', 'prospect', 'D', 0, 'biejia', 'bj', '别家', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')",
        )
        with pytest.raises(ConflictError, match="changed while"):
            plan.commit()
    finally:
        plan.close()
    assert rows(database, "SELECT name FROM customers WHERE code = 'C000009'") == [("别家",)]
    assert count(database) == 4


def test_numbering_when_some_rows_are_skipped_or_lack_codes(database: Database) -> None:
    imported(database, "客户编号,公司名称\nC000002,甲公司\n")
    text = "客户编号,公司名称\n,乙公司\nC000002,甲公司\n,丙公司\nC000007,丁公司\n"
    imported(database, text, on_duplicate="skip")
    assert rows(database, "SELECT id, code, name FROM customers ORDER BY id") == [
        (1, "C000002", "甲公司"),
        (2, "C000008", "乙公司"),
        (3, "C000009", "丙公司"),
        (4, "C000007", "丁公司"),
    ]
    imported(database, "客户编号,公司名称,上级客户编号\n,戊公司,C000007\n,己公司,\n")
    assert rows(database, "SELECT id, code, parent_id FROM customers WHERE id > 4") == [
        (5, "C000010", 4),
        (6, "C000011", None),
    ]
