"""Sales performance against targets (业绩考核), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from clientdesk.domain import Transaction
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import TransactionKind, VisitStatus
from clientdesk.domain.performance import neighbour_period, performance, targets_on
from clientdesk.domain.target import SalesTarget
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database

ZONE = ZoneInfo("Asia/Shanghai")
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
Q2 = (date(2026, 4, 1), date(2026, 6, 30))


def _build(database: Database) -> None:
    """张伟: target ¥1,000,000 in Q1; his customer bought ¥600,000 and ¥300,000 in Q1 (the
    second paid in Q2), ¥50,000 was refunded in Q1, and ¥999,999 sold in Q2 does not count.
    李娜: target ¥500,000 in Q1, sold ¥600,000 (met). Visits and new customers by local day:
    a visit at 2026-03-31 23:30 in Shanghai (15:30 UTC) is in Q1."""
    with Session(database.engine) as s:
        for owner, yuan in (("张伟", 1_000_000), ("李娜", 500_000)):
            s.add(SalesTarget(owner=owner, period_start=Q1[0], period_end=Q1[1],
                              amount_cents=yuan * 100))  # fmt: skip
        s.add(SalesTarget(owner="张伟", period_start=Q2[0], period_end=Q2[1],
                          amount_cents=2_000_000_00))  # fmt: skip
        zhang = create_customer(
            CustomerCreate(name="华信科技有限公司", owner="张伟",
                           created_at=datetime(2026, 2, 1, tzinfo=UTC)),
            session=s, actor="t",
        )  # fmt: skip
        li = create_customer(
            CustomerCreate(name="金桥物流有限公司", owner="李娜",
                           created_at=datetime(2025, 2, 1, tzinfo=UTC)),
            session=s, actor="t",
        )  # fmt: skip

        def trade(who: object, kind: TransactionKind, yuan: int, on: date, paid: date | None
                  ) -> None:  # fmt: skip
            s.add(Transaction(customer_id=who.id, kind=kind, amount_cents=yuan * 100,  # type: ignore[attr-defined]
                              occurred_on=on, paid_on=paid))  # fmt: skip

        trade(zhang, TransactionKind.SALE, 600_000, date(2026, 1, 10), date(2026, 1, 20))
        trade(zhang, TransactionKind.SALE, 300_000, date(2026, 3, 10), date(2026, 4, 2))
        trade(zhang, TransactionKind.REFUND, 50_000, date(2026, 2, 10), None)
        trade(zhang, TransactionKind.SALE, 999_999, date(2026, 4, 10), None)
        trade(li, TransactionKind.SALE, 600_000, date(2026, 2, 1), None)
        late_evening = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
        for done, owner in (
            (late_evening, "张伟"),
            (datetime(2026, 3, 31, 16, 30, tzinfo=UTC), "张伟"),
        ):
            s.add(Visit(customer_id=zhang.id, owner=owner, status=VisitStatus.DONE,  # type: ignore[arg-type]
                        purpose="回访", planned_at=done, done_at=done))  # fmt: skip
        s.commit()


def test_results_per_salesperson_and_period_against_the_target(database: Database) -> None:
    _build(database)
    with Session(database.engine) as s:
        rows = performance(session=s, start=Q1[0], end=Q1[1], zone=ZONE)
    by_owner = {row.owner: row for row in rows}
    assert [row.owner for row in rows] == ["李娜", "张伟"]  # best achievement first
    zhang = by_owner["张伟"]
    assert zhang.sales_cents == 850_000_00  # 600k + 300k - 50k refund, Q1 only
    assert zhang.collected_cents == 600_000_00  # the 300k was paid in Q2
    assert zhang.achievement == 0.85
    assert (zhang.new_customers, zhang.visits_done) == (1, 1)  # the 00:30 visit is Q2
    li = by_owner["李娜"]
    assert li.achievement == 1.2 and li.collected_cents == 0 and li.new_customers == 0


def test_periods_can_be_found_and_stepped_through(database: Database) -> None:
    _build(database)
    with Session(database.engine) as s:
        assert targets_on(s, date(2026, 2, 14)) == Q1
        assert targets_on(s, date(2026, 9, 1)) == Q2  # none running: the latest ended
        assert targets_on(s, date(2025, 1, 1)) is None
        assert neighbour_period(s, Q1[0], later=True) == Q2
        assert neighbour_period(s, Q1[0], later=False) is None
        q2 = performance(session=s, start=Q2[0], end=Q2[1], zone=ZONE, owner="张伟")
    assert len(q2) == 1 and q2[0].sales_cents == 999_999_00 and q2[0].collected_cents == 300_000_00
    assert q2[0].visits_done == 1
    assert q2[0].elapsed(date(2026, 5, 16)) == 46 / 91


def test_report_targets_for_scripts_and_people(database: Database, tmp_path: object) -> None:
    import json

    from typer.testing import CliRunner

    from clientdesk.cli import app

    _build(database)
    where = ["--db", database.location, "report", "targets"]
    runner = CliRunner()
    result = runner.invoke(app, [*where, "--on", "2026-02-14", "--json"])
    assert result.exit_code == 0, result.output
    docs = {d["owner"]: d for d in map(json.loads, result.stdout.splitlines())}
    assert docs["张伟"]["sales"] == 850_000 and docs["张伟"]["achievement"] == 0.85
    assert docs["李娜"]["achievement"] == 1.2 and docs["李娜"]["period_elapsed"] == 1.0
    result = runner.invoke(app, [*where, "--from", "2026-04-01", "--to", "2026-04-30"])
    assert result.exit_code == 0 and "1 targets from 2026-04-01 to 2026-04-30" in result.stdout
    result = runner.invoke(app, [*where, "--from", "2026-04-01"])
    assert result.exit_code == 2 and "--from and --to go together" in result.stderr
    result = runner.invoke(app, [*where, "--on", "31/03/2026"])
    assert result.exit_code == 2 and "is not a date" in result.stderr
