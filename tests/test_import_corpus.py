"""The bad-file corpus: each file is refused with its message, the database left byte for byte
as it was; and the awkward-but-valid files (GBK without BOM, BOM + Chinese headers, UTF-16,
semicolons, multi-line cells, Excel serial dates) import exactly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clientdesk.errors import UsageError
from clientdesk.exchange.sources import open_sheet
from clientdesk.storage.database import Database, open_database
from data.corpus import GOOD_ROW, HEADER_ZH, bad_corpus, fingerprint, rows, run_import, xlsx_bytes


def seeded(db_path: Path) -> Database:
    database = open_database(str(db_path))
    report = run_import(database, "seed.csv", (HEADER_ZH + GOOD_ROW).encode())
    assert report.ok, report.problems
    return database


@pytest.mark.parametrize(
    ("name", "file", "data", "expected"), bad_corpus(), ids=[c[0] for c in bad_corpus()]
)
def test_bad_file_is_refused_and_database_unchanged(
    db_path: Path, name: str, file: str, data: bytes, expected: str
) -> None:
    database = seeded(db_path)
    database.dispose()
    before = fingerprint(db_path)
    database = open_database(str(db_path))
    options = {"encoding": "utf-8"} if name == "wrong --encoding" else {}
    report = run_import(database, file, data, **options)
    database.dispose()
    assert not report.ok
    messages = " | ".join(p.reason for p in report.problems)
    assert expected in messages
    assert report.batch is None
    assert fingerprint(db_path) == before


def test_bad_dates_are_all_listed_with_line_and_column(database: Database) -> None:
    data = "公司名称,建档日期\n甲公司,2024-13-45\n乙公司,05/03/2024\n丙公司,明天\n".encode()
    report = run_import(database, "dates.csv", data)
    assert [(p.line, p.column, p.value) for p in report.problems] == [
        (2, "建档日期", "2024-13-45"),
        (3, "建档日期", "05/03/2024"),
        (4, "建档日期", "明天"),
    ]
    assert "2024年3月5日" in report.problems[1].reason


def test_duplicate_code_in_database_is_refused_by_default(db_path: Path) -> None:
    database = seeded(db_path)
    database.dispose()
    before = fingerprint(db_path)
    database = open_database(str(db_path))
    data = (HEADER_ZH + GOOD_ROW.replace("北京华信科技有限公司", "别名公司")).encode()
    report = run_import(database, "again.csv", data)
    database.dispose()
    assert [p.line for p in report.problems] == [2]
    assert "already stored as customer C000010 北京华信科技有限公司" in report.problems[0].reason
    assert "--on-duplicate" in report.problems[0].reason
    assert fingerprint(db_path) == before


def test_undecodable_byte_is_named_by_line_and_offset(database: Database) -> None:
    data = "公司名称\n甲公司\n".encode() + b"\xff\xfe\n"
    report = run_import(database, "x.csv", data)
    (problem,) = report.problems
    offset = len("公司名称\n甲公司\n".encode())
    assert problem.line == 3
    assert f"byte offset {offset}: FF" in problem.reason


def test_gbk_without_bom_imports_exactly(database: Database) -> None:
    data = HEADER_ZH + GOOD_ROW + "C000011,上海銀行股份有限公司,B,2024/3/6,李娜,021-8888\n"
    report = run_import(database, "gbk.csv", data.encode("gb18030"))
    assert report.ok, report.problems
    assert report.encoding == "gb18030"
    names = rows(database, "SELECT name FROM customers ORDER BY id")
    assert names == [("北京华信科技有限公司",), ("上海銀行股份有限公司",)]


def test_ascii_start_then_gbk_switches_encoding(database: Database) -> None:
    lines = ["公司名称,备注"] + [f"Company {n},plain" for n in range(3000)] + ["甲公司,中文"]
    data = ("\n".join(lines) + "\n").encode("gb18030")
    report = run_import(database, "late.csv", data)
    assert report.ok, report.problems
    assert report.encoding == "gb18030"
    assert rows(database, "SELECT notes FROM customers WHERE name = '甲公司'") == [("中文",)]


def test_bom_and_chinese_headers(database: Database) -> None:
    report = run_import(database, "bom.csv", b"\xef\xbb\xbf" + (HEADER_ZH + GOOD_ROW).encode())
    assert report.ok, report.problems
    assert report.encoding == "utf-8-sig"
    assert rows(database, "SELECT code, name, grade FROM customers") == [
        ("C000010", "北京华信科技有限公司", "A")
    ]


def test_utf16_tab_separated_from_excel_unicode_text(database: Database) -> None:
    text = HEADER_ZH.replace(",", "\t") + GOOD_ROW.replace(",", "\t")
    report = run_import(database, "unicode.txt", text.encode("utf-16"))
    assert report.ok, report.problems
    assert rows(database, "SELECT phone FROM contacts") == [("010-12345678",)]


def test_semicolons_quotes_and_multiline_cells(database: Database) -> None:
    data = (
        'Company name;Notes;Contact;Mobile\n"Acme; Ltd";"line one\nline ""two""";Li;013800138000\n'
    )
    report = run_import(database, "semi.csv", data.encode())
    assert report.ok, report.problems
    assert rows(database, "SELECT name, notes FROM customers") == [
        ("Acme; Ltd", 'line one\nline "two"')
    ]
    # Phones stay text: the leading zero survives.
    assert rows(database, "SELECT mobile FROM contacts") == [("013800138000",)]


