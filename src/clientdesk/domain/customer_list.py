"""Pages of the customer list, straight from SQL: the UI never holds more than a page.

`search_customers` is the whole list in one call: a query (see domain/search.py for how it
matches and ranks), filters, a sort and a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade, VisitStatus
from clientdesk.domain.search import MAX_HITS, SearchHits, find_customers, rank_of
from clientdesk.domain.stale import stale_condition
from clientdesk.domain.visit import Visit

NEXT_VISIT = (
    select(func.min(Visit.planned_at))
    .where(
        col(Visit.customer_id) == col(Customer.id),
        col(Visit.status) == VisitStatus.PLANNED,
    )
    .correlate(Customer)
    .scalar_subquery()
)
"""The customer's earliest planned visit (one seek in ix_visits_customer_status_planned)."""

SORT_COLUMNS: dict[str, Any] = {
    # Names sort by their pinyin, so Chinese and English names interleave alphabetically.
    "name": Customer.pinyin,
    "code": Customer.code,
    "grade": Customer.grade,
    "kind": Customer.kind,
    "region": Customer.region,
    "owner": Customer.owner,
    "status": Customer.status,
    "last_contact": Customer.last_contact_at,
    "next_visit": NEXT_VISIT,
}
NULLS_LAST = frozenset({"next_visit"})  # customers without a planned visit come after the rest


@dataclass(frozen=True)
class CustomerFilter:
    grades: tuple[Grade, ...] = ()
    kinds: tuple[CustomerKind, ...] = ()
    statuses: tuple[CustomerStatus, ...] = ()
    region: str | None = None
    owner: str | None = None
    stale_before: datetime | None = None  # only files not verified (nor entered) since then

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
        if self.stale_before is not None:
            where.append(stale_condition(self.stale_before))
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


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerRow]
    offset: int
    total: int  # customers in the list (matches of the search, if any)
    capped: bool = False  # the search stopped collecting matches: there are more than `total`


def _where(filters: CustomerFilter | None, search: SearchHits | None) -> list[ColumnElement[bool]]:
    where = filters.conditions() if filters else []
    if search is not None:
        where.append(col(Customer.id).in_(search.ids))
    return where


def count_customers(
    *,
    session: Session,
    filters: CustomerFilter | None = None,
    search: SearchHits | None = None,
) -> int:
    if search is not None and not search.ids:
        return 0
    stmt = select(func.count()).select_from(Customer).where(*_where(filters, search))
    return int(session.execute(stmt).scalar_one())


def page_customers(
    *,
    session: Session,
    offset: int = 0,
    limit: int = 100,
    sort: str = "name",
    descending: bool = False,
    filters: CustomerFilter | None = None,
    search: SearchHits | None = None,
) -> list[CustomerRow]:
    """One page of rows in a stable order (the id breaks ties), with the next planned visit.

    With `search`, only its hits, best match first (search.rank_of), then in this order.
    """
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"unknown sort {sort!r}; choose from {', '.join(SORT_COLUMNS)}")
    if search is not None and not search.ids:
        return []
    order = column.desc() if descending else column.asc()
    if sort in NULLS_LAST:
        order = order.nulls_last()
    id_order = col(Customer.id).desc() if descending else col(Customer.id).asc()
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
        NEXT_VISIT.label("next_visit_at"),
    ).where(*_where(filters, search))
    if search is not None:
        stmt = stmt.order_by(rank_of(search))
    stmt = stmt.order_by(order, id_order).offset(offset).limit(limit)
    return [CustomerRow(*row) for row in session.execute(stmt)]


def search_customers(
    query: str,
    *,
    session: Session,
    filters: CustomerFilter | None = None,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 100,
    max_hits: int = MAX_HITS,
) -> CustomerPage:
    """A page of the list: every customer under `filters`, or only those matching `query`
    (best match first); `total` counts them all."""
    search = None
    if query.strip():
        search = find_customers(query, session=session, filters=filters, limit=max_hits)
    # The hits were found under the same filters: their number is the count.
    total = len(search.ids) if search else count_customers(session=session, filters=filters)
    rows = page_customers(
        session=session,
        offset=offset,
        limit=limit,
        sort=sort,
        descending=descending,
        filters=filters,
        search=search,
    )
    return CustomerPage(rows, offset, total, capped=bool(search and search.capped))


@dataclass(frozen=True)
class FilterChoices:
    regions: list[str]
    owners: list[str]


def filter_choices(*, session: Session) -> FilterChoices:
    """The regions and owners in use, for the filter lists (each read from its index)."""

    def distinct(column: Any) -> list[str]:
        stmt = select(column).where(column.is_not(None)).distinct().order_by(column)
        return [value for value in session.execute(stmt).scalars() if value]

    return FilterChoices(
        regions=distinct(col(Customer.region)), owners=distinct(col(Customer.owner))
    )
