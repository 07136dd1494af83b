"""Contacts and dynamic records: customers found by code or name, contacts and contracts by
name and number, natural keys, key contacts, deadlines from the grade, and undo."""

from __future__ import annotations

from typing import Any

from clientdesk.exchange.batches import undo_batch
from clientdesk.storage.database import Database
from data.corpus import count, rows, run_import

CUSTOMERS = (
    "客户编号,公司名称,等级,联系人,手机\n"
    "C000001,北京华信科技有限公司,A,张伟,13800138000\n"
    "C000002,上海银驰环保科技有限公司,D,,\n"
    "C000003,杭州盛振电气有限公司,C,,\n"
    "C000004,上海银驰环保科技股份有限公司,B,,\n"
)


def load(database: Database, entity: str, text: str, **options: Any) -> Any:
    report = run_import(database, f"{entity}.csv", text.encode(), entity=entity, **options)
    assert report.ok, report.problems
    return report


def setup(database: Database) -> None:
    load(database, "customers", CUSTOMERS)


def test_contacts_by_customer_code_or_name_and_key_contacts(database: Database) -> None:
    setup(database)
    text = (
        "客户编号,公司名称,姓名,职务,电话,主要联系人\n"
        "C000001,,李娜,财务总监,010-88886666,是\n"
        ",杭州盛振电气有限公司,周杰,采购,,\n"
        "C000002,,吴芳,,,否\n"
    )
    report = load(database, "contacts", text)
    assert report.to_insert == 3
    assert rows(
        database, "SELECT customer_id, name, is_primary, phone_digits FROM contacts ORDER BY id"
    ) == [
        (1, "张伟", 0, ""),  # replaced as key contact by 李娜
        (1, "李娜", 1, "01088886666"),
        (3, "周杰", 1, ""),  # a customer's first contact is its key contact
        (2, "吴芳", 1, ""),
    ]
    undo_batch(database, report.batch, actor="t")
    assert rows(database, "SELECT name, is_primary FROM contacts") == [("张伟", 1)]


def test_customer_references_that_do_not_resolve(database: Database) -> None:
    setup(database)
    text = (
        "客户编号,公司名称,姓名\n"
        "C000404,,甲\n"
        ",不存在的公司,乙\n"
        ",上海银驰环保科技,丙\n"  # name_key of both 银驰 companies: ambiguous
        "C000001,,张伟\n"  # already stored
    )
    report = run_import(database, "c.csv", text.encode(), entity="contacts")
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        (2, "客户编号", "matches no customer; check the code, or import the customers first"),
        (3, "公司名称", "matches no customer; check the name, or import the customers first"),
        (4, "公司名称", "matches 2 customers; add a customer code (客户编号) column to say which"),
        (5, "", report.problems[3].reason),
    ]
    assert "already stored as contact 1" in report.problems[3].reason
    report = run_import(database, "c.csv", "姓名\n甲\n".encode(), entity="contacts")
    assert "is needed to find the customer" in report.problems[0].reason


