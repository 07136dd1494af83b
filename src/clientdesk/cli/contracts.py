"""`clientdesk contract ...`: contracts and orders (合同管理, 订单跟进) for scripts and admins.

A contract is named by its number (HT-2026-000001), a customer by its code (C000123).
Every command first brings statuses up to the calendar (signed → active on the start date,
active → expired after the end date; see domain/contracts.py), then does its one step in
one transaction: a refused step prints one line and leaves the database as it was.
Dates are YYYY-MM-DD in the configured time zone; amounts like 1234.50 or ¥1,234.50.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.root import ClientdeskGroup, app, open_db, out, say, state_of
from clientdesk.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientdesk.config import Settings
    from clientdesk.domain.contract import Contract
    from clientdesk.domain.contract_detail import ContractDetail
    from clientdesk.domain.contract_list import ContractRow
    from clientdesk.domain.visit import Visit

contract_app = typer.Typer(
    help="Contracts and orders (合同管理): create, sign, amend, renew, terminate, complete, "
    "follow deliveries and assess risk.",
    cls=ClientdeskGroup,
    no_args_is_help=True,
)
app.add_typer(contract_app, name="contract")

NumberArg = Annotated[str, typer.Argument(help="Contract number, e.g. HT-2026-000001.")]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="Date it happened (YYYY-MM-DD; default today).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextlib.contextmanager
def contract_session(
    ctx: typer.Context, *, sweep: bool = True
) -> Iterator[tuple[Session, Settings, date]]:
    """A write transaction with statuses brought up to today; committed when the block ends."""
    from sqlmodel import Session

    from clientdesk.domain.contracts import activate_due, local_today
    from clientdesk.storage.database import translate_errors
    from clientdesk.storage.engine import writer

    state = state_of(ctx)
    settings = state.settings().settings
    today = local_today(settings.general.timezone)
    database = open_db(state.location(), create=False)
    try:
        with (
            translate_errors(database.label),
            Session(writer(database.engine), expire_on_commit=False) as session,
        ):
            if sweep:
                activate_due(session=session, today=today, actor=settings.owner)
            yield session, settings, today
            session.commit()
    finally:
        database.dispose()


def parse_date(text: str | None, option: str, default: date) -> date:
    if text is None or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def optional_date(text: str | None, option: str) -> date | None:
    if text is None or not text.strip():
        return None
    return parse_date(text, option, date.min)


def parse_amount(text: str | None, option: str) -> int | None:
    from clientdesk.domain.money import to_cents

    if text is None:
        return None
    return to_cents(text, field=option)


def customer_id_by_code(session: Session, code: str) -> int:
    from sqlalchemy import select
    from sqlmodel import col

    from clientdesk.domain.customer import Customer

    found = session.execute(
        select(col(Customer.id)).where(col(Customer.code) == code.strip().upper())
    ).scalar()
    if found is None:
        raise NotFoundError(
            f"no customer has the code {code!r}.", hint="Check the code in the customer list."
        )
    return int(found)


def _money(cents: int | None, currency: str = "") -> str:
    from clientdesk.domain.money import format_cents

    return format_cents(cents, currency or None)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def contract_doc(contract: Contract, **extra: Any) -> dict[str, Any]:
    from clientdesk.domain.money import from_cents

    return {
        "number": contract.number,
        "title": contract.title,
        "status": contract.status.value,
        "value": str(from_cents(contract.value_cents)),
        "value_cents": contract.value_cents,
        "currency": contract.currency,
        "start_on": _iso(contract.start_on),
        "end_on": _iso(contract.end_on),
        "signed_on": _iso(contract.signed_on),
        "terminated_on": _iso(contract.terminated_on),
        "termination_reason": contract.termination_reason,
        "payment_terms": contract.payment_terms,
        "owner": contract.owner,
        "risk_level": contract.risk_level.value if contract.risk_level else None,
        "risk_notes": contract.risk_notes,
        "notes": contract.notes,
    } | extra


def _print_json(doc: Any) -> None:
    typer.echo(json.dumps(doc, ensure_ascii=False))


def _find(session: Session, number: str) -> Contract:
    from clientdesk.domain.contracts import get_by_number

    return get_by_number(number, session=session)


def _id(contract: Contract) -> int:
    assert contract.id is not None
    return contract.id


def _status_text(contract: Contract, today: date) -> str:
    from clientdesk.domain.enums import ContractStatus, label_zh

    text = f"{contract.status.value} ({label_zh(contract.status)})"
    if contract.status == ContractStatus.SIGNED and contract.start_on:
        text += f", becomes active on {contract.start_on}"
    elif contract.status == ContractStatus.ACTIVE and contract.end_on:
        text += f", {(contract.end_on - today).days:,} days to expiry ({contract.end_on})"
    return text


# -- creating and changing -----------------------------------------------------------------------


@contract_app.command("new")
def contract_new(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer code, e.g. C000123.")],
    title: Annotated[str, typer.Option("--title", help="What the contract is for (合同名称).")],
    value: Annotated[
        str, typer.Option("--value", help="Contract value, e.g. 120000 or ¥120,000.00.")
    ] = "0",
    start: Annotated[str | None, typer.Option("--start", help="Start date (YYYY-MM-DD).")] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="End date, the last day (YYYY-MM-DD).")
    ] = None,
    number: Annotated[
        str | None, typer.Option("--number", help="Contract number (default: the next HT-YYYY-N).")
    ] = None,
    payment_terms: Annotated[
        str | None, typer.Option("--payment-terms", help="Payment terms (付款条件).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Currency code (default: general.currency).")
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="Responsible salesperson (default: the customer's)."),
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Free notes.")] = None,
    as_json: AsJson = False,
) -> None:
    """Create a draft contract (草稿) for a customer; sign it when both sides have signed."""
    from clientdesk.domain.contracts import build_create, create_contract, next_contract_number

    with contract_session(ctx) as (session, settings, today):
        customer_id = customer_id_by_code(session, customer)
        data = build_create(
            customer_id=customer_id,
            number=number or next_contract_number(session=session, year=today.year),
            title=title,
            start_on=optional_date(start, "--start"),
            end_on=optional_date(end, "--end"),
            value_cents=parse_amount(value, "--value"),
            currency=currency or settings.general.currency,
            payment_terms=payment_terms,
            owner=owner,
            notes=notes,
        )
        contract = create_contract(data, session=session, actor=settings.owner, today=today)
        doc = contract_doc(contract, customer_code=customer.strip().upper())
    if as_json:
        _print_json(doc)
        return
    say(
        f"Created draft contract {escape(doc['number'])} “{escape(doc['title'])}” for "
        f"{escape(doc['customer_code'])}: {_money(contract.value_cents, contract.currency)}, "
        f"{doc['start_on'] or '?'} to {doc['end_on'] or '?'}."
    )


@contract_app.command("edit")
def contract_edit(
    ctx: typer.Context,
    number: NumberArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    value: Annotated[str | None, typer.Option("--value", help="New value.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="New start date.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="New end date.")] = None,
    new_number: Annotated[str | None, typer.Option("--number", help="New number.")] = None,
    payment_terms: Annotated[
        str | None, typer.Option("--payment-terms", help="New payment terms.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="New responsible person.")] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="New notes.")] = None,
) -> None:
    """Change a draft's terms. A signed contract changes only by amendment (contract amend)."""
    from clientdesk.domain.contracts import build_update, edit_draft

    given: dict[str, Any] = {
        "title": title,
        "value_cents": parse_amount(value, "--value"),
        "start_on": optional_date(start, "--start"),
        "end_on": optional_date(end, "--end"),
        "number": new_number,
        "payment_terms": payment_terms,
        "owner": owner,
        "notes": notes,
    }
    given = {key: v for key, v in given.items() if v is not None}
    if not given:
        raise UsageError("nothing to change; give at least one option (see --help).")
    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        edit_draft(
            _id(contract), build_update(**given), session=session, actor=settings.owner, today=today
        )
        shown = contract.number
    say(f"Updated draft {escape(shown)}: {', '.join(sorted(given))}.")


