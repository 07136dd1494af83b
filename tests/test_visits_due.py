"""Due for a visit: cadence boundaries in local dates, ordering, filters, and the triggers
that keep customers.last_visit_at right whoever writes the visits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from clientdesk.domain import Customer
from clientdesk.domain.customers import delete_customer
from clientdesk.domain.enums import CustomerStatus, Grade
from clientdesk.domain.visits import VisitLog, log_unplanned_visit, plan_visit
from clientdesk.domain.visits_due import (
    count_due,
    due_cutoffs,
    due_page,
    iter_due,
    refresh_last_visits,
)
from clientdesk.errors import ValidationError
from clientdesk.storage.database import Database
from test_visits_support import CADENCE, NOW, TODAY, ZONE, local, make_customer


def visited(session: Session, customer: Customer, at: datetime) -> None:
    assert customer.id is not None
    log_unplanned_visit(
        session=session,
        customer_id=customer.id,
        purpose="例行拜访",
        log=VisitLog(discussion="谈了"),
        actor="tester",
        zone=ZONE,
        done_at=at,
        now=NOW,
    )


def due_codes(session: Session, **kw: object) -> dict[str, int]:
    args: dict[str, object] = {"now": NOW, "zone": ZONE, "every_days": CADENCE}
    args.update(kw)
    rows = due_page(session=session, limit=100, **args)  # type: ignore[arg-type]
    return {row.name: row.days_overdue for row in rows}


@pytest.mark.parametrize(
    ("days_ago", "overdue"),
    [(13, None), (14, 0), (15, 1), (40, 26)],
)
def test_a_grade_a_customer_is_due_fourteen_local_days_after_its_visit(
    database: Database, days_ago: int, overdue: int | None
) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司", grade=Grade.A)
        # Late in the evening: the local date, not the hours, counts.
        visited(s, customer, local(TODAY - timedelta(days=days_ago), 23, 50))
        s.commit()
        assert due_codes(s).get("甲公司") == overdue
        assert count_due_of(s) == (0 if overdue is None else 1)


def count_due_of(session: Session, **kw: object) -> int:
    args: dict[str, object] = {"now": NOW, "zone": ZONE, "every_days": CADENCE}
    args.update(kw)
    return count_due(session=session, **args)  # type: ignore[arg-type]


def test_each_grade_has_its_own_cadence(database: Database) -> None:
    with Session(database.engine) as s:
        for grade in CADENCE:
            make_customer(s, f"{grade.value} due", grade=grade)
            make_customer(s, f"{grade.value} fine", grade=grade)
        for customer in s.execute(select(Customer)).scalars().all():
            days = CADENCE[customer.grade]
            back = days if customer.name.endswith("due") else days - 1
            visited(s, customer, local(TODAY - timedelta(days=back), 9))
        s.commit()
        assert due_codes(s) == {"A due": 0, "B due": 0, "C due": 0, "D due": 0}
        assert count_due_of(s) == 4
        # A shorter cadence from the settings makes the "fine" A customer due as well.
        assert due_codes(s, every_days=dict(CADENCE) | {Grade.A: 13})["A fine"] == 0


def test_never_visited_is_due_from_the_day_the_file_was_entered(database: Database) -> None:
    with Session(database.engine) as s:
        make_customer(s, "新客户", grade=Grade.D, created_at=local(TODAY - timedelta(days=3), 9))
        make_customer(s, "今天录入", grade=Grade.D, created_at=NOW)
        s.commit()
        rows = due_page(session=s, now=NOW, zone=ZONE, every_days=CADENCE)
        assert [(r.name, r.days_overdue, r.never_visited) for r in rows] == [
            ("新客户", 3, True),
            ("今天录入", 0, True),
        ]
        assert rows[0].due_on == TODAY - timedelta(days=3)


def test_lost_customers_are_left_out(database: Database) -> None:
    with Session(database.engine) as s:
        make_customer(s, "流失客户", status=CustomerStatus.LOST)
        make_customer(s, "休眠客户", status=CustomerStatus.DORMANT)
        s.commit()
        assert set(due_codes(s)) == {"休眠客户"}
        assert count_due_of(s) == 1


def test_a_fixed_grade_sets_the_cadence(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "大客户", grade=Grade.A, grade_fixed=True)
        visited(s, customer, local(TODAY - timedelta(days=20)))
        s.commit()
        rows = due_page(session=s, now=NOW, zone=ZONE, every_days=CADENCE)
        assert [(r.grade, r.every_days, r.days_overdue) for r in rows] == [(Grade.A, 14, 6)]


def test_local_dates_decide_around_midnight(database: Database) -> None:
    """In Beijing it is already 27 November; in UTC still the 26th."""
    now = datetime(2026, 11, 27, 0, 10, tzinfo=ZONE)  # = 2026-11-26 16:10 UTC
    with Session(database.engine) as s:
        # 13 Nov 23:30 local = 13 Nov 15:30 UTC: 14 local days before the 27th, due today.
        late = make_customer(s, "深夜拜访", grade=Grade.A)
        visited(s, late, datetime(2026, 11, 13, 23, 30, tzinfo=ZONE))
        # 14 Nov 00:30 local = 13 Nov 16:30 UTC: 13 local days, not due yet.
        early = make_customer(s, "凌晨拜访", grade=Grade.A)
        visited(s, early, datetime(2026, 11, 14, 0, 30, tzinfo=ZONE))
        s.commit()
        assert due_codes(s, now=now.astimezone(UTC)) == {"深夜拜访": 0}
        # Counted in UTC dates (26 Nov, both visits on 13 Nov) nobody would be due yet.
        assert due_codes(s, now=now.astimezone(UTC), zone=ZoneInfo("UTC")) == {}


def test_cutoffs_are_local_midnights_across_a_dst_change() -> None:
    zone = ZoneInfo("America/New_York")  # daylight saving ends on 1 November 2026
    now = datetime(2026, 11, 10, 12, 0, tzinfo=zone)
    cutoffs = due_cutoffs(now=now, zone=zone, every_days=CADENCE)
    # Due when visited on or before 27 Oct: the cutoff is midnight starting 28 Oct (EDT).
    assert cutoffs[Grade.A] == datetime(2026, 10, 28, 0, 0, tzinfo=zone)
    assert cutoffs[Grade.A].utcoffset() == timedelta(hours=-4)
    assert cutoffs[Grade.B].utcoffset() == timedelta(hours=-4)


def test_most_overdue_first_across_grades(database: Database) -> None:
    with Session(database.engine) as s:
        a = make_customer(s, "A 晚 10 天", grade=Grade.A)
        visited(s, a, local(TODAY - timedelta(days=24)))
        d = make_customer(s, "D 晚 100 天", grade=Grade.D)
        visited(s, d, local(TODAY - timedelta(days=280)))
        b = make_customer(s, "B 晚 1 天", grade=Grade.B)
        visited(s, b, local(TODAY - timedelta(days=31)))
        make_customer(s, "从未拜访", grade=Grade.C, created_at=local(TODAY - timedelta(days=50)))
        s.commit()
        rows = due_page(session=s, now=NOW, zone=ZONE, every_days=CADENCE)
        assert [(r.name, r.days_overdue) for r in rows] == [
            ("D 晚 100 天", 100),
            ("从未拜访", 50),
            ("A 晚 10 天", 10),
            ("B 晚 1 天", 1),
        ]
        assert [r.name for r in iter_due(session=s, now=NOW, zone=ZONE, every_days=CADENCE)] == [
            r.name for r in rows
        ]
        page = due_page(session=s, now=NOW, zone=ZONE, every_days=CADENCE, offset=1, limit=2)
        assert [r.name for r in page] == ["从未拜访", "A 晚 10 天"]
        limited = iter_due(session=s, now=NOW, zone=ZONE, every_days=CADENCE, limit=1)
        assert [r.name for r in limited] == ["D 晚 100 天"]


def test_planned_customers_are_shown_with_their_visit_or_left_out(database: Database) -> None:
    with Session(database.engine) as s:
        planned = make_customer(s, "已安排", grade=Grade.A, contact="陈经理")
        make_customer(s, "未安排", grade=Grade.A)
        assert planned.id is not None
        visit = plan_visit(
            session=s,
            customer_id=planned.id,
            planned_at=local(TODAY + timedelta(days=2)),
            purpose="回访",
            actor="t",
            now=NOW,
        )
        s.commit()
        rows = {r.name: r for r in due_page(session=s, now=NOW, zone=ZONE, every_days=CADENCE)}
        assert rows["已安排"].next_planned_at == visit.planned_at
        assert rows["已安排"].planned
        assert rows["已安排"].contact_name == "陈经理"
        assert rows["已安排"].contact_phone == "138 0013 8000"
        assert not rows["未安排"].planned
        assert set(due_codes(s, unplanned_only=True)) == {"未安排"}
        assert count_due_of(s, unplanned_only=True) == 1


def test_owner_filter(database: Database) -> None:
    with Session(database.engine) as s:
        make_customer(s, "王芳的", owner="王芳")
        make_customer(s, "张伟的", owner="张伟")
        s.commit()
        assert set(due_codes(s, owner="张伟")) == {"张伟的"}
        assert count_due_of(s, owner="张伟") == 1


def test_a_bad_cadence_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="grade B") as caught:
        due_cutoffs(now=NOW, zone=ZONE, every_days={Grade.A: 14, Grade.B: 0})
    assert caught.value.field == "visit_every_days"


# -- customers.last_visit_at is kept by triggers, whoever writes ------------------------------


def last_visit(database: Database, customer_id: int) -> str | None:
    """The stored last visit as SQLite writes it (PostgreSQL gives a datetime: same form)."""
    with database.engine.connect() as conn:
        value = conn.execute(
            text("SELECT last_visit_at FROM customers WHERE id = :id"), {"id": customer_id}
        ).scalar()
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def insert_visit(database: Database, customer_id: int, status: str, done_at: str | None) -> int:
    with database.engine.begin() as conn:
        result = conn.execute(
            text(
                "INSERT INTO visits (customer_id, kind, purpose, planned_at, status, done_at,"
                " created_at, updated_at) VALUES (:c, 'regular', '导入', :p, :s, :d, :p, :p)"
                " RETURNING id"
            ),
            {
                "c": customer_id,
                "p": done_at or "2026-01-01 00:00:00.000000",
                "s": status,
                "d": done_at,
            },
        )
        return int(result.scalar_one())


def test_triggers_follow_inserts_updates_and_deletes(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        s.commit()
        assert customer.id is not None
        cid = customer.id
    newer = "2026-10-02 03:00:00.000000"
    older = "2026-09-01 03:00:00.000000"
    first = insert_visit(database, cid, "done", older)
    assert last_visit(database, cid) == older
    second = insert_visit(database, cid, "done", newer)
    insert_visit(database, cid, "planned", None)
    assert last_visit(database, cid) == newer
    insert_visit(database, cid, "done", "2026-08-01 00:00:00.000000")  # older: no change
    assert last_visit(database, cid) == newer
    with database.engine.begin() as conn:  # an import corrects a status
        conn.execute(text("UPDATE visits SET status = 'cancelled' WHERE id = :id"), {"id": second})
    assert last_visit(database, cid) == older
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE visits SET status = 'done' WHERE id = :id"), {"id": second})
    assert last_visit(database, cid) == newer
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM visits WHERE id = :id"), {"id": second})
    assert last_visit(database, cid) == older
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM visits WHERE id = :id"), {"id": first})
    assert last_visit(database, cid) == "2026-08-01 00:00:00.000000"


def test_a_visit_moved_to_another_customer_moves_both_dates(database: Database) -> None:
    with Session(database.engine) as s:
        one = make_customer(s, "甲公司")
        two = make_customer(s, "乙公司")
        s.commit()
        assert one.id is not None and two.id is not None
        ids = (one.id, two.id)
    visit = insert_visit(database, ids[0], "done", "2026-10-02 03:00:00.000000")
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE visits SET customer_id = :c WHERE id = :id"), {"c": ids[1], "id": visit}
        )
    assert last_visit(database, ids[0]) is None
    assert last_visit(database, ids[1]) == "2026-10-02 03:00:00.000000"


def test_deleting_a_customer_with_visits_still_works(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visited(s, customer, NOW - timedelta(days=3))
        s.commit()
        assert customer.id is not None
        delete_customer(customer.id, session=s, actor="tester")
        s.commit()
        assert s.get(Customer, customer.id) is None


def test_refresh_recomputes_after_a_bulk_load(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visited(s, customer, NOW - timedelta(days=3))
        s.commit()
        assert customer.id is not None
        cid = customer.id
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE customers SET last_visit_at = NULL"))
    assert last_visit(database, cid) is None
    with database.engine.begin() as conn:
        refresh_last_visits(conn)
    assert last_visit(database, cid) is not None
    with Session(database.engine) as s:
        row = s.get(Customer, cid)
        assert row is not None
        assert row.last_visit_at == NOW - timedelta(days=3)
