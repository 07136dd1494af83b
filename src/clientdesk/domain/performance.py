"""Sales performance against targets (业绩考核): per salesperson and target period, the
sales booked, the money collected, the customers entered and the visits done.

A salesperson's results are those of the customers they own now (clientdesk keeps no
history of reassignments): sales are sale transactions in the period less refunds,
collected is sales paid in the period, both in the target's currency. Visits done and
customers entered count by the local day (`general.timezone`), as the period is given in
local dates. The targets shown usually share one period: each period's results are read
for every salesperson at once, one grouped pass over the transactions, customers and visits
(0.4 s on the 100,000-customer demo, against 3.4 s for a subquery per target).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import Integer, and_, case, cast, func, select
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import TransactionKind, VisitStatus
from clientdesk.domain.target import SalesTarget
from clientdesk.domain.transaction import Transaction
from clientdesk.domain.visit import Visit


@dataclass(frozen=True)
class Performance:
    owner: str
    period_start: date
    period_end: date
    currency: str
    target_cents: int
    sales_cents: int  # sales less refunds, booked in the period
    collected_cents: int  # sales paid in the period
    new_customers: int  # entered in the period, owned now
    visits_done: int  # done in the period, by this salesperson

    @property
    def achievement(self) -> float | None:
        """Sales as a share of the target (1.0 = met); None for a zero target."""
        return self.sales_cents / self.target_cents if self.target_cents else None

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    def elapsed(self, today: date) -> float:
        """How much of the period has passed on `today` (0 to 1): to read achievement
        against, for a period still running."""
        if today < self.period_start:
            return 0.0
        if today >= self.period_end:
            return 1.0
        return ((today - self.period_start).days + 1) / self.days


def _instant(day: date, zone: tzinfo) -> datetime:
    """The start of a local day, as stored times compare (aware)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def targets_on(session: Session, day: date) -> tuple[date, date] | None:
    """The target period running on `day` (the latest to start, if several), else the
    latest to have ended before it; None without targets."""
    running = session.execute(
        select(col(SalesTarget.period_start), col(SalesTarget.period_end))
        .where(col(SalesTarget.period_start) <= day, col(SalesTarget.period_end) >= day)
        .order_by(col(SalesTarget.period_start).desc())
        .limit(1)
    ).first()
    if running is None:
        running = session.execute(
            select(col(SalesTarget.period_start), col(SalesTarget.period_end))
            .where(col(SalesTarget.period_end) < day)
            .order_by(col(SalesTarget.period_end).desc())
            .limit(1)
        ).first()
    return None if running is None else (running[0], running[1])


def neighbour_period(session: Session, start: date, *, later: bool) -> tuple[date, date] | None:
    """The target period starting next after (or last before) the one starting `start`."""
    column = col(SalesTarget.period_start)
    stmt = select(column, col(SalesTarget.period_end))
    stmt = (
        stmt.where(column > start).order_by(column)
        if later
        else stmt.where(column < start).order_by(column.desc())
    )
    found = session.execute(stmt.limit(1)).first()
    return None if found is None else (found[0], found[1])


def performance(
    *,
    session: Session,
    start: date,
    end: date,
    zone: tzinfo,
    owner: str | None = None,
) -> list[Performance]:
    """Every target whose period overlaps [start, end], best achievement first."""
    target = SalesTarget.__table__.alias("target")  # type: ignore[attr-defined]
    stmt = select(
        target.c.owner,
        target.c.period_start,
        target.c.period_end,
        target.c.currency,
        target.c.amount_cents,
    ).where(target.c.period_start <= end, target.c.period_end >= start)
    if owner:
        stmt = stmt.where(target.c.owner == owner)
    targets = session.execute(stmt).all()
    result = []
    for first, last in sorted({(row.period_start, row.period_end) for row in targets}):
        figures = _figures(session, first, last, zone)
        for row in targets:
            if (row.period_start, row.period_end) != (first, last):
                continue
            sales, collected = figures.money.get((row.owner, row.currency), (0, 0))
            result.append(
                Performance(
                    owner=row.owner,
                    period_start=first,
                    period_end=last,
                    currency=row.currency,
                    target_cents=int(row.amount_cents),
                    sales_cents=sales,
                    collected_cents=collected,
                    new_customers=figures.entered.get(row.owner, 0),
                    visits_done=figures.visits.get(row.owner, 0),
                )
            )
    result.sort(key=lambda p: (p.period_start, p.achievement or 0.0), reverse=True)
    return result


@dataclass(frozen=True)
class _Figures:
    money: dict[tuple[str, str], tuple[int, int]]  # (owner, currency) -> (sales, collected)
    entered: dict[str, int]
    visits: dict[str, int]


def _figures(session: Session, first: date, last: date, zone: tzinfo) -> _Figures:
    """Every salesperson's results in one period: one pass over each table, by owner."""
    x = Transaction.__table__.alias("x")  # type: ignore[attr-defined]
    c = Customer.__table__.alias("c")  # type: ignore[attr-defined]
    v = Visit.__table__.alias("v")  # type: ignore[attr-defined]
    booked = and_(x.c.occurred_on >= first, x.c.occurred_on <= last)
    paid = and_(x.c.kind == TransactionKind.SALE.value, x.c.paid_on >= first, x.c.paid_on <= last)
    signed = case(
        (x.c.kind == TransactionKind.SALE.value, x.c.amount_cents),
        (x.c.kind == TransactionKind.REFUND.value, -x.c.amount_cents),
        else_=0,
    )
    money = session.execute(
        select(
            c.c.owner,
            x.c.currency,
            func.coalesce(func.sum(case((booked, signed))), 0),
            func.coalesce(func.sum(case((paid, x.c.amount_cents))), 0),
        )
        .select_from(x.join(c, c.c.id == x.c.customer_id))
        .where(c.c.owner.is_not(None), booked | paid)
        .group_by(c.c.owner, x.c.currency)
    ).all()
    begin, after = _instant(first, zone), _instant(last, zone) + timedelta(days=1)
    entered = session.execute(
        select(c.c.owner, func.count())
        .where(c.c.owner.is_not(None), c.c.created_at >= begin, c.c.created_at < after)
        .group_by(c.c.owner)
    ).all()
    visits = session.execute(
        select(v.c.owner, cast(func.count(), Integer))
        .where(
            v.c.owner.is_not(None),
            v.c.status == VisitStatus.DONE.value,
            v.c.done_at >= begin,
            v.c.done_at < after,
        )
        .group_by(v.c.owner)
    ).all()
    return _Figures(
        money={(o, cur): (int(sales), int(got)) for o, cur, sales, got in money},
        entered={o: int(n) for o, n in entered},
        visits={o: int(n) for o, n in visits},
    )