@contract_app.command("sign")
def contract_sign(ctx: typer.Context, number: NumberArg, on: OnOpt = None) -> None:
    """签订: both sides signed; the contract becomes active on its start date."""
    from clientdesk.domain.contracts import sign_contract

    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        signed_on = parse_date(on, "--on", today)
        sign_contract(
            _id(contract), signed_on=signed_on, session=session, actor=settings.owner, today=today
        )
        status = _status_text(contract, today)
        shown = contract.number
    say(f"Signed {escape(shown)} on {signed_on}: {status}.")


@contract_app.command("amend")
def contract_amend(
    ctx: typer.Context,
    number: NumberArg,
    what: Annotated[str, typer.Option("--what", help="What the amendment (补充协议) changes.")],
    value_change: Annotated[
        str | None,
        typer.Option("--value-change", help="Change of value, e.g. 5000 or -2000 (default 0)."),
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="New end date.")] = None,
    payment_terms: Annotated[
        str | None, typer.Option("--payment-terms", help="New payment terms.")
    ] = None,
    on: OnOpt = None,
) -> None:
    """Record an amendment (补充协议): its date, what changed, and the change of value."""
    from clientdesk.domain.contracts import amend_contract

    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        amend_contract(
            _id(contract),
            on=parse_date(on, "--on", today),
            what=what,
            value_change_cents=parse_amount(value_change, "--value-change") or 0,
            end_on=optional_date(end, "--end"),
            payment_terms=payment_terms,
            session=session,
            actor=settings.owner,
            today=today,
        )
        shown = contract.number
        value_now = _money(contract.value_cents, contract.currency)
        end_now = contract.end_on
    say(f"Amended {escape(shown)}: value now {value_now}, ends {end_now or 'open'}.")


