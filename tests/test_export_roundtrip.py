"""Round trips over random customers (CJK, emoji, quotes, commas, line breaks, formula-like
text): export → import into an empty database → the same records; and the JSON snapshot
gives identical bytes after a restore."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import add_contact, create_customer
from clientdesk.exchange.export import ExportOptions, export_entity
from clientdesk.exchange.snapshot import export_snapshot, import_snapshot
from clientdesk.storage.database import Database, open_database
from data.corpus import rows, run_import

SHANGHAI = ZoneInfo("Asia/Shanghai")
TRICKY = "\n\r\",;\t'=+-@😀公銀é "
CHARS = st.one_of(
    st.sampled_from(TRICKY),
    st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")),
)
COLUMNS = (
    "code, name, short_name, kind, special_kind, industry, region, address, credit_code, "
    "registered_capital_cents, owner, status, grade, grade_fixed, market_share_rating, notes, "
    "created_at, verified_at, pinyin, pinyin_initials, name_key"
)


def one_line(max_size: int) -> st.SearchStrategy[str]:
    return (
        st.text(CHARS, min_size=1, max_size=max_size)
        .map(lambda t: " ".join(t.split()))
        .filter(bool)
    )


def notes() -> st.SearchStrategy[str | None]:
    return st.none() | st.text(CHARS, min_size=1, max_size=60).map(str.strip).filter(bool)


customers = st.lists(
    st.fixed_dictionaries(
        {
            "name": one_line(40),
            "short_name": st.none() | one_line(20),
            "kind": st.sampled_from(["supplier", "distributor", "agreement", "direct"]),
            "industry": st.none() | one_line(20),
            "region": st.none() | st.sampled_from(["华东", "华北", "West"]),
            "address": st.none() | one_line(60),
            "registered_capital_cents": st.none() | st.integers(0, 10**14),
            "owner": st.none() | one_line(10),
            "status": st.sampled_from(["prospect", "active", "dormant", "lost"]),
            "grade": st.sampled_from("ABCD"),
            "grade_fixed": st.booleans(),
            "market_share_rating": st.none() | st.integers(0, 5),
            "notes": notes(),
            "contact": st.none() | one_line(20),
        }
    ),
    min_size=1,
    max_size=4,
)


def fill(database: Database, records: list[dict[str, Any]]) -> None:
    with Session(database.engine) as session:
        for record in records:
            contact = record.pop("contact")
            customer = create_customer(CustomerCreate(**record), session=session, actor="t")
            if contact is not None:
                assert customer.id is not None
                add_contact(
                    ContactCreate(customer_id=customer.id, name=contact, phone="010-1234 5678"),
                    session=session,
                    actor="t",
                )
        session.commit()


def exported(database: Database, entity: str, fmt: str) -> bytes:
    out = io.BytesIO()
    export_entity(database, entity, out, ExportOptions(format=fmt, zone=SHANGHAI))
    return out.getvalue()


def cells(workbook: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(workbook)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=customers, fmt=st.sampled_from(["csv", "xlsx", "jsonl", "tsv"]))
def test_customers_round_trip(records: list[dict[str, Any]], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = open_database(str(Path(folder) / "a.db"))
        target = open_database(str(Path(folder) / "b.db"))
        try:
            fill(source, [dict(r) for r in records])
            data = exported(source, "customers", fmt)
            report = run_import(target, f"customers.{fmt}", data)
            assert report.ok, (report.problems, data[:500])
            columns = COLUMNS
            if fmt == "xlsx":  # XLSX keeps times to the second
                columns = COLUMNS.replace("created_at", "substr(created_at, 1, 19)")
            query = f"SELECT {columns} FROM customers ORDER BY code"  # noqa: S608
            assert rows(target, query) == rows(source, query)
            contacts = "SELECT customer_id, name, phone, is_primary FROM contacts ORDER BY id"
            assert rows(target, contacts) == rows(source, contacts)
            again = exported(target, "customers", fmt)
            if fmt == "xlsx":  # the workbook's properties hold the time it was written
                assert cells(again) == cells(data)
            else:
                assert again == data
        finally:
            source.dispose()
            target.dispose()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=customers)
def test_snapshot_export_restore_export_is_identical(records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = open_database(str(Path(folder) / "a.db"))
        target = open_database(str(Path(folder) / "b.db"))
        try:
            fill(source, [dict(r) for r in records])
            first = io.BytesIO()
            export_snapshot(source, first)
            report = import_snapshot(target, io.BytesIO(first.getvalue()), "snap.json")
            assert report.ok, report.problems
            second = io.BytesIO()
            export_snapshot(target, second)
            assert second.getvalue() == first.getvalue()
        finally:
            source.dispose()
            target.dispose()


def test_fraction_near_a_whole_second_round_trips() -> None:
    """SQLite rounds times to milliseconds; .999692 must not become the next second."""
    import sqlite3

    from clientdesk.exchange.timezones import local_time_sql

    conn = sqlite3.connect(":memory:")
    sql = local_time_sql("t", UTC)
    got = conn.execute(f"SELECT {sql} FROM (SELECT ? AS t)", ("2026-11-28 12:33:38.999692",))  # noqa: S608
    assert got.fetchone()[0] == "2026-11-28 12:33:38.999692"
