"""`clientdesk report contracts --expiring N`: contracts needing renewal attention.

Streamed from SQL, soonest end first. --csv writes with the csv module, every text cell
through `neutralise` (formula injection), numbers as numbers; --json prints JSON lines.
Read-only: statuses are taken as stored (`clientdesk contract refresh` updates them).
"""

from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.report import report_app
from clientdesk.cli.root import open_db, out, say, state_of
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.domain.contract_list import ExpiringRow

COLUMNS = (
    "number", "customer_code", "customer_name", "title", "status", "value", "currency",
    "start_on", "end_on", "days_to_expiry", "owner", "risk_level", "renewed_by",
)  # fmt: skip


def _cell(value: Any) -> Any:
    from clientdesk.exchange.safety import neutralise

    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value
    return neutralise(str(value))


def expiring_doc(row: ExpiringRow) -> dict[str, Any]:
    from clientdesk.domain.money import from_cents

    return {
        "number": row.number,
        "customer_code": row.customer_code,
        "customer_name": row.customer_name,
        "title": row.title,
        "status": row.status.value,
        "value": from_cents(row.value_cents),  # a Decimal: exact in CSV, a number in JSON
        "currency": row.currency,
        "start_on": row.start_on.isoformat() if row.start_on else None,
        "end_on": row.end_on.isoformat(),
        "days_to_expiry": row.days_to_expiry,
        "owner": row.owner,
        "risk_level": row.risk_level.value if row.risk_level else None,
        "renewed_by": row.renewed_by,
    }


@report_app.command("contracts")
def report_contracts(
    ctx: typer.Context,
    expiring: Annotated[
        int,
        typer.Option(
            "--expiring", min=0, help="Signed or active contracts ending within N days (0: today)."
        ),
    ] = 30,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this salesperson.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many rows.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for spreadsheets).")] = False,
) -> None:
    """Contracts near their end (续签提醒): live contracts ending within N days, soonest
    first, with the renewal already drafted if there is one."""
    from sqlmodel import Session

    from clientdesk.domain.contract_list import count_expiring, expiring_contracts
    from clientdesk.domain.contracts import local_today
    from clientdesk.domain.money import format_cents
    from clientdesk.storage.database import translate_errors

    if as_json and as_csv:
        raise UsageError("--json and --csv cannot be used together; choose one.")
    state = state_of(ctx)
    settings = state.settings().settings
    today = local_today(settings.general.timezone)
    writer = csv.writer(sys.stdout, lineterminator="\n") if as_csv else None
    table = Table(box=None)
    table.add_column("number", no_wrap=True, min_width=14)
    table.add_column("customer", no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("status", no_wrap=True, min_width=6)
    table.add_column("value", no_wrap=True, justify="right", min_width=10)
    table.add_column("end", no_wrap=True, min_width=10)
    table.add_column("days", no_wrap=True, justify="right", min_width=4)
    table.add_column("renewal", no_wrap=True)
    shown = renewed = 0
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(database.engine) as session:
            rows = expiring_contracts(
                session=session, today=today, within_days=expiring, owner=owner, limit=limit
            )
            if writer:
                writer.writerow(COLUMNS)
            for row in rows:
                shown += 1
                renewed += row.renewed_by is not None
                if as_json or writer:
                    doc = expiring_doc(row)
                    if writer:
                        writer.writerow([_cell(doc[key]) for key in COLUMNS])
                    else:
                        typer.echo(json.dumps(doc, ensure_ascii=False, default=float))
                    continue
                table.add_row(
                    escape(row.number),
                    escape(f"{row.customer_code} {row.customer_name}"),
                    row.status.value,
                    format_cents(row.value_cents),
                    str(row.end_on),
                    f"{row.days_to_expiry:,}",
                    escape(row.renewed_by) if row.renewed_by else "[yellow]none[/]",
                )
            total = count_expiring(session=session, today=today, within_days=expiring, owner=owner)
    finally:
        database.dispose()
    if as_json or writer:
        return
    out.print(table)
    say(
        f"{shown:,} shown; {total:,} contracts end within {expiring} days of {today}, "
        f"{shown - renewed:,} shown without a renewal."
    )
