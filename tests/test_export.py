"""Exports: every format, Excel-ready CSV, filters and columns, vCard 4.0, owner-only files,
and no formula injection (while numbers stay numbers)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.errors import UsageError
from clientdesk.exchange.export import ExportFilters, ExportOptions, Out, csv_sql, export_entity
from clientdesk.storage.database import Database
from data.corpus import run_import

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHEET = (
    "客户编号,公司名称,客户类型,等级,区域,客户经理,建档日期,注册资本,联系人,职务,电话,手机,邮箱,备注\n"
    "C000001,北京华信科技有限公司,供应商,A,华北,王芳,2024-03-05 09:30,1234567.5,张伟,总经理,"
    '010-12345678,13800138000,zw@huaxin.cn,"第一行\n第二行"\n'
    'C000002,"Acme, ""The"" Company",direct,C,华东,李雷,2024-03-06,,,,,,,\n'
)
EVIL = {
    "name": '=HYPERLINK("http://evil","点我")',
    "short_name": "@SUM(1+1)",
    "address": "-2+3",
    "notes": "+cmd|' /C calc'!A0",
    "industry": "\t=1",
}


@pytest.fixture
def filled(database: Database) -> Database:
    report = run_import(database, "c.csv", SHEET.encode())
    assert report.ok, report.problems
    return database


def export(database: Database, entity: str = "customers", **options: object) -> bytes:
    out = io.BytesIO()
    opts = ExportOptions(zone=SHANGHAI, **options)  # type: ignore[arg-type]
    export_entity(database, entity, out, opts)
    return out.getvalue()


def test_plain_csv(filled: Database) -> None:
    columns = ["code", "name", "kind", "grade", "created_at", "registered_capital_cents"]
    data = export(filled, columns=[*columns, "contact_mobile", "notes"])
    text = data.decode("utf-8")
    assert text.splitlines()[0] == text.split("\r\n")[0]
    assert not data.startswith(b"\xef\xbb\xbf")
    assert text.count("\r\n") == 3  # RFC 4180 line ends; the line break inside a cell stays LF
    assert text.splitlines()[0] == (
        "Customer code,Company name,Customer type,Grade,Opened on,Registered capital,Mobile,Notes"
    )
    first = "C000001,北京华信科技有限公司,supplier,A,2024-03-05 09:30,1234567.50,13800138000"
    assert first + ',"第一行\n第二行"' in text
    assert 'C000002,"Acme, ""The"" Company",direct,C,2024-03-06 00:00,,,' in text


def test_chinese_headers_and_labels(filled: Database) -> None:
    text = export(filled, headers="zh", columns=["客户编号", "客户类型", "状态"]).decode()
    assert text.splitlines() == [
        "客户编号,客户类型,状态",
        "C000001,供应商,潜在客户",
        "C000002,直接用户,潜在客户",
    ]


def test_excel_csv_has_bom_and_crlf_and_gb18030_works(filled: Database) -> None:
    data = export(filled, excel=True, columns=["code", "name"])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 3
    data = export(filled, excel=True, encoding="gb18030", columns=["name", "contact_name"])
    assert data.decode("gb18030").splitlines()[1] == "北京华信科技有限公司,张伟"


def test_encoding_that_cannot_hold_the_data_is_refused(filled: Database) -> None:
    from clientdesk.errors import ValidationError

    with pytest.raises(ValidationError, match="iso8859-1 cannot write"):
        export(filled, encoding="latin-1", columns=["name"])


def test_filters_and_columns(filled: Database) -> None:
    assert export(filled, filters=ExportFilters(grade=["a"]), columns=["code"]) == (
        b"Customer code\r\nC000001\r\n"
    )
    assert export(filled, filters=ExportFilters(region=["华东"]), columns=["code"]).endswith(
        b"C000002\r\n"
    )
    assert export(filled, filters=ExportFilters(status=["活跃"]), columns=["code"]) == (
        b"Customer code\r\n"
    )
    with pytest.raises(UsageError, match="have no column 'bogus'"):
        export(filled, columns=["bogus"])
    with pytest.raises(Exception, match="not a valid grade"):
        export(filled, filters=ExportFilters(grade=["Q"]))


def evil_customer(database: Database) -> None:
    with Session(database.engine) as session:
        create_customer(CustomerCreate(**EVIL), session=session, actor="t")
        session.commit()


def test_formula_injection_is_neutralised_in_csv(database: Database) -> None:
    evil_customer(database)
    text = export(database, columns=["name", "short_name", "address", "notes", "industry"])
    rows = list(csv.reader(io.StringIO(text.decode())))
    # The industry's leading tab was stripped when the customer was saved; "=1" remains.
    expected = [EVIL["name"], EVIL["short_name"], EVIL["address"], EVIL["notes"], "=1"]
    assert rows[1] == ["'" + value for value in expected]


def test_formula_injection_is_neutralised_in_xlsx(database: Database) -> None:
    from openpyxl import load_workbook

    evil_customer(database)
    data = export(database, format="xlsx", columns=["name", "short_name", "notes"])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = next(iter(sheet.iter_rows(min_row=2, values_only=False)))
    assert [c.value for c in cells] == ["'" + EVIL["name"], "'@SUM(1+1)", "'" + EVIL["notes"]]
    assert all(c.data_type == "s" for c in cells)


def test_real_negative_numbers_stay_numbers() -> None:
    db = sqlite3.connect(":memory:")
    money = Out("amount", "x", "money")
    text = Out("label", "x", "text")
    columns = f"{csv_sql(money, 'en', UTC)}, {csv_sql(text, 'en', UTC)}"
    sql = f"SELECT {columns} FROM (SELECT ? AS x)"  # noqa: S608
    assert db.execute(sql, (-1250,)).fetchone() == ("-12.50", -1250)
    assert db.execute(sql, ("-12.50",)).fetchone()[1] == "'-12.50"  # text stays text
    assert db.execute(sql, (5,)).fetchone()[0] == "0.05"


def test_xlsx_cells_are_typed(filled: Database) -> None:
    from openpyxl import load_workbook

    data = export(filled, format="xlsx", columns=["code", "created_at", "registered_capital_cents",
                                                 "grade_fixed", "contact_phone"])  # fmt: skip
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Customer code", "Opened on", "Registered capital", "Grade fixed", "Phone")
    assert values[1] == ("C000001", datetime(2024, 3, 5, 9, 30), 1234567.5, False, "010-12345678")


def test_json_and_json_lines_are_typed(filled: Database) -> None:
    records = json.loads(export(filled, format="json", columns=["code", "grade_fixed",
                                                               "registered_capital_cents",
                                                               "created_at"]))  # fmt: skip
    assert records[0] == {
        "code": "C000001",
        "grade_fixed": False,
        "registered_capital_cents": 1234567.5,
        "created_at": "2024-03-05T09:30:00+08:00",
    }
    lines = export(filled, format="jsonl", headers="zh", columns=["code", "kind"]).splitlines()
    assert [json.loads(line) for line in lines] == [
        {"客户编号": "C000001", "客户类型": "供应商"},
        {"客户编号": "C000002", "客户类型": "直接用户"},
    ]


def test_vcard_for_contacts(filled: Database) -> None:
    with Session(filled.engine) as session:
        session.connection().exec_driver_sql(
            "UPDATE contacts SET notes = ? WHERE id = 1",
            ("负责采购审批; 喜欢电话沟通, 周一不在\n" + "很长的备注" * 20,),
        )
        session.commit()
    data = export(filled, entity="contacts", format="vcf")
    assert data.count(b"BEGIN:VCARD\r\n") == 1
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    unfolded = data.replace(b"\r\n ", b"").decode()
    assert "VERSION:4.0" in unfolded
    assert "FN:张伟" in unfolded and "N:张;伟;;;" in unfolded
    assert "ORG:北京华信科技有限公司" in unfolded
    assert "TEL;TYPE=work,voice;VALUE=text:010-12345678" in unfolded
    assert "TEL;TYPE=cell,voice;VALUE=text:13800138000" in unfolded
    assert "NOTE:负责采购审批\\; 喜欢电话沟通\\, 周一不在\\n很长" in unfolded
    assert "UID:urn:uuid:" in unfolded
    with pytest.raises(UsageError, match="vCard"):
        export(filled, format="vcf")


def test_records_export_with_customer_columns(filled: Database) -> None:
    report = run_import(
        filled,
        "t.csv",
        "客户编号,类型,金额,日期\nC000001,销售,12.5,2024-03-01\n".encode(),
        entity="transactions",
    )
    assert report.ok
    text = export(filled, entity="transactions", headers="zh").decode()
    assert text.splitlines() == [
        "客户编号,公司名称,合同编号,类型,金额,币种,日期,到期日,付款日期,单据号,备注",
        "C000001,北京华信科技有限公司,,销售,12.50,CNY,2024-03-01,,,,",
    ]


def test_cli_export_writes_owner_only_files(
    tmp_path: Path, filled: Database, db_path: Path
) -> None:
    runner = CliRunner()
    target = tmp_path / "out.csv"
    target.write_text("old, readable by all")
    target.chmod(0o644)
    result = runner.invoke(app, ["--db", str(db_path), "export", "customers", "-o", str(target),
                                 "--excel", "--columns", "code,name"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"\xef\xbb\xbfCustomer code,Company name\r\n")
    assert "Exported 2 customers" in result.stderr
    result = runner.invoke(app, ["--db", str(db_path), "export", "customers", "--columns", "code"])
    assert result.stdout.splitlines() == ["Customer code", "C000001", "C000002"]
    result = runner.invoke(app, ["--db", str(db_path), "export", "visits", "-f", "vcf"])
    assert result.exit_code == 2 and "vCard" in result.stderr
    result = runner.invoke(app, ["--db", str(db_path), "export", "all", "-f", "csv"])
    assert result.exit_code == 2
    assert not list(tmp_path.glob(".out.csv.*"))  # no temporary file left behind
