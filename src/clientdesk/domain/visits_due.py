"""Customers due for a visit (应拜访客户): the grade's cadence has run out since the last visit.

A customer is due when its last *done* visit is at least `visit_every_days` of its grade
(settings service.<grade>.visit_every_days) behind today, counted in local dates of the
settings time zone: visited on the 1st with a 14-day cadence, it is due on the 15th
(0 days overdue) and one day overdue on the 16th. A customer never visited is due from
the day its file was entered. Lost customers (流失) are left out. A customer that already
has a visit planned stays in the list, with that visit's time (`next_planned_at`), so
nobody is silently skipped; `unplanned_only` leaves them out.

Most overdue first. The work is done in SQL over `customers.last_visit_at` (the latest
done visit, kept by triggers from migration 0003) and its per-grade index: each grade is
read in order of its last visit and the grades are merged, so a page costs about as many
index entries as it shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Float, Select, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from clientdesk.domain.contact import Contact
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import CustomerStatus, Grade, VisitStatus
from clientdesk.domain.visit import Visit
from clientdesk.errors import ValidationError

Cadence = Mapping[Grade, int]  # grade -> most days between two visits


class JulianDay(FunctionElement[float]):
    """Days since the Julian epoch as a number: SQLite's julianday(), computed on PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(JulianDay)
def _julian_day_sqlite(element: JulianDay, compiler: Any, **kw: Any) -> str:
    return f"julianday({compiler.process(element.clauses, **kw)})"


@compiles(JulianDay, "postgresql")
def _julian_day_postgresql(element: JulianDay, compiler: Any, **kw: Any) -> str:
    return f"(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) / 86400.0 + 2440587.5)"


LAST_DONE_SQL = (
    "(SELECT max(v.done_at) FROM visits AS v{hint}"
    " WHERE v.customer_id = customers.id AND v.status = 'done')"
)
# Without it SQLite walks ix_visits_status_done from the newest done visit of anyone.
SQLITE_HINT = " INDEXED BY ix_visits_customer_status_planned"


def refresh_last_visits(connection: Connection) -> None:
    """Recompute every customer's last done visit in one pass.

    For bulk loads that drop the triggers first (the demo build); the same value the
    triggers and migration 0003 write.
    """
    hint = SQLITE_HINT if connection.dialect.name == "sqlite" else ""
    last_done = LAST_DONE_SQL.format(hint=hint)
    connection.exec_driver_sql(f"UPDATE customers SET last_visit_at = {last_done}")  # noqa: S608


def check_cadence(every_days: Mapping[Any, int]) -> dict[Grade, int]:
    cadence: dict[Grade, int] = {}
    for grade in Grade:
        days = every_days.get(grade, every_days.get(grade.value))
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ValidationError(
                f"the visit cadence of grade {grade.value} is {days!r}; set "
                f"service.{grade.value}.visit_every_days to a whole number of days, 1 or more.",
                field="visit_every_days",
            )
        cadence[grade] = days
    return cadence


def local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def due_cutoffs(*, now: datetime, zone: tzinfo, every_days: Cadence) -> dict[Grade, datetime]:
    """Per grade: a last visit before this moment makes the customer due today.

    Visited on local day L with cadence N, the customer is due on L + N; so it is due
    today (T) when L <= T - N, that is when the visit was before midnight of T - N + 1.
    """
    today = now.astimezone(zone).date()
    return {
        grade: local_midnight(today - timedelta(days=days - 1), zone)
        for grade, days in check_cadence(every_days).items()
    }


@dataclass(frozen=True)
class DueRow:
    customer_id: int
    code: str
    name: str
    grade: Grade
    status: CustomerStatus
    owner: str | None
    region: str | None
    every_days: int
    last_visit_at: datetime | None  # UTC; None: never visited
    entered_at: datetime  # UTC; when the file was entered
    due_on: date  # local date the visit fell due
    days_overdue: int  # today - due_on; 0 means due today
    next_planned_at: datetime | None  # UTC; earliest visit still planned (may itself be late)
    contact_name: str | None  # key contact (主要联系人)
    contact_phone: str | None

    @property
    def never_visited(self) -> bool:
        return self.last_visit_at is None

    @property
    def planned(self) -> bool:
        return self.next_planned_at is not None


def _filters(owner: str | None, unplanned_only: bool) -> list[Any]:
    where: list[Any] = [col(Customer.status) != CustomerStatus.LOST]
    if owner:
        where.append(col(Customer.owner) == owner)
    if unplanned_only:
        where.append(
            ~select(col(Visit.id))
            .where(
                col(Visit.customer_id) == col(Customer.id),
                col(Visit.status) == VisitStatus.PLANNED,
            )
            .exists()
        )
    return where


def _streams(
    cutoffs: Mapping[Grade, datetime],
    cadence: Cadence,
    where: list[Any],
    limit: int | None,
) -> Any:
    """Per grade, the visited-and-due in order of last visit and the never-visited in order
    of entry, each with its due key (a Julian day), merged with UNION ALL."""
    parts: list[Select[*tuple[Any, ...]]] = []
    for grade, cutoff in cutoffs.items():
        visited: Select[*tuple[Any, ...]] = (
            select(
                col(Customer.id).label("id"),
                (JulianDay(col(Customer.last_visit_at)) + cadence[grade]).label("due_key"),
                literal(grade.value).label("grade"),
            )
            .where(
                col(Customer.grade) == grade,
                col(Customer.last_visit_at) < cutoff,
                *where,
            )
            .order_by(col(Customer.last_visit_at))
        )
        never: Select[*tuple[Any, ...]] = (
            select(
                col(Customer.id).label("id"),
                JulianDay(col(Customer.created_at)).label("due_key"),
                literal(grade.value).label("grade"),
            )
            .where(col(Customer.grade) == grade, col(Customer.last_visit_at).is_(None), *where)
            .order_by(col(Customer.created_at))
        )
        for stream in (visited, never):
            if limit is not None:
                stream = stream.limit(limit)
            # A LIMIT inside UNION ALL needs its own sub-select on SQLite.
            parts.append(select(stream.subquery()))
    return union_all(*parts).subquery("due")


