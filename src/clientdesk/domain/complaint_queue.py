"""Reading complaints: the queue by deadline (paged in SQL), one complaint with its history,
and a stream of rows for reports.

"Overdue" is computed here, on read, from the stored deadline: still received (never
answered) and `due_at` before `now`. It is exact whether or not a sweep has run; the stored
`escalated` flag says a sweep (or a person) has escalated it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlmodel import Session, col

from clientdesk.domain.complaint import Complaint, ComplaintEvent
from clientdesk.domain.complaints import (
    OPEN_STATUSES,
    NextStep,
    allowed_steps,
    describe_time_left,
    get_complaint,
)
from clientdesk.domain.contact import Contact
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Grade,
    Severity,
    VisitKind,
    VisitStatus,
)
from clientdesk.domain.visit import Visit

ALL_STATUSES: tuple[ComplaintStatus, ...] = tuple(ComplaintStatus)


@dataclass(frozen=True)
class ComplaintFilter:
    """Which complaints: by default the open ones. Empty tuples mean "any"."""

    statuses: tuple[ComplaintStatus, ...] = OPEN_STATUSES
    customer_id: int | None = None
    owner: str | None = None
    grades: tuple[Grade, ...] = ()
    categories: tuple[ComplaintCategory, ...] = ()
    severities: tuple[Severity, ...] = ()
    escalated: bool | None = None  # True: escalated only; False: not escalated
    overdue: bool = False  # only those unanswered past their deadline (needs `now`)
    has_dispute: bool | None = None

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.statuses and set(self.statuses) != set(ALL_STATUSES):
            where.append(col(Complaint.status).in_(self.statuses))
        if self.customer_id is not None:
            where.append(col(Complaint.customer_id) == self.customer_id)
        if self.owner:
            where.append(col(Complaint.owner) == self.owner)
        if self.grades:
            where.append(col(Customer.grade).in_(self.grades))
        if self.categories:
            where.append(col(Complaint.category).in_(self.categories))
        if self.severities:
            where.append(col(Complaint.severity).in_(self.severities))
        if self.escalated is not None:
            where.append(col(Complaint.escalated).is_(self.escalated))
        if self.overdue:
            where.append(col(Complaint.status) == ComplaintStatus.RECEIVED)
            where.append(col(Complaint.due_at) < now)
        if self.has_dispute is not None:
            positions = col(Complaint.dispute_positions)
            where.append(positions.is_not(None) if self.has_dispute else positions.is_(None))
        return where


@dataclass(frozen=True)
class ComplaintRow:
    """One line of the queue or a report: the complaint with its customer."""

    id: int
    customer_id: int
    customer_code: str
    customer_name: str
    grade: Grade
    contact_name: str | None
    channel: ComplaintChannel
    category: ComplaintCategory
    severity: Severity
    status: ComplaintStatus
    summary: str
    owner: str | None
    received_at: datetime
    due_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    escalated: bool
    escalated_at: datetime | None
    satisfaction: int | None
    has_dispute: bool
    compensation_cents: int | None

    @property
    def awaiting_answer(self) -> bool:
        return self.status == ComplaintStatus.RECEIVED

    def time_left(self, now: datetime) -> timedelta | None:
        """Until the answer is due; negative when overdue; None once answered."""
        return self.due_at - now if self.awaiting_answer else None

    def is_overdue(self, now: datetime) -> bool:
        left = self.time_left(now)
        return left is not None and left < timedelta(0)

    def time_left_text(self, now: datetime) -> str:
        return describe_time_left(self.time_left(now))

    @property
    def answered_late(self) -> bool:
        """Acknowledged after the deadline (an unanswered one is `is_overdue` instead)."""
        return self.acknowledged_at is not None and self.acknowledged_at > self.due_at


@dataclass(frozen=True)
class ComplaintPage:
    rows: list[ComplaintRow]
    offset: int
    total: int


SORTS: dict[str, tuple[Any, ...]] = {
    # the queue: the ones still waiting for an answer first, the most urgent deadline first;
    # then the answered ones (their deadline is met) by the same deadline
    "deadline": (
        case((col(Complaint.status) == ComplaintStatus.RECEIVED, 0), else_=1),
        col(Complaint.due_at).asc(),
        col(Complaint.id).asc(),
    ),
    # a customer's history: the newest first
    "received": (col(Complaint.received_at).desc(), col(Complaint.id).desc()),
}


def _rows_query(filters: ComplaintFilter, now: datetime) -> Select[*tuple[Any, ...]]:
    return (
        select(
            col(Complaint.id),
            col(Complaint.customer_id),
            col(Customer.code),
            col(Customer.name),
            col(Customer.grade),
            col(Contact.name),
            col(Complaint.channel),
            col(Complaint.category),
            col(Complaint.severity),
            col(Complaint.status),
            col(Complaint.summary),
            col(Complaint.owner),
            col(Complaint.received_at),
            col(Complaint.due_at),
            col(Complaint.acknowledged_at),
            col(Complaint.resolved_at),
            col(Complaint.closed_at),
            col(Complaint.escalated),
            col(Complaint.escalated_at),
            col(Complaint.satisfaction),
            col(Complaint.dispute_positions).is_not(None),
            col(Complaint.compensation_cents),
        )
        .join(Customer, col(Customer.id) == col(Complaint.customer_id))
        .outerjoin(Contact, col(Contact.id) == col(Complaint.contact_id))
        .where(*filters.conditions(now))
    )


def _row(values: Any) -> ComplaintRow:
    fields = list(values)
    fields[20] = bool(fields[20])  # has_dispute
    return ComplaintRow(*fields)


def count_complaints(
    *, session: Session, now: datetime, filters: ComplaintFilter | None = None
) -> int:
    filters = filters or ComplaintFilter()
    stmt = select(func.count()).select_from(Complaint)
    if filters.grades:
        stmt = stmt.join(Customer, col(Customer.id) == col(Complaint.customer_id))
    return int(session.execute(stmt.where(*filters.conditions(now))).scalar_one())


def page_complaints(
    *,
    session: Session,
    now: datetime,
    filters: ComplaintFilter | None = None,
    sort: str = "deadline",
    offset: int = 0,
    limit: int = 100,
) -> list[ComplaintRow]:
    """One page in a stable order (the id breaks ties).

    The page's ids are chosen from the complaints table alone (joined to customers only
    to filter by grade), then only those rows are joined and read in full: sorting the
    19,000 complaints of the demo's "all" view as whole joined rows took 60-140 ms a page.
    """
    order = SORTS.get(sort)
    if order is None:
        raise ValueError(f"unknown sort {sort!r}; choose from {', '.join(SORTS)}")
    filters = filters or ComplaintFilter()
    chosen = select(col(Complaint.id))
    if filters.grades:
        chosen = chosen.join(Customer, col(Customer.id) == col(Complaint.customer_id))
    chosen = chosen.where(*filters.conditions(now)).order_by(*order).offset(offset).limit(limit)
    ids = list(session.execute(chosen).scalars())
    if not ids:
        return []
    stmt = _rows_query(ComplaintFilter(statuses=ALL_STATUSES), now)
    found = {row[0]: row for row in session.execute(stmt.where(col(Complaint.id).in_(ids)))}
    return [_row(found[i]) for i in ids if i in found]


def complaint_queue(
    *,
    session: Session,
    now: datetime,
    filters: ComplaintFilter | None = None,
    sort: str = "deadline",
    offset: int = 0,
    limit: int = 100,
) -> ComplaintPage:
    """A page of the queue (open complaints by deadline, unless filtered otherwise) and the
    number of complaints in it."""
    total = count_complaints(session=session, now=now, filters=filters)
    rows = page_complaints(
        session=session, now=now, filters=filters, sort=sort, offset=offset, limit=limit
    )
    return ComplaintPage(rows, offset, total)


def iter_complaints(
    *,
    session: Session,
    now: datetime,
    filters: ComplaintFilter | None = None,
    sort: str = "deadline",
    limit: int | None = None,
) -> Iterator[ComplaintRow]:
    """Every matching complaint, streamed in chunks (for reports), never all at once."""
    stmt = _rows_query(filters or ComplaintFilter(), now).order_by(*SORTS[sort])
    if limit:
        stmt = stmt.limit(limit)
    result = session.connection().execute(stmt.execution_options(yield_per=1000))
    for values in result:
        yield _row(values)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    from_status: ComplaintStatus | None
    to_status: ComplaintStatus | None
    note: str
    actor: str | None


@dataclass(frozen=True)
class FollowUp:
    visit_id: int
    planned_at: datetime
    status: VisitStatus
    purpose: str
    owner: str | None


@dataclass(frozen=True)
class ComplaintDetail:
    """Everything a complaint's page shows: the row, the full texts, the history (oldest
    first), the follow-up visits and the steps allowed now."""

    row: ComplaintRow
    details: str | None
    resolution: str | None
    dispute_positions: str | None
    dispute_outcome: str | None
    history: list[HistoryEntry]
    followups: list[FollowUp]
    steps: list[NextStep] = field(default_factory=list)


def complaint_detail(complaint_id: int, *, session: Session) -> ComplaintDetail:
    complaint = get_complaint(complaint_id, session=session)
    row = _row(
        session.execute(
            _rows_query(ComplaintFilter(statuses=()), datetime.now(UTC)).where(
                col(Complaint.id) == complaint_id
            )
        ).one()
    )
    events = session.execute(
        select(
            col(ComplaintEvent.at),
            col(ComplaintEvent.from_status),
            col(ComplaintEvent.to_status),
            col(ComplaintEvent.note),
            col(ComplaintEvent.actor),
        )
        .where(col(ComplaintEvent.complaint_id) == complaint_id)
        .order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))
    )
    visits = session.execute(
        select(
            col(Visit.id),
            col(Visit.planned_at),
            col(Visit.status),
            col(Visit.purpose),
            col(Visit.owner),
        )
        .where(
            col(Visit.complaint_id) == complaint_id,
            col(Visit.kind) == VisitKind.COMPLAINT_FOLLOWUP,
        )
        .order_by(col(Visit.planned_at), col(Visit.id))
    )
    return ComplaintDetail(
        row=row,
        details=complaint.details,
        resolution=complaint.resolution,
        dispute_positions=complaint.dispute_positions,
        dispute_outcome=complaint.dispute_outcome,
        history=[HistoryEntry(*values) for values in events],
        followups=[FollowUp(*values) for values in visits],
        steps=allowed_steps(complaint),
    )
