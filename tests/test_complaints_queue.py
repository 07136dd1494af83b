"""The complaint queue paged from SQL, and the satisfaction summary worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from clientdesk.config import Settings
from clientdesk.domain.complaint_queue import (
    ALL_STATUSES,
    ComplaintFilter,
    complaint_queue,
    count_complaints,
    iter_complaints,
    page_complaints,
)
from clientdesk.domain.complaint_stats import satisfaction_summary
from clientdesk.domain.complaints import (
    DeadlineRules,
    acknowledge,
    close,
    record_dispute,
    reopen,
    resolve,
    sweep_overdue,
    take_complaint,
)
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintStatus,
    CustomerStatus,
    Grade,
    Severity,
)
from clientdesk.storage.database import Database

SH = ZoneInfo("Asia/Shanghai")
RULES = DeadlineRules.from_settings(Settings())
S = ComplaintStatus


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)  # type: ignore[misc]


def customer(session: Session, name: str, grade: str, owner: str = "王芳") -> int:
    made = create_customer(
        CustomerCreate(name=name, grade=Grade(grade), owner=owner, status=CustomerStatus.ACTIVE),
        session=session,
        actor="t",
    )
    assert made.id is not None
    return made.id


def take(session: Session, customer_id: int, received: datetime, **values: Any) -> int:
    values = {
        "channel": "phone",
        "category": "product",
        "severity": "medium",
        "summary": "产品存在质量问题",
    } | values
    complaint = take_complaint(
        session=session,
        rules=RULES,
        actor="t",
        customer_id=customer_id,
        received_at=received,
        **values,
    )
    assert complaint.id is not None
    return complaint.id


@pytest.fixture
def queue(database: Database) -> dict[str, int]:
    """Five complaints on 2 March 2026 (Shanghai), their deadlines:
    a: A critical 09:00 + 1h = 10:00      (received, will be overdue at noon)
    b: C medium  08:00 + 24h = next 08:00 (received)
    c: A medium  09:00 + 4h = 13:00       (acknowledged)
    d: B high    05:00 + 4h = 09:00       (received, overdue at noon, swept at 09:30)
    e: D medium  06:00 + 48h              (resolved: not in the open queue)
    """
    with Session(database.engine) as session:
        big = customer(session, "华信科技", "A")
        small = customer(session, "Acme Trading", "C", owner="李雷")
        mid = customer(session, "明志供应链", "B")
        low = customer(session, "康亚环保", "D")
        ids = {
            "a": take(session, big, sh(2026, 3, 2, 9, 0), severity="critical"),
            "b": take(session, small, sh(2026, 3, 2, 8, 0), category="billing"),
            "c": take(session, big, sh(2026, 3, 2, 9, 0)),
            "d": take(session, mid, sh(2026, 3, 2, 5, 0), severity="high", category="delivery"),
            "e": take(session, low, sh(2026, 3, 2, 6, 0)),
        }
        acknowledge(ids["c"], session=session, actor="t", at=sh(2026, 3, 2, 9, 30))
        resolve(
            ids["e"],
            session=session,
            actor="t",
            resolution="已处理",
            confirm=True,
            at=sh(2026, 3, 2, 9, 0),
        )
        sweep_overdue(session=session, now=sh(2026, 3, 2, 9, 30))  # d only
        record_dispute(ids["b"], session=session, actor="t", positions="对账单金额有争议")
        session.commit()
        ids |= {"big": big, "small": small}
    return ids


NOON = sh(2026, 3, 2, 12, 0)


def ids_of(rows: list[Any]) -> list[int]:
    return [row.id for row in rows]


def test_open_queue_ordered_by_deadline_with_time_left(
    database: Database, queue: dict[str, int]
) -> None:
    with Session(database.engine) as session:
        page = complaint_queue(session=session, now=NOON)
    assert page.total == 4
    # Waiting for an answer first (d, a overdue; b in time), then the answered one (c).
    assert ids_of(page.rows) == [queue["d"], queue["a"], queue["b"], queue["c"]]
    d, a, b, c = page.rows
    assert (a.customer_name, a.grade, a.severity) == ("华信科技", Grade.A, Severity.CRITICAL)
    assert a.is_overdue(NOON) and a.time_left_text(NOON) == "overdue 2h 00m"
    assert not a.escalated  # overdue on read, not yet swept
    assert d.is_overdue(NOON) and d.escalated and d.category == ComplaintCategory.DELIVERY
    assert c.time_left(NOON) is None and c.time_left_text(NOON) == "answered"
    assert b.time_left(NOON) == timedelta(hours=20) and b.time_left_text(NOON) == "20h 00m left"
    assert b.has_dispute and not a.has_dispute


def test_pages_come_from_sql_in_a_stable_order(database: Database, queue: dict[str, int]) -> None:
    with Session(database.engine) as session:
        first = page_complaints(session=session, now=NOON, limit=2)
        second = page_complaints(session=session, now=NOON, offset=2, limit=2)
        third = page_complaints(session=session, now=NOON, offset=4, limit=2)
    assert ids_of(first) + ids_of(second) == [queue["d"], queue["a"], queue["b"], queue["c"]]
    assert third == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ComplaintFilter(overdue=True), ["d", "a"]),
        (ComplaintFilter(escalated=True), ["d"]),
        (ComplaintFilter(escalated=False), ["a", "b", "c"]),
        (ComplaintFilter(grades=(Grade.A,)), ["a", "c"]),
        (ComplaintFilter(owner="李雷"), ["b"]),
        (
            ComplaintFilter(categories=(ComplaintCategory.BILLING, ComplaintCategory.DELIVERY)),
            ["d", "b"],
        ),
        (ComplaintFilter(severities=(Severity.CRITICAL, Severity.HIGH)), ["d", "a"]),
        (ComplaintFilter(statuses=(S.RESOLVED,)), ["e"]),
        (ComplaintFilter(statuses=ALL_STATUSES), ["d", "a", "b", "c", "e"]),
        (ComplaintFilter(has_dispute=True), ["b"]),
    ],
)
def test_queue_filters(
    database: Database, queue: dict[str, int], filters: ComplaintFilter, expected: list[str]
) -> None:
    with Session(database.engine) as session:
        rows = page_complaints(session=session, now=NOON, filters=filters)
        total = count_complaints(session=session, now=NOON, filters=filters)
    assert ids_of(rows) == [queue[key] for key in expected]
    assert total == len(expected)


def test_a_customers_complaints_newest_first(database: Database, queue: dict[str, int]) -> None:
    filters = ComplaintFilter(statuses=ALL_STATUSES, customer_id=queue["big"])
    with Session(database.engine) as session:
        rows = list(iter_complaints(session=session, now=NOON, filters=filters, sort="received"))
    assert ids_of(rows) == [queue["c"], queue["a"]]  # same time: the later number first


def test_unknown_sort_is_refused(database: Database) -> None:
    with Session(database.engine) as session, pytest.raises(ValueError, match="unknown sort"):
        page_complaints(session=session, now=NOON, sort="name")


# -- satisfaction ------------------------------------------------------------------------------


def closed(session: Session, customer_id: int, category: str, score: int, when: datetime) -> int:
    complaint_id = take(session, customer_id, when - timedelta(days=3), category=category)
    acknowledge(complaint_id, session=session, actor="t", at=when - timedelta(days=2))
    resolve(
        complaint_id, session=session, actor="t", resolution="已处理", at=when - timedelta(days=1)
    )
    close(complaint_id, session=session, actor="t", satisfaction=score, at=when)
    return complaint_id


@pytest.fixture
def surveyed(database: Database) -> None:
    """Closed (local Shanghai time), by hand:
    1 product  A 2026-01-10 10:00  5
    2 product  C 2026-01-31 23:30  3   (15:30 UTC, still January in UTC too)
    3 delivery A 2026-02-01 00:30  4   (31 January 16:30 UTC: February only locally)
    4 delivery C 2026-02-15 12:00  2
    5 billing  C 2026-03-01 09:00  5
    plus one resolved (no score) and one closed then reopened (its score no longer counts)."""
    with Session(database.engine) as session:
        a = customer(session, "华信科技", "A")
        c = customer(session, "Acme Trading", "C")
        closed(session, a, "product", 5, sh(2026, 1, 10, 10, 0))
        closed(session, c, "product", 3, sh(2026, 1, 31, 23, 30))
        closed(session, a, "delivery", 4, sh(2026, 2, 1, 0, 30))
        closed(session, c, "delivery", 2, sh(2026, 2, 15, 12, 0))
        closed(session, c, "billing", 5, sh(2026, 3, 1, 9, 0))
        pending = take(session, a, sh(2026, 2, 20, 9, 0), category="service")
        resolve(pending, session=session, actor="t", confirm=True, at=sh(2026, 2, 21, 9, 0))
        again = closed(session, c, "service", 1, sh(2026, 2, 25, 9, 0))
        reopen(again, session=session, actor="t", reason="再次投诉", at=sh(2026, 2, 26, 9, 0))
        session.commit()


def cells(items: list[Any]) -> dict[str, tuple[int, float]]:
    return {c.key: (c.count, round(c.average, 2)) for c in items}


def test_satisfaction_summary_by_hand(database: Database, surveyed: None) -> None:
    with Session(database.engine) as session:
        summary = satisfaction_summary(session=session, zone=SH)
    assert (summary.overall.count, summary.overall.total) == (5, 19)
    assert summary.overall.average == pytest.approx(3.8)
    assert cells(summary.by_month) == {
        "2026-01": (2, 4.0),  # 5 + 3
        "2026-02": (2, 3.0),  # 4 + 2
        "2026-03": (1, 5.0),
    }
    assert cells(summary.by_category) == {
        "product": (2, 4.0),
        "delivery": (2, 3.0),
        "billing": (1, 5.0),
    }
    assert list(cells(summary.by_category)) == ["product", "delivery", "billing"]
    assert cells(summary.by_grade) == {"A": (2, 4.5), "C": (3, 3.33)}


def test_months_follow_the_time_zone(database: Database, surveyed: None) -> None:
    with Session(database.engine) as session:
        summary = satisfaction_summary(session=session, zone=UTC)
    assert cells(summary.by_month) == {
        "2026-01": (3, 4.0),  # 5 + 3 + 4: the 00:30 Shanghai close is 31 January in UTC
        "2026-02": (1, 2.0),
        "2026-03": (1, 5.0),
    }


def test_satisfaction_period_in_local_dates(database: Database, surveyed: None) -> None:
    with Session(database.engine) as session:
        february_on = satisfaction_summary(session=session, zone=SH, since=date(2026, 2, 1))
        january = satisfaction_summary(
            session=session, zone=SH, since=date(2026, 1, 1), until=date(2026, 1, 31)
        )
        nothing = satisfaction_summary(session=session, zone=SH, since=date(2027, 1, 1))
    assert (february_on.overall.count, february_on.overall.total) == (3, 11)
    assert cells(january.by_month) == {"2026-01": (2, 4.0)}
    assert nothing.overall.count == 0 and nothing.by_month == [] and nothing.overall.average == 0
