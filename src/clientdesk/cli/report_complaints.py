"""`clientdesk report complaints` and `clientdesk report satisfaction`, streamed from SQL.

--csv writes with the csv module; every text cell goes through `neutralise` (formula
injection), numbers stay numbers. --json prints JSON lines (complaints) or one object
(satisfaction).
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.complaint_common import customer_by_code, local, row_doc, session_for, zone_of
from clientdesk.cli.report import report_app
from clientdesk.cli.root import out, say, state_of
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.domain.complaint_stats import SatisfactionCell, SatisfactionSummary

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsCsv = Annotated[bool, typer.Option("--csv", help="Print CSV (for spreadsheets).")]

COMPLAINT_COLUMNS = (
    "id", "customer_code", "customer_name", "grade", "contact", "channel", "category",
    "severity", "status", "summary", "owner", "received_at", "due_at", "acknowledged_at",
    "resolved_at", "closed_at", "minutes_left", "overdue", "answered_late", "escalated",
    "escalated_at", "satisfaction", "dispute", "compensation",
)  # fmt: skip


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise UsageError("--json and --csv cannot be used together; choose one.")


def csv_cell(value: Any) -> Any:
    from clientdesk.exchange.safety import neutralise

    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


@report_app.command("complaints")
def report_complaints(
    ctx: typer.Context,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only open complaints, the nearest deadline first.")
    ] = False,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only those unanswered past their deadline.")
    ] = False,
    customer: Annotated[str | None, typer.Option(help="Only this customer code.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many rows.")] = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Complaints with their deadlines, answers, escalation and satisfaction (客户投诉)."""
    from clientdesk.domain.complaint_queue import ALL_STATUSES, ComplaintFilter, iter_complaints
    from clientdesk.domain.complaints import OPEN_STATUSES

    _one_format(as_json, as_csv)
    settings = state_of(ctx).settings().settings
    zone = zone_of(settings)
    now = datetime.now(UTC)
    queue = open_only or overdue
    shown = late = 0
    table = Table(
        "no.",
        "customer",
        "grade",
        "category",
        "severity",
        "status",
        "received",
        "due",
        "time left",
        "sat.",
        box=None,
    )
    writer = csv.writer(sys.stdout, lineterminator="\n") if as_csv else None
    if writer:
        writer.writerow(COMPLAINT_COLUMNS)
    with session_for(ctx, write=False) as session:
        filters = ComplaintFilter(
            statuses=OPEN_STATUSES if queue else ALL_STATUSES,
            overdue=overdue,
            customer_id=customer_by_code(session, customer).id if customer else None,
        )
        rows = iter_complaints(
            session=session,
            now=now,
            filters=filters,
            sort="deadline" if queue else "received",
            limit=limit,
        )
        for row in rows:
            shown += 1
            late += row.is_overdue(now)
            if as_json or writer:
                doc = row_doc(row, zone, now)
                if writer:
                    writer.writerow([csv_cell(doc[key]) for key in COMPLAINT_COLUMNS])
                else:
                    typer.echo(json.dumps(doc, ensure_ascii=False))
                continue
            left = row.time_left_text(now)
            table.add_row(
                str(row.id),
                escape(f"{row.customer_code} {row.customer_name}"),
                row.grade.value,
                row.category.value,
                row.severity.value,
                row.status.value.replace("_", " "),
                local(row.received_at, zone),
                local(row.due_at, zone),
                f"[red]{left}[/]" if row.is_overdue(now) else left,
                str(row.satisfaction or ""),
            )
    if as_json or writer:
        return
    out.print(table)
    what = "overdue" if overdue else "open" if open_only else ""
    say(f"{shown:,} {what + ' ' if what else ''}complaints; {late:,} overdue.")


def _parse_day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def _cell_doc(cell: SatisfactionCell) -> dict[str, Any]:
    return {"count": cell.count, "average": round(cell.average, 2)}


def satisfaction_doc(summary: SatisfactionSummary) -> dict[str, Any]:
    return {
        "overall": _cell_doc(summary.overall),
        "by_month": {c.key: _cell_doc(c) for c in summary.by_month},
        "by_category": {c.key: _cell_doc(c) for c in summary.by_category},
        "by_grade": {c.key: _cell_doc(c) for c in summary.by_grade},
    }


@report_app.command("satisfaction")
def report_satisfaction(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Closed on or after this date (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Closed on or before this date (YYYY-MM-DD).")
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer code.")] = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Customer satisfaction (满意度) from closed complaints: count and average by month,
    category and grade, for the satisfaction survey (满意度测评)."""
    from clientdesk.domain.complaint_stats import satisfaction_summary

    _one_format(as_json, as_csv)
    settings = state_of(ctx).settings().settings
    zone = zone_of(settings)
    first, last = _parse_day(since, "--since"), _parse_day(until, "--until")
    if first and last and first > last:
        raise UsageError(f"--since {first} is after --until {last}; swap them.")
    with session_for(ctx, write=False) as session:
        summary = satisfaction_summary(
            session=session,
            zone=zone,
            since=first,
            until=last,
            customer_id=customer_by_code(session, customer).id if customer else None,
        )
    if as_json:
        out.print_json(json.dumps(satisfaction_doc(summary), ensure_ascii=False))
        return
    sections = (
        ("overall", [summary.overall]),
        ("month", summary.by_month),
        ("category", summary.by_category),
        ("grade", summary.by_grade),
    )
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("by", "key", "count", "average"))
        for name, cells in sections:
            for cell in cells:
                writer.writerow((name, csv_cell(cell.key), cell.count, round(cell.average, 2)))
        return
    if not summary.overall.count:
        say("No closed complaint with a satisfaction score in this period.")
        return
    for name, cells in sections[1:]:
        table = Table(name, "count", "average", box=None, title=f"By {name}", title_justify="left")
        for cell in cells:
            table.add_row(escape(cell.key), f"{cell.count:,}", f"{cell.average:.2f}")
        out.print(table)
    overall = summary.overall
    say(
        f"Overall: {overall.count:,} closed complaints, average satisfaction "
        f"{overall.average:.2f} of 5."
    )
