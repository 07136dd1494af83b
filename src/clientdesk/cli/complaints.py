"""`clientdesk complaint ...`: take complaints and move them through their life from scripts.

Times given on the command line (--received, --at, --on) are local time in the configured
time zone (settings general.timezone) unless they carry an offset; they are stored in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.complaint_common import (
    complaint_doc,
    contact_id_for,
    customer_by_code,
    detail_doc,
    iso,
    local,
    parse_list,
    parse_moment,
    row_doc,
    session_for,
    zone_of,
)
from clientdesk.cli.root import ClientdeskGroup, app, out, say, state_of

if TYPE_CHECKING:
    from clientdesk.domain.complaint import Complaint
    from clientdesk.domain.complaint_queue import ComplaintDetail

complaint_app = typer.Typer(
    help="Complaints (客户投诉): take, acknowledge, resolve, close, escalate, disputes.",
    cls=ClientdeskGroup,
)
app.add_typer(complaint_app, name="complaint")

Id = Annotated[int, typer.Argument(help="Complaint number, as `complaint list` shows it.")]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened (local 'YYYY-MM-DD HH:MM'; default now).",
        show_default=False,
    ),
]
Note = Annotated[str | None, typer.Option("--note", help="A line for the complaint's history.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _step(
    ctx: typer.Context,
    as_json: bool,
    action: Callable[..., Complaint],
    complaint_id: int,
    done: str,
    **kwargs: Any,
) -> None:
    """Run one step on a complaint with the configured user as actor; report the result."""
    settings = state_of(ctx).settings().settings
    zone = zone_of(settings)
    if "at" in kwargs:
        kwargs["at"] = parse_moment(kwargs["at"], zone, "--at")
    with session_for(ctx, write=True) as session:
        complaint = action(complaint_id, session=session, actor=settings.owner, **kwargs)
        doc = complaint_doc(complaint, zone, datetime.now(UTC))
    if as_json:
        out.print_json(json.dumps(doc, ensure_ascii=False))
    else:
        say(f"Complaint {complaint_id} {done}; now {doc['status'].replace('_', ' ')}.")


@complaint_app.command("new")
def complaint_new(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer code, e.g. C000123.")],
    channel: Annotated[
        str, typer.Option(help="phone, email, visit, wechat or letter (电话/邮件/上门/微信/信函).")
    ],
    category: Annotated[
        str,
        typer.Option(
            help="product, service, delivery, billing or other (产品/服务/交货/账务/其他)."
        ),
    ],
    summary: Annotated[str, typer.Option(help="What the customer complains about, in a line.")],
    severity: Annotated[
        str, typer.Option(help="low, medium, high or critical (轻微/一般/严重/紧急).")
    ] = "medium",
    details: Annotated[str | None, typer.Option(help="The full text.")] = None,
    contact: Annotated[
        str | None, typer.Option(help="The customer's contact who complained: number or name.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="Who handles it (default: the account manager).")
    ] = None,
    received: Annotated[
        str | None,
        typer.Option(help="When it came in (local 'YYYY-MM-DD HH:MM'; default now)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Take a complaint (受理); its answer deadline follows the customer's grade and severity."""
    from clientdesk.domain.complaints import (
        DeadlineRules,
        describe_time_left,
        take_complaint,
        time_left,
    )

    settings = state_of(ctx).settings().settings
    zone = zone_of(settings)
    received_at = parse_moment(received, zone, "--received")
    with session_for(ctx, write=True) as session:
        found = customer_by_code(session, customer)
        complaint = take_complaint(
            session=session,
            rules=DeadlineRules.from_settings(settings),
            actor=settings.owner,
            customer_id=found.id,
            contact_id=contact_id_for(session, found, contact),
            channel=channel,
            category=category,
            severity=severity,
            summary=summary,
            details=details,
            owner=owner,
            received_at=received_at,
        )
        now = datetime.now(UTC)
        doc = complaint_doc(complaint, zone, now) | {"customer_code": found.code}
        label = f"{found.code} {found.name} (grade {found.grade.value})"
        left = describe_time_left(time_left(complaint, now))
    if as_json:
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    say(
        f"Complaint {doc['id']} taken for {escape(label)}: answer due "
        f"{local(complaint.due_at, zone)} ({left})."
    )


