"""`clientdesk db copy`: every record into a new, empty database, all or nothing.

The source is a small demo database in a SQLite file. In the PostgreSQL run
(CLIENTDESK_TEST_BACKEND=postgresql) the round trip goes through a PostgreSQL database:
SQLite → PostgreSQL → SQLite must give back the same rows, byte for byte.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.demo import build_demo
from clientdesk.domain import Contract, Customer
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.errors import UsageError
from clientdesk.storage import transfer
from clientdesk.storage.database import Database, open_database, read_meta
from clientdesk.storage.inspect import check_database
from clientdesk.storage.transfer import copy_database, tables_to_copy
from conftest import BACKEND

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database, with a subsidiary whose parent has the higher id and a renewal."""
    path = tmp_path_factory.mktemp("copy") / "source.db"
    db = open_database(str(path))
    build_demo(db.engine, customers=60, seed=3, today=TODAY)
    with Session(db.engine) as s:
        child = s.exec(select(Customer).order_by(col(Customer.id))).first()
        assert child is not None
        parent = create_customer(
            CustomerCreate(name="后建母公司集团有限公司"), session=s, actor="t"
        )
        child.parent_id = parent.id
        first, second = s.exec(select(Contract).order_by(col(Contract.id)).limit(2)).all()
        first.renewal_of_id = second.id  # a contract renewing a later-numbered one
        s.add_all([child, first])
        s.commit()
        assert parent.id is not None and child.id is not None and parent.id > child.id
    db.dispose()
    return path


