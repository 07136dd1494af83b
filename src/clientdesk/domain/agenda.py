"""The visit agenda: planned visits that are overdue, today, later this week, or later.

Days and weeks are those of the settings time zone (general.timezone): "today" runs from
local midnight to local midnight, the week from Monday to Sunday. A visit planned for
earlier today is today's, not overdue; on a Sunday "this week" is empty and Monday's
visits are "later". Every list is a page read from SQL (ix_visits_status_planned); counts
come from the index alone.

Also here: one customer's visits, for the Visits tab of the customer file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlmodel import Session, col

from clientdesk.domain.contact import Contact
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import Grade, VisitKind, VisitStatus
from clientdesk.domain.visit import Visit
from clientdesk.errors import ValidationError


class Bucket(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this_week"
    LATER = "later"


BUCKET_LABELS = {
    Bucket.OVERDUE: ("Overdue", "逾期"),
    Bucket.TODAY: ("Today", "今天"),
    Bucket.THIS_WEEK: ("This week", "本周"),
    Bucket.LATER: ("Later", "以后"),
}


@dataclass(frozen=True)
class AgendaWindow:
    """The bucket boundaries for one moment, as aware datetimes (local midnights)."""

    today: date
    today_start: datetime
    tomorrow_start: datetime
    next_week_start: datetime  # Monday after today (tomorrow, on a Sunday)

    @classmethod
    def at(cls, now: datetime, zone: tzinfo) -> AgendaWindow:
        today = now.astimezone(zone).date()
        monday = today + timedelta(days=7 - today.weekday())
        return cls(
            today=today,
            today_start=_midnight(today, zone),
            tomorrow_start=_midnight(today + timedelta(days=1), zone),
            next_week_start=_midnight(monday, zone),
        )

    def bounds(self, bucket: Bucket) -> tuple[datetime | None, datetime | None]:
        """[start, end) of a bucket; None is open."""
        return {
            Bucket.OVERDUE: (None, self.today_start),
            Bucket.TODAY: (self.today_start, self.tomorrow_start),
            Bucket.THIS_WEEK: (self.tomorrow_start, self.next_week_start),
            Bucket.LATER: (self.next_week_start, None),
        }[bucket]

    def bucket_of(self, planned_at: datetime) -> Bucket:
        if planned_at < self.today_start:
            return Bucket.OVERDUE
        if planned_at < self.tomorrow_start:
            return Bucket.TODAY
        if planned_at < self.next_week_start:
            return Bucket.THIS_WEEK
        return Bucket.LATER


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True)
class AgendaRow:
    visit_id: int
    customer_id: int
    customer_code: str
    customer_name: str
    grade: Grade
    contact_name: str | None
    contact_phone: str | None
    kind: VisitKind
    purpose: str
    planned_at: datetime  # UTC
    owner: str | None
    bucket: Bucket

    def local_time(self, zone: tzinfo) -> datetime:
        return self.planned_at.astimezone(zone)


@dataclass(frozen=True)
class Agenda:
    window: AgendaWindow
    counts: dict[Bucket, int]
    rows: dict[Bucket, list[AgendaRow]]  # the first rows of each bucket

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _planned(owner: str | None, customer_id: int | None) -> list[Any]:
    where: list[Any] = [col(Visit.status) == VisitStatus.PLANNED]
    if owner:
        where.append(col(Visit.owner) == owner)
    if customer_id is not None:
        where.append(col(Visit.customer_id) == customer_id)
    return where


def _in(bounds: tuple[datetime | None, datetime | None]) -> list[Any]:
    start, end = bounds
    where: list[Any] = []
    if start is not None:
        where.append(col(Visit.planned_at) >= start)
    if end is not None:
        where.append(col(Visit.planned_at) < end)
    return where


def agenda_counts(
    *,
    session: Session,
    now: datetime,
    zone: tzinfo,
    owner: str | None = None,
    customer_id: int | None = None,
) -> dict[Bucket, int]:
    """How many planned visits fall in each bucket: four range counts over the index."""
    window = AgendaWindow.at(now, zone)
    counts = [
        select(func.count())
        .where(*_planned(owner, customer_id), *_in(window.bounds(b)))
        .scalar_subquery()
        for b in Bucket
    ]
    values = session.execute(select(*counts)).one()
    return {bucket: int(n) for bucket, n in zip(Bucket, values, strict=True)}


def _rows_query(where: list[Any]) -> Select[*tuple[Any, ...]]:
    return (
        select(
            col(Visit.id),
            col(Visit.customer_id),
            col(Customer.code),
            col(Customer.name),
            col(Customer.grade),
            col(Contact.name).label("contact_name"),
            func.coalesce(col(Contact.mobile), col(Contact.phone)).label("contact_phone"),
            col(Visit.kind),
            col(Visit.purpose),
            col(Visit.planned_at),
            col(Visit.owner),
        )
        .join(Customer, col(Customer.id) == col(Visit.customer_id))
        .outerjoin(Contact, col(Contact.id) == col(Visit.contact_id))
        .where(*where)
    )


def agenda_rows(
    *,
    session: Session,
    bucket: Bucket,
    now: datetime,
    zone: tzinfo,
    owner: str | None = None,
    customer_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[AgendaRow]:
    """A page of one bucket, earliest first (the most overdue first)."""
    if offset < 0 or limit < 1:
        raise ValidationError(f"bad page: offset {offset}, limit {limit}.", field="limit")
    window = AgendaWindow.at(now, zone)
    # The page is picked from the index alone; only its rows are joined to their details.
    picked = (
        select(col(Visit.id).label("id"))
        .where(*_planned(owner, customer_id), *_in(window.bounds(bucket)))
        .order_by(col(Visit.planned_at), col(Visit.id))
        .offset(offset)
        .limit(limit)
        .subquery("picked")
    )
    stmt = _rows_query([col(Visit.id).in_(select(picked.c.id))]).order_by(
        col(Visit.planned_at), col(Visit.id)
    )
    return [
        AgendaRow(
            visit_id=int(r.id),
            customer_id=int(r.customer_id),
            customer_code=r.code,
            customer_name=r.name,
            grade=Grade(r.grade),
            contact_name=r.contact_name,
            contact_phone=r.contact_phone,
            kind=VisitKind(r.kind),
            purpose=r.purpose,
            planned_at=r.planned_at,
            owner=r.owner,
            bucket=bucket,
        )
        for r in session.execute(stmt)
    ]


def agenda(
    *,
    session: Session,
    now: datetime,
    zone: tzinfo,
    owner: str | None = None,
    customer_id: int | None = None,
    per_bucket: int = 20,
) -> Agenda:
    """Counts of every bucket and its first `per_bucket` rows: what the Visits screen opens on."""
    counts = agenda_counts(
        session=session, now=now, zone=zone, owner=owner, customer_id=customer_id
    )
    rows = {
        bucket: agenda_rows(
            session=session,
            bucket=bucket,
            now=now,
            zone=zone,
            owner=owner,
            customer_id=customer_id,
            limit=per_bucket,
        )
        if counts[bucket]
        else []
        for bucket in Bucket
    }
    return Agenda(window=AgendaWindow.at(now, zone), counts=counts, rows=rows)


# -- one customer's visits (the customer file's Visits tab) -----------------------------------


@dataclass(frozen=True)
class CustomerVisitRow:
    visit_id: int
    kind: VisitKind
    status: VisitStatus
    purpose: str
    planned_at: datetime  # UTC
    done_at: datetime | None  # UTC
    contact_name: str | None
    owner: str | None
    satisfaction: int | None
    feedback: str | None
    next_step: str | None
    next_step_on: date | None

    @property
    def when(self) -> datetime:
        """When it happened, or is to happen."""
        return self.done_at or self.planned_at


def count_customer_visits(*, session: Session, customer_id: int) -> int:
    stmt = select(func.count()).where(col(Visit.customer_id) == customer_id)
    return int(session.execute(stmt).scalar_one())


def customer_visits(
    *, session: Session, customer_id: int, offset: int = 0, limit: int = 50
) -> list[CustomerVisitRow]:
    """Still-planned visits first (soonest first), then the rest, newest first."""
    if offset < 0 or limit < 1:
        raise ValidationError(f"bad page: offset {offset}, limit {limit}.", field="limit")
    planned = col(Visit.status) == VisitStatus.PLANNED
    stmt: Select[*tuple[Any, ...]] = (
        select(
            col(Visit.id),
            col(Visit.kind),
            col(Visit.status),
            col(Visit.purpose),
            col(Visit.planned_at),
            col(Visit.done_at),
            col(Contact.name).label("contact_name"),
            col(Visit.owner),
            col(Visit.satisfaction),
            col(Visit.feedback),
            col(Visit.next_step),
            col(Visit.next_step_on),
        )
        .outerjoin(Contact, col(Contact.id) == col(Visit.contact_id))
        .where(col(Visit.customer_id) == customer_id)
        .order_by(
            case((planned, 0), else_=1),
            case((planned, col(Visit.planned_at))),
            func.coalesce(col(Visit.done_at), col(Visit.planned_at)).desc(),
            col(Visit.id).desc(),
        )
        .offset(offset)
        .limit(limit)
    )
    return [
        CustomerVisitRow(
            visit_id=int(r.id),
            kind=VisitKind(r.kind),
            status=VisitStatus(r.status),
            purpose=r.purpose,
            planned_at=r.planned_at,
            done_at=r.done_at,
            contact_name=r.contact_name,
            owner=r.owner,
            satisfaction=r.satisfaction,
            feedback=r.feedback,
            next_step=r.next_step,
            next_step_on=r.next_step_on,
        )
        for r in session.execute(stmt)
    ]
