"""Satisfaction summary (客户满意度测评): count and average of the satisfaction recorded when
complaints were closed, by month, by category and by grade, computed in SQL.

A complaint counts in the month it was closed, in the user's time zone: month boundaries are
local midnights turned into UTC instants, so the grouping is a CASE over the stored UTC
values, right on daylight-saving days and portable to PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlmodel import Session, col

from clientdesk.domain.complaint import Complaint
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import ComplaintCategory, ComplaintStatus, Grade


@dataclass(frozen=True)
class SatisfactionCell:
    key: str  # "2026-03", a category value or a grade
    count: int
    total: int  # sum of the scores

    @property
    def average(self) -> float:
        return self.total / self.count if self.count else 0.0


@dataclass(frozen=True)
class SatisfactionSummary:
    overall: SatisfactionCell
    by_month: list[SatisfactionCell]  # oldest first; months without a closed complaint left out
    by_category: list[SatisfactionCell]  # in the order of ComplaintCategory
    by_grade: list[SatisfactionCell]  # A to D


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which `day` begins in `zone`."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def satisfaction_summary(
    *,
    session: Session,
    zone: tzinfo,
    since: date | None = None,
    until: date | None = None,
    customer_id: int | None = None,
) -> SatisfactionSummary:
    """Closed complaints with a satisfaction score, closed on local dates since..until
    (inclusive, both optional)."""
    where: list[ColumnElement[bool]] = [
        col(Complaint.status) == ComplaintStatus.CLOSED,
        col(Complaint.satisfaction).is_not(None),
    ]
    if since is not None:
        where.append(col(Complaint.closed_at) >= local_midnight(since, zone))
    if until is not None:
        where.append(
            col(Complaint.closed_at) < local_midnight(date.fromordinal(until.toordinal() + 1), zone)
        )
    if customer_id is not None:
        where.append(col(Complaint.customer_id) == customer_id)
    score = col(Complaint.satisfaction)
    first, last, count, total = session.execute(
        select(
            func.min(Complaint.closed_at),
            func.max(Complaint.closed_at),
            func.count(),
            func.coalesce(func.sum(score), 0),
        ).where(*where)
    ).one()
    overall = SatisfactionCell("all", int(count), int(total))
    if not count:
        return SatisfactionSummary(overall, [], [], [])
    # One scan grouped by (month, category, grade): a few hundred cells at most, which are
    # then added up by each of the three keys.
    month = _month_label(first, last, zone)
    stmt = (
        select(month, col(Complaint.category), col(Customer.grade), func.count(), func.sum(score))
        .join(Customer, col(Customer.id) == col(Complaint.customer_id))
        .where(*where)
        .group_by(month, col(Complaint.category), col(Customer.grade))
    )
    by_month: dict[str, list[int]] = {}
    by_category: dict[ComplaintCategory, list[int]] = {}
    by_grade: dict[Grade, list[int]] = {}
    for month_key, category, grade, n, points in session.execute(stmt):
        for table, key in ((by_month, month_key), (by_category, category), (by_grade, grade)):
            cell = table.setdefault(key, [0, 0])
            cell[0] += int(n)
            cell[1] += int(points)
    return SatisfactionSummary(
        overall,
        by_month=[SatisfactionCell(k, *by_month[k]) for k in sorted(by_month)],
        by_category=[
            SatisfactionCell(c.value, *by_category[c])
            for c in ComplaintCategory
            if c in by_category
        ],
        by_grade=[SatisfactionCell(g.value, *by_grade[g]) for g in Grade if g in by_grade],
    )


def _month_label(first: datetime, last: datetime, zone: tzinfo) -> Any:
    """The local month ("2026-03") of `closed_at`, as a CASE over local month starts."""
    start = month_start(first.astimezone(zone).date())
    stop = month_start(last.astimezone(zone).date())
    months: list[date] = []
    while start <= stop:
        months.append(start)
        start = next_month(start)
    closed = col(Complaint.closed_at)
    # Newest month first: the first branch that matches is the month the value lies in.
    return case(
        *[(closed >= local_midnight(m, zone), literal(f"{m:%Y-%m}")) for m in reversed(months)],
        else_=literal(f"{months[0]:%Y-%m}"),
    ).label("month")