def test_excel_sep_hint_line(database: Database) -> None:
    report = run_import(database, "sep.csv", b"sep=;\nname;grade\nAcme;B\n")
    assert report.ok, report.problems
    assert rows(database, "SELECT name, grade FROM customers") == [("Acme", "B")]


def test_xlsx_serial_dates_numbers_and_sheet_choice(database: Database) -> None:
    from datetime import datetime

    data = xlsx_bytes(
        [
            ["公司名称", "建档日期", "联系人", "手机", "注册资本", "等级"],
            ["甲公司", datetime(2024, 3, 5), "张伟", 13800138000, 1234567.5, "b"],
            ["乙公司", 45356, "李娜", "013800138000", "¥1,000.00", "乙"],
        ]
    )
    report = run_import(database, "book.xlsx", data)
    problems = [(p.line, p.column, p.reason) for p in report.problems]
    assert problems == [(3, "等级", problems[0][2])]  # 乙 is not a grade
    assert "is not one of" in problems[0][2]
    fixed = xlsx_bytes(
        [
            ["公司名称", "建档日期", "联系人", "手机", "注册资本", "等级"],
            ["甲公司", datetime(2024, 3, 5), "张伟", 13800138000, 1234567.5, "b"],
            ["乙公司", 45356, "李娜", "013800138000", "¥1,000.00", "C"],
        ]
    )
    report = run_import(database, "book.xlsx", fixed)
    assert report.ok, report.problems
    found = rows(
        database,
        "SELECT c.name, c.created_at, k.mobile, c.registered_capital_cents, c.grade "
        "FROM customers c JOIN contacts k ON k.customer_id = c.id ORDER BY c.id",
    )
    # 2024-03-05 00:00 in Asia/Shanghai is 2024-03-04 16:00 UTC; serial 45356 is 2024-03-05.
    assert found == [
        ("甲公司", "2024-03-04 16:00:00.000000", "13800138000", 123456750, "B"),
        ("乙公司", "2024-03-04 16:00:00.000000", "013800138000", 100000, "C"),
    ]


def test_missing_column_is_reported_before_rows_are_read(database: Database) -> None:
    data = "客户编号,等级\n" + "".join(f"C{n:06d},Z\n" for n in range(50))
    report = run_import(database, "nocol.csv", data.encode())
    assert len(report.problems) == 1  # the bad grades were never looked at
    assert report.problems[0].line == 1


def test_unknown_format_option_is_a_usage_error(database: Database) -> None:
    with pytest.raises(UsageError, match="--format 'ods'"):
        open_sheet(io.BytesIO(b"a,b\n"), "x.csv", format="ods")


def test_unknown_sheet_lists_the_sheets(database: Database) -> None:
    data = xlsx_bytes([["公司名称"], ["甲"]])
    with pytest.raises(UsageError, match="no sheet named 'Kunden'; its sheets are: Sheet"):
        open_sheet(io.BytesIO(data), "book.xlsx", sheet="Kunden")
