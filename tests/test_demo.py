"""The demo-data generator: plausible, consistent, deterministic data the app can read."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from clientdesk.config import Settings
from clientdesk.demo import build, build_demo
from clientdesk.demo import tables as T
from clientdesk.demo.clock import Clock
from clientdesk.demo.generate import Generator
from clientdesk.demo.names import NameMaker
from clientdesk.demo.vocab import CITIES, SALESPEOPLE
from clientdesk.domain import Complaint, Contract, Customer, Transaction, Visit
from clientdesk.domain.creditcode import credit_code_problem
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ContractEventKind,
    ContractStatus,
    CustomerKind,
    CustomerStatus,
    Grade,
    InteractionKind,
    RiskLevel,
    Severity,
    SpecialKind,
    TransactionKind,
    VisitKind,
    VisitStatus,
)
from clientdesk.domain.regrade import run_grading
from clientdesk.domain.text import name_key, phone_digits, pinyin_keys
from clientdesk.errors import UsageError
from clientdesk.storage.database import Database, open_database

TODAY = date(2026, 3, 15)
NOW = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)  # the generator's "now": 10:00 in Beijing
SIZE = 600
GRADE_HOURS = {"A": 4, "B": 8, "C": 24, "D": 48}
SEVERITY_FACTOR = {"low": 2.0, "medium": 1.0, "high": 0.5, "critical": 0.25}


class Built:
    def __init__(self, db: Database, counts: dict[str, int], stages: list[tuple[str, int, int]]):
        self.db = db
        self.counts = counts
        self.stages = stages

    def rows(self, query: str | sa.Executable) -> list[Any]:
        statement = sa.text(query) if isinstance(query, str) else query
        with self.db.engine.connect() as conn:
            return list(conn.execute(statement).all())

    def scalar(self, query: str | sa.Executable) -> Any:
        statement = sa.text(query) if isinstance(query, str) else query
        with self.db.engine.connect() as conn:
            return conn.execute(statement).scalar_one()


def count(table: str, *where: Any, join: Any = None) -> sa.Select[Any]:
    """SELECT count(*) FROM table [JOIN ...] WHERE ..., built with SQLAlchemy Core."""
    source = join if join is not None else T.TABLES[table]
    return sa.select(sa.func.count()).select_from(source).where(*where)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    db = open_database(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    stages: list[tuple[str, int, int]] = []
    counts = build_demo(
        db.engine,
        customers=SIZE,
        seed=7,
        today=TODAY,
        progress=lambda stage, done, total: stages.append((stage, done, total)),
    )
    yield Built(db, counts, stages)
    db.dispose()


def dump(db: Database) -> dict[str, list[Any]]:
    """Every row of every demo table, exactly as stored."""
    with db.engine.connect() as conn:
        return {
            # SELECT * through a text column list: raw stored values, no type conversion.
            name: list(
                conn.execute(sa.select(sa.text("*")).select_from(table).order_by(table.c.id))
            )
            for name, table in T.TABLES.items()
        }


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


# -- sizes and determinism ---------------------------------------------------------------------
def test_counts_are_reported_and_plausible(built: Built) -> None:
    for name in T.TABLES:
        assert built.counts[name] == built.scalar(count(name)), name
    per_customer = {name: built.counts[name] / SIZE for name in T.TABLES}
    assert built.counts["customers"] == SIZE
    assert 1.6 <= per_customer["contacts"] <= 2.3
    assert 7 <= per_customer["visits"] <= 13
    assert 7 <= per_customer["transactions"] <= 13
    assert 2.2 <= per_customer["interactions"] <= 3.8
    assert 0.3 <= per_customer["contracts"] <= 0.75
    assert 0.1 <= per_customer["complaints"] <= 0.32
    assert built.counts["contract_events"] > 3 * built.counts["contracts"]
    assert built.counts["complaint_events"] > 2 * built.counts["complaints"]
    # One target per salesperson and quarter: the quarter of TODAY and the 8 before it.
    assert built.counts["sales_targets"] == len(SALESPEOPLE) * 9


def test_progress_reports_every_stage_to_its_end(built: Built) -> None:
    finals = {stage: (done, total) for stage, done, total in built.stages}
    assert all(done == total for done, total in finals.values())
    assert ("Generating customers and their records", SIZE, SIZE) in built.stages
    dones = [done for stage, done, _ in built.stages if stage.startswith("Generating")]
    assert dones == sorted(dones) and dones[0] == 0


def test_same_seed_gives_identical_data_and_another_seed_differs(tmp_path: Path) -> None:
    dumps = []
    sums = []
    for index, seed in enumerate((3, 3, 4)):
        db = open_database(str(tmp_path / f"demo{index}.db"))
        build_demo(db.engine, customers=300, seed=seed, today=TODAY)
        dumps.append(dump(db))
        with db.engine.connect() as conn:
            sums.append(
                conn.exec_driver_sql(
                    "SELECT kind, sum(amount_cents) FROM transactions GROUP BY kind ORDER BY kind"
                ).all()
            )
        db.dispose()
    same, again, other = dumps
    assert same == again
    assert sums[0] == sums[1]
    assert sums[0] != sums[2]
    names = {row.name for row in same["customers"]}
    other_names = {row.name for row in other["customers"]}
    assert len(names & other_names) < 30


def test_fast_sqlite_path_stores_what_sqlalchemy_would(tmp_path: Path) -> None:
    """The SQLite fast path must write the very text SQLAlchemy's own binding writes."""
    dumps = []
    for fast in (True, False):
        db = open_database(str(tmp_path / f"demo-{fast}.db"))
        build(db.engine, customers=150, seed=5, today=TODAY, progress=None, fast=fast)
        dumps.append(dump(db))
        db.dispose()
    assert dumps[0] == dumps[1]
    assert sum(len(rows) for rows in dumps[0].values()) > 150 * 20


