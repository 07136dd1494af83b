"""`clientdesk report visits-due`: customers whose grade's visit cadence has run out."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.report import report_app
from clientdesk.cli.root import open_db, out, say, state_of
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.config import Settings
    from clientdesk.domain.enums import Grade
    from clientdesk.domain.visits_due import DueRow

CSV_COLUMNS = (
    "code",
    "name",
    "grade",
    "status",
    "owner",
    "region",
    "visit_every_days",
    "last_visit",
    "due_on",
    "days_overdue",
    "next_planned",
    "contact",
    "phone",
)
SHOWN = 50  # rows on screen unless --limit; --json and --csv stream them all


def cadence_of(settings: Settings) -> dict[Grade, int]:
    from clientdesk.domain.enums import Grade

    return {g: settings.service_for(g.value).visit_every_days for g in Grade}


def _local(moment: datetime | None, zone: tzinfo) -> str | None:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment else None


def _day(moment: datetime | None, zone: tzinfo) -> str | None:
    return f"{moment.astimezone(zone):%Y-%m-%d}" if moment else None


def _doc(row: DueRow, zone: tzinfo) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "grade": row.grade.value,
        "status": row.status.value,
        "owner": row.owner,
        "region": row.region,
        "visit_every_days": row.every_days,
        "last_visit": _local(row.last_visit_at, zone),
        "due_on": row.due_on.isoformat(),
        "days_overdue": row.days_overdue,
        "next_planned": _local(row.next_planned_at, zone),
        "contact": row.contact_name,
        "phone": row.contact_phone,
    }


@report_app.command("visits-due")
def report_visits_due(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this account manager.")] = None,
    unplanned: Annotated[
        bool,
        typer.Option("--unplanned", help="Leave out customers that already have a visit planned."),
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many rows.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON lines, one per customer.")
    ] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV (UTF-8) with a header row.")
    ] = False,
) -> None:
    """Customers due for a visit: last visit older than their grade's cadence, or never visited.

    Most overdue first; lost customers are left out. The cadence is each grade's
    service.<grade>.visit_every_days; dates are local to general.timezone. A customer
    that already has a visit planned is listed with that visit (next_planned).
    """
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from clientdesk.domain.visits_due import count_due, iter_due
    from clientdesk.exchange.safety import neutralise
    from clientdesk.storage.database import translate_errors

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv.")
    state = state_of(ctx)
    settings = state.settings().settings
    zone = ZoneInfo(settings.general.timezone)
    cadence = cadence_of(settings)
    now = datetime.now(UTC)
    shown_limit = limit if (limit or as_json or as_csv) else SHOWN
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(database.engine) as session:
            rows = iter_due(
                session=session,
                now=now,
                zone=zone,
                every_days=cadence,
                owner=owner,
                unplanned_only=unplanned,
                limit=shown_limit,
            )
            if as_json:
                for row in rows:
                    typer.echo(json.dumps(_doc(row, zone), ensure_ascii=False))
                return
            if as_csv:
                writer = csv.writer(sys.stdout, lineterminator="\n")
                writer.writerow(CSV_COLUMNS)
                for row in rows:
                    doc = _doc(row, zone)
                    writer.writerow(
                        [
                            neutralise(v) if isinstance(v, str) else ("" if v is None else v)
                            for v in (doc[c] for c in CSV_COLUMNS)
                        ]
                    )
                sys.stdout.flush()
                return
            table = Table(box=None)
            for header in ("code", "last visit", "due on", "overdue", "planned"):
                table.add_column(header, no_wrap=True)
                if header == "code":
                    table.add_column("name", ratio=1)
                    table.add_column("grade", no_wrap=True)
            table.add_column("owner", no_wrap=True)
            shown = 0
            for row in rows:
                table.add_row(
                    row.code,
                    escape(row.name),
                    row.grade.value,
                    _day(row.last_visit_at, zone) or "never",
                    row.due_on.isoformat(),
                    f"{row.days_overdue:,}d",
                    _day(row.next_planned_at, zone) or "",
                    escape(row.owner or ""),
                )
                shown += 1
            total = count_due(
                session=session,
                now=now,
                zone=zone,
                every_days=cadence,
                owner=owner,
                unplanned_only=unplanned,
            )
    finally:
        database.dispose()
    out.print(table)
    every = " / ".join(f"{g.value} {d}" for g, d in cadence.items())
    say(f"{shown:,} shown; {total:,} customers due for a visit (visit every {every} days).")