def test_contracts_transactions_visits_interactions_complaints(database: Database) -> None:
    setup(database)
    load(
        database,
        "contracts",
        "客户编号,合同编号,合同名称,开始日期,结束日期,合同金额,状态,风险等级\n"
        'C000001,HT-2024-001,年度框架协议,2024-01-01,2024-12-31,"1,200,000.00",履行中,低\n',
    )
    assert rows(database, "SELECT number, value_cents, status, risk_level FROM contracts") == [
        ("HT-2024-001", 120000000, "active", "low")
    ]
    load(
        database,
        "transactions",
        "客户编号,合同编号,类型,金额,日期,到期日,单据号\n"
        "C000001,HT-2024-001,销售,5000,2024-03-01,2024-04-01,FP001\n"
        "C000001,,回款,5000,2024-03-20,,\n",
    )
    assert rows(
        database, "SELECT contract_id, kind, amount_cents, due_on, reference FROM transactions"
    ) == [(1, "sale", 500000, "2024-04-01", "FP001"), (None, "payment", 500000, None, None)]
    load(
        database,
        "visits",
        "客户编号,联系人,拜访目的,计划时间,状态,满意度\n"
        "C000001,张伟,季度回访,2024-03-05 10:00,已拜访,5\n"
        "C000002,,初次拜访,2024-03-06 14:30,,\n",
    )
    assert rows(database, "SELECT contact_id, status, done_at, planned_at FROM visits") == [
        (1, "done", "2024-03-05 02:00:00.000000", "2024-03-05 02:00:00.000000"),
        (None, "planned", None, "2024-03-06 06:30:00.000000"),
    ]
    load(
        database,
        "interactions",
        "公司名称,类型,时间,主题,内容\n"
        '北京华信科技有限公司,电话,2024-03-07 09:00,报价,"第一行\n第二行"\n',
    )
    assert rows(database, "SELECT kind, subject, notes FROM interactions") == [
        ("call", "报价", "第一行\n第二行")
    ]
    load(
        database,
        "complaints",
        "客户编号,渠道,类别,严重程度,投诉摘要,受理时间\n"
        "C000001,电话,交货,严重,延迟交货,2024-03-08 09:00\n"
        "C000002,邮件,服务,,态度问题,2024-03-08 09:00\n",
    )
    # Due from the grade's response hours (A: 4 h, D: 48 h) times the severity factor.
    assert rows(database, "SELECT received_at, due_at, status FROM complaints ORDER BY id") == [
        ("2024-03-08 01:00:00.000000", "2024-03-08 03:00:00.000000", "received"),
        ("2024-03-08 01:00:00.000000", "2024-03-10 01:00:00.000000", "received"),
    ]


def test_record_level_checks(database: Database) -> None:
    setup(database)
    load(database, "contracts", "客户编号,合同编号,合同名称\nC000001,HT-1,甲\n")
    text = (
        "客户编号,合同编号,类型,金额,日期,到期日\n"
        "C000002,HT-1,销售,100,2024-03-01,\n"  # another customer's contract
        "C000001,HT-9,销售,100,2024-03-01,\n"  # no such contract
        "C000001,,销售,100,2024-03-10,2024-03-01\n"  # due before the date
        "C000001,,销售,-100,2024-03-10,\n"
    )
    report = run_import(database, "t.csv", text.encode(), entity="transactions")
    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "is a contract of another customer"),
        (3, "matches no contract; import the contracts first"),
        (4, "is before the transaction date"),
        (5, "is negative; amounts here are never below zero"),
    ]
    text = "客户编号,合同编号,合同名称\nC000002,HT-1,乙\n"
    report = run_import(database, "k.csv", text.encode(), entity="contracts")
    assert report.problems[0].reason == "is already the number of a contract of customer C000001"
    text = "客户编号,联系人,拜访目的,计划时间\nC000002,张伟,拜访,2024-03-05\n"
    report = run_import(database, "v.csv", text.encode(), entity="visits")
    assert (
        report.problems[0].reason == "is not a contact of this customer; import the contacts first"
    )


def test_natural_keys_find_stored_records(database: Database) -> None:
    setup(database)
    text = (
        "客户编号,类型,时间,主题\n"
        "C000001,电话,2024-03-07 09:00,报价\n"
        "C000001,电话,2024-03-07 09:00,报价\n"
    )
    report = run_import(database, "i.csv", text.encode(), entity="interactions")
    assert report.problems[0].reason == "repeats the customer, time and subject of line 2"
    load(database, "interactions", text.rsplit("C000001", 1)[0])
    again = text.rsplit("C000001", 1)[0].replace("电话", "会议")
    report = load(database, "interactions", again, on_duplicate="update")
    assert report.to_update == 1
    assert rows(database, "SELECT kind FROM interactions") == [("meeting",)]
    undo_batch(database, report.batch, actor="t")
    assert rows(database, "SELECT kind FROM interactions") == [("call",)]
    assert count(database, "SELECT count(*) FROM interactions") == 1