def test_refuses_a_database_that_has_customers(built: Built) -> None:
    before = built.scalar(count("visits"))
    with pytest.raises(UsageError, match=f"already holds {SIZE:,} customers"):
        build_demo(built.db.engine, customers=10, seed=1, today=TODAY)
    assert built.scalar(count("visits")) == before


def test_refuses_fewer_than_one_customer(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "demo.db"))
    with pytest.raises(UsageError, match="at least 1 customer"):
        build_demo(db.engine, customers=0)
    db.dispose()


def test_foreign_keys_hold(built: Built) -> None:
    assert built.rows("PRAGMA foreign_key_check") == []
    assert built.rows("PRAGMA integrity_check") == [("ok",)]


def test_the_app_reads_the_rows_back_as_aware_utc(built: Built) -> None:
    with Session(built.db.engine) as session:
        customers = session.exec(select(Customer).limit(50)).all()
        visits = session.exec(select(Visit).limit(200)).all()
        complaints = session.exec(select(Complaint).limit(50)).all()
        contracts = session.exec(select(Contract).limit(50)).all()
        transactions = session.exec(select(Transaction).limit(200)).all()
    past = [c.created_at for c in customers] + [c.received_at for c in complaints]
    past += [c.updated_at for c in contracts]
    stamps = past + [v.planned_at for v in visits]
    assert stamps and all(s.utcoffset() == timedelta(0) for s in stamps)
    assert all(s <= NOW for s in past)
    assert all(isinstance(t.occurred_on, date) for t in transactions)
    assert all(isinstance(c.grade, Grade) and isinstance(c.kind, CustomerKind) for c in customers)


def test_enum_columns_hold_only_known_values(built: Built) -> None:
    columns = {
        ("customers", "kind"): CustomerKind,
        ("customers", "special_kind"): SpecialKind,
        ("customers", "status"): CustomerStatus,
        ("customers", "grade"): Grade,
        ("interactions", "kind"): InteractionKind,
        ("transactions", "kind"): TransactionKind,
        ("visits", "status"): VisitStatus,
        ("visits", "kind"): VisitKind,
        ("contracts", "status"): ContractStatus,
        ("contracts", "risk_level"): RiskLevel,
        ("contract_events", "kind"): ContractEventKind,
        ("complaints", "channel"): ComplaintChannel,
        ("complaints", "category"): ComplaintCategory,
        ("complaints", "severity"): Severity,
        ("complaints", "status"): ComplaintStatus,
        ("complaint_events", "to_status"): ComplaintStatus,
    }
    for (table, column), enum in columns.items():
        stored = sa.type_coerce(T.TABLES[table].c[column], sa.String)
        values = {v for (v,) in built.rows(sa.select(stored).distinct())} - {None}
        assert values <= {m.value for m in enum}, (table, column)
        # Every member shows up somewhere, except the catch-all "other" ones.
        assert len(values) >= len(enum) - 1, (table, column, values)


