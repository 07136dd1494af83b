"""The bad-file corpus for import tests, built in code so every byte is explained.

Each entry: (name, file name, bytes, text expected in the message). Binary and encoded
files are generated here rather than committed, so the encodings are exact and reviewable.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from clientdesk.exchange.importer import ImportOptions, validate_import
from clientdesk.exchange.report import ImportReport
from clientdesk.exchange.sources import SourceError, open_sheet
from clientdesk.storage.database import Database

HEADER_ZH = "客户编号,公司名称,等级,建档日期,联系人,电话\n"
GOOD_ROW = "C000010,北京华信科技有限公司,A,2024-03-05,张伟,010-12345678\n"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def truncated_xlsx() -> bytes:
    data = xlsx_bytes([["公司名称"], ["北京华信科技有限公司"]])
    return data[: len(data) // 2]


def xlsx_missing_sheet_xml() -> bytes:
    """A zip that looks like a workbook but lost its sheet (a damaged download)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["公司名称"], ["甲公司"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, source.read(item))
    return buffer.getvalue()


def bad_corpus() -> list[tuple[str, str, bytes, str]]:
    """Files that must be refused, each with a phrase its message must contain."""
    gbk_body = (HEADER_ZH + GOOD_ROW).encode("gb18030")
    latin = "公司名称,备注\n甲公司,ok\n".encode() + b"\xe4\xb9\x99\xff\xfe,bad\n"
    mixed = ("公司名称\n甲公司\n").encode() + "乙公司\n".encode("gb18030")
    return [
        ("not utf-8 nor gb18030", "bad.csv", latin, "line 3 does not decode"),
        ("utf-8 then gb18030", "mixed.csv", mixed, "line 3 does not decode as utf-8"),
        ("wrong --encoding", "gbk.csv", gbk_body, "does not decode as utf-8"),
        (
            "missing required column",
            "nocol.csv",
            csv_bytes("客户编号,等级\nC000001,A\n"),
            "required column 公司名称 (Company name) is missing",
        ),
        (
            "bad dates",
            "dates.csv",
            csv_bytes("公司名称,建档日期\n甲公司,2024-13-45\n乙公司,05/03/2024\n丙公司,明天\n"),
            "is not a calendar date",
        ),
        (
            "duplicate codes in file",
            "dups.csv",
            csv_bytes("客户编号,公司名称\nC000001,甲公司\nC000001,乙公司\n"),
            "repeats the customer code of line 2",
        ),
        (
            "1 MB field",
            "big.csv",
            csv_bytes('公司名称,备注\n甲公司,"' + "x" * (1 << 20) + '"\n'),
            "longer than 128 KiB",
        ),
        (
            "unclosed quote",
            "quote.csv",
            csv_bytes('公司名称,备注\n甲公司,"never closed\n乙公司,x\n'),
            "never closed",
        ),
        ("empty file", "empty.csv", b"", "is empty"),
        ("header only", "header.csv", csv_bytes(HEADER_ZH), "no data rows"),
        (
            "binary garbage",
            "garbage.csv",
            bytes(range(256)) * 16,
            "not a text file",
        ),
        ("truncated xlsx", "cut.xlsx", truncated_xlsx(), "not a readable XLSX workbook"),
        (
            "xlsx without its sheet",
            "nosheet.xlsx",
            xlsx_missing_sheet_xml(),
            "not a readable XLSX workbook",
        ),
        (
            "formula cells csv",
            "formula.csv",
            csv_bytes('公司名称,备注\n"=HYPERLINK(""http://x"")",a\n'),
            "is a spreadsheet formula",
        ),
        (
            "formula cells xlsx",
            "formula.xlsx",
            xlsx_bytes([["公司名称", "备注"], ["甲公司", "=1+2"]]),
            "is a spreadsheet formula",
        ),
        (
            "bad grade and phone",
            "values.csv",
            csv_bytes("公司名称,等级,电话,联系人\n甲公司,E,12,张三\n"),
            "is not one of",
        ),
        (
            "old xls",
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "old binary Excel",
        ),
        (
            "json not records",
            "list.json",
            csv_bytes("[1, 2, 3]"),
            "not a record",
        ),
        (
            "broken json lines",
            "broken.jsonl",
            csv_bytes('{"公司名称": "甲公司"}\n{"公司名称": \n'),
            "line 2 is not valid JSON",
        ),
    ]


def fingerprint(path: Path) -> str:
    """The database file's bytes after folding the WAL in: equal means nothing was written."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_import(
    database: Database, name: str, data: bytes, entity: str = "customers", **kwargs: Any
) -> ImportReport:
    """Validate and (when valid) commit, as the CLI does; the report, or the refusal."""
    read = {k: kwargs.pop(k) for k in ("encoding", "format", "sheet") if k in kwargs}
    try:
        sheet = open_sheet(io.BytesIO(data), name, **read)
    except SourceError as exc:
        report = ImportReport(entity=entity, source=name)
        report.add(exc.line, "", "", exc.message)
        return report
    plan = validate_import(database, entity, sheet, ImportOptions(**kwargs))
    try:
        if plan.report.ok:
            plan.commit()
        return plan.report
    finally:
        plan.close()


def count(database: Database, sql: str = "SELECT count(*) FROM customers") -> Any:
    raw = database.engine.raw_connection()
    try:
        return raw.cursor().execute(sql).fetchone()[0]
    finally:
        raw.close()


def rows(database: Database, sql: str) -> list[tuple[Any, ...]]:
    raw = database.engine.raw_connection()
    try:
        return list(raw.cursor().execute(sql).fetchall())
    finally:
        raw.close()
