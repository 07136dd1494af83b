"""`clientdesk visits ...`: plan, reschedule, cancel and log visits (客户拜访) from scripts.

A customer is named by its code (C000123), a visit by its number. Times are read in the
settings time zone (general.timezone) unless they carry an offset: "2026-12-01 14:30",
"2026-12-01T14:30+08:00"; a date alone means 10:00 that day. Each command is one
transaction: a refused step prints one line, exits 1 and leaves the database as it was.
The agenda, month calendar and .ics export are in cli/visits_views.py.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from clientdesk.cli.root import ClientdeskGroup, app, open_db, out, say, state_of
from clientdesk.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientdesk.config import Settings
    from clientdesk.domain.visit import Visit

visits_app = typer.Typer(
    help="Visit plans (拜访计划): plan, reschedule, cancel and log visits; agenda, "
    "calendar and .ics export.",
    cls=ClientdeskGroup,
    no_args_is_help=True,
)
app.add_typer(visits_app, name="visits")

VisitArg = Annotated[int, typer.Argument(help="Visit number (see `clientdesk visits agenda`).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AtOpt = Annotated[
    str,
    typer.Option(
        "--at",
        help='When: "YYYY-MM-DD HH:MM" in the settings time zone (a date alone: 10:00).',
        show_default=False,
    ),
]
ContactOpt = Annotated[
    str | None,
    typer.Option("--contact", help="Contact met: name or number (default: the key contact)."),
]
KindOpt = Annotated[
    str, typer.Option("--kind", help="regular (例行拜访), return (回访) or complaint_followup.")
]


@dataclass(frozen=True)
class Context:
    session: Session
    settings: Settings
    zone: tzinfo
    now: datetime


@contextlib.contextmanager
def visit_session(ctx: typer.Context, *, write: bool = True) -> Iterator[Context]:
    """One transaction, committed when the block ends without an error."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from clientdesk.storage.database import translate_errors
    from clientdesk.storage.engine import writer

    state = state_of(ctx)
    settings = state.settings().settings
    database = open_db(state.location(), create=False)
    engine = writer(database.engine) if write else database.engine
    try:
        with (
            translate_errors(database.label),
            Session(engine, expire_on_commit=False) as session,
        ):
            yield Context(
                session=session,
                settings=settings,
                zone=ZoneInfo(settings.general.timezone),
                now=datetime.now(UTC),
            )
            if write:
                session.commit()
    finally:
        database.dispose()


