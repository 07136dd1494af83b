"""`clientdesk report ...`: lists for managers and scripts, streamed from SQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.root import ClientdeskGroup, app, open_db, out, say, state_of

report_app = typer.Typer(help="Reports: stale files and more.", cls=ClientdeskGroup)
app.add_typer(report_app, name="report")


@report_app.command("stale")
def report_stale(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this account manager.")] = None,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Stale after this many days (default: files.stale_after_days)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many rows.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON lines, one per customer.")
    ] = False,
) -> None:
    """Customer files to re-verify (定期核实): not verified within the configured days."""
    from sqlmodel import Session

    from clientdesk.domain.stale import count_stale, stale_customers
    from clientdesk.storage.database import translate_errors

    state = state_of(ctx)
    settings = state.settings().settings
    days = days or settings.files.stale_after_days
    now = datetime.now(UTC)
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(database.engine) as session:
            rows = stale_customers(
                session=session, now=now, stale_after_days=days, owner=owner, limit=limit
            )
            if as_json:
                for row in rows:
                    doc = {
                        "code": row.code,
                        "name": row.name,
                        "grade": row.grade.value,
                        "owner": row.owner,
                        "region": row.region,
                        "checked_at": row.checked_at.isoformat(),
                        "verified": row.verified,
                        "days": row.days_since(now),
                    }
                    typer.echo(json.dumps(doc, ensure_ascii=False))
                return
            table = Table(
                "code", "name", "grade", "owner", "region", "last checked", "days", box=None
            )
            shown = 0
            for row in rows:
                checked = row.checked_at.date().isoformat() + ("" if row.verified else " (entered)")
                table.add_row(
                    row.code,
                    escape(row.name),
                    row.grade.value,
                    escape(row.owner or ""),
                    escape(row.region or ""),
                    checked,
                    f"{row.days_since(now):,}",
                )
                shown += 1
            total = count_stale(session=session, now=now, stale_after_days=days)
    finally:
        database.dispose()
    out.print(table)
    say(f"{shown:,} shown; {total:,} customer files not verified within {days} days.")
