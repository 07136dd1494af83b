"""`clientdesk visits agenda|calendar|export`: what is planned, month by month, and as .ics."""

from __future__ import annotations

import json
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.root import out, say
from clientdesk.cli.visits import (
    AsJson,
    customer_id_of,
    visit_session,
    visits_app,
)
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.domain.agenda import AgendaRow
    from clientdesk.domain.visit_calendar import CalendarDay

OwnerOpt = Annotated[str | None, typer.Option("--owner", help="Only this account manager.")]
CustomerOpt = Annotated[str | None, typer.Option("--customer", help="Only this customer (code).")]


def _agenda_doc(row: AgendaRow, zone: tzinfo) -> dict[str, Any]:
    return {
        "id": row.visit_id,
        "customer": row.customer_code,
        "customer_name": row.customer_name,
        "grade": row.grade.value,
        "contact": row.contact_name,
        "phone": row.contact_phone,
        "kind": row.kind.value,
        "purpose": row.purpose,
        "planned_at": row.local_time(zone).isoformat(),
        "owner": row.owner,
    }


@visits_app.command("agenda")
def visits_agenda(
    ctx: typer.Context,
    owner: OwnerOpt = None,
    customer: CustomerOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Rows shown per group (overdue, today, ...).")
    ] = 10,
    as_json: AsJson = False,
) -> None:
    """Planned visits: overdue, today, this week (to Sunday) and later, in local time."""
    from clientdesk.domain.agenda import BUCKET_LABELS, agenda

    with visit_session(ctx, write=False) as c:
        customer_id = customer_id_of(c.session, customer) if customer else None
        result = agenda(
            session=c.session,
            now=c.now,
            zone=c.zone,
            owner=owner,
            customer_id=customer_id,
            per_bucket=limit,
        )
    if as_json:
        doc = {
            "today": result.window.today.isoformat(),
            "timezone": str(c.zone),
            "buckets": {
                bucket.value: {
                    "count": result.counts[bucket],
                    "rows": [_agenda_doc(r, c.zone) for r in result.rows[bucket]],
                }
                for bucket in result.counts
            },
        }
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    say(f"Agenda for {result.window.today} ({c.zone}): {result.total:,} planned visits.")
    for bucket, rows in result.rows.items():
        english, chinese = BUCKET_LABELS[bucket]
        count = result.counts[bucket]
        say(f"\n[bold]{english} ({chinese})[/]: {count:,}")
        if not rows:
            continue
        table = Table(box=None)
        table.add_column("no.", no_wrap=True)
        table.add_column("when", no_wrap=True)
        table.add_column("customer", ratio=2)
        table.add_column("grade", no_wrap=True)
        table.add_column("contact", ratio=1)
        table.add_column("purpose", ratio=2)
        for r in rows:
            contact = " ".join(x for x in (r.contact_name, r.contact_phone) if x)
            table.add_row(
                str(r.visit_id),
                f"{r.local_time(c.zone):%m-%d %H:%M}",
                escape(f"{r.customer_code} {r.customer_name}"),
                r.grade.value,
                escape(contact),
                escape(r.purpose),
            )
        out.print(table)
        if count > len(rows):
            say(f"  … and {count - len(rows):,} more (--limit N shows more)")


def _parse_month(text: str | None, today: date) -> tuple[int, int]:
    if not text:
        return today.year, today.month
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        date(year, month, 1)
    except ValueError:
        raise UsageError(f"--month {text!r} is not a month; write it as YYYY-MM.") from None
    return year, month


def _day_doc(day: CalendarDay, zone: tzinfo) -> dict[str, Any]:
    return {
        "date": day.day.isoformat(),
        "planned": day.planned,
        "done": day.done,
        "first": [
            {
                "id": e.visit_id,
                "customer": e.customer_code,
                "customer_name": e.customer_name,
                "status": e.status.value,
                "kind": e.kind.value,
                "purpose": e.purpose,
                "at": e.local_time(zone).isoformat(),
            }
            for e in day.entries
        ],
    }


@visits_app.command("calendar")
def visits_calendar(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month).")
    ] = None,
    owner: OwnerOpt = None,
    customer: CustomerOpt = None,
    per_day: Annotated[
        int, typer.Option("--per-day", min=0, help="Visits listed under each day.")
    ] = 3,
    as_json: AsJson = False,
) -> None:
    """A month of visits: per day, how many are planned and done, and the first few."""
    from datetime import datetime

    from clientdesk.domain.visit_calendar import month_calendar

    with visit_session(ctx, write=False) as c:
        year, number = _parse_month(month, datetime.now(c.zone).date())
        customer_id = customer_id_of(c.session, customer) if customer else None
        cal = month_calendar(
            session=c.session,
            year=year,
            month=number,
            zone=c.zone,
            owner=owner,
            customer_id=customer_id,
            per_day=per_day,
        )
    if as_json:
        doc = {
            "month": f"{year:04d}-{number:02d}",
            "timezone": str(c.zone),
            "planned": cal.planned,
            "done": cal.done,
            "days": [_day_doc(d, c.zone) for d in cal.days],
        }
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    say(f"[bold]{year:04d}-{number:02d}[/]: {cal.planned:,} planned, {cal.done:,} done ({c.zone})")
    for day in cal.days:
        if not day.total:
            continue
        say(f"{day.day:%Y-%m-%d %a}  planned {day.planned:,}  done {day.done:,}")
        for e in day.entries:
            mark = "✓" if e.status.value == "done" else "·"
            say(
                f"    {mark} {e.local_time(c.zone):%H:%M} {escape(e.customer_code)} "
                f"{escape(e.customer_name)}: {escape(e.purpose)}"
            )
        if day.more > 0:
            say(f"    … and {day.more:,} more")


@visits_app.command("export")
def visits_export(
    ctx: typer.Context,
    out_path: Annotated[str, typer.Option("--out", help="The .ics file to write (0600).")],
    format: Annotated[str, typer.Option("--format", help="ics (iCalendar).")] = "ics",
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day, YYYY-MM-DD (default today).", show_default=False),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Last day, YYYY-MM-DD (default: no end).", show_default=False),
    ] = None,
    owner: OwnerOpt = None,
    customer: CustomerOpt = None,
    planned_only: Annotated[
        bool,
        typer.Option(
            "--planned-only",
            help="Leave out visits since done, cancelled or missed (by default they are "
            "written so that re-importing updates them).",
        ),
    ] = False,
) -> None:
    """Write visits as an iCalendar file for khal, Thunderbird or a phone calendar.

    Each visit keeps its UID, so importing a newer export updates the events instead of
    adding copies; cancelled and missed visits are written as cancelled.
    """
    from clientdesk.cli.exchange import export_visits_calendar  # shared with export visits

    if format.strip().lower() != "ics":
        raise UsageError(
            f"--format {format!r}: visits export here as ics only; for CSV, XLSX or JSON "
            "use `clientdesk export visits`."
        )
    written = export_visits_calendar(
        ctx,
        out_path,
        start=start,
        end=end,
        owner=owner,
        customer=customer,
        planned_only=planned_only,
    )
    if out_path != "-":
        say(f"Exported {written:,} visits to {escape(out_path)}.", stderr=True)
