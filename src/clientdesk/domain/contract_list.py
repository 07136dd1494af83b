"""Lists of contracts straight from SQL: the Contracts screen, a customer's Contracts tab,
the expiring report and the risk and delivery queries. Nothing here loads a whole table.

Search matches the contract number (any part, letters without case) or the customer
(code, name, pinyin, contacts: the customer search of domain/search.py), exact number first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select
from sqlmodel import Session, col

from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.contract_states import LIVE, OWED
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import ContractEventKind, ContractStatus, RiskLevel
from clientdesk.domain.search import MAX_HITS, find_customers
from clientdesk.domain.text import fold

CHUNK = 500  # ids per IN list
RISK_ORDER = {RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}
CLOSED = (ContractStatus.COMPLETED, ContractStatus.TERMINATED)

SORT_COLUMNS: dict[str, Any] = {
    "number": Contract.number,
    "customer": Customer.pinyin,
    "title": Contract.title,
    "status": Contract.status,
    "value": Contract.value_cents,
    "start": Contract.start_on,
    "end": Contract.end_on,  # = days to expiry
    "signed": Contract.signed_on,
    "risk": case(
        *((col(Contract.risk_level) == level, rank) for level, rank in RISK_ORDER.items()),
        else_=0,
    ),
}
NULLS_LAST = frozenset({"start", "end", "signed"})


def _fields(cls: Any, row: Any) -> dict[str, Any]:
    """A result row as keyword arguments of a row dataclass, column by column in order."""
    return dict(zip((f.name for f in fields(cls)), row, strict=False))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def overdue_condition(today: date) -> ColumnElement[bool]:
    """A milestone event past its due date and not delivered.

    Written with the literal condition of ix_contract_events_open_milestones (a partial
    index of undelivered milestones, migration 0004) so that SQLite reads that index.
    """
    return and_(
        col(ContractEvent.kind) == literal_column(f"'{ContractEventKind.MILESTONE.value}'"),
        col(ContractEvent.delivered_on).is_(None),
        col(ContractEvent.due_on) < today,
    )


def _owes_overdue(today: date) -> ColumnElement[bool]:
    """The contract has an overdue milestone (ids from the partial index)."""
    return col(Contract.id).in_(
        select(col(ContractEvent.contract_id)).where(overdue_condition(today))
    )


def _overdue_counts(rows: list[Any], today: date, *, session: Session) -> dict[int, int]:
    """Overdue milestones of the page's contracts still owing deliveries.

    Read by contract id (a handful of events each) and counted here.
    """
    owing = [row.id for row in rows if row.status in OWED]
    if not owing:
        return {}
    stmt = select(
        col(ContractEvent.contract_id),
        col(ContractEvent.kind),
        col(ContractEvent.due_on),
        col(ContractEvent.delivered_on),
    ).where(col(ContractEvent.contract_id).in_(owing))
    counts: dict[int, int] = {}
    for contract_id, kind, due_on, delivered_on in session.execute(stmt):
        if kind == ContractEventKind.MILESTONE and due_on and due_on < today and not delivered_on:
            counts[contract_id] = counts.get(contract_id, 0) + 1
    return counts


def _renewal_number() -> Any:
    """The number of the renewal that follows a contract (the latest not terminated)."""
    renewal = Contract.__table__.alias("renewal")  # type: ignore[attr-defined]
    return (
        select(renewal.c.number)
        .where(
            renewal.c.renewal_of_id == col(Contract.id),
            renewal.c.status != ContractStatus.TERMINATED.value,
        )
        .order_by(renewal.c.id.desc())
        .limit(1)
        .correlate(Contract)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class ContractFilter:
    statuses: tuple[ContractStatus, ...] = ()
    expiring_within: int | None = None  # live contracts ending from today to today + N days
    customer_ids: tuple[int, ...] | None = None  # one customer's tab, or a group
    risk_levels: tuple[RiskLevel, ...] = ()
    owner: str | None = None
    overdue_only: bool = False  # with a delivery past its due date

    def conditions(self, today: date) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.statuses:
            where.append(col(Contract.status).in_(self.statuses))
        if self.expiring_within is not None:
            where.append(expiring_condition(today, self.expiring_within))
        if self.customer_ids is not None:
            where.append(col(Contract.customer_id).in_(self.customer_ids))
        if self.risk_levels:
            where.append(col(Contract.risk_level).in_(self.risk_levels))
        if self.owner:
            where.append(col(Contract.owner) == self.owner)
        if self.overdue_only:
            where.append(col(Contract.status).in_(OWED))
            where.append(_owes_overdue(today))
        return where


def expiring_condition(today: date, within_days: int) -> ColumnElement[bool]:
    """Signed or active, ending between today and `within_days` days from today."""
    return and_(
        col(Contract.status).in_(LIVE),
        col(Contract.end_on) >= today,
        col(Contract.end_on) <= today + timedelta(days=within_days),
    )


@dataclass(frozen=True)
class ContractRow:
    id: int
    number: str
    customer_id: int
    customer_code: str
    customer_name: str
    title: str
    status: ContractStatus
    value_cents: int
    currency: str
    start_on: date | None
    end_on: date | None
    signed_on: date | None
    risk_level: RiskLevel | None
    overdue_deliveries: int  # milestones past due and not delivered (0 once closed)
    days_to_expiry: int | None  # None once completed or terminated, or without an end date


@dataclass(frozen=True)
class ContractPage:
    rows: list[ContractRow]
    offset: int
    total: int
    capped: bool = False  # the customer part of the search stopped at MAX_HITS customers


def days_to_expiry(status: ContractStatus, end_on: date | None, today: date) -> int | None:
    if end_on is None or status in CLOSED:
        return None
    return (end_on - today).days


@dataclass(frozen=True)
class ContractSearch:
    """A query, resolved once: the matching condition and the rank to order matches by."""

    where: ColumnElement[bool]
    rank: ColumnElement[int]
    capped: bool  # the customer part stopped at MAX_HITS customers: narrow the query


def search_contracts(query: str, *, session: Session) -> ContractSearch | None:
    """Contracts whose number contains the query (letters without case), or whose customer
    matches it (domain/search.py: code, name, pinyin, contacts). None for a blank query.

    Rank 0 is the exact number, 1 a number starting with the query, 2 anything else."""
    text = " ".join(fold(query).split())
    if not text:
        return None
    number = func.lower(col(Contract.number))
    hits = find_customers(query, session=session, limit=MAX_HITS)
    matches: list[ColumnElement[bool]] = [number.like(f"%{_escape_like(text)}%", escape="\\")]
    if hits.ids:
        matches.append(col(Contract.customer_id).in_(hits.ids))
    rank = case((number == text, 0), (number.like(f"{_escape_like(text)}%", escape="\\"), 1),
                else_=2)  # fmt: skip
    return ContractSearch(or_(*matches), rank, hits.capped)


def _where(
    filters: ContractFilter | None, search: ContractSearch | None, today: date
) -> list[ColumnElement[bool]]:
    where = filters.conditions(today) if filters else []
    if search is not None:
        where.append(search.where)
    return where


def count_contracts(
    *,
    session: Session,
    today: date,
    filters: ContractFilter | None = None,
    search: ContractSearch | None = None,
) -> int:
    stmt = select(func.count()).select_from(Contract).where(*_where(filters, search, today))
    return int(session.execute(stmt).scalar_one())


def page_contracts(
    *,
    session: Session,
    today: date,
    filters: ContractFilter | None = None,
    search: ContractSearch | None = None,
    sort: str = "start",
    descending: bool = True,
    offset: int = 0,
    limit: int = 100,
) -> list[ContractRow]:
    """One page in a stable order: `sort` (SORT_COLUMNS; missing dates last), then the id;
    with a search, its rank first.

    The page's ids are chosen from the contracts table alone (joined to customers only to
    sort by customer), then only those rows are joined and read in full.
    """
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"unknown sort {sort!r}; choose from {', '.join(SORT_COLUMNS)}")
    order = column.desc() if descending else column.asc()
    if sort in NULLS_LAST:
        order = order.nulls_last()
    id_order = col(Contract.id).desc() if descending else col(Contract.id).asc()
    ordering: list[Any] = [search.rank] if search is not None else []
    ordering += [order, id_order]
    chosen = select(col(Contract.id)).where(*_where(filters, search, today))
    if sort == "customer":
        chosen = chosen.join(Customer, col(Customer.id) == col(Contract.customer_id))
    ids = list(session.execute(chosen.order_by(*ordering).offset(offset).limit(limit)).scalars())
    if not ids:
        return []
    stmt = (
        select(
            col(Contract.id),
            col(Contract.number),
            col(Contract.customer_id),
            col(Customer.code),
            col(Customer.name),
            col(Contract.title),
            col(Contract.status),
            col(Contract.value_cents),
            col(Contract.currency),
            col(Contract.start_on),
            col(Contract.end_on),
            col(Contract.signed_on),
            col(Contract.risk_level),
        )
        .join(Customer, col(Customer.id) == col(Contract.customer_id))
        .where(col(Contract.id).in_(ids))
    )
    found = {row.id: row for row in session.execute(stmt)}
    rows = [found[i] for i in ids if i in found]
    overdue = _overdue_counts(rows, today, session=session)
    return [
        ContractRow(
            **_fields(ContractRow, row),
            overdue_deliveries=overdue.get(row.id, 0),
            days_to_expiry=days_to_expiry(row.status, row.end_on, today),
        )
        for row in rows
    ]


def list_contracts(
    *,
    session: Session,
    today: date,
    filters: ContractFilter | None = None,
    query: str = "",
    sort: str = "start",
    descending: bool = True,
    offset: int = 0,
    limit: int = 100,
) -> ContractPage:
    """The whole list in one call: a page of contracts under `filters` (and matching
    `query`, best match first) and how many there are in all."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"unknown sort {sort!r}; choose from {', '.join(SORT_COLUMNS)}")
    search = search_contracts(query, session=session)
    total = count_contracts(session=session, today=today, filters=filters, search=search)
    rows = page_contracts(
        session=session,
        today=today,
        filters=filters,
        search=search,
        sort=sort,
        descending=descending,
        offset=offset,
        limit=limit,
    )
    return ContractPage(rows, offset, total, capped=bool(search and search.capped))


