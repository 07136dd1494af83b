"""Pages of the customer list, straight from SQL: the UI never holds more than a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade, VisitStatus
from clientdesk.domain.visit import Visit

SORT_COLUMNS: dict[str, Any] = {
    "name": Customer.name,
    "code": Customer.code,
    "grade": Customer.grade,
    "kind": Customer.kind,
    "region": Customer.region,
    "owner": Customer.owner,
    "status": Customer.status,
    "last_contact": Customer.last_contact_at,
}


@dataclass(frozen=True)
class CustomerFilter:
    grades: tuple[Grade, ...] = ()
    kinds: tuple[CustomerKind, ...] = ()
    statuses: tuple[CustomerStatus, ...] = ()
    region: str | None = None
    owner: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.grades:
            where.append(col(Customer.grade).in_(self.grades))
        if self.kinds:
            where.append(col(Customer.kind).in_(self.kinds))
        if self.statuses:
            where.append(col(Customer.status).in_(self.statuses))
        if self.region:
            where.append(col(Customer.region) == self.region)
        if self.owner:
            where.append(col(Customer.owner) == self.owner)
        return where


@dataclass(frozen=True)
class CustomerRow:
    id: int
    code: str
    name: str
    grade: Grade
    kind: CustomerKind
    region: str | None
    owner: str | None
    status: CustomerStatus
    last_contact_at: datetime | None
    next_visit_at: datetime | None


def _base(filters: CustomerFilter | None) -> Select[Any]:
    stmt = select(col(Customer.id))
    if filters:
        stmt = stmt.where(*filters.conditions())
    return stmt


def count_customers(*, session: Session, filters: CustomerFilter | None = None) -> int:
    stmt = select(func.count()).select_from(_base(filters).subquery())
    return int(session.execute(stmt).scalar_one())


def page_customers(
    *,
    session: Session,
    offset: int = 0,
    limit: int = 100,
    sort: str = "name",
    descending: bool = False,
    filters: CustomerFilter | None = None,
) -> list[CustomerRow]:
    """One page of rows in a stable order (the id breaks ties), with the next planned visit."""
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"unknown sort {sort!r}; choose from {', '.join(SORT_COLUMNS)}")
    order = column.desc() if descending else column.asc()
    id_order = col(Customer.id).desc() if descending else col(Customer.id).asc()
    next_visit = (
        select(func.min(Visit.planned_at))
        .where(
            col(Visit.customer_id) == col(Customer.id),
            col(Visit.status) == VisitStatus.PLANNED,
        )
        .correlate(Customer)
        .scalar_subquery()
    )
    stmt = select(
        col(Customer.id),
        col(Customer.code),
        col(Customer.name),
        col(Customer.grade),
        col(Customer.kind),
        col(Customer.region),
        col(Customer.owner),
        col(Customer.status),
        col(Customer.last_contact_at),
        next_visit.label("next_visit_at"),
    )
    if filters:
        stmt = stmt.where(*filters.conditions())
    stmt = stmt.order_by(order, id_order).offset(offset).limit(limit)
    return [CustomerRow(*row) for row in session.execute(stmt)]
