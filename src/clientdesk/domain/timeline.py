"""A customer's timeline: interactions, transactions, visits, contract events and complaints
together, newest first, one page at a time from a single UNION ALL query.

Each branch reads only its own customer's rows through its (customer_id, time) index and
stops after one page; the outer query merges at most five pages. Pages continue from the
last row shown (keyset paging), so the thousandth page costs what the first does.

Records with only a date (transactions, contract events) sort as of the start of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlmodel import Session, col

from clientdesk.domain.complaint import Complaint
from clientdesk.domain.contact import Contact
from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.interaction import Interaction
from clientdesk.domain.transaction import Transaction
from clientdesk.domain.visit import Visit

PAGE_SIZE = 100


class Source(StrEnum):
    """Where a timeline entry comes from; the order breaks ties between equal times."""

    COMPLAINT = "complaint"
    CONTRACT = "contract"
    TRANSACTION = "transaction"
    VISIT = "visit"
    INTERACTION = "interaction"


RANK = {source: rank for rank, source in enumerate(Source)}
SOURCE_LABELS = {
    Source.INTERACTION: "interactions",
    Source.TRANSACTION: "transactions",
    Source.VISIT: "visits",
    Source.CONTRACT: "contract events",
    Source.COMPLAINT: "complaints",
}


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: just after this entry."""

    at: str
    source: Source
    id: int


@dataclass(frozen=True)
class TimelineEntry:
    source: Source
    id: int
    at: str  # sort key as stored: "2025-03-01" or "2025-03-01 09:00:00.000000" (UTC)
    kind: str | None  # interaction / transaction / visit / event kind, complaint category
    title: str | None  # subject, reference, purpose, contract title, summary
    detail: str | None  # notes, discussion, event description, complaint details
    tag: str | None  # contract number, complaint severity
    amount_cents: int | None
    currency: str | None
    state: str | None  # visit / complaint status
    person: str | None  # the contact involved
    due: str | None  # due date, planned time, answer deadline
    done: str | None  # paid, delivered, done, resolved

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.source, self.id)

    @property
    def when(self) -> date | datetime:
        return parse_stamp(self.at)


def parse_stamp(text: str) -> date | datetime:
    """A stored date ("2025-03-01") or UTC datetime ("2025-03-01 09:00:00.000000")."""
    if len(text) <= 10:
        return date.fromisoformat(text)
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _key(column: Any, dialect: str) -> ColumnElement[str]:
    # On SQLite dates and datetimes are stored as ISO text that sorts correctly, so the
    # stored value itself is the key and the (customer_id, time) indexes still serve the
    # ORDER BY. Other databases get an explicit cast.
    if dialect == "sqlite":
        return type_coerce(column, String)
    return cast(column, String)


# The statement is built once per shape and run with these parameters: building it costs
# far more than running it.
CUSTOMER = bindparam("customer_id", type_=Integer)
AFTER_AT = bindparam("after_at", type_=String)
AFTER_ID = bindparam("after_id", type_=Integer)
LIMIT = bindparam("limit", type_=Integer)


def _after(key: ColumnElement[str], ident: Any, source: Source, cursor: Source | None) -> Any:
    """Rows of `source` after the cursor (of source `cursor`) in (time, rank, id) desc order."""
    if cursor is None:
        return None
    rank, cursor_rank = RANK[source], RANK[cursor]
    if rank < cursor_rank:
        return key <= AFTER_AT
    if rank > cursor_rank:
        return key < AFTER_AT
    return or_(key < AFTER_AT, and_(key == AFTER_AT, ident < AFTER_ID))


def _text(value: Any) -> Any:
    return type_coerce(value, String)


NULL_TYPES: dict[str, Any] = {"amount_cents": BigInteger}