# -- customer files ----------------------------------------------------------------------------
def test_credit_codes_are_valid_and_unique(built: Built) -> None:
    codes = [code for (code,) in built.rows("SELECT credit_code FROM customers")]
    present = [code for code in codes if code is not None]
    assert len(present) >= 0.85 * SIZE
    assert len(set(present)) == len(present)
    assert all(credit_code_problem(code) is None for code in present)


def test_customer_codes_names_and_kinds(built: Built) -> None:
    rows = built.rows("SELECT id, code, name, short_name, kind, special_kind FROM customers")
    assert [row.code for row in rows] == [f"C{row.id:06d}" for row in rows]
    assert len({name_key(row.name) for row in rows}) == SIZE  # no duplicate companies
    english = [row for row in rows if re.search("[A-Za-z]", row.name)]
    assert 0.08 * SIZE <= len(english) <= 0.22 * SIZE
    assert all(row.short_name for row in rows)
    assert all((row.kind == "special") == (row.special_kind is not None) for row in rows)
    assert len({row.special_kind for row in rows} - {None}) >= 4
    for row in rows:
        if row.special_kind:
            assert SPECIAL_NAME[row.special_kind].search(row.name), row.name


SPECIAL_NAME = {
    "bank": re.compile(r"^(中国|交通|招商|中信|浦发|兴业|民生).*银行.+(分行|支行)$"),
    "government": re.compile(r"^[\u4e00-\u9fff]+市.*(局|委员会)$"),
    "tax": re.compile(r"^[\u4e00-\u9fff]+市.*税务局$"),
    "design_institute": re.compile(r"设计研究院有限公司$"),
    "advertising": re.compile(r"(广告|文化传播|品牌策划)有限公司$"),
    "other": re.compile(r"(医院|学院|中心|委员会)$"),
}


def test_special_customers_are_named_like_their_kind() -> None:
    names = NameMaker(random.Random(2))
    for kind, pattern in SPECIAL_NAME.items():
        made = [names.special(city, kind) for city in CITIES]
        assert all(m is not None and pattern.search(m.name) for m in made), kind


def test_derived_search_keys_match_the_app(built: Built) -> None:
    rows = built.rows("SELECT name, pinyin, pinyin_initials, name_key FROM customers")
    for row in rows:
        assert (row.pinyin, row.pinyin_initials) == pinyin_keys(row.name), row.name
        assert row.name_key == name_key(row.name), row.name


def test_pinyin_from_parts_equals_pinyin_of_whole_names_on_a_large_sample() -> None:
    """The generator concatenates the cached pinyin of name parts; it must equal the app's."""
    generator = Generator(random.Random(11), Clock(TODAY, as_text=True))
    for _ in range(3000):
        generator.customer()
    columns = T.COLUMNS[T.CUSTOMERS]
    at = {name: columns.index(name) for name in ("name", "pinyin", "pinyin_initials", "kind")}
    rows = generator.rows[T.CUSTOMERS]
    assert {row[at["kind"]] for row in rows} == {m.value for m in CustomerKind}
    for row in rows:
        name = row[at["name"]]
        assert (row[at["pinyin"]], row[at["pinyin_initials"]]) == pinyin_keys(name), name


def test_regions_match_cities_and_owners_mostly_cover_their_region(built: Built) -> None:
    region_of = {city.name: city.region for city in CITIES}
    owner_region = dict(SALESPEOPLE)
    rows = built.rows("SELECT address, region, owner FROM customers")
    for row in rows:
        cities = [name for name in region_of if f"{name}市" in row.address]
        assert cities and region_of[max(cities, key=len)] == row.region, row.address
    in_region = sum(owner_region[row.owner] == row.region for row in rows)
    assert in_region >= 0.8 * len(rows)
    assert len({row.owner for row in rows}) == len(SALESPEOPLE)


