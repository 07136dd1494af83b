"""Shared pieces of the complaint commands: local times, sessions, lookups by code, and the
JSON documents that `complaint ...` and `report complaints` print."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer

from clientdesk.cli.root import open_db, state_of
from clientdesk.errors import NotFoundError, UsageError, ValidationError

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientdesk.config import Settings
    from clientdesk.domain.complaint import Complaint
    from clientdesk.domain.complaint_queue import ComplaintDetail, ComplaintRow


def zone_of(settings: Settings) -> tzinfo:
    return ZoneInfo(settings.general.timezone)


def parse_moment(text: str | None, zone: tzinfo, option: str) -> datetime | None:
    """'2026-03-31 14:30' (local), '2026-03-31T14:30+08:00' or a date (local midnight)."""
    if text is None or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} {text!r} is not a date and time; write it as YYYY-MM-DD HH:MM (local time)."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def local(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


def iso(value: datetime | None, zone: tzinfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="minutes") if value else None


@contextmanager
def session_for(ctx: typer.Context, *, write: bool) -> Iterator[Session]:
    """A session on the database; a writing one commits at the end, or rolls everything
    back when the command fails."""
    from sqlmodel import Session

    from clientdesk.storage.database import translate_errors
    from clientdesk.storage.engine import writer

    state = state_of(ctx)
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label):
            engine = writer(database.engine) if write else database.engine
            # Objects stay readable after the commit, for the command's output.
            with Session(engine, expire_on_commit=False) as session:
                yield session
                if write:
                    session.commit()
    finally:
        database.dispose()


def customer_by_code(session: Session, code: str) -> Any:
    from sqlalchemy import select

    from clientdesk.domain.customer import Customer

    found = session.execute(select(Customer).where(Customer.code == code.strip())).scalar()  # type: ignore[arg-type]
    if found is None:
        raise NotFoundError(
            f"no customer has the code {code!r}.", hint="Check the code in the customer list."
        )
    return found


def contact_id_for(session: Session, customer: Any, text: str | None) -> int | None:
    """A contact given by its number or its name, among the customer's contacts."""
    from sqlalchemy import select
    from sqlmodel import col

    from clientdesk.domain.contact import Contact

    if text is None or not text.strip():
        return None
    wanted = text.strip()
    where = col(Contact.name) == wanted
    if wanted.isdigit():
        where = where | (col(Contact.id) == int(wanted))
    found = session.execute(
        select(col(Contact.id)).where(col(Contact.customer_id) == customer.id, where).limit(2)
    ).scalars()
    ids = list(found)
    if len(ids) != 1:
        problem = "no contact" if not ids else "more than one contact"
        raise ValidationError(
            f"{customer.code} {customer.name} has {problem} called {wanted!r}; "
            "give the contact's number instead.",
            field="contact",
        )
    return ids[0]


def complaint_doc(complaint: Complaint, zone: tzinfo, now: datetime) -> dict[str, Any]:
    from clientdesk.domain.complaints import is_overdue, time_left
    from clientdesk.domain.money import from_cents

    left = time_left(complaint, now)
    cents = complaint.compensation_cents
    return {
        "id": complaint.id,
        "customer_id": complaint.customer_id,
        "status": complaint.status.value,
        "channel": complaint.channel.value,
        "category": complaint.category.value,
        "severity": complaint.severity.value,
        "summary": complaint.summary,
        "owner": complaint.owner,
        "received_at": iso(complaint.received_at, zone),
        "due_at": iso(complaint.due_at, zone),
        "acknowledged_at": iso(complaint.acknowledged_at, zone),
        "resolved_at": iso(complaint.resolved_at, zone),
        "closed_at": iso(complaint.closed_at, zone),
        "minutes_left": int(left.total_seconds() // 60) if left is not None else None,
        "overdue": is_overdue(complaint, now),
        "escalated": complaint.escalated,
        "escalated_at": iso(complaint.escalated_at, zone),
        "resolution": complaint.resolution,
        "satisfaction": complaint.satisfaction,
        "dispute_positions": complaint.dispute_positions,
        "dispute_outcome": complaint.dispute_outcome,
        "compensation": float(from_cents(cents)) if cents is not None else None,
    }


def row_doc(row: ComplaintRow, zone: tzinfo, now: datetime) -> dict[str, Any]:
    from clientdesk.domain.money import from_cents

    left = row.time_left(now)
    return {
        "id": row.id,
        "customer_code": row.customer_code,
        "customer_name": row.customer_name,
        "grade": row.grade.value,
        "contact": row.contact_name,
        "channel": row.channel.value,
        "category": row.category.value,
        "severity": row.severity.value,
        "status": row.status.value,
        "summary": row.summary,
        "owner": row.owner,
        "received_at": iso(row.received_at, zone),
        "due_at": iso(row.due_at, zone),
        "acknowledged_at": iso(row.acknowledged_at, zone),
        "resolved_at": iso(row.resolved_at, zone),
        "closed_at": iso(row.closed_at, zone),
        "minutes_left": int(left.total_seconds() // 60) if left is not None else None,
        "overdue": row.is_overdue(now),
        "answered_late": row.answered_late,
        "escalated": row.escalated,
        "escalated_at": iso(row.escalated_at, zone),
        "satisfaction": row.satisfaction,
        "dispute": row.has_dispute,
        "compensation": (
            float(from_cents(row.compensation_cents))
            if row.compensation_cents is not None
            else None
        ),
    }


def detail_doc(detail: ComplaintDetail, zone: tzinfo, now: datetime) -> dict[str, Any]:
    return row_doc(detail.row, zone, now) | {
        "details": detail.details,
        "resolution": detail.resolution,
        "dispute_positions": detail.dispute_positions,
        "dispute_outcome": detail.dispute_outcome,
        "history": [
            {
                "at": iso(e.at, zone),
                "from": e.from_status.value if e.from_status else None,
                "to": e.to_status.value if e.to_status else None,
                "note": e.note,
                "actor": e.actor,
            }
            for e in detail.history
        ],
        "followups": [
            {
                "visit_id": f.visit_id,
                "planned_at": iso(f.planned_at, zone),
                "status": f.status.value,
                "purpose": f.purpose,
            }
            for f in detail.followups
        ],
        "next_steps": [
            {
                "step": s.step.value,
                "to": s.to_status.value if s.to_status else None,
                "needs_confirmation": s.needs_confirmation,
            }
            for s in detail.steps
        ],
    }


def parse_list(values: list[str] | None, enum_cls: Any, option: str) -> tuple[Any, ...]:
    from clientdesk.domain.enums import parse_choice

    return tuple(
        parse_choice(enum_cls, part, field=option)
        for value in values or []
        for part in value.split(",")
        if part.strip()
    )