@contract_app.command("renew")
def contract_renew(
    ctx: typer.Context,
    number: NumberArg,
    new_number: Annotated[
        str | None, typer.Option("--number", help="The renewal's number (default: the next).")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Start (default: the day after this one ends).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="End (default: as long as this one ran).")
    ] = None,
    value: Annotated[
        str | None, typer.Option("--value", help="Value (default: this one's current value).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title (default: the same).")] = None,
    as_json: AsJson = False,
) -> None:
    """续签: create the renewal as a new draft linked to this contract."""
    from clientdesk.domain.contracts import renew_contract

    with contract_session(ctx) as (session, settings, today):
        old = _find(session, number)
        new = renew_contract(
            _id(old),
            number=new_number,
            title=title,
            start_on=optional_date(start, "--start"),
            end_on=optional_date(end, "--end"),
            value_cents=parse_amount(value, "--value"),
            session=session,
            actor=settings.owner,
            today=today,
        )
        doc = contract_doc(new, renewal_of=old.number)
    if as_json:
        _print_json(doc)
        return
    say(
        f"Renewed {escape(doc['renewal_of'])} as draft {escape(doc['number'])}: "
        f"{_money(new.value_cents, new.currency)}, {doc['start_on']} to {doc['end_on'] or '?'}."
    )


@contract_app.command("terminate")
def contract_terminate(
    ctx: typer.Context,
    number: NumberArg,
    reason: Annotated[str, typer.Option("--reason", help="Why it is terminated (解除原因).")],
    on: OnOpt = None,
) -> None:
    """解除: end a contract before its term (or abandon a draft), with the reason."""
    from clientdesk.domain.contracts import terminate_contract

    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        day = parse_date(on, "--on", today)
        terminate_contract(
            _id(contract), reason=reason, on=day, session=session, actor=settings.owner, today=today
        )
        shown = contract.number
    say(f"Terminated {escape(shown)} on {day}.")


@contract_app.command("complete")
def contract_complete(ctx: typer.Context, number: NumberArg, on: OnOpt = None) -> None:
    """完成: the contract was carried out."""
    from clientdesk.domain.contracts import complete_contract

    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        day = parse_date(on, "--on", today)
        complete_contract(_id(contract), on=day, session=session, actor=settings.owner, today=today)
        shown = contract.number
    say(f"Completed {escape(shown)} on {day}.")