def test_grades_follow_the_scorecard(built: Built) -> None:
    """The demo is graded by the default scorecard: a re-run moves nothing, and grades
    follow the last 12 months' sales."""
    rows = built.rows("SELECT grade FROM customers")
    shares = Counter(row.grade for row in rows)
    assert 0.08 <= shares["A"] / SIZE <= 0.22
    assert shares["C"] + shares["D"] >= 0.5 * SIZE  # a long tail of C and D
    grading = Settings().grading
    with Session(built.db.engine) as session:
        result = run_grading(
            session=session,
            as_of=TODAY,
            weights=grading.weights.model_dump(),
            thresholds=grading.thresholds.model_dump(),
            actor="test",
            dry_run=True,
        )
        session.rollback()
    assert result.evaluated == SIZE
    assert not result.upgrades and not result.downgrades
    sales = built.rows(
        sa.text(
            "SELECT c.grade, COALESCE(SUM(t.amount_cents), 0) FROM customers c"
            " LEFT JOIN transactions t ON t.customer_id = c.id AND t.kind = 'sale'"
            " AND t.occurred_on > :since GROUP BY c.id"
        ).bindparams(since=TODAY.replace(year=TODAY.year - 1).isoformat())
    )
    median = {}
    for grade in "ABCD":
        amounts = sorted(amount for g, amount in sales if g == grade)
        median[grade] = amounts[len(amounts) // 2]
    assert median["A"] > median["B"] > median["C"] > median["D"]
    history = built.rows("SELECT COUNT(DISTINCT customer_id) FROM grade_assessments")[0][0]
    assert history >= 0.3 * SIZE
    # A customer is graded only once on file (or once it traded): no history from before.
    early = built.rows(
        "SELECT count(*) FROM grade_assessments g JOIN customers c ON c.id = g.customer_id"
        " WHERE date(g.assessed_at) < date(c.created_at) AND NOT EXISTS (SELECT 1 FROM"
        " transactions t WHERE t.customer_id = c.id AND t.occurred_on <= date(g.assessed_at))"
    )[0][0]
    assert early == 0
    assert built.rows("SELECT count(*) FROM customers WHERE updated_at < created_at")[0][0] == 0
    assert (
        built.counts["grade_assessments"]
        == built.rows("SELECT COUNT(*) FROM grade_assessments")[0][0]
    )


def test_groups_have_existing_parents_and_no_cycles(built: Built) -> None:
    parent_of = dict(built.rows("SELECT id, parent_id FROM customers"))
    names = dict(built.rows("SELECT id, name FROM customers"))
    parents = {p for p in parent_of.values() if p is not None}
    assert parents <= set(parent_of)
    assert 0.025 * SIZE <= len(parents) <= 0.08 * SIZE
    depth = {}
    for cid in parent_of:
        seen = {cid}
        node, steps = parent_of[cid], 0
        while node is not None:
            assert node not in seen, f"cycle through {node}"
            assert node < cid  # parents are created first
            seen.add(node)
            node, steps = parent_of[node], steps + 1
        depth[cid] = steps
    assert max(depth.values()) == 2  # a few two-level groups
    children = Counter(p for p in parent_of.values() if p is not None)
    tops = [p for p in children if parent_of[p] is None]
    assert all(2 <= children[p] <= 8 for p in tops)
    subsidiary = next(c for c, p in parent_of.items() if p in tops and "（" in names[c])
    assert names[subsidiary][:2] in names[parent_of[subsidiary]]


def test_files_were_verified_over_two_years_some_stale(built: Built) -> None:
    stamps = [
        parse(v)
        for (v,) in built.rows("SELECT verified_at FROM customers WHERE verified_at IS NOT NULL")
    ]
    stale = [s for s in stamps if NOW - s > timedelta(days=180)]
    assert 0.15 * SIZE <= len(stale) <= 0.6 * SIZE
    assert min(stamps) >= NOW - timedelta(days=731) and max(stamps) <= NOW


def test_money_is_non_negative_integer_cents(built: Built) -> None:
    for name, table in T.TABLES.items():
        for column in table.c:
            if not column.name.endswith("_cents") or column.name == "value_change_cents":
                continue
            kinds = built.rows(
                sa.select(sa.func.typeof(column)).where(column.is_not(None)).distinct()
            )
            assert kinds == [("integer",)], (name, column.name, kinds)
            assert built.scalar(count(name, column < 0)) == 0, (name, column.name)
    # value_change_cents is a signed change: the value before the changes was positive.
    originals = built.rows(
        "SELECT c.value_cents - coalesce(sum(e.value_change_cents), 0) FROM contracts c"
        " LEFT JOIN contract_events e ON e.contract_id = c.id AND e.kind = 'amended'"
        " GROUP BY c.id"
    )
    assert all(value > 0 for (value,) in originals)


# -- contacts ----------------------------------------------------------------------------------
def test_each_customer_has_exactly_one_primary_contact(built: Built) -> None:
    rows = built.rows(
        "SELECT c.id, count(k.id) AS n, sum(k.is_primary) AS primaries FROM customers c"
        " LEFT JOIN contacts k ON k.customer_id = c.id GROUP BY c.id"
    )
    assert len(rows) == SIZE
    assert all(1 <= row.n <= 3 and row.primaries == 1 for row in rows)


def test_contact_details_look_real_and_digits_are_derived(built: Built) -> None:
    rows = built.rows("SELECT * FROM contacts")
    for row in rows:
        assert row.phone_digits == phone_digits(row.phone)
        assert row.mobile_digits == phone_digits(row.mobile)
        assert row.phone or row.mobile
        if row.mobile:
            assert re.fullmatch(r"1[358]\d{9}", row.mobile_digits)
        if row.phone:
            assert re.match(r"0\d{2,3}-\d{4} \d{4}", row.phone)
        if row.email:
            assert re.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+", row.email)
        assert 2 <= len(row.name) <= 3
    assert sum(1 for row in rows if row.wechat) > 0.4 * len(rows)


# -- time order --------------------------------------------------------------------------------
def test_customers_are_created_before_any_of_their_records(built: Built) -> None:
    checks = {
        "contacts": "created_at",
        "interactions": "occurred_at",
        "visits": "created_at",
        "complaints": "received_at",
        "contracts": "created_at",
    }
    customers = T.TABLES["customers"]
    for table, column in checks.items():
        records = T.TABLES[table]
        joined = records.join(customers, customers.c.id == records.c.customer_id)
        early = built.scalar(count(table, records.c[column] < customers.c.created_at, join=joined))
        assert early == 0, table
    early = built.scalar(
        "SELECT count(*) FROM transactions t JOIN customers c ON c.id = t.customer_id"
        " WHERE t.occurred_on <= substr(c.created_at, 1, 10)"
    )
    assert early == 0


def test_nothing_is_recorded_after_now(built: Built) -> None:
    stamps = {
        "customers": ("created_at", "updated_at", "verified_at", "last_contact_at"),
        "contacts": ("created_at", "updated_at"),
        "interactions": ("occurred_at", "created_at"),
        "visits": ("done_at", "created_at", "updated_at"),
        "contracts": ("created_at", "updated_at"),
        "contract_events": ("created_at",),
        "complaints": (
            "received_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "escalated_at",
            "updated_at",
        ),
        "complaint_events": ("at",),
    }
    for table, columns in stamps.items():
        for column in columns:
            late = built.scalar(count(table, T.TABLES[table].c[column] > NOW))
            assert late == 0, (table, column)


def test_last_contact_is_the_latest_done_visit_or_interaction(built: Built) -> None:
    latest: dict[int, str] = {}
    for cid, at in built.rows(
        "SELECT customer_id, max(done_at) FROM visits WHERE status = 'done' GROUP BY customer_id"
        " UNION ALL SELECT customer_id, max(occurred_at) FROM interactions GROUP BY customer_id"
    ):
        latest[cid] = max(latest.get(cid, at), at)
    for cid, last in built.rows("SELECT id, last_contact_at FROM customers"):
        assert last == latest.get(cid), cid


# -- dynamic records ---------------------------------------------------------------------------
def test_visits_past_and_planned(built: Built) -> None:
    rows = built.rows("SELECT * FROM visits")
    now = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
    horizon = (NOW + timedelta(days=61)).strftime("%Y-%m-%d")
    by = Counter((row.status, row.planned_at > now) for row in rows)
    assert by[("done", True)] == by[("missed", True)] == by[("cancelled", True)] == 0
    future = [row for row in rows if row.status == "planned" and row.planned_at > now]
    overdue = [row for row in rows if row.status == "planned" and row.planned_at < now]
    customers = {row.customer_id for row in future}
    assert 0.15 * SIZE <= len(customers) <= 0.45 * SIZE
    assert all(row.planned_at < horizon for row in future)
    assert overdue
    done = [row for row in rows if row.status == "done"]
    assert len(done) > 0.75 * len(rows)
    assert all(row.done_at >= row.planned_at and row.discussion for row in done)
    assert {row.satisfaction for row in done} - {None} == {1, 2, 3, 4, 5}
    assert all(row.created_at <= row.planned_at for row in rows if row.planned_at < now)
    kinds = Counter(row.kind for row in rows)
    assert kinds["return"] and kinds["complaint_followup"]
    assert all(row.contract_id for row in rows if row.kind == "return")
    assert all(row.complaint_id for row in rows if row.kind == "complaint_followup")
    per_grade = defaultdict(list)
    grades = dict(built.rows("SELECT id, grade FROM customers"))
    for cid, n in Counter(row.customer_id for row in rows).items():
        per_grade[grades[cid]].append(n)
    assert sum(per_grade["A"]) / len(per_grade["A"]) > 2 * sum(per_grade["C"]) / len(per_grade["C"])


def test_transactions_have_due_and_paid_dates_in_order(built: Built) -> None:
    rows = built.rows("SELECT * FROM transactions")
    today = TODAY.isoformat()
    kinds = Counter(row.kind for row in rows)
    assert kinds["sale"] > kinds["payment"] > kinds["refund"] > 0 and kinds["purchase"] > 0
    sales = [row for row in rows if row.kind == "sale"]
    assert all(row.due_on >= row.occurred_on for row in sales)
    assert all(
        row.paid_on >= row.occurred_on and row.paid_on < today for row in sales if row.paid_on
    )
    on_time = sum(1 for row in sales if row.paid_on and row.paid_on <= row.due_on)
    late = sum(1 for row in sales if row.paid_on and row.paid_on > row.due_on)
    unpaid_overdue = sum(1 for row in sales if not row.paid_on and row.due_on < today)
    assert on_time > 4 * late > 0 and unpaid_overdue > 0
    assert all(row.occurred_on < today and row.currency == "CNY" for row in rows)


def test_contracts_are_consistent_with_their_dates(built: Built) -> None:
    today = TODAY.isoformat()
    rows = built.rows("SELECT * FROM contracts")
    numbers = [row.number for row in rows]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"HT-20\d\d-\d{6}", n) for n in numbers)
    by_id = {row.id: row for row in rows}
    for row in rows:
        assert row.end_on >= row.start_on
        if row.status == "draft":
            assert row.signed_on is None
        else:
            assert row.signed_on <= row.start_on and row.signed_on < today
        if row.status == "signed":
            assert row.start_on >= today
        if row.status == "active":
            assert row.start_on < today <= row.end_on
        if row.status in ("completed", "expired"):
            assert row.end_on < today
        assert (row.status == "terminated") == (row.terminated_on is not None)
        if row.terminated_on:
            assert row.termination_reason and row.signed_on <= row.terminated_on < today
        if row.renewal_of_id:
            old = by_id[row.renewal_of_id]
            assert old.customer_id == row.customer_id and old.status == "completed"
            assert date.fromisoformat(old.end_on) + timedelta(days=1) == date.fromisoformat(
                row.start_on
            )
    statuses = Counter(row.status for row in rows)
    assert statuses["active"] > statuses["completed"] > 0 and statuses["terminated"] > 0
    assert any(row.renewal_of_id for row in rows) and any(row.risk_level for row in rows)


