"""Visit plans as an iCalendar file (RFC 5545) for khal, Thunderbird and phone calendars.

Each visit becomes one VEVENT whose UID never changes (visit-<id>.<database>@clientdesk),
so importing a newer export updates the events an older one made instead of adding
copies: SEQUENCE and LAST-MODIFIED come from the visit's updated_at, and a visit since
cancelled or missed is written with STATUS:CANCELLED so the calendar drops it too. The
database part of the UID keeps a demo database's visits from overwriting real ones in
the same calendar. Times are written in the settings time zone with its VTIMEZONE.

Events are streamed from SQL to the output one at a time; the file is created owner-only
(0600) and appears under its name only once complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from sqlalchemy import select
from sqlmodel import Session, col

from clientdesk.domain.contact import Contact
from clientdesk.domain.contract import Contract
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import VisitKind, VisitStatus, label_zh
from clientdesk.domain.meta import Meta
from clientdesk.domain.visit import Visit
from clientdesk.errors import UsageError
from clientdesk.exchange.files import private_output

PRODID = "-//clientdesk//visit plans//ZH"
DEFAULT_DURATION = timedelta(hours=1)
CANCELLED = (VisitStatus.CANCELLED, VisitStatus.MISSED)
SUMMARY_WORD = {
    VisitKind.REGULAR: "拜访",
    VisitKind.RETURN: "回访",
    VisitKind.COMPLAINT_FOLLOWUP: "投诉跟进",
}


@dataclass(frozen=True)
class IcsOptions:
    zone: ZoneInfo
    start: date | None = None  # first local day (inclusive); None: no lower bound
    end: date | None = None  # last local day (inclusive); None: no upper bound
    owner: str | None = None
    customer_id: int | None = None
    planned_only: bool = False  # leave out visits since done, cancelled or missed
    duration: timedelta = DEFAULT_DURATION


def database_key(session: Session) -> str:
    """A short, stable name for this database: restored backups keep it, other files differ."""
    meta = session.get(Meta, "created_at")
    seed = meta.value if meta is not None else "clientdesk"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:10]


def visit_uid(visit_id: int, key: str) -> str:
    return f"visit-{visit_id}.{key}@clientdesk"


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _rows(session: Session, options: IcsOptions) -> Iterator[Any]:
    # Naming the statuses lets the (status, planned_at) index serve the date range.
    statuses = [VisitStatus.PLANNED] if options.planned_only else list(VisitStatus)
    where: list[Any] = [col(Visit.status).in_(statuses)]
    if options.start is not None:
        where.append(col(Visit.planned_at) >= _midnight(options.start, options.zone))
    if options.end is not None:
        end = _midnight(options.end + timedelta(days=1), options.zone)
        where.append(col(Visit.planned_at) < end)
    if options.owner:
        where.append(col(Visit.owner) == options.owner)
    if options.customer_id is not None:
        where.append(col(Visit.customer_id) == options.customer_id)
    stmt = (
        select(
            col(Visit.id),
            col(Visit.kind),
            col(Visit.status),
            col(Visit.purpose),
            col(Visit.planned_at),
            col(Visit.done_at),
            col(Visit.owner),
            col(Visit.created_at),
            col(Visit.updated_at),
            col(Customer.code),
            col(Customer.name),
            col(Customer.short_name),
            col(Customer.grade),
            col(Customer.address),
            col(Contact.name).label("contact_name"),
            col(Contact.title).label("contact_title"),
            col(Contact.mobile).label("contact_mobile"),
            col(Contact.phone).label("contact_phone"),
            col(Contract.number).label("contract_number"),
        )
        .join(Customer, col(Customer.id) == col(Visit.customer_id))
        .outerjoin(Contact, col(Contact.id) == col(Visit.contact_id))
        .outerjoin(Contract, col(Contract.id) == col(Visit.contract_id))
        .where(*where)
        .order_by(col(Visit.planned_at), col(Visit.id))
    )
    yield from session.connection().execute(stmt.execution_options(yield_per=500))


def _summary(row: Any) -> str:
    word = SUMMARY_WORD[VisitKind(row.kind)]
    purpose = row.purpose
    for mark in ("：", ":"):  # "回访：交货后确认满意度" needs no second 回访
        if purpose.startswith(word + mark):
            purpose = purpose[len(word) + 1 :].strip()
    name = row.short_name or row.name
    summary = f"{word} {name}：{purpose}" if purpose else f"{word} {name}"
    status = VisitStatus(row.status)
    if status != VisitStatus.PLANNED:
        summary += f"（{label_zh(status)}）"
    return summary


def _description(row: Any, zone: ZoneInfo) -> str:
    lines = [f"客户：{row.code} {row.name}（{row.grade}级）"]
    if row.contact_name:
        phone = row.contact_mobile or row.contact_phone
        title = f" {row.contact_title}" if row.contact_title else ""
        lines.append(f"联系人：{row.contact_name}{title}" + (f" {phone}" if phone else ""))
    lines.append(f"目的：{row.purpose}")
    lines.append(f"类型：{label_zh(VisitKind(row.kind))}")
    if row.contract_number:
        lines.append(f"合同：{row.contract_number}")
    if row.owner:
        lines.append(f"客户经理：{row.owner}")
    status = VisitStatus(row.status)
    lines.append(f"状态：{label_zh(status)}")
    if status == VisitStatus.DONE and row.done_at is not None:
        lines.append(f"拜访时间：{row.done_at.astimezone(zone):%Y-%m-%d %H:%M}")
    lines.append(f"clientdesk 拜访 #{row.id}")
    return "\n".join(lines)


def _sequence(created_at: datetime, updated_at: datetime) -> int:
    """Grows with every change of the visit (updated_at moves forward)."""
    return max(0, int((updated_at - created_at).total_seconds()))


def visit_event(
    row: Any, *, key: str, zone: ZoneInfo, stamp: datetime, duration: timedelta
) -> Event:
    start = row.planned_at.astimezone(zone)
    event = Event()
    event.add("uid", visit_uid(int(row.id), key))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + duration)
    event.add("summary", _summary(row))
    event.add("description", _description(row, zone))
    if row.address:
        event.add("location", row.address)
    event.add("categories", [label_zh(VisitKind(row.kind))])
    status = VisitStatus(row.status)
    event.add("status", "CANCELLED" if status in CANCELLED else "CONFIRMED")
    event.add("sequence", _sequence(row.created_at, row.updated_at))
    event.add("created", row.created_at.astimezone(UTC))
    event.add("last-modified", row.updated_at.astimezone(UTC))
    return event


def _calendar(options: IcsOptions) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "clientdesk 拜访计划")
    cal.add("x-wr-timezone", options.zone.key)
    today = datetime.now(options.zone).date()
    first = (options.start or today) - timedelta(days=366)
    last = (options.end or today) + timedelta(days=3 * 366)
    cal.add_component(
        Timezone.from_tzinfo(options.zone, tzid=options.zone.key, first_date=first, last_date=last)
    )
    return cal


def _check(options: IcsOptions) -> None:
    if options.start and options.end and options.end < options.start:
        raise UsageError(
            f"--to {options.end} is before --from {options.start}; give the earlier date first."
        )


def write_visits_ics(
    session: Session, out: IO[bytes], options: IcsOptions, *, now: datetime | None = None
) -> int:
    """Write the visits chosen by `options` to the binary stream; the number of events."""
    _check(options)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    key = database_key(session)
    head = _calendar(options).to_ical()
    closing = b"END:VCALENDAR\r\n"
    assert head.endswith(closing)
    out.write(head[: -len(closing)])
    written = 0
    for row in _rows(session, options):
        event = visit_event(row, key=key, zone=options.zone, stamp=stamp, duration=options.duration)
        out.write(event.to_ical())
        written += 1
    out.write(closing)
    return written


def export_visits_ics(
    session: Session, path: Path | str, options: IcsOptions, *, now: datetime | None = None
) -> int:
    """Write the .ics file at `path` (0600, replaced only when complete)."""
    _check(options)  # before any file is opened
    with private_output(path, binary=True) as handle:
        return write_visits_ics(session, handle, options, now=now)