@complaint_app.command("ack")
def complaint_ack(
    ctx: typer.Context, complaint_id: Id, note: Note = None, at: At = None, as_json: AsJson = False
) -> None:
    """Acknowledge: the customer has had an answer (响应), which meets the deadline."""
    from clientdesk.domain.complaints import acknowledge

    _step(ctx, as_json, acknowledge, complaint_id, "acknowledged", note=note, at=at)


@complaint_app.command("start")
def complaint_start(
    ctx: typer.Context, complaint_id: Id, note: Note = None, at: At = None, as_json: AsJson = False
) -> None:
    """Start work on an acknowledged complaint (处理中)."""
    from clientdesk.domain.complaints import start_work

    _step(ctx, as_json, start_work, complaint_id, "started", note=note, at=at)


@complaint_app.command("resolve")
def complaint_resolve(
    ctx: typer.Context,
    complaint_id: Id,
    resolution: Annotated[str | None, typer.Option(help="What was done to solve it.")] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "--confirm", help="Resolve even though it was never acknowledged."),
    ] = False,
    note: Note = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Mark the complaint resolved (已解决); one never acknowledged needs --yes."""
    from clientdesk.domain.complaints import resolve

    _step(
        ctx,
        as_json,
        resolve,
        complaint_id,
        "resolved",
        resolution=resolution,
        confirm=yes,
        note=note,
        at=at,
    )


@complaint_app.command("close")
def complaint_close(
    ctx: typer.Context,
    complaint_id: Id,
    satisfaction: Annotated[
        int | None,
        typer.Option(min=1, max=5, help="The customer's satisfaction, 1 (low) to 5 (high)."),
    ] = None,
    resolution: Annotated[
        str | None, typer.Option(help="What was done, if not given when resolving.")
    ] = None,
    note: Note = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Close a resolved complaint; needs the satisfaction and a resolution text on record."""
    from clientdesk.domain.complaints import close

    _step(
        ctx,
        as_json,
        close,
        complaint_id,
        "closed",
        satisfaction=satisfaction,
        resolution=resolution,
        note=note,
        at=at,
    )


