"""`clientdesk report targets`: sales performance against targets (业绩考核) per salesperson
for a target period. Read-only."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.report import report_app
from clientdesk.cli.root import open_db, out, say, state_of
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.domain.performance import Performance


def performance_doc(row: Performance, today: date) -> dict[str, Any]:
    from clientdesk.domain.money import from_cents

    achievement = row.achievement
    return {
        "owner": row.owner,
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "currency": row.currency,
        "target": from_cents(row.target_cents),
        "sales": from_cents(row.sales_cents),
        "achievement": None if achievement is None else round(achievement, 4),
        "period_elapsed": round(row.elapsed(today), 4),
        "collected": from_cents(row.collected_cents),
        "new_customers": row.new_customers,
        "visits_done": row.visits_done,
    }


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option} {text!r} is not a date.", hint="Write it as 2026-03-31."
        ) from None


@report_app.command("targets")
def report_targets(
    ctx: typer.Context,
    on: Annotated[
        str | None,
        typer.Option("--on", help="The target period running on this day (default: today)."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Every period overlapping from this day...")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="...to this day.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this salesperson.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Each salesperson's sales against their target (业绩考核): sales booked less refunds,
    how much of the target that is and of the period gone by, money collected, customers
    entered and visits done. Results count the customers each salesperson owns now."""
    from sqlmodel import Session

    from clientdesk.domain.contracts import local_today
    from clientdesk.domain.money import format_cents
    from clientdesk.domain.performance import performance, targets_on
    from clientdesk.storage.database import translate_errors

    state = state_of(ctx)
    settings = state.settings().settings
    today = local_today(settings.general.timezone)
    first, last = _day(start, "--from"), _day(end, "--to")
    if (first is None) != (last is None):
        raise UsageError("--from and --to go together.", hint="Or give --on DAY for one period.")
    if on is not None and first is not None:
        raise UsageError("--on and --from/--to cannot be used together; choose one.")
    zone = ZoneInfo(settings.general.timezone)
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(database.engine) as session:
            if first is None or last is None:
                period = targets_on(session, _day(on, "--on") or today)
                if period is None:
                    say("No sales targets yet: add them (sales_targets) to measure performance.")
                    return
                first, last = period
            rows = performance(session=session, start=first, end=last, zone=zone, owner=owner)
    finally:
        database.dispose()
    if as_json:
        for row in rows:
            typer.echo(json.dumps(performance_doc(row, today), ensure_ascii=False, default=float))
        return
    table = Table(box=None)
    table.add_column("salesperson", no_wrap=True)
    table.add_column("period", no_wrap=True)
    for name in ("target", "sales", "met", "of period", "collected", "new", "visits"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        met = row.achievement
        elapsed = row.elapsed(today)
        style = "green" if met is not None and met >= elapsed else "yellow"
        table.add_row(
            escape(row.owner),
            f"{row.period_start}…{row.period_end:%m-%d}",
            format_cents(row.target_cents),
            format_cents(row.sales_cents),
            "—" if met is None else f"[{style}]{met:.0%}[/]",
            f"{elapsed:.0%}",
            format_cents(row.collected_cents),
            f"{row.new_customers:,}",
            f"{row.visits_done:,}",
        )
    out.print(table)
    behind = sum(1 for r in rows if r.achievement is not None and r.achievement < r.elapsed(today))
    say(f"{len(rows):,} targets from {first} to {last}; {behind:,} behind the pace of the period.")