@contract_app.command("milestone")
def contract_milestone(
    ctx: typer.Context,
    number: NumberArg,
    what: Annotated[str, typer.Option("--what", help="What is to be delivered (交货内容).")],
    due: Annotated[str, typer.Option("--due", help="Due date (YYYY-MM-DD).")],
) -> None:
    """Plan a delivery milestone (交货节点): what is to be delivered, by when."""
    from clientdesk.domain.contracts import add_milestone

    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        due_on = parse_date(due, "--due", today)
        event = add_milestone(
            _id(contract), what=what, due_on=due_on, session=session, actor=settings.owner,
            today=today,
        )  # fmt: skip
        shown, milestone_id = contract.number, event.id
    say(f"Milestone {milestone_id} of {escape(shown)}: {escape(what.strip())}, due {due_on}.")


@contract_app.command("deliver")
def contract_deliver(
    ctx: typer.Context,
    number: NumberArg,
    milestone: Annotated[
        int | None,
        typer.Option("--milestone", help="The milestone delivered (id from `contract show`)."),
    ] = None,
    what: Annotated[
        str | None, typer.Option("--what", help="What was delivered, when no milestone was set.")
    ] = None,
    on: OnOpt = None,
) -> None:
    """交货: record a delivery; a return visit (回访) is planned after it."""
    from zoneinfo import ZoneInfo

    from clientdesk.domain.contracts import record_delivery

    if milestone is not None and what is not None:
        raise UsageError("give --milestone or --what, not both.")
    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        day = parse_date(on, "--on", today)
        delivery = record_delivery(
            _id(contract),
            delivered_on=day,
            milestone_id=milestone,
            what=what,
            session=session,
            actor=settings.owner,
            today=today,
            within_days=settings.visits.return_visit_within_days,
            zone=ZoneInfo(settings.general.timezone),
        )
        shown = contract.number
        done = f"milestone {delivery.milestone.id} “{delivery.milestone.description}”"
        visit = _visit_text(delivery.visit, settings.general.timezone)
    say(f"Delivered {escape(done)} of {escape(shown)} on {day}; {escape(visit)}.")


def _visit_text(visit: Visit, zone: str) -> str:
    from zoneinfo import ZoneInfo

    local = visit.planned_at.astimezone(ZoneInfo(zone))
    return f"return visit (回访) planned for {local:%Y-%m-%d %H:%M}"


@contract_app.command("risk")
def contract_risk(
    ctx: typer.Context,
    number: NumberArg,
    level: Annotated[
        str, typer.Option("--level", help="low, medium or high (低/中/高); none clears it.")
    ],
    note: Annotated[str | None, typer.Option("--note", help="What the risk is.")] = None,
) -> None:
    """风险评估: set the contract's risk level and note."""
    from clientdesk.domain.contracts import set_risk
    from clientdesk.domain.enums import RiskLevel, parse_choice

    cleared = level.strip().lower() in ("none", "无", "")
    risk = None if cleared else parse_choice(RiskLevel, level, field="--level")
    with contract_session(ctx) as (session, settings, today):
        contract = _find(session, number)
        set_risk(
            _id(contract), level=risk, notes=note, session=session, actor=settings.owner,
            today=today,
        )  # fmt: skip
        shown = contract.number
    say(f"{escape(shown)}: risk {'cleared' if risk is None else risk.value}.")


