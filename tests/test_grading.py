"""Grading: the scorecard by hand, the set-based inputs, re-evaluation and the CLI."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.config import Settings
from clientdesk.domain import Contract, Customer, GradeAssessment, Transaction
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import ContractStatus, Grade, TransactionKind
from clientdesk.domain.regrade import evaluate, run_grading
from clientdesk.domain.scoring import Inputs, growth_score, quick_grade, revenue_score, score
from clientdesk.storage.database import Database

AS_OF = date(2026, 6, 30)
ENTERED = datetime(2025, 1, 1, tzinfo=UTC)
WEIGHTS = Settings().grading.weights.model_dump()
THRESHOLDS = Settings().grading.thresholds.model_dump()


def card(inputs: Inputs):  # type: ignore[no-untyped-def]
    return score(inputs, as_of=AS_OF, weights=WEIGHTS, thresholds=THRESHOLDS)


def test_scorecard_by_hand() -> None:
    inputs = Inputs(
        net_sales_cents=100_000_000,  # ¥1,000,000
        sales_count=6,
        previous_net_sales_cents=80_000_000,  # +25%
        customer_since=date(2021, 6, 30),  # 5.0 years before AS_OF (1826 days)
        paid_on_time=3,
        paid_late=1,
        market_share_rating=3,
        potential_rating=4,
    )
    result = card(inputs)
    by_name = {d.name: d for d in result.dimensions}
    assert by_name["revenue"].score == pytest.approx(100 * math.log10(1001) / math.log10(5001))
    assert by_name["frequency"].score == pytest.approx(50.0)
    assert by_name["loyalty"].score == pytest.approx(100 * (1826 / 365.25) / 10)
    assert by_name["growth"].score == pytest.approx(75.0)
    assert by_name["growth"].raw == "+25%"
    assert by_name["credit"].score == pytest.approx(75.0)
    assert by_name["market_share"].score == pytest.approx(60.0)
    assert by_name["potential"].score == pytest.approx(80.0)
    expected = (
        0.30 * 81.1011 + 0.15 * 50 + 0.10 * 49.9932 + 0.15 * 75 + 0.10 * 75 + 0.10 * 60 + 0.10 * 80
    )
    assert result.total == pytest.approx(expected, abs=0.01)
    assert result.total == pytest.approx(69.6, abs=0.05)
    assert result.grade == Grade.A  # default thresholds: A from 65
    assert result.reason == ""


def test_thresholds_decide_the_grade() -> None:
    inputs = Inputs(net_sales_cents=100_000_000, sales_count=6, market_share_rating=3)
    total = card(inputs).total
    just_a = score(inputs, as_of=AS_OF, weights=WEIGHTS, thresholds={"A": total, "B": 1, "C": 0.5})
    assert just_a.grade == Grade.A
    just_below = score(
        inputs, as_of=AS_OF, weights=WEIGHTS, thresholds={"A": total + 0.01, "B": 1, "C": 0.5}
    )
    assert just_below.grade == Grade.B


def test_no_data_is_d_with_reason() -> None:
    result = card(Inputs(customer_since=date(2010, 1, 1)))
    assert result.grade == Grade.D
    assert result.reason == "no data"


def test_growth_edges() -> None:
    assert growth_score(0, 0)[0] == 0.0
    assert growth_score(10, 0)[0] == 100.0
    assert growth_score(50, 100)[0] == 0.0
    assert growth_score(10, 100)[0] == 0.0  # -90% is as bad as -50%
    assert growth_score(300, 100)[0] == 100.0
    assert growth_score(100, 100)[0] == 50.0


def test_revenue_scale() -> None:
    assert revenue_score(0) == 0
    assert revenue_score(-500) == 0
    assert revenue_score(500_000_000) == pytest.approx(100.0)
    assert revenue_score(10**15) == 100.0


@given(
    revenue=st.integers(min_value=0, max_value=10**11),
    extra=st.integers(min_value=0, max_value=10**11),
    previous=st.integers(min_value=0, max_value=10**11),
    count=st.integers(min_value=0, max_value=40),
    on_time=st.integers(min_value=0, max_value=20),
    late=st.integers(min_value=0, max_value=20),
    share=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
)
def test_grade_is_monotone_in_revenue(
    revenue: int, extra: int, previous: int, count: int, on_time: int, late: int, share: int | None
) -> None:
    def with_revenue(cents: int) -> Inputs:
        return Inputs(
            net_sales_cents=cents,
            sales_count=count,
            previous_net_sales_cents=previous,
            customer_since=date(2022, 1, 1),
            paid_on_time=on_time,
            paid_late=late,
            market_share_rating=share,
        )

    lower, higher = card(with_revenue(revenue)), card(with_revenue(revenue + extra))
    assert higher.total >= lower.total
    assert higher.grade <= lower.grade  # "A" < "B": a higher or equal grade


def _customer(s: Session, name: str, **kw: object) -> Customer:
    return create_customer(CustomerCreate(name=name, **kw), session=s, actor="t")


def _sale(s: Session, customer: Customer, yuan: int, on: date, **kw: object) -> None:
    s.add(
        Transaction(
            customer_id=customer.id,  # type: ignore[arg-type]
            kind=kw.pop("kind", TransactionKind.SALE),  # type: ignore[arg-type]
            amount_cents=yuan * 100,
            occurred_on=on,
            **kw,  # type: ignore[arg-type]
        )
    )


def test_inputs_gathered_in_sql(database: Database) -> None:
    with Session(database.engine) as s:
        c = _customer(s, "华信科技", market_share_rating=2)
        _sale(s, c, 1000, date(2026, 3, 1), due_on=date(2026, 4, 1), paid_on=date(2026, 3, 30))
        _sale(s, c, 500, date(2026, 5, 1), due_on=date(2026, 5, 31))  # unpaid, past due
        _sale(s, c, 200, date(2026, 6, 20), due_on=date(2026, 7, 20))  # not due yet
        _sale(s, c, 100, date(2026, 6, 1), kind=TransactionKind.REFUND)
        _sale(s, c, 400, date(2025, 3, 1))  # the year before
        _sale(s, c, 999, date(2026, 7, 5))  # after as_of: not counted
        _sale(s, c, 50, date(2026, 2, 1), kind=TransactionKind.PAYMENT)
        s.add(
            Contract(
                customer_id=c.id,  # type: ignore[arg-type]
                number="HT-1",
                title="framework",
                value_cents=300_000,
                status=ContractStatus.ACTIVE,
                signed_on=date(2026, 1, 10),
            )
        )
        s.commit()
        (item,) = evaluate(session=s, as_of=AS_OF, weights=WEIGHTS, thresholds=THRESHOLDS)
    raw = {d.name: d.raw for d in item.card().dimensions}
    # sales 1000 + 500 + 200 - refund 100 = 1600, plus the uninvoiced contract 3000
    assert raw["revenue"] == "CNY 4,600.00"
    assert raw["frequency"] == "3"
    assert raw["growth"] == "+300%"  # 1600 against 400
    assert raw["credit"] == "1/2 on time"
    assert raw["market_share"] == "2/5"
    assert raw["loyalty"] == "1.3 years"  # since the first transaction, 2025-03-01


def test_run_records_changes_and_keeps_fixed_grades(database: Database) -> None:
    with Session(database.engine) as s:
        big = _customer(s, "大客户", grade=Grade.D, market_share_rating=5, potential_rating=5)
        # Entered before AS_OF: a run for a past day grades only customers on file then.
        fixed = _customer(
            s, "手工定级", grade=Grade.A, grade_fixed=True, owner="王", created_at=ENTERED
        )
        empty = _customer(s, "空白客户", grade=Grade.B, created_at=ENTERED)
        for month in range(1, 13):
            _sale(s, big, 500_000, date(2025, 7, 1) + timedelta(days=30 * month))
        s.commit()
        result = run_grading(
            session=s, as_of=AS_OF, weights=WEIGHTS, thresholds=THRESHOLDS, actor="经理"
        )
        s.commit()
        assert [i.code for i in result.upgrades] == [big.code]
        assert [i.code for i in result.downgrades] == [empty.code]
        assert [i.code for i in result.kept_fixed] == [fixed.code]
        assert [i.code for i in result.a_without_owner] == [big.code]
        s.refresh(big), s.refresh(fixed), s.refresh(empty)
        assert (big.grade, fixed.grade, empty.grade) == (Grade.A, Grade.A, Grade.D)
        history = (
            s.execute(select(GradeAssessment).order_by(col(GradeAssessment.customer_id)))
            .scalars()
            .all()
        )
        assert [(h.customer_id, h.previous_grade, h.grade) for h in history] == [
            (big.id, Grade.D, Grade.A),
            (empty.id, Grade.B, Grade.D),
        ]
        assert history[1].reason == "no data"
        assert set(history[0].scores) == set(WEIGHTS)
        assert history[0].actor == "经理"
        # a second run moves nothing
        again = run_grading(
            session=s, as_of=AS_OF, weights=WEIGHTS, thresholds=THRESHOLDS, actor="x"
        )
        assert not again.upgrades and not again.downgrades


def _snapshot(db: Database) -> tuple[list[tuple[str, str]], int]:
    with Session(db.engine) as s:
        grades = [
            (c, g)
            for c, g in s.execute(select(Customer.code, Customer.grade).order_by(Customer.code))
        ]  # type: ignore[call-overload]
        assessments = s.execute(select(func.count()).select_from(GradeAssessment)).scalar_one()
    return grades, assessments


def test_cli_dry_run_changes_nothing(database: Database) -> None:
    with Session(database.engine) as s:
        c = _customer(s, "会升级的客户", grade=Grade.D, market_share_rating=5, potential_rating=5)
        for month in range(12):
            _sale(s, c, 500_000, date.today() - timedelta(days=30 * month + 1))
        s.commit()
        code = c.code
    before = _snapshot(database)
    result = CliRunner().invoke(
        app, ["--db", database.location, "grade", "run", "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True
    assert [m["to"] for m in doc["upgrades"]] == ["A"]
    assert _snapshot(database) == before

    result = CliRunner().invoke(app, ["--db", database.location, "grade", "run"])
    assert result.exit_code == 0
    assert "1 up" in result.stdout
    grades, assessments = _snapshot(database)
    assert grades == [(code, "A")]
    assert assessments == 1


def test_cli_show_explains_and_unknown_code(database: Database) -> None:
    with Session(database.engine) as s:
        _customer(s, "客户甲", code="K1", market_share_rating=4)
        s.commit()
    result = CliRunner().invoke(app, ["--db", database.location, "grade", "show", "K1", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["scores"]["market_share"]["score"] == 80.0
    result = CliRunner().invoke(app, ["--db", database.location, "grade", "show", "NOPE"])
    assert result.exit_code == 1
    assert "no customer has the code" in result.stderr


def test_cli_bad_as_of(database: Database) -> None:
    result = CliRunner().invoke(
        app, ["--db", database.location, "grade", "run", "--as-of", "31/12"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_report_stale_lists_oldest_first(database: Database) -> None:
    now = datetime.now(UTC)
    with Session(database.engine) as s:
        _customer(s, "新客户")  # entered now: fresh
        old = _customer(s, "老客户", created_at=now - timedelta(days=400))
        older = _customer(s, "更老客户", created_at=now - timedelta(days=900))
        checked = _customer(s, "核实过", created_at=now - timedelta(days=900))
        checked.verified_at = now - timedelta(days=10)
        s.add(checked)
        s.commit()
        codes = [older.code, old.code]
    result = CliRunner().invoke(app, ["--db", database.location, "report", "stale", "--json"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["code"] for r in rows] == codes
    assert rows[0]["verified"] is False
    assert rows[0]["days"] >= 899


@given(
    revenue=st.integers(min_value=-(10**9), max_value=10**11),
    previous=st.integers(min_value=0, max_value=10**11),
    count=st.integers(min_value=0, max_value=40),
    on_time=st.integers(min_value=0, max_value=20),
    late=st.integers(min_value=0, max_value=20),
    share=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    since=st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1))),
)
def test_quick_grade_agrees_with_the_scorecard(
    revenue: int,
    previous: int,
    count: int,
    on_time: int,
    late: int,
    share: int | None,
    since: date | None,
) -> None:
    inputs = Inputs(
        net_sales_cents=revenue,
        sales_count=count,
        previous_net_sales_cents=previous,
        customer_since=since,
        paid_on_time=on_time,
        paid_late=late,
        potential_rating=share,
    )
    full = card(inputs)
    assert quick_grade(inputs, as_of=AS_OF, weights=WEIGHTS, thresholds=THRESHOLDS) == (
        full.total,
        full.grade,
    )