def count_due(
    *,
    session: Session,
    now: datetime,
    zone: tzinfo,
    every_days: Cadence,
    owner: str | None = None,
    unplanned_only: bool = False,
) -> int:
    cutoffs = due_cutoffs(now=now, zone=zone, every_days=every_days)
    where = _filters(owner, unplanned_only)
    total = 0
    for grade, cutoff in cutoffs.items():
        for since in (col(Customer.last_visit_at) < cutoff, col(Customer.last_visit_at).is_(None)):
            stmt = select(func.count()).where(col(Customer.grade) == grade, since, *where)
            total += int(session.execute(stmt).scalar_one())
    return total


def _page_query(
    cutoffs: Mapping[Grade, datetime],
    cadence: Cadence,
    where: list[Any],
    offset: int,
    limit: int | None,
) -> Select[*tuple[Any, ...]]:
    due = _streams(cutoffs, cadence, where, None if limit is None else offset + limit)
    # Pick the page from the index entries alone, then read the details of those rows only.
    order = (due.c.due_key, due.c.grade, due.c.id)
    picked_stmt = select(due.c.id, due.c.due_key, due.c.grade).order_by(*order)
    if limit is not None:
        picked_stmt = picked_stmt.limit(limit).offset(offset)
    picked = picked_stmt.subquery("picked")
    next_planned = (
        select(func.min(col(Visit.planned_at)))
        .where(col(Visit.customer_id) == col(Customer.id), col(Visit.status) == VisitStatus.PLANNED)
        .scalar_subquery()
    )
    key_contact = (
        select(
            col(Contact.name),
            func.coalesce(col(Contact.mobile), col(Contact.phone)).label("phone"),
            col(Contact.customer_id),
        )
        .where(col(Contact.is_primary).is_(True))
        .subquery("key_contact")
    )
    stmt: Select[*tuple[Any, ...]] = (
        select(
            col(Customer.id),
            col(Customer.code),
            col(Customer.name),
            col(Customer.grade),
            col(Customer.status),
            col(Customer.owner),
            col(Customer.region),
            col(Customer.last_visit_at),
            col(Customer.created_at),
            next_planned.label("next_planned_at"),
            key_contact.c.name.label("contact_name"),
            key_contact.c.phone.label("contact_phone"),
        )
        .select_from(picked)
        .join(Customer, col(Customer.id) == picked.c.id)
        .outerjoin(key_contact, key_contact.c.customer_id == col(Customer.id))
        .order_by(picked.c.due_key, picked.c.grade, picked.c.id)
    )
    return stmt


def _row(values: Any, *, cadence: Cadence, today: date, zone: tzinfo) -> DueRow:
    grade = Grade(values.grade)
    last = _utc(values.last_visit_at)
    entered = _utc(values.created_at)
    assert entered is not None
    if last is not None:
        due_on = last.astimezone(zone).date() + timedelta(days=cadence[grade])
    else:
        due_on = entered.astimezone(zone).date()
    return DueRow(
        customer_id=int(values.id),
        code=values.code,
        name=values.name,
        grade=grade,
        status=CustomerStatus(values.status),
        owner=values.owner,
        region=values.region,
        every_days=cadence[grade],
        last_visit_at=last,
        entered_at=entered,
        due_on=due_on,
        days_overdue=(today - due_on).days,
        next_planned_at=_utc(values.next_planned_at),
        contact_name=values.contact_name,
        contact_phone=values.contact_phone,
    )


def _utc(value: Any) -> datetime | None:
    """Typed columns come back as aware UTC; a scalar sub-select may come back as text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def due_page(
    *,
    session: Session,
    now: datetime,
    zone: tzinfo,
    every_days: Cadence,
    owner: str | None = None,
    unplanned_only: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> list[DueRow]:
    """One page of the customers due for a visit, most overdue first."""
    if offset < 0 or limit < 1:
        raise ValidationError(f"bad page: offset {offset}, limit {limit}.", field="limit")
    cadence = check_cadence(every_days)
    cutoffs = due_cutoffs(now=now, zone=zone, every_days=cadence)
    stmt = _page_query(cutoffs, cadence, _filters(owner, unplanned_only), offset, limit)
    today = now.astimezone(zone).date()
    return [
        _row(values, cadence=cadence, today=today, zone=zone) for values in session.execute(stmt)
    ]


def iter_due(
    *,
    session: Session,
    now: datetime,
    zone: tzinfo,
    every_days: Cadence,
    owner: str | None = None,
    unplanned_only: bool = False,
    limit: int | None = None,
) -> Iterator[DueRow]:
    """All customers due (or the first `limit`), streamed for reports."""
    cadence = check_cadence(every_days)
    cutoffs = due_cutoffs(now=now, zone=zone, every_days=cadence)
    stmt = _page_query(cutoffs, cadence, _filters(owner, unplanned_only), 0, limit)
    today = now.astimezone(zone).date()
    result = session.connection().execute(stmt.execution_options(yield_per=1000))
    for values in result:
        yield _row(values, cadence=cadence, today=today, zone=zone)
