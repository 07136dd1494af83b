"""Files due for re-verification (定期更新、核实): not verified, nor entered, within N days.

The SQL condition here and `customers.is_stale` for one loaded customer say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import CustomerStatus, Grade


def stale_cutoff(now: datetime, stale_after_days: int) -> datetime:
    return now - timedelta(days=stale_after_days)


def stale_condition(cutoff: datetime) -> ColumnElement[bool]:
    """Written as an OR so the verified_at index serves the common case."""
    verified = col(Customer.verified_at)
    return or_(
        verified < cutoff,
        and_(verified.is_(None), col(Customer.created_at) < cutoff),
    )


@dataclass(frozen=True)
class StaleRow:
    id: int
    code: str
    name: str
    grade: Grade
    owner: str | None
    region: str | None
    checked_at: datetime
    verified: bool  # False: never verified, the date is when the file was entered

    def days_since(self, now: datetime) -> int:
        return (now - self.checked_at).days


def count_stale(*, session: Session, now: datetime, stale_after_days: int) -> int:
    stmt = select(func.count()).where(
        stale_condition(stale_cutoff(now, stale_after_days)),
        col(Customer.status) != CustomerStatus.LOST,
    )
    return int(session.execute(stmt).scalar_one())


def stale_customers(
    *,
    session: Session,
    now: datetime,
    stale_after_days: int,
    owner: str | None = None,
    limit: int | None = None,
) -> Iterator[StaleRow]:
    """Oldest first; archived (lost) customers are left out. Streamed, never all at once."""
    checked = func.coalesce(col(Customer.verified_at), col(Customer.created_at))
    stmt = (
        select(
            col(Customer.id),
            col(Customer.code),
            col(Customer.name),
            col(Customer.grade),
            col(Customer.owner),
            col(Customer.region),
            col(Customer.verified_at),
            col(Customer.created_at),
        )
        .where(
            stale_condition(stale_cutoff(now, stale_after_days)),
            col(Customer.status) != CustomerStatus.LOST,
        )
        .order_by(checked, col(Customer.id))
    )
    if owner:
        stmt = stmt.where(col(Customer.owner) == owner)
    if limit:
        stmt = stmt.limit(limit)
    result = session.connection().execute(stmt.execution_options(yield_per=1000))
    for cid, code, name, grade, owner_, region, verified_at, created_at in result:
        assert cid is not None  # a primary key read back from the table
        yield StaleRow(
            id=cid,
            code=code,
            name=name,
            grade=Grade(grade),
            owner=owner_,
            region=region,
            checked_at=verified_at or created_at,
            verified=verified_at is not None,
        )
