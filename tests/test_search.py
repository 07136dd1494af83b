"""Instant search and the customer list in domain/: matching, ranking, filters, the index."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session, col, select

from clientdesk.demo import build
from clientdesk.domain import Contact, Customer, Visit
from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import CustomerCreate, CustomerUpdate
from clientdesk.domain.customer_list import (
    CustomerFilter,
    count_customers,
    filter_choices,
    page_customers,
    search_customers,
)
from clientdesk.domain.customers import (
    add_contact,
    create_customer,
    delete_customer,
    mark_verified,
    update_customer,
)
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade
from clientdesk.domain.search import (
    SEARCH_TABLE,
    SearchTerms,
    find_customers,
    fts_query,
    has_search_index,
    parse_query,
    rebuild_search_index,
)
from clientdesk.domain.stale import stale_cutoff
from clientdesk.domain.text import pinyin_keys
from clientdesk.storage.database import Database, open_database

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

# (name, short name, grade, contacts as (name, phone, mobile, email))
COMPANIES: list[tuple[str, str | None, Grade, list[tuple[str, str | None, str | None, str]]]] = [
    (
        "北京华信科技有限公司",
        "京华信",
        Grade.A,
        [("王伟", "010-6288 1234", "138 0013 8000", "wang.wei@huaxin.com.cn")],
    ),
    ("华信", None, Grade.B, []),
    ("华信物流有限公司", None, Grade.C, [("李娜", None, "+86 139-1111-2222", "lina@hx-wl.cn")]),
    ("上海中科贸易有限公司", "中科贸易", Grade.B, [("张华信", None, "13700001111", "z@zk.cn")]),
    ("Acme Trading (Shanghai) Co., Ltd.", "Acme", Grade.A, [("John Smith", None, None, "")]),
    ("深圳长江实业有限公司", None, Grade.D, []),
    ("招商银行长沙支行", "招行长沙支行", Grade.A, [("陈静", "0731-8888 6666", None, "")]),
    ("Citic Pacific Ltd.", None, Grade.C, []),
    ("东方电气集团", None, Grade.B, []),
    ("华信", None, Grade.D, []),  # the same name again: a second file (another city)
]


def make_company(session: Session, i: int) -> Customer:
    name, short, grade, contacts = COMPANIES[i]
    kind = list(CustomerKind)[i % 5]
    customer = create_customer(
        CustomerCreate(
            name=name,
            short_name=short,
            grade=grade,
            kind=kind,
            region=("华北", "华东", "华南")[i % 3],
            owner=("张伟", "李娜")[i % 2],
            status=list(CustomerStatus)[i % 4],
            code=f"C{i + 1:06d}",
        ),
        session=session,
        actor="test",
    )
    assert customer.id is not None
    for contact, phone, mobile, email in contacts:
        add_contact(
            ContactCreate(
                customer_id=customer.id, name=contact, phone=phone, mobile=mobile, email=email
            ),
            session=session,
            actor="test",
        )
    return customer


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "template.db"
    database = open_database(str(path))
    with Session(database.engine) as session:
        for i in range(len(COMPANIES)):
            make_company(session, i)
        # Fillers whose codes contain "C000001" (C0000010...) and names that do not match.
        for n in range(10, 20):
            create_customer(
                CustomerCreate(name=f"Filler {n}", code=f"C00000{n}"), session=session, actor="t"
            )
        session.commit()
    with database.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    database.dispose()
    return path


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Iterator[Database]:
    shutil.copyfile(template_db, tmp_path / "t.db")
    database = open_database(str(tmp_path / "t.db"))
    yield database
    database.dispose()


def names_found(
    database: Database, query: str, *, use_index: bool | None = None, **kw: object
) -> list[str]:
    """Names in the order the list shows them: best match first, then by name."""
    with Session(database.engine) as session:
        hits = find_customers(query, session=session, use_index=use_index)
        rows = page_customers(session=session, limit=100, search=hits, **kw)
        return [row.name for row in rows]


def codes_found(database: Database, query: str, *, use_index: bool | None = None) -> list[str]:
    with Session(database.engine) as session:
        hits = find_customers(query, session=session, use_index=use_index)
        return [row.code for row in page_customers(session=session, limit=100, search=hits)]


# -- the normaliser ---------------------------------------------------------------------------


def full_width(text: str) -> str:
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30))
def test_full_width_queries_equal_half_width(query: str) -> None:
    assert parse_query(full_width(query)) == parse_query(query)


@given(st.text(max_size=40))
def test_parse_query_never_fails_and_is_idempotent(query: str) -> None:
    terms = parse_query(query)
    assert terms.text == terms.text.strip()
    assert "  " not in terms.text
    assert all(ch == " " or ch.isprintable() for ch in terms.text)
    assert terms.pinyin == "" or (terms.pinyin.isascii() and terms.pinyin.isalnum())
    assert terms.digits == "" or terms.digits.isdigit()
    assert parse_query(terms.text) == terms


@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.lists(st.sampled_from(["", " ", "-", " - ", "  "]), min_size=12, max_size=12),
    st.sampled_from(["", "+86 ", "+86", "0086 ", "+86-"]),
)
def test_phone_digits_ignore_formatting_and_country_code(
    number: str, gaps: list[str], prefix: str
) -> None:
    formatted = prefix + "".join(digit + gap for digit, gap in zip(number, gaps, strict=False))
    assert parse_query(formatted).digits == number


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20), st.data())
def test_spaces_and_case_do_not_change_pinyin(word: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(word)), max_size=4)))
    spaced = word
    for cut in reversed(cuts):
        spaced = spaced[:cut] + " " + spaced[cut:]
    assert parse_query(spaced).pinyin == word
    assert parse_query(spaced.upper()).pinyin == word


def test_terms_of_typical_queries() -> None:
    assert parse_query("  Ｃ000１２３ ") == SearchTerms("c000123", "C000123", "c000123", "")
    assert parse_query("Beijing  HuaXin").pinyin == "beijinghuaxin"
    assert parse_query("华信").pinyin == ""
    assert parse_query("+86 138-0013-8000").digits == "13800138000"
    assert parse_query("(010) 6288 1234").digits == "01062881234"
    assert parse_query("wang.wei@huaxin").digits == ""
    assert parse_query("lü").pinyin == "lv"


def test_fts_query_quotes_each_term_for_its_columns() -> None:
    assert fts_query(parse_query('ab"c')) == '{names code contacts} : "ab""c" OR pinyin : "abc"'
    assert fts_query(parse_query("138-0013")) == (
        '{names code contacts} : "138-0013" OR pinyin : "1380013" OR phones : "1380013"'
    )


def test_fts_query_looks_up_two_characters_as_the_trigrams_they_start() -> None:
    trigrams = {"华信": ["华信科", "华信\x1f"], "hx": ["hxk"]}.get
    assert fts_query(parse_query("华信"), lambda t: trigrams(t) or []) == (
        '{names code contacts} : ("华信科" OR "华信\x1f")'
    )
    assert fts_query(parse_query("hx"), lambda t: trigrams(t) or []) == (
        '{names code contacts} : ("hxk") OR pinyin : ("hxk")'
    )
    assert fts_query(parse_query("zz"), lambda t: []) == ""  # no trigram: nothing matches
    assert fts_query(parse_query("华信")) is None  # without the lookup: too short
    assert fts_query(parse_query("华"), lambda t: ["华信科"]) is None  # 1 character: a scan


@pytest.mark.parametrize(
    ("name", "full"),
    [
        ("招商银行长沙支行", "zhaoshangyinhangchangshazhihang"),
        ("中国工商银行北京分行", "zhongguogongshangyinhangbeijingfenhang"),
        ("国家税务总局长沙市税务局", "guojiashuiwuzongjuchangshashishuiwuju"),
        ("西安市长安区人民医院", "xianshichanganqurenminyiyuan"),
        ("兴业银行总行", "xingyeyinhangzonghang"),
        ("长治市行业协会", "changzhishihangyexiehui"),
    ],
)
def test_pinyin_reads_bank_and_place_words_as_in_company_names(name: str, full: str) -> None:
    assert pinyin_keys(name)[0] == full


# -- what a query finds -----------------------------------------------------------------------


@pytest.mark.parametrize("use_index", [None, False], ids=["index", "scan"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("华信科技", "北京华信科技有限公司"),  # Chinese substring, 4 characters
        ("京华", "北京华信科技有限公司"),  # 2 characters: the LIKE path
        ("bjhx", "北京华信科技有限公司"),  # pinyin initials
        ("beijing huaxin", "北京华信科技有限公司"),  # full pinyin, spaces ignored
        ("BeiJingHuaXin", "北京华信科技有限公司"),
        ("ｂｊｈｘ", "北京华信科技有限公司"),  # full-width
        ("王伟", "北京华信科技有限公司"),  # contact name
        ("138 0013 8000", "北京华信科技有限公司"),  # mobile with spaces
        ("+86 138-0013-8000", "北京华信科技有限公司"),  # with dashes and +86
        ("13800138000", "北京华信科技有限公司"),
        ("0013 80", "北京华信科技有限公司"),  # part of a mobile
        ("6288-1234", "北京华信科技有限公司"),  # part of a landline
        ("wang.wei@huaxin.com.cn", "北京华信科技有限公司"),  # e-mail
        ("HUAXIN.COM", "北京华信科技有限公司"),  # part of an e-mail, any case
        ("acme trad", "Acme Trading (Shanghai) Co., Ltd."),  # latin substring
        ("shanghai) co", "Acme Trading (Shanghai) Co., Ltd."),
        ("atsc", "Acme Trading (Shanghai) Co., Ltd."),  # initials of English words
        ("c000007", "招商银行长沙支行"),  # code, any case
        ("zsyhcs", "招商银行长沙支行"),
        ("changsha zhihang", "招商银行长沙支行"),  # read as a bank branch, not zhixing
        ("招行", "招商银行长沙支行"),  # short name, 2 characters
        ("长江", "深圳长江实业有限公司"),
        ("江", "深圳长江实业有限公司"),  # 1 character
        ("8888 6666", "招商银行长沙支行"),
        ("支行", "招商银行长沙支行"),  # the last 2 characters of a name
        ("07", "招商银行长沙支行"),  # ... and of a code (C000007)
    ],
)
def test_each_kind_of_query_finds_its_customer(
    db: Database, query: str, expected: str, use_index: bool | None
) -> None:
    assert expected in names_found(db, query, use_index=use_index)


@pytest.mark.parametrize("use_index", [None, False], ids=["index", "scan"])
def test_queries_that_match_nothing(db: Database, use_index: bool | None) -> None:
    for query in ("不存在的公司", "zzzz", "99999999", "%", "_", '"', "@@", "   "):
        assert names_found(db, query, use_index=use_index) == [], query


def test_the_index_exists_on_sqlite(db: Database) -> None:
    with db.engine.connect() as conn:
        assert has_search_index(conn)


# -- ranking -----------------------------------------------------------------------------------


def test_exact_code_comes_before_codes_that_start_with_it(db: Database) -> None:
    """C000001 exactly, then C0000010-C0000019, which start with it."""
    codes = codes_found(db, "C000001")
    assert codes[0] == "C000001"
    assert sorted(codes[1:]) == [f"C00000{n}" for n in range(10, 20)]


@pytest.mark.parametrize("use_index", [None, False], ids=["index", "scan"])
def test_whole_name_then_prefix_then_substring(db: Database, use_index: bool | None) -> None:
    found = names_found(db, "华信", use_index=use_index)
    assert found == [
        "华信",  # rank 1: the whole name (two files of that name, by id)
        "华信",
        "华信物流有限公司",  # rank 2: starts with it
        "北京华信科技有限公司",  # rank 3: inside the name ...
        "上海中科贸易有限公司",  # ... or inside a contact's name (张华信)
    ]


def test_within_a_rank_the_sort_applies(db: Database) -> None:
    found = names_found(db, "有限公司", sort="grade", descending=True)
    grades = {name: grade for name, _, grade, _ in COMPANIES}
    assert [grades[name] for name in found] == sorted(
        (grades[name] for name in found), reverse=True
    )


def test_contact_name_exactly_ranks_before_a_name_that_contains_it(db: Database) -> None:
    found = names_found(db, "张华信")
    assert found == ["上海中科贸易有限公司"]
    assert names_found(db, "中科")[0] == "上海中科贸易有限公司"


def test_pinyin_prefix_ranks_before_pinyin_inside(db: Database) -> None:
    assert names_found(db, "huaxin") == [
        "华信",  # the whole pinyin
        "华信",
        "华信物流有限公司",  # the pinyin starts with it
        "北京华信科技有限公司",  # inside the pinyin and the e-mail
    ]


# -- filters, pages, counts --------------------------------------------------------------------


@pytest.mark.parametrize("use_index", [None, False], ids=["index", "scan"])
def test_filters_combine_with_the_search(db: Database, use_index: bool | None) -> None:
    with Session(db.engine) as session:
        grade_b = CustomerFilter(grades=(Grade.B,))
        hits = find_customers("华信", session=session, filters=grade_b, use_index=use_index)
        rows = page_customers(session=session, filters=grade_b, search=hits)
        assert [row.name for row in rows] == ["华信", "上海中科贸易有限公司"]
        assert count_customers(session=session, filters=grade_b, search=hits) == 2
        a_or_c = CustomerFilter(grades=(Grade.A, Grade.C), region="华北")
        page = search_customers("hx", session=session, filters=a_or_c)
        assert {row.name for row in page.rows} == {"北京华信科技有限公司"}
        assert page.total == 1 and not page.capped


def test_stale_filter_keeps_files_not_verified_recently(db: Database) -> None:
    with Session(db.engine) as session:
        for customer in session.exec(select(Customer)).all():
            customer.created_at = NOW - timedelta(days=400)
            session.add(customer)
        ids = {row.code: row.id for row in page_customers(session=session, limit=100)}
        for code, days_ago in (("C000001", 10), ("C000002", 10), ("C000003", 200)):
            when = NOW - timedelta(days=days_ago)
            mark_verified(ids[code], session=session, actor="test", now=when)
        session.commit()
        stale = CustomerFilter(stale_before=stale_cutoff(NOW, 180))
        page = search_customers("华信", session=session, filters=stale)
        assert [row.code for row in page.rows] == ["C000010", "C000003", "C000004"]
        total = count_customers(session=session)
        assert count_customers(session=session, filters=stale) == total - 2


def test_a_search_with_many_matches_is_capped_but_keeps_the_best(db: Database) -> None:
    with Session(db.engine) as session:
        hits = find_customers("c00000", session=session, limit=4)
        assert hits.capped
        assert len(hits.ids) == 4
        page = search_customers("C000001", session=session, max_hits=3)
        assert page.capped and page.total == 3
        assert page.rows[0].code == "C000001"
        everything = find_customers("c00000", session=session)
        assert not everything.capped and len(everything.ids) == 9 + 10


def test_empty_query_lists_everything(db: Database) -> None:
    with Session(db.engine) as session:
        page = search_customers("  ", session=session, limit=5)
        assert page.total == len(COMPANIES) + 10
        assert len(page.rows) == 5 and not page.capped


def test_name_order_follows_pinyin_so_languages_interleave(db: Database) -> None:
    with Session(db.engine) as session:
        names = [row.name for row in page_customers(session=session, limit=100)]
    wanted = [
        "Acme Trading (Shanghai) Co., Ltd.",  # acme...
        "北京华信科技有限公司",  # beijing...
        "Citic Pacific Ltd.",  # citic...
        "东方电气集团",  # dongfang...
    ]
    assert [name for name in names if name in wanted] == wanted
    assert names.index("上海中科贸易有限公司") < names.index("深圳长江实业有限公司")


def test_next_visit_sort_puts_customers_without_a_visit_last(db: Database) -> None:
    with Session(db.engine) as session:
        ids = {row.code: row.id for row in page_customers(session=session, limit=100)}
        for code, days in (("C000003", 5), ("C000001", 2), ("C000005", 9)):
            session.add(
                Visit(customer_id=ids[code], purpose="例行拜访", planned_at=NOW + timedelta(days))
            )
        session.commit()
        rows = page_customers(session=session, limit=100, sort="next_visit")
        assert [row.code for row in rows[:3]] == ["C000001", "C000003", "C000005"]
        assert all(row.next_visit_at is None for row in rows[3:])
        backwards = page_customers(session=session, limit=3, sort="next_visit", descending=True)
        assert [row.code for row in backwards] == ["C000005", "C000003", "C000001"]


def test_filter_choices_are_the_values_in_use(db: Database) -> None:
    with Session(db.engine) as session:
        choices = filter_choices(session=session)
    assert choices.regions == sorted({"华北", "华东", "华南"})
    assert choices.owners == sorted({"张伟", "李娜"})


# -- the index stays in step with every write ----------------------------------------------------


def index_rows(database: Database) -> list[tuple[object, ...]]:
    columns = "rowid, names, code, pinyin, contacts, phones"
    with database.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {columns} FROM {SEARCH_TABLE} ORDER BY rowid"))  # noqa: S608
        return [tuple(row) for row in rows]


def test_index_follows_creates_updates_and_deletes(db: Database) -> None:
    with Session(db.engine) as session:
        new = create_customer(
            CustomerCreate(name="杭州瑞丰电子有限公司"), session=session, actor="t"
        )
        session.commit()
        assert new.id is not None
        assert names_found(db, "瑞丰电子") == ["杭州瑞丰电子有限公司"]
        assert names_found(db, "hzrf") == ["杭州瑞丰电子有限公司"]

        update_customer(
            new.id, CustomerUpdate(name="杭州恒通电子有限公司"), session=session, actor="t"
        )
        session.commit()
        assert names_found(db, "瑞丰电子") == []
        assert names_found(db, "hangzhou hengtong") == ["杭州恒通电子有限公司"]

        contact = add_contact(
            ContactCreate(customer_id=new.id, name="欧阳明", mobile="186 0000 1234"),
            session=session,
            actor="t",
        )
        session.commit()
        assert names_found(db, "欧阳明") == ["杭州恒通电子有限公司"]
        assert names_found(db, "18600001234") == ["杭州恒通电子有限公司"]

        contact.name, contact.email = "欧阳锋", "oy@hengtong.cn"
        contact.mobile, contact.mobile_digits = "186 0000 9999", "18600009999"
        session.add(contact)
        session.commit()
        assert names_found(db, "欧阳明") == []
        assert names_found(db, "18600001234") == []
        assert (
            names_found(db, "欧阳锋") == names_found(db, "hengtong.cn") == ["杭州恒通电子有限公司"]
        )
        assert names_found(db, "186-0000-9999") == ["杭州恒通电子有限公司"]

        session.delete(contact)
        session.commit()
        assert names_found(db, "欧阳锋") == []

        session.execute(text("DELETE FROM customers WHERE id = :id"), {"id": new.id})
        session.commit()
        assert names_found(db, "恒通电子") == []
    with Session(db.engine) as session:
        customers = session.execute(select(col(Customer.id)).order_by(col(Customer.id))).all()
    assert [row[0] for row in index_rows(db)] == [row[0] for row in customers]


def test_deleting_a_customer_with_contacts_leaves_no_index_row(db: Database) -> None:
    with Session(db.engine) as session:
        customer_id = page_customers(session=session, limit=1, sort="code")[0].id
        delete_customer(customer_id, session=session, actor="test")  # contacts go with it
        session.commit()
        assert (
            session.execute(select(col(Contact.name)).where(col(Contact.name) == "王伟")).first()
            is None
        )
    assert names_found(db, "王伟") == []
    assert names_found(db, "北京华信") == []


def test_rebuild_writes_what_the_triggers_wrote(db: Database) -> None:
    by_triggers = index_rows(db)
    with db.engine.begin() as conn:
        rebuild_search_index(conn)
    assert index_rows(db) == by_triggers


def test_demo_bulk_build_fills_the_index_like_the_triggers(tmp_path: Path) -> None:
    """The fast demo build drops the triggers and fills the index at the end in one pass."""
    built = []
    for fast in (True, False):
        database = open_database(str(tmp_path / f"{fast}.db"))
        build(
            database.engine, customers=60, seed=5, today=date(2025, 3, 1), progress=None, fast=fast
        )
        built.append(index_rows(database))
        with database.engine.connect() as conn:
            triggers = conn.execute(
                text(
                    "SELECT name FROM sqlite_master"
                    " WHERE type = 'trigger' AND name LIKE 'customer_search%'"
                )
            ).scalars()
            assert len(list(triggers)) == 6
        database.dispose()
    assert built[0] == built[1]
    assert len(built[0]) >= 60


# -- the two ways of searching agree -------------------------------------------------------------


@pytest.fixture(scope="module")
def random_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """Random names and contacts from a small alphabet, so random queries often match."""
    rnd = random.Random(3)
    chars = "华信中科东方长江宏达恒通北京上海银行"
    database = open_database(str(tmp_path_factory.mktemp("random") / "r.db"))
    with Session(database.engine) as session:
        for i in range(120):
            name = "".join(rnd.choice(chars) for _ in range(rnd.randint(2, 8)))
            if i % 4 == 0:
                name = f"{rnd.choice(['Acme', 'Hua Xin', 'Orient'])} {name}"
            customer = create_customer(
                CustomerCreate(name=name, code=f"R{i:04d}"), session=session, actor="t"
            )
            assert customer.id is not None
            if i % 2:
                add_contact(
                    ContactCreate(
                        customer_id=customer.id,
                        name="".join(rnd.choice(chars) for _ in range(3)),
                        mobile=f"13{rnd.randint(0, 999_999_999):09d}",
                        email=f"u{i}@ex{i % 7}.cn",
                    ),
                    session=session,
                    actor="t",
                )
        session.commit()
    yield database
    database.dispose()


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet="华信中科长江银行 acmexinhuaR0123@.", min_size=1, max_size=6))
def test_index_and_scans_find_the_same_customers(random_db: Database, query: str) -> None:
    with Session(random_db.engine) as session:
        indexed = find_customers(query, session=session)
        scanned = find_customers(query, session=session, use_index=False)
    assert set(indexed.ids) == set(scanned.ids)
    assert indexed.capped == scanned.capped


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_part_of_a_name_or_its_pinyin_finds_it(
    random_db: Database, data: st.DataObject
) -> None:
    with Session(random_db.engine) as session:
        customer = session.get(Customer, data.draw(st.integers(1, 120)))
        assert customer is not None
        name = customer.name
        start = data.draw(st.integers(0, len(name) - 1))
        part = name[start : data.draw(st.integers(start + 1, len(name)))]
        full, initials = pinyin_keys(name)
        spaced = " ".join(full[i : i + 3] for i in range(0, len(full), 3))
        for query in (part, spaced, initials.upper()):
            if query.strip():
                hits = find_customers(query, session=session)
                assert customer.id in hits.ids, query