@dataclass(frozen=True)
class ExpiringRow:
    id: int
    number: str
    customer_code: str
    customer_name: str
    title: str
    status: ContractStatus
    value_cents: int
    currency: str
    start_on: date | None
    end_on: date
    owner: str | None
    risk_level: RiskLevel | None
    renewed_by: str | None  # the renewal already drafted or signed, if any
    days_to_expiry: int


def expiring_contracts(
    *,
    session: Session,
    today: date,
    within_days: int,
    owner: str | None = None,
    limit: int | None = None,
) -> Iterator[ExpiringRow]:
    """Contracts needing renewal attention: live, ending within the days, soonest first.

    Streamed from the (status, end_on) index, never all at once.
    """
    stmt = (
        select(
            col(Contract.id),
            col(Contract.number),
            col(Customer.code),
            col(Customer.name),
            col(Contract.title),
            col(Contract.status),
            col(Contract.value_cents),
            col(Contract.currency),
            col(Contract.start_on),
            col(Contract.end_on),
            col(Contract.owner),
            col(Contract.risk_level),
            _renewal_number(),
        )
        .join(Customer, col(Customer.id) == col(Contract.customer_id))
        .where(expiring_condition(today, within_days))
        .order_by(col(Contract.end_on), col(Contract.number))
    )
    if owner:
        stmt = stmt.where(col(Contract.owner) == owner)
    if limit:
        stmt = stmt.limit(limit)
    result = session.connection().execute(stmt.execution_options(yield_per=1000))
    for row in result:
        days = (row.end_on - today).days
        yield ExpiringRow(**_fields(ExpiringRow, row), days_to_expiry=days)