@contract_app.command("refresh")
def contract_refresh(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Bring statuses up to the calendar: signed contracts become active on their start
    date, active ones expire after their end date. Every contract command does this first;
    run it from a nightly job to keep reports exact."""
    from clientdesk.domain.contracts import activate_due

    with contract_session(ctx, sweep=False) as (session, settings, today):
        due = activate_due(session=session, today=today, actor=settings.owner)
    if as_json:
        _print_json(
            {"as_of": today.isoformat(), "activated": due.activated, "expired": due.expired}
        )
        return
    say(f"As of {today}: {due.activated:,} contracts became active, {due.expired:,} expired.")


# -- reading -------------------------------------------------------------------------------------


def detail_doc(detail: ContractDetail) -> dict[str, Any]:
    from clientdesk.domain.money import from_cents

    return contract_doc(
        detail.contract,
        customer_code=detail.customer_code,
        customer_name=detail.customer_name,
        original_value=str(from_cents(detail.original_value_cents)),
        days_to_expiry=detail.days_to_expiry,
        completed_on=_iso(detail.completed_on),
        renewal_of=detail.renewal_of.number if detail.renewal_of else None,
        renewed_by=detail.renewed_by.number if detail.renewed_by else None,
        chain=[{"number": link.number, "status": link.status.value} for link in detail.chain],
        amendments=[
            {
                "on": a.on.isoformat(),
                "what": a.description,
                "value_change": str(from_cents(a.value_change_cents)),
                "value_after": str(from_cents(a.value_after_cents)),
            }
            for a in detail.amendments
        ],
        milestones=[
            {
                "id": m.id,
                "what": m.what,
                "due_on": _iso(m.due_on),
                "delivered_on": _iso(m.delivered_on),
                "overdue": m.overdue,
            }
            for m in detail.milestones
        ],
        history=[
            {
                "on": e.occurred_on.isoformat(),
                "event": e.kind.value,
                "description": e.description,
                "value_change": str(from_cents(e.value_change_cents))
                if e.value_change_cents
                else None,
            }
            for e in detail.history
        ],
        allowed=[action.value for action in detail.allowed],
    )


@contract_app.command("show")
def contract_show(ctx: typer.Context, number: NumberArg, as_json: AsJson = False) -> None:
    """One contract: current terms, amendments, milestones, history, renewals, next steps."""
    from clientdesk.domain.contract_detail import contract_detail

    with contract_session(ctx) as (session, _settings, today):
        detail = contract_detail(_id(_find(session, number)), session=session, today=today)
        doc = detail_doc(detail)
        status = _status_text(detail.contract, today)
    if as_json:
        _print_json(doc)
        return
    _print_detail(detail, doc, status)


def _print_detail(detail: ContractDetail, doc: dict[str, Any], status: str) -> None:
    from clientdesk.domain.enums import label_zh

    k = detail.contract
    say(
        f"[bold]{escape(k.number)}[/] “{escape(k.title)}”  "
        f"{escape(detail.customer_code)} {escape(detail.customer_name)}"
    )
    terms = Table(box=None, show_header=False)
    terms.add_row("status", escape(status))
    value = _money(k.value_cents, k.currency)
    if detail.amendments:
        value += (
            f" (signed at {_money(detail.original_value_cents)}; "
            f"{len(detail.amendments)} amendment{'s' if len(detail.amendments) > 1 else ''})"
        )
    terms.add_row("value", value)
    term = f"{k.start_on or '?'} to {k.end_on or 'open'}"
    if k.signed_on:
        term += f"; signed {k.signed_on}"
    terms.add_row("term", term)
    if k.terminated_on:
        terms.add_row("terminated", f"{k.terminated_on}: {escape(k.termination_reason or '')}")
    if detail.completed_on:
        terms.add_row("completed", str(detail.completed_on))
    terms.add_row("payment", escape(k.payment_terms or ""))
    terms.add_row("owner", escape(k.owner or ""))
    if k.risk_level:
        risk = f"{k.risk_level.value} ({label_zh(k.risk_level)})"
        terms.add_row("risk", escape(risk + (f": {k.risk_notes}" if k.risk_notes else "")))
    if len(detail.chain) > 1:
        terms.add_row(
            "renewals",
            " → ".join(escape(f"{link.number} ({link.status.value})") for link in detail.chain),
        )
    out.print(terms)
    if detail.amendments:
        table = Table("date", "change", "value after", "what", title="Amendments (补充协议)",
                      title_justify="left", box=None)  # fmt: skip
        for a in detail.amendments:
            change = f"{'+' if a.value_change_cents > 0 else ''}{_money(a.value_change_cents)}"
            table.add_row(str(a.on), change, _money(a.value_after_cents), escape(a.description))
        out.print(table)
    if detail.milestones:
        table = Table("id", "what", "due", "delivered", "", title="Milestones (交货节点)",
                      title_justify="left", box=None)  # fmt: skip
        for m in detail.milestones:
            state = "[red]overdue[/]" if m.overdue else ""
            if m.late_days:
                state = f"{m.late_days} days late"
            table.add_row(
                str(m.id),
                escape(m.what),
                str(m.due_on or ""),
                str(m.delivered_on or ""),
                state,
            )
        out.print(table)
    table = Table("date", "event", "", title="History", title_justify="left", box=None)
    for e in detail.history:
        table.add_row(
            str(e.occurred_on), f"{e.kind.value} {label_zh(e.kind)}", escape(e.description)
        )
    out.print(table)
    allowed = ", ".join(doc["allowed"]) or "nothing (closed)"
    say(f"Next: {allowed}.")


@contract_app.command("list")
def contract_list(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Only this status (repeat for several): draft, signed, …"),
    ] = None,
    expiring: Annotated[
        int | None,
        typer.Option("--expiring", min=0, help="Only signed/active ones ending within N days."),
    ] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Only this customer code.")
    ] = None,
    risk: Annotated[
        list[str] | None, typer.Option("--risk", help="Only this risk level (repeatable).")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this salesperson.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only those with a delivery past its due date.")
    ] = False,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Contract number or customer (code, name, pinyin)."),
    ] = None,
    sort: Annotated[
        str, typer.Option("--sort", help="number, customer, title, status, value, start, end, …")
    ] = "start",
    ascending: Annotated[
        bool, typer.Option("--asc", help="Smallest first (default: largest / latest first).")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows per page.")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Rows to skip.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Contracts with number, customer, title, status, value, dates and days to expiry."""
    from clientdesk.domain.contract_list import SORT_COLUMNS, ContractFilter, list_contracts
    from clientdesk.domain.enums import ContractStatus, RiskLevel, parse_choice

    if sort not in SORT_COLUMNS:
        raise UsageError(f"--sort {sort!r} is not a column; use one of: {', '.join(SORT_COLUMNS)}.")
    statuses = tuple(parse_choice(ContractStatus, s, field="--status") for s in status or ())
    levels = tuple(parse_choice(RiskLevel, r, field="--risk") for r in risk or ())
    with contract_session(ctx) as (session, _settings, today):
        filters = ContractFilter(
            statuses=statuses,
            expiring_within=expiring,
            customer_ids=(customer_id_by_code(session, customer),) if customer else None,
            risk_levels=levels,
            owner=owner,
            overdue_only=overdue,
        )
        page = list_contracts(
            session=session,
            today=today,
            filters=filters,
            query=search or "",
            sort=sort,
            descending=not ascending,
            offset=offset,
            limit=limit,
        )
    if as_json:
        for row in page.rows:
            _print_json(row_doc(row))
        return
    more = " (the customer search stopped at its limit: narrow it)" if page.capped else ""
    if not page.rows:
        say(f"No contracts shown; {page.total:,} match{more}.")
        return
    _print_rows(page.rows)
    say(f"{offset + 1:,}–{offset + len(page.rows):,} of {page.total:,} contracts{more}.")


def row_doc(row: ContractRow) -> dict[str, Any]:
    from clientdesk.domain.money import from_cents

    return {
        "number": row.number,
        "customer_code": row.customer_code,
        "customer_name": row.customer_name,
        "title": row.title,
        "status": row.status.value,
        "value": str(from_cents(row.value_cents)),
        "currency": row.currency,
        "start_on": _iso(row.start_on),
        "end_on": _iso(row.end_on),
        "signed_on": _iso(row.signed_on),
        "days_to_expiry": row.days_to_expiry,
        "risk_level": row.risk_level.value if row.risk_level else None,
        "overdue_deliveries": row.overdue_deliveries,
    }


def _print_rows(rows: list[ContractRow]) -> None:
    table = Table(box=None)
    table.add_column("number", no_wrap=True, min_width=14)
    table.add_column("customer", no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=18)
    table.add_column("status", no_wrap=True, min_width=6)
    table.add_column("value", no_wrap=True, justify="right", min_width=10)
    table.add_column("end", no_wrap=True, min_width=10)
    table.add_column("days", no_wrap=True, justify="right", min_width=4)
    table.add_column("risk", no_wrap=True)
    for row in rows:
        flags = row.risk_level.value if row.risk_level else ""
        if row.overdue_deliveries:
            flags = f"{flags} [red]{row.overdue_deliveries} overdue[/]".strip()
        table.add_row(
            escape(row.number),
            escape(f"{row.customer_code} {row.customer_name}"),
            escape(row.title),
            row.status.value,
            _money(row.value_cents),
            str(row.end_on or ""),
            "" if row.days_to_expiry is None else f"{row.days_to_expiry:,}",
            flags,
        )
    out.print(table)
