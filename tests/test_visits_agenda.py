"""The agenda buckets, the month calendar and a customer's visit list, in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from clientdesk.domain import Customer, Visit
from clientdesk.domain.agenda import (
    AgendaWindow,
    Bucket,
    agenda,
    agenda_counts,
    agenda_rows,
    count_customer_visits,
    customer_visits,
)
from clientdesk.domain.enums import VisitStatus
from clientdesk.domain.visit_calendar import day_entries, month_calendar
from clientdesk.domain.visits import VisitLog, cancel_visit, log_unplanned_visit, plan_visit
from clientdesk.errors import ValidationError
from clientdesk.storage.database import Database
from test_visits_support import NOW, TODAY, ZONE, local, make_customer

LONG_AGO = NOW - timedelta(days=60)


def planned(
    session: Session, customer: Customer, at: datetime, purpose: str = "拜访", **kw: object
) -> Visit:
    assert customer.id is not None
    return plan_visit(
        session=session,
        customer_id=customer.id,
        planned_at=at,
        purpose=purpose,
        actor="tester",
        now=LONG_AGO,
        **kw,  # type: ignore[arg-type]
    )


def done(session: Session, customer: Customer, at: datetime, purpose: str = "顺访") -> Visit:
    assert customer.id is not None
    return log_unplanned_visit(
        session=session,
        customer_id=customer.id,
        purpose=purpose,
        log=VisitLog(discussion="谈了"),
        actor="tester",
        zone=ZONE,
        done_at=at,
        now=at + timedelta(hours=1),
    ).visit


def test_window_of_a_wednesday_and_of_a_sunday() -> None:
    wednesday = AgendaWindow.at(NOW, ZONE)
    assert wednesday.today == TODAY
    assert wednesday.today_start == local(TODAY, 0)
    assert wednesday.next_week_start == local(date(2026, 11, 30), 0)
    sunday = AgendaWindow.at(local(date(2026, 11, 29), 12), ZONE)
    assert sunday.tomorrow_start == sunday.next_week_start  # "this week" is empty


def test_agenda_buckets_in_local_time(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "北京华信科技有限公司", contact="李明")
        ids = {
            "overdue": planned(s, customer, local(TODAY - timedelta(days=1), 16)).id,
            "early today": planned(s, customer, local(TODAY, 8)).id,
            "late today": planned(s, customer, local(TODAY, 23, 59)).id,
            "sunday night": planned(s, customer, local(date(2026, 11, 29), 23, 30)).id,
            "monday": planned(s, customer, local(date(2026, 11, 30), 0)).id,
        }
        done(s, customer, NOW - timedelta(days=2))
        gone = planned(s, customer, local(TODAY, 15))
        assert gone.id is not None
        cancel_visit(gone.id, session=s, actor="tester")
        s.commit()
        result = agenda(session=s, now=NOW, zone=ZONE)
        got = {b: [r.visit_id for r in rows] for b, rows in result.rows.items()}
        assert got == {
            Bucket.OVERDUE: [ids["overdue"]],
            Bucket.TODAY: [ids["early today"], ids["late today"]],
            Bucket.THIS_WEEK: [ids["sunday night"]],
            Bucket.LATER: [ids["monday"]],
        }
        assert result.counts == {
            Bucket.OVERDUE: 1,
            Bucket.TODAY: 2,
            Bucket.THIS_WEEK: 1,
            Bucket.LATER: 1,
        }
        assert result.total == 5
        row = result.rows[Bucket.TODAY][0]
        assert (row.customer_name, row.contact_name, row.contact_phone) == (
            "北京华信科技有限公司",
            "李明",
            "138 0013 8000",
        )
        assert row.grade.value == "B"
        assert row.purpose == "拜访"
        assert row.local_time(ZONE) == local(TODAY, 8)
        # On Sunday noon the Sunday-night visit is today's and Monday's is later.
        sunday = agenda_counts(session=s, now=local(date(2026, 11, 29), 12), zone=ZONE)
        assert sunday == {Bucket.OVERDUE: 3, Bucket.TODAY: 1, Bucket.THIS_WEEK: 0, Bucket.LATER: 1}


def test_agenda_pages_and_filters(database: Database) -> None:
    with Session(database.engine) as s:
        mine = make_customer(s, "甲公司", owner="王芳")
        theirs = make_customer(s, "乙公司", owner="张伟")
        times = [local(TODAY + timedelta(days=10), 9 + i) for i in range(5)]
        for at in times:
            planned(s, mine, at)
        planned(s, theirs, local(TODAY + timedelta(days=10), 8))
        s.commit()
        page = agenda_rows(
            session=s, bucket=Bucket.LATER, now=NOW, zone=ZONE, owner="王芳", offset=1, limit=2
        )
        assert [r.planned_at for r in page] == [t.astimezone(UTC) for t in times[1:3]]
        assert agenda_counts(session=s, now=NOW, zone=ZONE, owner="张伟")[Bucket.LATER] == 1
        assert agenda_counts(session=s, now=NOW, zone=ZONE)[Bucket.LATER] == 6
        assert theirs.id is not None
        only = agenda(session=s, now=NOW, zone=ZONE, customer_id=theirs.id, per_bucket=1)
        assert [r.customer_name for r in only.rows[Bucket.LATER]] == ["乙公司"]
        capped = agenda(session=s, now=NOW, zone=ZONE, per_bucket=2)
        assert len(capped.rows[Bucket.LATER]) == 2
        assert capped.counts[Bucket.LATER] == 6
        with pytest.raises(ValidationError):
            agenda_rows(session=s, bucket=Bucket.LATER, now=NOW, zone=ZONE, limit=0)


def test_customer_visits_put_what_is_planned_first(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        old = done(s, customer, NOW - timedelta(days=30), "上月拜访")
        recent = done(s, customer, NOW - timedelta(days=2), "前天拜访")
        soon = planned(s, customer, local(TODAY + timedelta(days=1)), "明天")
        later = planned(s, customer, local(TODAY + timedelta(days=9)), "下周")
        s.commit()
        assert customer.id is not None
        rows = customer_visits(session=s, customer_id=customer.id)
        assert [r.visit_id for r in rows] == [soon.id, later.id, recent.id, old.id]
        assert rows[2].status == VisitStatus.DONE
        assert rows[2].when == NOW - timedelta(days=2)
        assert rows[0].contact_name == "李明"
        assert count_customer_visits(session=s, customer_id=customer.id) == 4
        page = customer_visits(session=s, customer_id=customer.id, offset=3, limit=5)
        assert [r.visit_id for r in page] == [old.id]


def test_month_calendar_places_visits_on_local_days(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        done(s, customer, datetime(2026, 11, 10, 23, 30, tzinfo=ZONE), "深夜")  # 15:30 UTC
        done(s, customer, datetime(2026, 11, 1, 0, 10, tzinfo=ZONE), "月初")  # Oct 31 in UTC
        done(s, customer, datetime(2026, 10, 31, 23, 50, tzinfo=ZONE), "上月")
        planned(s, customer, datetime(2026, 11, 30, 0, 0, tzinfo=ZONE), "月末")
        for hour in (9, 11, 14, 16):
            planned(s, customer, datetime(2026, 11, 27, hour, 0, tzinfo=ZONE), f"{hour}点")
        done(s, customer, datetime(2026, 11, 27, 8, 0, tzinfo=ZONE), "早上")
        gone = planned(s, customer, datetime(2026, 11, 12, 10, 0, tzinfo=ZONE))
        assert gone.id is not None
        cancel_visit(gone.id, session=s, actor="tester")
        s.commit()
        cal = month_calendar(session=s, year=2026, month=11, zone=ZONE, per_day=3)
        assert len(cal.days) == 30
        busy = {d.day.day: (d.planned, d.done) for d in cal.days if d.total}
        assert busy == {1: (0, 1), 10: (0, 1), 27: (4, 1), 30: (1, 0)}
        assert (cal.planned, cal.done) == (5, 3)
        day27 = cal.day(date(2026, 11, 27))
        assert [e.purpose for e in day27.entries] == ["早上", "9点", "11点"]
        assert day27.more == 2
        assert day27.entries[0].status == VisitStatus.DONE
        assert day27.entries[1].local_time(ZONE).hour == 9
        weeks = cal.weeks()
        assert len(weeks) == 6 and all(len(w) == 7 for w in weeks)
        assert weeks[0][:6] == [None] * 6  # 1 November 2026 is a Sunday
        first = weeks[0][6]
        assert first is not None and first.day == date(2026, 11, 1)
        october = month_calendar(session=s, year=2026, month=10, zone=ZONE)
        assert october.day(date(2026, 10, 31)).done == 1
        counts_only = month_calendar(session=s, year=2026, month=11, zone=ZONE, per_day=0)
        assert counts_only.day(date(2026, 11, 27)).entries == ()
        assert counts_only.day(date(2026, 11, 27)).planned == 4


def test_day_entries_page_through_one_day(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        for hour in (9, 11, 14, 16):
            planned(s, customer, datetime(2026, 11, 27, hour, 0, tzinfo=ZONE), f"{hour}点")
        s.commit()
        page = day_entries(
            session=s,
            day=date(2026, 11, 27),
            zone=ZONE,
            status=VisitStatus.PLANNED,
            offset=2,
            limit=5,
        )
        assert [e.purpose for e in page] == ["14点", "16点"]
        with pytest.raises(ValidationError, match="planned and done"):
            day_entries(session=s, day=date(2026, 11, 27), zone=ZONE, status=VisitStatus.MISSED)


def test_month_calendar_refuses_a_bad_month(database: Database) -> None:
    with Session(database.engine) as s, pytest.raises(ValidationError, match="not a month"):
        month_calendar(session=s, year=2026, month=13, zone=ZONE)