@pytest.fixture
def source(demo_file: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "source.db"
    path.write_bytes(demo_file.read_bytes())
    db = open_database(str(path))
    yield db
    db.dispose()


@pytest.fixture
def middle(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the run's backend: PostgreSQL in the PostgreSQL run."""
    if BACKEND == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return str(tmp_path / "middle.db")


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every copied table, as SQLite stores it."""
    conn = sqlite3.connect(path)
    try:
        return {
            table.name: conn.execute(f'SELECT * FROM "{table.name}" ORDER BY 1').fetchall()  # noqa: S608
            for table in tables_to_copy()
        }
    finally:
        conn.close()


def test_a_round_trip_gives_back_every_row_unchanged(
    source: Database, middle: str, tmp_path: Path
) -> None:
    there = copy_database(source, middle)
    assert there.counts["customers"] == 61 and there.rows > 1000
    other = open_database(middle, create=False)
    try:
        back = copy_database(other, str(tmp_path / "back.db"))
        assert check_database(other).ok
    finally:
        other.dispose()
    assert back.counts == there.counts
    assert source.path is not None
    assert dump(tmp_path / "back.db") == dump(source.path)
    copy = open_database(str(tmp_path / "back.db"), create=False)
    try:
        result = check_database(copy)  # integrity, foreign keys, the search index mirrors
        assert result.ok, result.problems
        meta = read_meta(copy)
    finally:
        copy.dispose()
    assert meta.pop("copied_from") == other.label and meta.pop("copied_at")
    assert meta == read_meta(source)  # when and by which version the data was first made


def test_new_records_get_new_numbers_after_a_copy(source: Database, middle: str) -> None:
    copy_database(source, middle)
    other = open_database(middle, create=False)
    try:
        with Session(other.engine) as s:
            highest = s.exec(select(sa.func.max(Customer.id))).one()
            made = create_customer(
                CustomerCreate(name="复制后新客户有限公司"), session=s, actor="t"
            )
            s.commit()
            assert made.id == highest + 1
    finally:
        other.dispose()


def test_a_target_holding_data_is_refused_and_left_alone(source: Database, tmp_path: Path) -> None:
    target = tmp_path / "full.db"
    copy_database(source, str(target))
    before = target.read_bytes()
    with pytest.raises(UsageError, match="already holds data"):
        copy_database(source, str(target))
    assert target.read_bytes() == before
    with pytest.raises(UsageError, match="into itself"):
        copy_database(source, str(source.path))


def test_a_failure_half_way_keeps_nothing(
    source: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = transfer._copy_table
    copied: list[str] = []

    def failing(src: Any, dst: Any, table: Any, total: int, progress: Any) -> int:
        if copied and table.name == "visits":
            raise OSError(28, "No space left on device")
        copied.append(table.name)
        return int(real(src, dst, table, total, progress))

    monkeypatch.setattr(transfer, "_copy_table", failing)
    new = tmp_path / "new.db"
    with pytest.raises(OSError, match="No space"):
        copy_database(source, str(new))
    assert "customers" in copied and not new.exists()
    assert not list(tmp_path.glob("new.db*"))

    empty = tmp_path / "empty.db"
    open_database(str(empty)).dispose()  # an existing, empty database stays empty
    with pytest.raises(OSError, match="No space"):
        copy_database(source, str(empty))
    conn = sqlite3.connect(empty)
    assert conn.execute("SELECT count(*) FROM customers").fetchone() == (0,)
    conn.close()


def test_cli_copies_reports_and_refuses_with_exit_codes(source: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "cli.db"
    where = ["--db", str(source.path), "db", "copy"]
    result = runner.invoke(app, [*where, str(target), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["counts"]["customers"] == 61 and doc["target"] == str(target)
    result = runner.invoke(app, [*where, str(target)])
    assert result.exit_code == 2
    assert "already holds data (61 rows in customers)" in result.stderr
    assert "Traceback" not in result.output
    result = runner.invoke(app, [*where, str(tmp_path / "second.db")])
    assert result.exit_code == 0
    assert "copied" in result.stdout and "Open it with: clientdesk --db" in result.stdout


def test_each_customers_last_visit_is_recomputed_on_the_copy(source: Database, middle: str) -> None:
    """Derived data is rebuilt on the target in one pass (triggers off while loading)."""
    copy_database(source, middle)
    other = open_database(middle, create=False)
    query = select(Customer.id, Customer.last_visit_at).order_by(col(Customer.id))
    try:
        with Session(source.engine) as a, Session(other.engine) as b:
            before, after = a.exec(query).all(), b.exec(query).all()
    finally:
        other.dispose()
    assert after == before
    assert sum(last is not None for _, last in after) > 30


# -- exports read the same from either backend ------------------------------------------------


def _exported(database: Database, entity: str, options: Any) -> bytes:
    from clientdesk.exchange.export import export_entity

    buffer = io.BytesIO()
    export_entity(database, entity, buffer, options)
    return buffer.getvalue()


def _with_odd_values(database: Database) -> None:
    """Times with seconds and fractions, a few cents, and text a spreadsheet would run."""
    with Session(database.engine) as s:
        odd = CustomerCreate(
            name="=HYPERLINK(1)",
            created_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            registered_capital_cents=5,
            notes='+86 line one\nline two, with "quotes"',
        )
        create_customer(odd, session=s, actor="t")
        whole = CustomerCreate(
            name="整秒客户", created_at=datetime(2025, 6, 1, 8, 0, 7, tzinfo=UTC)
        )
        create_customer(whole, session=s, actor="t")
        s.commit()


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_every_export_is_the_same_from_the_copy(
    source: Database, middle: str, fmt: str, headers: str
) -> None:
    from clientdesk.exchange.export import ENTITIES, ExportOptions, zone_of

    _with_odd_values(source)
    copy_database(source, middle)
    other = open_database(middle, create=False)
    zone = zone_of("Asia/Shanghai")
    try:
        for entity in ENTITIES:
            options = ExportOptions(format=fmt, headers=headers, zone=zone, excel=fmt == "csv")
            mine, theirs = _exported(source, entity, options), _exported(other, entity, options)
            assert theirs == mine, entity
            assert mine.count(b"\n") > 3
    finally:
        other.dispose()


def test_filtered_xlsx_and_vcard_exports_are_the_same_from_the_copy(
    source: Database, middle: str
) -> None:
    from openpyxl import load_workbook

    from clientdesk.exchange.export import ExportFilters, ExportOptions

    _with_odd_values(source)
    copy_database(source, middle)
    other = open_database(middle, create=False)
    filters = ExportFilters(grade=["A", "B"], status=["active"])
    try:
        cards = ExportOptions(format="vcf")
        assert _exported(other, "contacts", cards) == _exported(source, "contacts", cards)
        for entity in ("customers", "transactions", "complaints"):
            options = ExportOptions(format="xlsx", headers="zh", filters=filters)
            sheets = [
                list(load_workbook(io.BytesIO(_exported(db, entity, options))).active.values)
                for db in (source, other)
            ]
            assert sheets[0] == sheets[1] and len(sheets[0]) > 1, entity
    finally:
        other.dispose()