def parse_when(text: str, option: str, zone: tzinfo) -> datetime:
    """An aware moment from "YYYY-MM-DD[ HH:MM[:SS]][offset]"; local to `zone` without one."""
    from clientdesk.domain.visits import local_moment

    value = " ".join(text.split())
    try:
        if len(value) == 10:
            return local_moment(date.fromisoformat(value), zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f'{option} {text!r} is not a time; write it as "YYYY-MM-DD HH:MM" '
            '(e.g. "2026-12-01 14:30"), or a date alone for 10:00.'
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_day(text: str | None, option: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def customer_id_of(session: Session, code: str) -> int:
    from sqlalchemy import select

    from clientdesk.domain.customer import Customer

    found = session.execute(
        select(Customer.id).where(Customer.code == code.strip())  # type: ignore[call-overload]
    ).scalar()
    if found is None:
        raise NotFoundError(
            f"no customer has the code {code!r}.",
            hint="Customer codes look like C000123; find one with `clientdesk export customers`.",
        )
    return int(found)


def contact_id_of(session: Session, customer_id: int, text: str | None) -> int | None:
    """A contact of the customer by number or exact name; None when not given."""
    if text is None or not text.strip():
        return None
    from sqlalchemy import select

    from clientdesk.domain.contact import Contact

    text = text.strip()
    where = Contact.id == int(text) if text.isdigit() else Contact.name == text
    found = (
        session.execute(
            select(Contact.id).where(Contact.customer_id == customer_id, where)  # type: ignore[call-overload]
        )
        .scalars()
        .all()
    )
    if len(found) != 1:
        problem = "has no contact" if not found else "has several contacts"
        raise UsageError(
            f"--contact {text!r}: the customer {problem} of that name or number; "
            "give the contact's number instead."
        )
    return int(found[0])


def visit_doc(visit: Visit, session: Session, zone: tzinfo) -> dict[str, Any]:
    """A visit as JSON for scripts: times local with their offset."""
    from clientdesk.domain.contact import Contact
    from clientdesk.domain.customer import Customer

    customer = session.get(Customer, visit.customer_id)
    contact = session.get(Contact, visit.contact_id) if visit.contact_id else None

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(zone).isoformat() if moment else None

    return {
        "id": visit.id,
        "customer": customer.code if customer else None,
        "customer_name": customer.name if customer else None,
        "kind": visit.kind.value,
        "status": visit.status.value,
        "purpose": visit.purpose,
        "planned_at": local(visit.planned_at),
        "done_at": local(visit.done_at),
        "contact": contact.name if contact else None,
        "owner": visit.owner,
        "contract_id": visit.contract_id,
        "complaint_id": visit.complaint_id,
        "discussion": visit.discussion,
        "needs": visit.needs,
        "feedback": visit.feedback,
        "satisfaction": visit.satisfaction,
        "next_step": visit.next_step,
        "next_step_on": visit.next_step_on.isoformat() if visit.next_step_on else None,
    }


def _when(visit: Visit, zone: tzinfo) -> str:
    return f"{visit.planned_at.astimezone(zone):%Y-%m-%d %H:%M}"


def _print(doc: dict[str, Any] | list[dict[str, Any]]) -> None:
    out.print_json(json.dumps(doc, ensure_ascii=False))


@visits_app.command("plan")
def visits_plan(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer code, e.g. C000123.")],
    at: AtOpt,
    purpose: Annotated[str, typer.Option("--purpose", help="What the visit is for (拜访目的).")],
    kind: KindOpt = "regular",
    contact: ContactOpt = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Who visits (default: the account manager).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Plan a visit ahead of time; a time already past is refused (log the visit instead)."""
    from clientdesk.domain.enums import VisitKind, parse_choice
    from clientdesk.domain.visits import plan_visit

    with visit_session(ctx) as c:
        customer_id = customer_id_of(c.session, customer)
        visit = plan_visit(
            session=c.session,
            customer_id=customer_id,
            planned_at=parse_when(at, "--at", c.zone),
            purpose=purpose,
            actor=c.settings.owner,
            kind=parse_choice(VisitKind, kind, field="--kind"),
            contact_id=contact_id_of(c.session, customer_id, contact),
            owner=owner,
            now=c.now,
        )
        doc = visit_doc(visit, c.session, c.zone)
    if as_json:
        _print(doc)
        return
    say(
        f"Planned visit {visit.id} to {escape(customer)} {escape(doc['customer_name'] or '')} "
        f"at {_when(visit, c.zone)}: {escape(visit.purpose)}"
    )


@visits_app.command("reschedule")
def visits_reschedule(
    ctx: typer.Context, visit_id: VisitArg, at: AtOpt, as_json: AsJson = False
) -> None:
    """Move a visit to a new time; a missed or cancelled visit is planned again (not a done one)."""
    from clientdesk.domain.visits import reschedule_visit

    with visit_session(ctx) as c:
        visit = reschedule_visit(
            visit_id,
            session=c.session,
            planned_at=parse_when(at, "--at", c.zone),
            actor=c.settings.owner,
            now=c.now,
        )
        doc = visit_doc(visit, c.session, c.zone)
    if as_json:
        _print(doc)
        return
    say(f"Visit {visit_id} is now planned for {_when(visit, c.zone)}.")


@visits_app.command("cancel")
def visits_cancel(
    ctx: typer.Context,
    visit_id: VisitArg,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept in the audit trail).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Call off a planned or missed visit."""
    from clientdesk.domain.visits import cancel_visit

    with visit_session(ctx) as c:
        visit = cancel_visit(
            visit_id, session=c.session, actor=c.settings.owner, reason=reason, now=c.now
        )
        doc = visit_doc(visit, c.session, c.zone)
    if as_json:
        _print(doc)
        return
    say(f"Visit {visit_id} cancelled.")


@visits_app.command("missed")
def visits_missed(ctx: typer.Context, visit_id: VisitArg, as_json: AsJson = False) -> None:
    """Record that a planned visit whose time has passed did not happen (未拜访)."""
    from clientdesk.domain.visits import mark_missed

    with visit_session(ctx) as c:
        visit = mark_missed(visit_id, session=c.session, actor=c.settings.owner, now=c.now)
        doc = visit_doc(visit, c.session, c.zone)
    if as_json:
        _print(doc)
        return
    say(f"Visit {visit_id} marked missed; reschedule it with `clientdesk visits reschedule`.")


@visits_app.command("log")
def visits_log(
    ctx: typer.Context,
    visit_id: Annotated[
        int | None,
        typer.Argument(help="The planned visit that took place; leave out with --customer."),
    ] = None,
    discussion: Annotated[
        str, typer.Option("--discussion", help="What was discussed (洽谈内容).")
    ] = "",
    needs: Annotated[
        str | None,
        typer.Option("--needs", help="The customer's needs and pain points (需求和痛点)."),
    ] = None,
    feedback: Annotated[str | None, typer.Option("--feedback", help="Feedback (反馈).")] = None,
    satisfaction: Annotated[
        int | None, typer.Option("--satisfaction", help="Satisfaction, 1 to 5.")
    ] = None,
    next_step: Annotated[str | None, typer.Option("--next-step", help="The next step.")] = None,
    next_on: Annotated[
        str | None,
        typer.Option("--next-on", help="Date of the next step (YYYY-MM-DD): plans the follow-up."),
    ] = None,
    done_at: Annotated[
        str | None, typer.Option("--done-at", help="When it took place (default now).")
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="Log an unplanned visit to this customer (code)."),
    ] = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="Purpose of an unplanned visit.")
    ] = None,
    kind: KindOpt = "regular",
    contact: ContactOpt = None,
    as_json: AsJson = False,
) -> None:
    """Log a visit as done: discussion, needs, feedback, satisfaction and next step.

    Give a planned visit's number, or --customer and --purpose for a visit that was never
    planned. A next step with --next-on plans the follow-up visit (at 10:00 that day).
    """
    from clientdesk.domain.enums import VisitKind, parse_choice
    from clientdesk.domain.visits import VisitLog, log_unplanned_visit, log_visit

    if (visit_id is None) == (customer is None):
        raise UsageError(
            "give either a planned visit's number or --customer CODE (an unplanned visit)."
        )
    if customer is not None and not purpose:
        raise UsageError("an unplanned visit needs --purpose: what the visit was for.")
    if visit_id is not None and (purpose or contact):
        raise UsageError(
            "--purpose and --contact are for unplanned visits; a planned visit keeps its own."
        )
    with visit_session(ctx) as c:
        log = VisitLog(
            discussion=discussion,
            needs=needs,
            feedback=feedback,
            satisfaction=satisfaction,
            next_step=next_step,
            next_step_on=parse_day(next_on, "--next-on"),
        )
        when = parse_when(done_at, "--done-at", c.zone) if done_at else None
        if visit_id is not None:
            logged = log_visit(
                visit_id,
                log,
                session=c.session,
                actor=c.settings.owner,
                zone=c.zone,
                done_at=when,
                now=c.now,
            )
        else:
            assert customer is not None and purpose is not None
            customer_id = customer_id_of(c.session, customer)
            logged = log_unplanned_visit(
                session=c.session,
                customer_id=customer_id,
                purpose=purpose,
                log=log,
                actor=c.settings.owner,
                zone=c.zone,
                done_at=when,
                kind=parse_choice(VisitKind, kind, field="--kind"),
                contact_id=contact_id_of(c.session, customer_id, contact),
                now=c.now,
            )
        doc = visit_doc(logged.visit, c.session, c.zone)
        follow = visit_doc(logged.follow_up, c.session, c.zone) if logged.follow_up else None
    if as_json:
        _print(doc | {"follow_up": follow})
        return
    say(f"Logged visit {logged.visit.id} as done.")
    if logged.follow_up is not None:
        say(
            f"Planned follow-up visit {logged.follow_up.id} at "
            f"{_when(logged.follow_up, c.zone)}: {escape(logged.follow_up.purpose)}"
        )