def count_expiring(
    *, session: Session, today: date, within_days: int, owner: str | None = None
) -> int:
    stmt = select(func.count()).select_from(Contract).where(expiring_condition(today, within_days))
    if owner:
        stmt = stmt.where(col(Contract.owner) == owner)
    return int(session.execute(stmt).scalar_one())


@dataclass(frozen=True)
class RiskRow:
    id: int
    number: str
    customer_id: int
    title: str
    status: ContractStatus
    value_cents: int
    currency: str
    end_on: date | None
    risk_level: RiskLevel
    risk_notes: str | None


def contracts_at_risk(
    *,
    session: Session,
    customer_ids: Iterable[int] | None = None,
    min_level: RiskLevel = RiskLevel.MEDIUM,
    statuses: tuple[ContractStatus, ...] = OWED,
) -> list[RiskRow]:
    """Contracts assessed at `min_level` or above (风险评估), highest risk and value first.

    For group risk monitoring: `customer_ids` are the group's members (any number; read in
    chunks). Only contracts in `statuses` count: by default those still in force or owing
    deliveries (signed, active, expired).
    """
    levels = [level for level, rank in RISK_ORDER.items() if rank >= RISK_ORDER[min_level]]
    base = (
        select(
            col(Contract.id),
            col(Contract.number),
            col(Contract.customer_id),
            col(Contract.title),
            col(Contract.status),
            col(Contract.value_cents),
            col(Contract.currency),
            col(Contract.end_on),
            col(Contract.risk_level),
            col(Contract.risk_notes),
        )
        .where(col(Contract.risk_level).in_(levels))
        .where(col(Contract.status).in_(statuses))
    )
    if customer_ids is None:
        rows = [RiskRow(*row) for row in session.execute(base)]
    else:
        ids = sorted(set(customer_ids))
        rows = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            stmt = base.where(col(Contract.customer_id).in_(chunk))
            rows.extend(RiskRow(*row) for row in session.execute(stmt))
    rows.sort(key=lambda r: (-RISK_ORDER[r.risk_level], -r.value_cents, r.number))
    return rows


