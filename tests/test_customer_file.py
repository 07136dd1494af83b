"""Reading a customer file: the timeline paged from SQL, the profile figures, duplicate
detection, picking a customer by code or name, and the form field parsers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from clientdesk.domain.complaint import Complaint
from clientdesk.domain.contact import Contact
from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.customer import Customer, CustomerCreate
from clientdesk.domain.customer_file import load_file
from clientdesk.domain.customers import create_customer
from clientdesk.domain.duplicates import Reason, find_duplicates
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ContractEventKind,
    ContractStatus,
    InteractionKind,
    TransactionKind,
    VisitStatus,
)
from clientdesk.domain.interaction import Interaction
from clientdesk.domain.lookup import distinct_values, lookup_customers
from clientdesk.domain.timeline import (
    RANK,
    Source,
    count_timeline,
    page_timeline,
    parse_stamp,
)
from clientdesk.domain.transaction import Transaction
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database, open_database
from clientdesk.tui import fields

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2025, 3, 1)


def make(session: Session, name: str, **kw: Any) -> Customer:
    customer = create_customer(CustomerCreate(name=name, **kw), session=session, actor="t")
    assert customer.id is not None
    return customer


def fill_history(session: Session, customer_id: int) -> None:
    """One record of each kind, on distinct days, plus ties on the same day."""
    contact = Contact(customer_id=customer_id, name="张三", is_primary=True)
    session.add(contact)
    session.flush()
    session.add_all(
        [
            Interaction(
                customer_id=customer_id,
                contact_id=contact.id,
                kind=InteractionKind.CALL,
                occurred_at=NOW - timedelta(days=1),
                subject="电话回访",
            ),
            Transaction(
                customer_id=customer_id,
                kind=TransactionKind.SALE,
                amount_cents=1_000_00,
                occurred_on=TODAY - timedelta(days=3),
                due_on=TODAY - timedelta(days=1),
                reference="XS-1",
            ),
            Visit(
                customer_id=customer_id,
                purpose="例行拜访",
                planned_at=NOW - timedelta(days=5),
                done_at=NOW - timedelta(days=2),
                status=VisitStatus.DONE,
            ),
            Complaint(
                customer_id=customer_id,
                channel=ComplaintChannel.PHONE,
                category=ComplaintCategory.DELIVERY,
                summary="送货延误",
                received_at=NOW - timedelta(days=4),
                due_at=NOW - timedelta(days=4) + timedelta(hours=8),
            ),
        ]
    )
    contract = Contract(
        customer_id=customer_id,
        number=f"HT-{customer_id}",
        title="年度框架协议",
        status=ContractStatus.ACTIVE,
    )
    session.add(contract)
    session.flush()
    assert contract.id is not None
    session.add(
        ContractEvent(
            contract_id=contract.id,
            kind=ContractEventKind.SIGNED,
            occurred_on=TODAY - timedelta(days=6),
            description="双方签订",
        )
    )
    session.flush()


def test_timeline_merges_every_source_newest_first(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, "北京华信科技有限公司")
        other = make(s, "上海东方贸易有限公司")
        assert customer.id is not None and other.id is not None
        fill_history(s, customer.id)
        fill_history(s, other.id)  # never shows on the first customer's timeline
        s.commit()
        entries = page_timeline(customer.id, session=s)
        assert [e.source for e in entries] == [
            Source.INTERACTION,
            Source.VISIT,
            Source.TRANSACTION,
            Source.COMPLAINT,
            Source.CONTRACT,
        ]
        call, visit, sale, complaint, signed = entries
        assert call.person == "张三" and call.title == "电话回访" and call.kind == "call"
        assert call.when == NOW - timedelta(days=1)
        assert visit.when == NOW - timedelta(days=2) and visit.state == "done"
        assert sale.when == TODAY - timedelta(days=3)
        assert (sale.amount_cents, sale.currency, sale.title) == (1_000_00, "CNY", "XS-1")
        assert sale.due == (TODAY - timedelta(days=1)).isoformat()
        assert complaint.state == "received" and complaint.tag == "medium"
        assert signed.tag == f"HT-{customer.id}" and signed.detail == "双方签订"
        counts = count_timeline(customer.id, session=s)
        assert counts == dict.fromkeys(Source, 1)


def test_timeline_filter_keeps_one_source(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, "甲公司")
        assert customer.id is not None
        fill_history(s, customer.id)
        s.commit()
        only = frozenset({Source.TRANSACTION})
        entries = page_timeline(customer.id, session=s, sources=only)
        assert [e.source for e in entries] == [Source.TRANSACTION]
        assert count_timeline(customer.id, session=s, sources=only) == {Source.TRANSACTION: 1}
        assert page_timeline(customer.id, session=s, sources=frozenset()) == []


@pytest.fixture(scope="module")
def busy_db(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A customer with 2,000 records, many sharing a timestamp, to page through."""
    path = tmp_path_factory.mktemp("timeline") / "t.db"
    database = open_database(str(path))
    with Session(database.engine) as s:
        customer = make(s, "华信集团")
        assert customer.id is not None
        customer_id = customer.id
        for i in range(800):
            # Four interactions per timestamp: only the id tells them apart.
            at = NOW - timedelta(hours=i // 4)
            s.add(
                Interaction(
                    customer_id=customer.id,
                    kind=InteractionKind.CALL,
                    occurred_at=at,
                    subject=f"i{i}",
                )
            )
        for i in range(800):
            s.add(
                Transaction(
                    customer_id=customer.id,
                    kind=TransactionKind.SALE,
                    amount_cents=i,
                    occurred_on=TODAY - timedelta(days=i // 10),
                )
            )
        for i in range(400):
            # Visits at midnight UTC tie with the date-only transactions of the same day.
            day = NOW.replace(hour=0) - timedelta(days=i // 3)
            s.add(Visit(customer_id=customer.id, purpose=f"v{i}", planned_at=day))
        s.commit()
    yield database, customer_id
    database.dispose()


def _order_key(entry: Any) -> tuple[str, int, int]:
    return (entry.at, RANK[entry.source], entry.id)


@pytest.mark.parametrize("page", [5, 37, 100])  # 5 is less than a run of equal times
def test_paging_visits_every_record_once_in_order(busy_db: Any, page: int) -> None:
    database, customer_id = busy_db
    with Session(database.engine) as s:
        seen = []
        after = None
        while True:
            batch = page_timeline(customer_id, session=s, after=after, limit=page)
            assert len(batch) <= page
            if not batch:
                break
            seen += batch
            after = batch[-1].cursor
        assert len(seen) == 2000
        assert len({(e.source, e.id) for e in seen}) == 2000
        keys = [_order_key(e) for e in seen]
        assert keys == sorted(keys, reverse=True)


def test_parse_stamp_reads_dates_and_utc_datetimes() -> None:
    assert parse_stamp("2025-03-01") == date(2025, 3, 1)
    assert parse_stamp("2025-03-01 09:30:00.000000") == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def test_load_file_counts_and_trade_figures(database: Database) -> None:
    with Session(database.engine) as s:
        parent = make(s, "华信集团")
        customer = make(s, "北京华信科技有限公司", parent_id=parent.id)
        assert customer.id is not None and parent.id is not None
        make(s, "华信软件（苏州）有限公司", parent_id=customer.id)
        fill_history(s, customer.id)
        s.add_all(
            [
                Transaction(
                    customer_id=customer.id,
                    kind=TransactionKind.PAYMENT,
                    amount_cents=300_00,
                    occurred_on=TODAY - timedelta(days=10),
                ),
                Transaction(  # older than twelve months: not in the figures
                    customer_id=customer.id,
                    kind=TransactionKind.SALE,
                    amount_cents=999_00,
                    occurred_on=TODAY - timedelta(days=400),
                    paid_on=TODAY - timedelta(days=390),
                ),
                Transaction(
                    customer_id=customer.id,
                    kind=TransactionKind.SALE,
                    amount_cents=50_00,
                    currency="USD",
                    occurred_on=TODAY - timedelta(days=20),
                ),
            ]
        )
        s.commit()
        file = load_file(customer.id, session=s, today=TODAY)
        assert file.parent is not None and file.parent.name == "华信集团"
        assert file.subsidiaries == 1
        assert (file.contacts, file.key_contact) == (1, "张三")
        assert file.live_contracts == 1
        assert file.open_complaints == 1
        assert file.sales_12m == {"CNY": 1_000_00, "USD": 50_00}
        assert file.payments_12m == {"CNY": 300_00}
        assert (file.overdue, file.overdue_count) == ({"CNY": 1_000_00}, 1)


# -- duplicates -------------------------------------------------------------------------------


def test_duplicates_by_credit_code_name_pinyin_and_similarity(database: Database) -> None:
    with Session(database.engine) as s:
        coded = make(s, "深圳长江贸易有限公司", credit_code="91110108MA01C2QX3P")
        same = make(s, "北京华信科技有限公司")
        sounds = make(s, "北京华欣科技有限公司")
        near = make(s, "北京华信科技发展有限公司")
        make(s, "上海东方物流有限公司")
        s.commit()
        by_code = find_duplicates("完全不同的名字", "91110108MA01C2QX3P", session=s)
        assert [(d.id, d.reason) for d in by_code] == [(coded.id, Reason.CREDIT_CODE)]
        hits = find_duplicates("北京华信科技股份有限公司", session=s)
        reasons = {d.id: d.reason for d in hits}
        assert reasons[same.id] is Reason.SAME_NAME
        assert reasons[near.id] is Reason.SIMILAR_NAME
        assert sounds.id not in reasons or reasons[sounds.id] is Reason.SIMILAR_NAME
        homophone = find_duplicates("北京华欣科技有限公司", session=s, exclude_id=sounds.id)
        assert {d.id: d.reason for d in homophone}[same.id] is Reason.SAME_PINYIN
        assert find_duplicates("上海东方物流", session=s)[0].reason is Reason.SAME_NAME
        assert find_duplicates("杭州宏达建设工程有限公司", session=s) == []


def test_duplicates_ignore_case_width_and_legal_form(database: Database) -> None:
    with Session(database.engine) as s:
        acme = make(s, "Acme Trading Co., Ltd.")
        s.commit()
        for name in ("ACME TRADING", "Ａｃｍｅ　Ｔｒａｄｉｎｇ Limited", "acme trading co ltd"):
            hits = find_duplicates(name, session=s)
            assert [d.id for d in hits] == [acme.id], name
        assert find_duplicates("Acme Trading", session=s, exclude_id=acme.id) == []


def test_duplicate_check_of_a_blank_name_finds_nothing(database: Database) -> None:
    with Session(database.engine) as s:
        make(s, "甲公司")
        assert find_duplicates("   ", session=s) == []


# -- picking a customer -----------------------------------------------------------------------


def test_lookup_by_exact_code_prefix_and_name(database: Database) -> None:
    with Session(database.engine) as s:
        group = make(s, "华信集团")
        tech = make(s, "北京华信科技有限公司")
        make(s, "上海东方贸易有限公司")
        s.commit()
        assert lookup_customers("c000002", session=s)[0][0] == tech.id
        assert {row[0] for row in lookup_customers("C00000", session=s)} >= {group.id, tech.id}
        by_name = lookup_customers("华信", session=s)
        assert [row[2] for row in by_name] == ["华信集团", "北京华信科技有限公司"]
        assert lookup_customers("华信", session=s, exclude_id=group.id)[0][0] == tech.id
        assert lookup_customers("bjhx", session=s)[0][0] == tech.id  # pinyin initials
        assert lookup_customers("Huaxin", session=s)[0][0] == group.id  # pinyin
        assert lookup_customers("100%_", session=s) == []
        assert lookup_customers("  ", session=s) == []


def test_distinct_values_for_suggestions(database: Database) -> None:
    with Session(database.engine) as s:
        make(s, "甲", owner="张伟", region="华东")
        make(s, "乙", owner="李娜", region="华东")
        make(s, "丙")
        assert distinct_values("owner", session=s) == sorted(["张伟", "李娜"])
        assert distinct_values("region", session=s) == ["华东"]
        with pytest.raises(ValueError, match="no suggestions"):
            distinct_values("name", session=s)


# -- form field parsers -----------------------------------------------------------------------


def test_money_field() -> None:
    assert fields.money("¥1,234.50") == 123450
    assert fields.money("  ") is None
    assert fields.money("１２３") == 12300
    with pytest.raises(fields.FieldError, match="must not be negative"):
        fields.money("-5")
    with pytest.raises(fields.FieldError, match="is not an amount"):
        fields.money("abc")
    with pytest.raises(fields.FieldError, match="required"):
        fields.required_money("")
    with pytest.raises(fields.FieldError, match="too large"):
        fields.money("1" + "0" * 26)  # more digits than decimal arithmetic holds
    with pytest.raises(fields.FieldError, match="too large"):
        fields.money("100000000000000000")  # beyond a 64-bit count of cents


def test_credit_code_email_phone_and_website_fields() -> None:
    assert fields.credit_code("91110108ma01c2qx3p") == "91110108MA01C2QX3P"
    with pytest.raises(fields.FieldError, match="check character"):
        fields.credit_code("91110108MA01C2QX3A")
    with pytest.raises(fields.FieldError, match="e-mail"):
        fields.email("zhang@")
    assert fields.phone(" 010-8888  6666 ") == "010-8888 6666"
    with pytest.raises(fields.FieldError, match="phone"):
        fields.phone("call me")
    assert fields.website("www.huaxin.com.cn") == "www.huaxin.com.cn"
    with pytest.raises(fields.FieldError, match="web address"):
        fields.website("huaxin")


def test_text_field_limits() -> None:
    assert fields.text("  北京   华信 ") == "北京 华信"
    assert fields.text("") is None
    with pytest.raises(fields.FieldError, match="required"):
        fields.text(" ", required=True)
    with pytest.raises(fields.FieldError, match="at most 3 characters"):
        fields.text("abcd", max_length=3)


def test_date_and_time_fields() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    assert fields.day("2025/3/1") == date(2025, 3, 1)
    assert fields.day("2025年3月1日") == date(2025, 3, 1)
    assert fields.day("") is None
    with pytest.raises(fields.FieldError, match="not a date"):
        fields.day("2025-02-30")
    assert fields.moment("2025-03-01 17:00", shanghai) == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert fields.moment("2025-03-01", shanghai) == datetime(2025, 2, 28, 16, tzinfo=UTC)
    with pytest.raises(fields.FieldError, match="not a time"):
        fields.moment("2025-03-01 25:00", shanghai)
    with pytest.raises(fields.FieldError, match="required"):
        fields.moment(" ", shanghai)
    assert fields.currency(" usd ") == "USD"
    with pytest.raises(fields.FieldError, match="three letters"):
        fields.currency("RMB1")


@given(st.text(max_size=30))
def test_money_field_never_raises_anything_but_field_errors(text: str) -> None:
    try:
        cents = fields.money(text)
    except fields.FieldError:
        return
    assert cents is None or cents >= 0