def test_contract_events_record_each_step(built: Built) -> None:
    today = TODAY.isoformat()
    events = defaultdict(list)
    for row in built.rows("SELECT * FROM contract_events"):
        events[row.contract_id].append(row)
    for contract in built.rows("SELECT * FROM contracts"):
        kinds = Counter(e.kind for e in events[contract.id])
        assert kinds["created"] == 1
        assert kinds["signed"] == (contract.status != "draft")
        assert kinds["completed"] == (contract.status == "completed")
        assert kinds["terminated"] == (contract.status == "terminated")
        for event in events[contract.id]:
            if event.kind == "amended":
                assert event.value_change_cents
            if event.kind == "milestone":
                assert event.due_on is not None
                assert event.delivered_on is None or event.delivered_on < today
    milestones = [e for rows in events.values() for e in rows if e.kind == "milestone"]
    assert any(e.delivered_on is None and e.due_on < today for e in milestones)  # overdue
    assert any(e.delivered_on and e.delivered_on > e.due_on for e in milestones)  # late
    renewed = [e for rows in events.values() for e in rows if e.kind == "renewed"]
    assert renewed and all(e.description.startswith("续签为 HT-") for e in renewed)


def test_complaint_timestamps_deadlines_and_escalation(built: Built) -> None:
    # Deadlines come from the grade the generator gave the customer, which is the grade
    # before its first assessment (the demo grades a year ago and today after generating).
    grades = dict(built.rows("SELECT id, grade FROM customers"))
    grades.update(
        built.rows(
            "SELECT a.customer_id, a.previous_grade FROM grade_assessments a WHERE a.id ="
            " (SELECT MIN(b.id) FROM grade_assessments b WHERE b.customer_id = a.customer_id)"
        )
    )
    rows = built.rows("SELECT * FROM complaints")
    statuses = Counter(row.status for row in rows)
    assert statuses["closed"] > statuses["in_progress"] > 0
    for row in rows:
        received = parse(row.received_at)
        steps = [received] + [
            parse(v) for v in (row.acknowledged_at, row.resolved_at, row.closed_at) if v
        ]
        assert steps == sorted(steps)
        allowed = GRADE_HOURS[grades[row.customer_id]] * 60 * SEVERITY_FACTOR[row.severity]
        assert parse(row.due_at) - received == timedelta(minutes=int(allowed))
        late = row.acknowledged_at is None or row.acknowledged_at > row.due_at
        assert bool(row.escalated) == (late and parse(row.due_at) < NOW)
        if row.escalated:
            assert row.due_at <= row.escalated_at <= (row.acknowledged_at or row.escalated_at)
        expected = {
            "received": (None, None, None),
            "acknowledged": (True, None, None),
            "in_progress": (True, None, None),
            "resolved": (True, True, None),
            "closed": (True, True, True),
        }[row.status]
        present = tuple(
            True if v else None for v in (row.acknowledged_at, row.resolved_at, row.closed_at)
        )
        assert present == expected, row.status
        resolved = row.status in ("resolved", "closed")
        assert (row.resolution is not None) == resolved
        assert (row.satisfaction is not None) == resolved
        if row.dispute_outcome or row.compensation_cents:
            assert row.dispute_positions and resolved
    assert any(row.dispute_positions for row in rows)


