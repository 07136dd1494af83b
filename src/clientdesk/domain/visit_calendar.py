"""The month calendar of visits: per local day, how many are planned and done, and the first few.

A planned visit sits on the day it is planned for, a done visit on the day it was done;
cancelled and missed visits are not shown. Days are local days of the settings time zone.
Counts and first entries come from two SQL statements over the status indexes
(ix_visits_status_planned, ix_visits_status_done), each a bounded range per day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, TextClause, bindparam, select, text
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import VisitKind, VisitStatus
from clientdesk.domain.visit import Visit
from clientdesk.errors import ValidationError

SHOWN = (VisitStatus.PLANNED, VisitStatus.DONE)


@dataclass(frozen=True)
class CalendarEntry:
    visit_id: int
    customer_id: int
    customer_code: str
    customer_name: str
    status: VisitStatus  # planned or done
    kind: VisitKind
    purpose: str
    at: datetime  # UTC: planned time, or when it was done

    def local_time(self, zone: tzinfo) -> datetime:
        return self.at.astimezone(zone)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    planned: int
    done: int
    entries: tuple[CalendarEntry, ...]  # the first few of the day, earliest first

    @property
    def total(self) -> int:
        return self.planned + self.done

    @property
    def more(self) -> int:
        """Visits of the day not among `entries`."""
        return self.total - len(self.entries)


@dataclass(frozen=True)
class MonthCalendar:
    year: int
    month: int
    days: tuple[CalendarDay, ...]  # every day of the month, in order

    def weeks(self) -> list[list[CalendarDay | None]]:
        """Rows of a Monday-first grid; None pads the days outside the month."""
        lead = self.days[0].day.weekday()
        cells: list[CalendarDay | None] = [None] * lead + list(self.days)
        cells += [None] * (-len(cells) % 7)
        return [cells[i : i + 7] for i in range(0, len(cells), 7)]

    def day(self, day: date) -> CalendarDay:
        return self.days[day.day - 1]

    @property
    def planned(self) -> int:
        return sum(d.planned for d in self.days)

    @property
    def done(self) -> int:
        return sum(d.done for d in self.days)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _moment(status: VisitStatus) -> Any:
    return col(Visit.planned_at) if status == VisitStatus.PLANNED else col(Visit.done_at)


def _where(
    status: VisitStatus,
    start: datetime,
    end: datetime,
    owner: str | None,
    customer_id: int | None,
) -> list[ColumnElement[bool]]:
    moment = _moment(status)
    where = [col(Visit.status) == status, moment >= start, moment < end]
    if owner:
        where.append(col(Visit.owner) == owner)
    if customer_id is not None:
        where.append(col(Visit.customer_id) == customer_id)
    return where


def _entries_query(
    status: VisitStatus,
    start: datetime,
    end: datetime,
    owner: str | None,
    customer_id: int | None,
    offset: int,
    limit: int,
) -> Select[Any]:
    moment = _moment(status)
    return (
        select(
            col(Visit.id).label("id"),
            col(Visit.customer_id).label("customer_id"),
            col(Customer.code).label("code"),
            col(Customer.name).label("name"),
            col(Visit.status).label("status"),
            col(Visit.kind).label("kind"),
            col(Visit.purpose).label("purpose"),
            moment.label("at"),
        )
        .join(Customer, col(Customer.id) == col(Visit.customer_id))
        .where(*_where(status, start, end, owner, customer_id))
        .order_by(moment, col(Visit.id))
        .offset(offset)
        .limit(limit)
    )


def _entry(r: Any) -> CalendarEntry:
    at = r.at
    if isinstance(at, str):  # through UNION ALL the column type may be lost
        at = datetime.fromisoformat(at)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return CalendarEntry(
        visit_id=int(r.id),
        customer_id=int(r.customer_id),
        customer_code=r.code,
        customer_name=r.name,
        status=VisitStatus(r.status),
        kind=VisitKind(r.kind),
        purpose=r.purpose,
        at=at,
    )


class _MonthSql:
    """The month's two statements as SQL text with bound parameters.

    Built from SQLAlchemy constructs, sixty-two day ranges cost more to assemble in Python
    than SQLite needs to run them; as text they are cheap. Only fixed column names are
    put into the text; every value (day edges, statuses, owner, customer) is bound.
    """

    def __init__(self, ndays: int, by_owner: bool, by_customer: bool) -> None:
        self.ndays = ndays
        self.filters = (" AND v.owner = :owner" if by_owner else "") + (
            " AND v.customer_id = :customer_id" if by_customer else ""
        )

    @staticmethod
    def _moment(status: VisitStatus) -> str:
        return "v.planned_at" if status == VisitStatus.PLANNED else "v.done_at"

    def _range(self, status: VisitStatus, i: int) -> str:
        m = self._moment(status)
        return f"v.status = :{status.value} AND {m} >= :e{i} AND {m} < :e{i + 1}{self.filters}"

    @staticmethod
    def _typed(sql: str, days: set[int]) -> TextClause:
        """Day edges bound through the column type, so they compare like the stored times."""
        moment = Visit.__table__.c.planned_at.type  # type: ignore[attr-defined]
        names = sorted({f"e{i}" for i in days} | {f"e{i + 1}" for i in days})
        return text(sql).bindparams(*(bindparam(n, type_=moment) for n in names))

    def counts(self) -> TextClause:
        parts = [
            f"(SELECT count(*) FROM visits AS v WHERE {self._range(status, i)})"  # noqa: S608
            for i in range(self.ndays)
            for status in SHOWN
        ]
        return self._typed("SELECT " + ", ".join(parts), set(range(self.ndays)))

    def entries(self, busy: list[tuple[int, VisitStatus]]) -> TextClause:
        parts = [
            "SELECT * FROM (SELECT v.id AS id, v.customer_id AS customer_id, c.code AS code,"  # noqa: S608
            " c.name AS name, v.status AS status, v.kind AS kind, v.purpose AS purpose,"
            f" {self._moment(status)} AS at, {i} AS day_index"
            " FROM visits AS v JOIN customers AS c ON c.id = v.customer_id"
            f" WHERE {self._range(status, i)}"
            f" ORDER BY {self._moment(status)}, v.id LIMIT :per_day) AS day_{i}_{status.value}"
            for i, status in busy
        ]
        return self._typed(" UNION ALL ".join(parts), {i for i, _ in busy})


def month_calendar(
    *,
    session: Session,
    year: int,
    month: int,
    zone: tzinfo,
    owner: str | None = None,
    customer_id: int | None = None,
    per_day: int = 3,
) -> MonthCalendar:
    if not 1 <= month <= 12 or not 1 <= year <= 9998:
        raise ValidationError(f"{year}-{month:02d} is not a month; use YYYY-MM.", field="month")
    if per_day < 0:
        raise ValidationError(f"per_day {per_day} must be 0 or more.", field="per_day")
    ndays = calendar.monthrange(year, month)[1]
    days = [date(year, month, n) for n in range(1, ndays + 1)]
    edges = [_midnight(d, zone) for d in [*days, days[-1] + timedelta(days=1)]]
    month_sql = _MonthSql(ndays, owner is not None and owner != "", customer_id is not None)
    params: dict[str, Any] = {f"e{i}": edge for i, edge in enumerate(edges)}
    params |= {"planned": VisitStatus.PLANNED.value, "done": VisitStatus.DONE.value}
    params |= {"owner": owner, "customer_id": customer_id, "per_day": per_day}
    values = session.execute(month_sql.counts(), params).one()
    found: dict[date, list[CalendarEntry]] = {d: [] for d in days}
    busy = [
        (i, status) for i in range(ndays) for status in SHOWN if values[2 * i + SHOWN.index(status)]
    ]
    if per_day and busy:
        for r in session.execute(month_sql.entries(busy), params):
            found[days[r.day_index]].append(_entry(r))
    return MonthCalendar(
        year=year,
        month=month,
        days=tuple(
            CalendarDay(
                day=d,
                planned=int(values[2 * i]),
                done=int(values[2 * i + 1]),
                entries=tuple(sorted(found[d], key=lambda e: (e.at, e.visit_id))[:per_day]),
            )
            for i, d in enumerate(days)
        ),
    )


def day_entries(
    *,
    session: Session,
    day: date,
    zone: tzinfo,
    status: VisitStatus,
    owner: str | None = None,
    customer_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[CalendarEntry]:
    """A page of one day's planned (or done) visits, earliest first."""
    if status not in SHOWN:
        raise ValidationError(
            f"the calendar shows planned and done visits, not {status.value}.", field="status"
        )
    if offset < 0 or limit < 1:
        raise ValidationError(f"bad page: offset {offset}, limit {limit}.", field="limit")
    start, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
    stmt = _entries_query(status, start, end, owner, customer_id, offset, limit)
    return [_entry(r) for r in session.execute(stmt)]