@visits_app.command("show")
def visits_show(ctx: typer.Context, visit_id: VisitArg, as_json: AsJson = False) -> None:
    """Show one visit: its plan and, once done, its log."""
    from clientdesk.domain.enums import label_zh
    from clientdesk.domain.visits import get_visit

    with visit_session(ctx, write=False) as c:
        visit = get_visit(visit_id, session=c.session)
        doc = visit_doc(visit, c.session, c.zone)
    if as_json:
        _print(doc)
        return
    say(
        f"[bold]Visit {visit.id}[/] {label_zh(visit.kind)} · {label_zh(visit.status)} · "
        f"{escape(doc['customer'] or '')} {escape(doc['customer_name'] or '')}"
    )
    labels = {
        "planned_at": "planned",
        "done_at": "done",
        "purpose": "purpose (目的)",
        "contact": "contact (联系人)",
        "owner": "owner",
        "discussion": "discussion (洽谈内容)",
        "needs": "needs (需求和痛点)",
        "feedback": "feedback (反馈)",
        "satisfaction": "satisfaction",
        "next_step": "next step",
        "next_step_on": "next step on",
    }
    for key, label in labels.items():
        value = doc[key]
        if value is None:
            continue
        if key.endswith("_at"):
            value = value[:16].replace("T", " ")
        say(f"  {label:<24} {escape(str(value))}")