def test_complaint_events_follow_the_status_steps(built: Built) -> None:
    events = defaultdict(list)
    for row in built.rows("SELECT * FROM complaint_events ORDER BY id"):
        events[row.complaint_id].append(row)
    for complaint in built.rows("SELECT id, status, escalated, updated_at FROM complaints"):
        steps = events[complaint.id]
        assert [e.at for e in steps] == sorted(e.at for e in steps)
        changes = [(e.from_status, e.to_status) for e in steps if e.to_status]
        order = ["received", "acknowledged", "in_progress", "resolved", "closed"]
        reached = order[: order.index(complaint.status) + 1]
        assert changes == list(zip([None, *reached[:-1]], reached, strict=True))
        escalations = [e for e in steps if e.to_status is None]
        assert len(escalations) == complaint.escalated
        assert steps[-1].at == complaint.updated_at


def test_sales_targets_cover_each_salesperson_and_quarter(built: Built) -> None:
    rows = built.rows("SELECT owner, period_start, period_end, amount_cents FROM sales_targets")
    per_owner = Counter(row.owner for row in rows)
    assert set(per_owner) == {name for name, _ in SALESPEOPLE}
    assert set(per_owner.values()) == {9}
    starts = sorted({row.period_start for row in rows})
    assert starts[0] <= (TODAY - timedelta(days=730)).isoformat() <= starts[1]
    assert starts[-1] <= TODAY.isoformat()
    assert all(row.amount_cents > 0 and row.amount_cents % 10_000_000 == 0 for row in rows)