def _branches(sources: frozenset[Source], cursor: Source | None, dialect: str) -> list[Select[Any]]:
    customer_id = CUSTOMER
    person = Contact.__table__.alias("person")  # type: ignore[attr-defined]
    branches: list[Select[Any]] = []

    def add(
        source: Source,
        ident: Any,
        at: Any,
        columns: dict[str, Any],
        where: Any,
        joined: Any,
    ) -> None:
        if source not in sources:
            return
        key = _key(at, dialect)
        after = _after(key, ident, source, cursor)
        stmt = (
            select(
                literal(source.value, String).label("source"),
                ident.label("id"),
                key.label("at"),
                *(
                    # A typed NULL: PostgreSQL matches UNION columns by type.
                    (
                        value if value is not None else cast(null(), NULL_TYPES.get(name, String))
                    ).label(name)
                    for name, value in columns.items()
                ),
            )
            .select_from(joined)
            .where(where, *([after] if after is not None else []))
            .order_by(key.desc(), ident.desc())
            .limit(LIMIT)
        )
        branches.append(stmt)

    blank = dict.fromkeys(
        (
            "kind",
            "title",
            "detail",
            "tag",
            "amount_cents",
            "currency",
            "state",
            "person",
            "due",
            "done",
        )
    )

    i = Interaction.__table__  # type: ignore[attr-defined]
    add(
        Source.INTERACTION,
        i.c.id,
        i.c.occurred_at,
        blank
        | {
            "kind": _text(i.c.kind),
            "title": i.c.subject,
            "detail": i.c.notes,
            "person": person.c.name,
        },
        i.c.customer_id == customer_id,
        i.outerjoin(person, person.c.id == i.c.contact_id),
    )
    t = Transaction.__table__  # type: ignore[attr-defined]
    add(
        Source.TRANSACTION,
        t.c.id,
        t.c.occurred_on,
        blank
        | {
            "kind": _text(t.c.kind),
            "title": t.c.reference,
            "detail": t.c.notes,
            "amount_cents": t.c.amount_cents,
            "currency": t.c.currency,
            "due": _key(t.c.due_on, dialect),
            "done": _key(t.c.paid_on, dialect),
        },
        t.c.customer_id == customer_id,
        t,
    )
    v = Visit.__table__  # type: ignore[attr-defined]
    add(
        Source.VISIT,
        v.c.id,
        func.coalesce(v.c.done_at, v.c.planned_at),
        blank
        | {
            "kind": _text(v.c.kind),
            "title": v.c.purpose,
            "detail": v.c.discussion,
            "state": _text(v.c.status),
            "person": person.c.name,
            "due": _key(v.c.planned_at, dialect),
            "done": _key(v.c.done_at, dialect),
        },
        v.c.customer_id == customer_id,
        v.outerjoin(person, person.c.id == v.c.contact_id),
    )
    e = ContractEvent.__table__  # type: ignore[attr-defined]
    k = Contract.__table__  # type: ignore[attr-defined]
    add(
        Source.CONTRACT,
        e.c.id,
        e.c.occurred_on,
        blank
        | {
            "kind": _text(e.c.kind),
            "title": k.c.title,
            "detail": e.c.description,
            "tag": k.c.number,
            "amount_cents": e.c.value_change_cents,
            "currency": k.c.currency,
            "due": _key(e.c.due_on, dialect),
            "done": _key(e.c.delivered_on, dialect),
        },
        k.c.customer_id == customer_id,
        e.join(k, k.c.id == e.c.contract_id),
    )
    c = Complaint.__table__  # type: ignore[attr-defined]
    add(
        Source.COMPLAINT,
        c.c.id,
        c.c.received_at,
        blank
        | {
            "kind": _text(c.c.category),
            "title": c.c.summary,
            "detail": c.c.details,
            "tag": _text(c.c.severity),
            "amount_cents": c.c.compensation_cents,
            "state": _text(c.c.status),
            "person": person.c.name,
            "due": _key(c.c.due_at, dialect),
            "done": _key(c.c.resolved_at, dialect),
        },
        c.c.customer_id == customer_id,
        c.outerjoin(person, person.c.id == c.c.contact_id),
    )
    return branches


def page_timeline(
    customer_id: int,
    *,
    session: Session,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
    sources: frozenset[Source] | None = None,
) -> list[TimelineEntry]:
    """Up to `limit` entries, newest first, starting just after `after` (None: the newest)."""
    wanted = frozenset(Source) if sources is None else sources
    if not wanted:
        return []
    stmt = _statement(wanted, after.source if after else None, session.get_bind().dialect.name)
    params: dict[str, Any] = {"customer_id": customer_id, "limit": limit}
    if after is not None:
        params |= {"after_at": after.at, "after_id": after.id}
    entries = []
    for row in session.execute(stmt, params):
        values = row._asdict()
        values["source"] = Source(values["source"])
        values["kind"] = None if values["kind"] is None else str(values["kind"])
        entries.append(TimelineEntry(**values))
    return entries


@lru_cache(maxsize=256)
def _statement(sources: frozenset[Source], cursor: Source | None, dialect: str) -> Select[Any]:
    branches = _branches(sources, cursor, dialect)
    # Each branch is wrapped so that its own ORDER BY and LIMIT apply before the union.
    parts = [select(*b.subquery().c) for b in branches]
    merged = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    rank_of = case({s.value: RANK[s] for s in Source}, value=merged.c.source)
    return (
        select(*merged.c)
        .order_by(merged.c.at.desc(), rank_of.desc(), merged.c.id.desc())
        .limit(LIMIT)
    )


def count_timeline(
    customer_id: int, *, session: Session, sources: frozenset[Source] | None = None
) -> dict[Source, int]:
    """How many entries of each source the customer has (each an indexed count)."""
    wanted = frozenset(Source) if sources is None else sources
    queries: dict[Source, Select[Any]] = {
        Source.INTERACTION: select(func.count()).where(col(Interaction.customer_id) == customer_id),
        Source.TRANSACTION: select(func.count()).where(col(Transaction.customer_id) == customer_id),
        Source.VISIT: select(func.count()).where(col(Visit.customer_id) == customer_id),
        Source.CONTRACT: select(func.count())
        .select_from(ContractEvent)
        .join(Contract, col(Contract.id) == col(ContractEvent.contract_id))
        .where(col(Contract.customer_id) == customer_id),
        Source.COMPLAINT: select(func.count()).where(col(Complaint.customer_id) == customer_id),
    }
    return {
        source: int(session.execute(query).scalar_one())
        for source, query in queries.items()
        if source in wanted
    }