@dataclass(frozen=True)
class OverdueRow:
    milestone_id: int
    contract_id: int
    number: str
    customer_code: str
    customer_name: str
    what: str
    due_on: date
    days_late: int


def overdue_deliveries(
    *,
    session: Session,
    today: date,
    customer_ids: tuple[int, ...] | None = None,
    limit: int = 100,
) -> list[OverdueRow]:
    """Milestones past their due date and not delivered, on contracts still owing them,
    longest overdue first."""
    stmt = (
        select(
            col(ContractEvent.id),
            col(Contract.id),
            col(Contract.number),
            col(Customer.code),
            col(Customer.name),
            col(ContractEvent.description),
            col(ContractEvent.due_on),
        )
        .join(Contract, col(Contract.id) == col(ContractEvent.contract_id))
        .join(Customer, col(Customer.id) == col(Contract.customer_id))
        .where(overdue_condition(today), col(Contract.status).in_(OWED))
        .order_by(col(ContractEvent.due_on), col(ContractEvent.id))
        .limit(limit)
    )
    if customer_ids is not None:
        stmt = stmt.where(col(Contract.customer_id).in_(customer_ids))
    return [
        OverdueRow(**_fields(OverdueRow, row), days_late=(today - row.due_on).days)
        for row in session.execute(stmt)
    ]