@complaint_app.command("reopen")
def complaint_reopen(
    ctx: typer.Context,
    complaint_id: Id,
    reason: Annotated[str, typer.Option(help="Why it is reopened.")],
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Reopen a resolved or closed complaint: back to in progress."""
    from clientdesk.domain.complaints import reopen

    _step(ctx, as_json, reopen, complaint_id, "reopened", reason=reason, at=at)


@complaint_app.command("escalate")
def complaint_escalate(
    ctx: typer.Context,
    complaint_id: Id,
    reason: Annotated[str, typer.Option(help="Why it goes to the department manager.")],
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Escalate an open complaint by hand (升级)."""
    from clientdesk.domain.complaints import escalate

    _step(ctx, as_json, escalate, complaint_id, "escalated", reason=reason, at=at)


@complaint_app.command("dispute")
def complaint_dispute(
    ctx: typer.Context,
    complaint_id: Id,
    positions: Annotated[str | None, typer.Option(help="Each side's position (各方立场).")] = None,
    outcome: Annotated[str | None, typer.Option(help="The agreed outcome (协商结果).")] = None,
    compensation: Annotated[
        str | None, typer.Option(help="Compensation paid, e.g. 5000 or ¥5,000.00 (never negative).")
    ] = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Record a dispute (纠纷) on a complaint: positions, agreed outcome, compensation."""
    from clientdesk.domain.complaints import record_dispute

    currency = state_of(ctx).settings().settings.general.currency
    _step(
        ctx,
        as_json,
        record_dispute,
        complaint_id,
        "dispute recorded",
        positions=positions,
        outcome=outcome,
        compensation=compensation,
        currency=currency,
        at=at,
    )


@complaint_app.command("note")
def complaint_note(
    ctx: typer.Context,
    complaint_id: Id,
    text: Annotated[str, typer.Argument(help="The note.")],
    at: At = None,
) -> None:
    """Add a line to the complaint's history without changing its status."""
    from clientdesk.domain.complaints import add_note

    settings = state_of(ctx).settings().settings
    moment = parse_moment(at, zone_of(settings), "--at")
    with session_for(ctx, write=True) as session:
        add_note(complaint_id, session=session, actor=settings.owner, note=text, at=moment)
    say(f"Note added to complaint {complaint_id}.")


@complaint_app.command("followup")
def complaint_followup(
    ctx: typer.Context,
    complaint_id: Id,
    on: Annotated[str, typer.Option("--on", help="When to visit (local 'YYYY-MM-DD HH:MM').")],
    purpose: Annotated[
        str | None, typer.Option(help="Purpose (default: follow-up of the complaint).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Plan a follow-up visit (投诉跟进) to the complaint's customer."""
    from clientdesk.domain.complaints import plan_followup

    settings = state_of(ctx).settings().settings
    zone = zone_of(settings)
    planned = parse_moment(on, zone, "--on")
    assert planned is not None
    with session_for(ctx, write=True) as session:
        visit = plan_followup(
            complaint_id,
            session=session,
            actor=settings.owner,
            planned_at=planned,
            purpose=purpose,
        )
        doc = {
            "visit_id": visit.id,
            "complaint_id": complaint_id,
            "planned_at": iso(visit.planned_at, zone),
            "purpose": visit.purpose,
        }
    if as_json:
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    say(f"Follow-up visit {doc['visit_id']} planned for {local(planned, zone)}.")


@complaint_app.command("show")
def complaint_show(ctx: typer.Context, complaint_id: Id, as_json: AsJson = False) -> None:
    """One complaint: its fields, history, follow-up visits and the steps allowed now."""
    from clientdesk.domain.complaint_queue import complaint_detail

    settings = state_of(ctx).settings().settings
    zone = zone_of(settings)
    now = datetime.now(UTC)
    with session_for(ctx, write=False) as session:
        detail = complaint_detail(complaint_id, session=session)
    if as_json:
        out.print_json(json.dumps(detail_doc(detail, zone, now), ensure_ascii=False))
        return
    _print_detail(detail, zone, now, settings.general.currency)


def _print_detail(detail: ComplaintDetail, zone: tzinfo, now: datetime, currency: str) -> None:
    from clientdesk.domain.enums import label_zh
    from clientdesk.domain.money import format_cents

    row = detail.row
    flags = (" [red]OVERDUE[/]" if row.is_overdue(now) else "") + (
        " [yellow]escalated[/]" if row.escalated else ""
    )
    say(
        f"[bold]Complaint {row.id}[/] {escape(row.customer_code)} {escape(row.customer_name)} "
        f"(grade {row.grade.value}){flags}"
    )
    pairs = [
        ("status", f"{row.status.value} ({label_zh(row.status)})"),
        (
            "channel / category / severity",
            f"{row.channel.value} / {row.category.value} / {row.severity.value}",
        ),
        ("contact", row.contact_name or ""),
        ("owner", row.owner or ""),
        ("received", local(row.received_at, zone)),
        ("answer due", f"{local(row.due_at, zone)}  {row.time_left_text(now)}"),
        (
            "acknowledged",
            local(row.acknowledged_at, zone) + (" (late)" if row.answered_late else ""),
        ),
        ("resolved", local(row.resolved_at, zone)),
        ("closed", local(row.closed_at, zone)),
        ("summary", row.summary),
        ("details", detail.details or ""),
        ("resolution", detail.resolution or ""),
        ("satisfaction", str(row.satisfaction or "")),
        ("dispute positions", detail.dispute_positions or ""),
        ("dispute outcome", detail.dispute_outcome or ""),
        ("compensation", format_cents(row.compensation_cents, currency)),
    ]
    table = Table(box=None, show_header=False)
    for name, value in pairs:
        if value:
            table.add_row(name, escape(value))
    out.print(table)
    history = Table("at", "step", "note", "by", title="History", title_justify="left", box=None)
    for e in detail.history:
        step = (
            f"{e.from_status.value if e.from_status else ''} → {e.to_status.value}"
            if e.to_status
            else ""
        )
        history.add_row(local(e.at, zone), step, escape(e.note), escape(e.actor or "auto"))
    out.print(history)
    for f in detail.followups:
        say(
            f"follow-up visit {f.visit_id}: {local(f.planned_at, zone)} {f.status.value} "
            f"{escape(f.purpose)}"
        )
    say(
        "next: "
        + ", ".join(s.label + (" (confirm)" if s.needs_confirmation else "") for s in detail.steps)
    )


@complaint_app.command("list")
def complaint_list(
    ctx: typer.Context,
    all_: Annotated[
        bool, typer.Option("--all", help="Every complaint, not only open ones.")
    ] = False,
    status: Annotated[
        list[str] | None, typer.Option(help="Only these statuses (repeat or comma-separate).")
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer code.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only complaints this person handles.")] = None,
    grade: Annotated[list[str] | None, typer.Option(help="Only customers of these grades.")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only these categories.")] = None,
    severity: Annotated[list[str] | None, typer.Option(help="Only these severities.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only those unanswered past their deadline.")
    ] = False,
    escalated: Annotated[bool, typer.Option("--escalated", help="Only escalated ones.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows on this page.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Rows to skip (paging).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """The queue: open complaints, the nearest deadline first, with time left or overdue."""
    from clientdesk.domain.complaint_queue import ALL_STATUSES, ComplaintFilter, complaint_queue
    from clientdesk.domain.complaints import OPEN_STATUSES
    from clientdesk.domain.enums import ComplaintCategory, ComplaintStatus, Grade, Severity

    settings = state_of(ctx).settings().settings
    zone = zone_of(settings)
    now = datetime.now(UTC)
    statuses = parse_list(status, ComplaintStatus, "--status") or (
        ALL_STATUSES if all_ else OPEN_STATUSES
    )
    with session_for(ctx, write=False) as session:
        filters = ComplaintFilter(
            statuses=statuses,
            customer_id=customer_by_code(session, customer).id if customer else None,
            owner=owner,
            grades=parse_list(grade, Grade, "--grade"),
            categories=parse_list(category, ComplaintCategory, "--category"),
            severities=parse_list(severity, Severity, "--severity"),
            escalated=True if escalated else None,
            overdue=overdue,
        )
        page = complaint_queue(
            session=session, now=now, filters=filters, offset=offset, limit=limit
        )
    if as_json:
        for row in page.rows:
            typer.echo(json.dumps(row_doc(row, zone, now), ensure_ascii=False))
        return
    table = Table(
        "no.",
        "customer",
        "grade",
        "category",
        "severity",
        "status",
        "due",
        "time left",
        "summary",
        box=None,
    )
    for row in page.rows:
        left = row.time_left_text(now)
        if row.is_overdue(now):
            left = f"[red]{left}[/]"
        if row.escalated:
            left += " [yellow]↑[/]"
        table.add_row(
            str(row.id),
            escape(f"{row.customer_code} {row.customer_name}"),
            row.grade.value,
            row.category.value,
            row.severity.value,
            row.status.value.replace("_", " "),
            local(row.due_at, zone),
            left,
            escape(row.summary),
        )
    out.print(table)
    first = offset + 1 if page.rows else offset
    say(f"{first:,}-{offset + len(page.rows):,} of {page.total:,} complaints.")


@complaint_app.command("sweep")
def complaint_sweep(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Escalate every complaint still unanswered after its deadline (run it from cron)."""
    from clientdesk.domain.complaints import sweep_overdue

    with session_for(ctx, write=True) as session:
        ids = sweep_overdue(session=session, now=datetime.now(UTC))
    if as_json:
        out.print_json(json.dumps({"escalated": ids}))
        return
    listed = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
    say(f"{len(ids):,} overdue complaint(s) escalated" + (f": {listed}." if ids else "."))
