"""Customer imports: the key contact and opening date from the row, generated codes, natural
keys and --on-duplicate, groups, unknown columns, dry runs, undo, and the search index."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlmodel import Session

from clientdesk.errors import ConflictError, NotFoundError
from clientdesk.exchange.batches import list_batches, undo_batch
from clientdesk.exchange.importer import validate_import
from clientdesk.exchange.sources import open_sheet
from clientdesk.storage.database import Database
from data.corpus import count, rows, run_import

SHEET = (
    "客户编号,公司名称,客户类型,等级,区域,客户经理,建档日期,统一社会信用代码,"
    "联系人,职务,电话,手机,邮箱,注册资本\n"
    ",北京华信科技有限公司,供应商,A,华北,王芳,2024年3月5日,91110108MA01XJ0Y5X,"
    '张伟,总经理,010-12345678,13800138000,zw@huaxin.cn,"¥1,000,000"\n'
    ",上海银驰环保科技有限公司,经销商,B,华东,,2024/3/6,,李娜,采购经理,,13900139000,,500万\n"
    ",Acme Trading Co. Ltd,direct,c,华南,,,,,,,,,\n"
)


def imported(database: Database, text: str = SHEET, **options: Any) -> Any:
    report = run_import(database, "customers.csv", text.encode(), **options)
    assert report.ok, report.problems
    return report


def test_rows_become_customers_with_key_contact_and_opening_date(database: Database) -> None:
    report = imported(database)
    assert (report.to_insert, report.batch) == (3, 1)
    found = rows(
        database,
        "SELECT code, name, kind, grade, region, owner, created_at, credit_code, "
        "registered_capital_cents, pinyin_initials, name_key FROM customers ORDER BY id",
    )
    assert found[0] == (
        "C000001", "北京华信科技有限公司", "supplier", "A", "华北", "王芳",
        "2024-03-04 16:00:00.000000", "91110108MA01XJ0Y5X", 100000000, "bjhxkjyxgs", "北京华信科技",
    )  # fmt: skip
    assert found[1][:4] == ("C000002", "上海银驰环保科技有限公司", "distributor", "B")
    assert found[1][8] == 500000000  # 500万
    assert found[2][:4] == ("C000003", "Acme Trading Co. Ltd", "direct", "C")
    contacts = rows(
        database,
        "SELECT customer_id, name, title, phone, mobile, email, is_primary, phone_digits "
        "FROM contacts ORDER BY id",
    )
    assert contacts == [
        (1, "张伟", "总经理", "010-12345678", "13800138000", "zw@huaxin.cn", 1, "01012345678"),
        (2, "李娜", "采购经理", None, "13900139000", None, 1, ""),
    ]


def test_generated_codes_continue_after_the_highest(database: Database) -> None:
    imported(database, "客户编号,公司名称\nC000041,甲公司\n")
    imported(database, "客户编号,公司名称\n,乙公司\nC000100,丙公司\n,丁公司\n")
    assert rows(database, "SELECT code, name FROM customers ORDER BY id") == [
        ("C000041", "甲公司"),
        ("C000101", "乙公司"),
        ("C000100", "丙公司"),
        ("C000102", "丁公司"),
    ]


def test_dry_run_reports_and_writes_nothing(database: Database) -> None:
    sheet = open_sheet(io.BytesIO(SHEET.encode()), "customers.csv")
    plan = validate_import(database, "customers", sheet)
    try:
        assert (plan.report.ok, plan.report.to_insert) == (True, 3)
    finally:
        plan.close()
    assert count(database) == 0
    assert count(database, "SELECT count(*) FROM audit_entries") == 0


def test_duplicates_inside_the_file_are_all_reported(database: Database) -> None:
    text = (
        "客户编号,公司名称,统一社会信用代码\n"
        "C000001,甲公司,\n"
        "C000001,乙公司,\n"
        ",丙公司,91110108MA01XJ0Y5X\n"
        ",丁公司,91110108MA01XJ0Y5X\n"
        ",ACME Trading Co. Ltd,\n"
        ',"Ａｃｍｅ  trading co., ltd.",\n'
    )
    report = run_import(database, "dups.csv", text.encode())
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        (3, "客户编号", "repeats the customer code of line 2"),
        (5, "统一社会信用代码", "repeats the credit code of line 4"),
        (7, "公司名称", "repeats the company name of line 6"),
    ]
    assert count(database) == 0


def test_on_duplicate_skip_and_update_by_code_credit_code_and_name(database: Database) -> None:
    imported(database)
    again = SHEET.replace("A,华北,王芳", "B,华北,赵强").replace("B,华东,,", "A,华东,钱七,")
    report = imported(database, again, on_duplicate="skip")
    assert (report.to_insert, report.to_skip) == (0, 3)
    assert rows(database, "SELECT grade FROM customers ORDER BY id") == [("A",), ("B",), ("C",)]
    report = imported(database, again, on_duplicate="update")
    assert (report.to_insert, report.to_update, report.unchanged) == (0, 3, 1)
    assert rows(database, "SELECT grade, owner FROM customers ORDER BY id") == [
        ("B", "赵强"),
        ("A", "钱七"),
        ("C", None),
    ]


def test_update_changes_the_key_contact_and_undo_restores_everything(database: Database) -> None:
    imported(database)
    before = rows(database, "SELECT * FROM customers ORDER BY id")
    contacts_before = rows(database, "SELECT * FROM contacts ORDER BY id")
    text = (
        "客户编号,公司名称,等级,联系人,手机\n"
        "C000001,北京华信科技集团有限公司,D,张伟,13700137000\n"
        "C000002,上海银驰环保科技有限公司,C,周杰,13600136000\n"
    )
    report = imported(database, text, on_duplicate="update")
    assert report.batch == 2
    assert rows(database, "SELECT name, grade, pinyin_initials FROM customers WHERE id = 1") == [
        ("北京华信科技集团有限公司", "D", "bjhxkjjtyxgs")
    ]
    assert rows(database, "SELECT mobile, mobile_digits FROM contacts WHERE id = 1") == [
        ("13700137000", "13700137000")
    ]
    # 周杰 is new at a customer that has a key contact already: added, not primary.
    assert rows(database, "SELECT customer_id, name, is_primary FROM contacts WHERE id = 3") == [
        (2, "周杰", 0)
    ]
    undone = undo_batch(database, 2, actor="tester")
    assert undone.updated == 2
    assert rows(database, "SELECT * FROM customers ORDER BY id") == before
    assert rows(database, "SELECT * FROM contacts ORDER BY id") == contacts_before
    with pytest.raises(ConflictError, match="already been undone"):
        undo_batch(database, 2, actor="tester")


def test_undo_of_an_insert_batch_and_its_refusals(database: Database) -> None:
    imported(database)
    with Session(database.engine) as session:  # a visit logged for an imported customer
        session.connection().exec_driver_sql(
            "INSERT INTO interactions (customer_id, kind, occurred_at, subject, created_at) "
            "VALUES (1, 'call', '2024-05-01 02:00:00.000000', '回访', '2024-05-01 02:00:00')"
        )
        session.commit()
    with pytest.raises(ConflictError, match="1 interactions"):
        undo_batch(database, 1, actor="tester")
    assert count(database) == 3
    with Session(database.engine) as session:
        session.connection().exec_driver_sql("DELETE FROM interactions")
        session.commit()
    undo_batch(database, 1, actor="tester")
    assert count(database) == 0
    assert count(database, "SELECT count(*) FROM contacts") == 0
    (batch,) = list_batches(database)
    assert batch.undone and batch.as_dict()["inserted"] == {"customers": 3, "contacts": 2}
    with pytest.raises(NotFoundError, match="no import batch 9"):
        undo_batch(database, 9, actor="tester")


def test_name_matching_more_than_one_customer_is_ambiguous(database: Database) -> None:
    imported(database, "客户编号,公司名称\nC000001,甲公司\nC000002,甲 公司 有限公司\n")
    report = run_import(
        database, "x.csv", "公司名称,等级\n甲公司,A\n".encode(), on_duplicate="update"
    )
    assert "matches 2 stored customers by name" in report.problems[0].reason


def test_credit_code_of_another_customer_is_refused(database: Database) -> None:
    imported(database)
    text = "客户编号,公司名称,统一社会信用代码\nC000099,新公司,91110108MA01XJ0Y5X\n"
    report = run_import(database, "x.csv", text.encode())
    # Matched by code (none), so this is a new customer carrying someone else's credit code.
    assert report.problems[0].reason == "already belongs to customer C000001 北京华信科技有限公司"


def test_group_parents_from_the_file_or_the_database(database: Database) -> None:
    imported(database, "客户编号,公司名称\nC000001,华信集团\n")
    text = (
        "客户编号,公司名称,上级客户编号\n"
        "C000011,华信北京,C000001\n"
        "C000012,华信北京海淀分公司,C000011\n"
        "C000013,孤儿公司,C009999\n"
    )
    report = run_import(database, "group.csv", text.encode())
    assert [(p.line, p.reason) for p in report.problems] == [
        (4, "matches no customer in the file or the database")
    ]
    imported(database, text.replace(",C009999", ","))
    parents = rows(
        database,
        "SELECT c.code, p.code FROM customers c LEFT JOIN customers p ON p.id = c.parent_id "
        "ORDER BY c.id",
    )
    assert parents == [
        ("C000001", None),
        ("C000011", "C000001"),
        ("C000012", "C000011"),
        ("C000013", None),
    ]


def test_parent_cycles_are_refused(database: Database) -> None:
    imported(database, "客户编号,公司名称,上级客户编号\nC000001,甲,\nC000002,乙,C000001\n")
    text = "客户编号,公司名称,上级客户编号\nC000001,甲,C000002\n"
    report = run_import(database, "cycle.csv", text.encode(), on_duplicate="update")
    assert "parent cycle" in report.problems[0].reason
    text = "客户编号,公司名称,上级客户编号\nC000003,丙,C000004\nC000004,丁,C000003\n"
    report = run_import(database, "cycle2.csv", text.encode())
    assert len(report.problems) == 2


def test_unknown_columns_are_reported_or_kept_in_notes(database: Database) -> None:
    text = "公司名称,备注,Firma,Umsatz\n甲公司,老客户,Alpha GmbH,12\n"
    report = imported(database, text)
    assert "'Firma', 'Umsatz'" in report.warnings[0]
    assert rows(database, "SELECT notes FROM customers") == [("老客户",)]
    report = imported(database, text.replace("甲公司", "乙公司"), keep_unknown=True)
    assert rows(database, "SELECT notes FROM customers WHERE name = '乙公司'") == [
        ("老客户\nFirma: Alpha GmbH\nUmsatz: 12",)
    ]
    imported(database, "Firma,Stufe\nGamma AG,B\n", mapping=["Firma=name", "Stufe=grade"])
    assert rows(database, "SELECT grade FROM customers WHERE name = 'Gamma AG'") == [("B",)]


def test_special_kind_implies_special_customers(database: Database) -> None:
    imported(database, "公司名称,特殊类别\n中国银行北京分行,银行\n")
    assert rows(database, "SELECT kind, special_kind FROM customers") == [("special", "bank")]
    report = run_import(database, "x.csv", "公司名称,客户类型,特殊类别\n甲,供应商,银行\n".encode())
    assert "applies only to special customers" in report.problems[0].reason


def test_json_and_json_lines(database: Database) -> None:
    records = [
        {"name": "甲公司", "grade": "A", "contact_name": "张三", "contact_mobile": 13800138000},
        {"name": "乙公司", "grade": "B", "region": "华东"},  # a key the first record lacked
    ]
    report = run_import(database, "c.json", json.dumps(records, ensure_ascii=False).encode())
    assert report.ok, report.problems
    lines = "\n".join(json.dumps(r | {"name": r["name"] + "2"}) for r in records)
    report = run_import(database, "c.jsonl", lines.encode())
    assert report.ok, report.problems
    assert rows(database, "SELECT name, grade, region FROM customers ORDER BY id") == [
        ("甲公司", "A", None),
        ("乙公司", "B", "华东"),
        ("甲公司2", "A", None),
        ("乙公司2", "B", "华东"),
    ]
    assert rows(database, "SELECT mobile FROM contacts") == [("13800138000",)] * 2


def test_imported_customers_are_found_by_search(database: Database) -> None:
    from clientdesk.domain.search import find_customers

    imported(database)
    with Session(database.engine) as session:
        for query, expected in (("华信", 1), ("bjhx", 1), ("zw@huaxin", 1), ("1390013", 2)):
            assert find_customers(query, session=session).ids[:1] == (expected,), query


def test_batch_entry_describes_the_import(database: Database) -> None:
    imported(database)
    (changes,) = rows(database, "SELECT changes FROM audit_entries WHERE entity = 'import'")
    info = json.loads(changes[0])
    assert info["inserted"] == {"customers": [1, 3], "contacts": [1, 2]}
    assert (info["entity"], info["rows"], info["encoding"]) == ("customers", 3, "utf-8")
    # Inserted records are summarised by the batch, not audited one by one.
    assert count(database, "SELECT count(*) FROM audit_entries") == 1
