"""`clientdesk grade ...`: re-evaluate grades and explain one customer's scorecard."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.root import ClientdeskGroup, app, open_db, out, say, state_of
from clientdesk.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from clientdesk.config import Settings
    from clientdesk.domain.regrade import Evaluated
    from clientdesk.domain.scoring import Scorecard

grade_app = typer.Typer(
    help="Grade customers A/B/C/D from their scorecard (客户分级).", cls=ClientdeskGroup
)
app.add_typer(grade_app, name="grade")

AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Evaluate as on this date (YYYY-MM-DD; default today).", show_default=False
    ),
]
SHOWN = 40  # movements listed on screen; --json has them all


def today_for(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.general.timezone)).date()


def parse_as_of(text: str | None, settings: Settings) -> date:
    if not text:
        return today_for(settings)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date; write it as YYYY-MM-DD.") from None


def _grading_args(settings: Settings) -> dict[str, Any]:
    return {
        "weights": settings.grading.weights.model_dump(),
        "thresholds": settings.grading.thresholds.model_dump(),
        "currency": settings.general.currency,
    }


def _customer_id(session: Any, code: str) -> int:
    from sqlalchemy import select

    from clientdesk.domain.customer import Customer

    found = session.execute(select(Customer.id).where(Customer.code == code)).scalar()  # type: ignore[call-overload]
    if found is None:
        raise NotFoundError(
            f"no customer has the code {code!r}.", hint="Check the code in the list."
        )
    return int(found)


def _moved(item: Evaluated) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "from": item.current.value,
        "to": item.grade.value,
        "score": item.total,
        "reason": item.reason,
    }


@grade_app.command("run")
def grade_run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would move; change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Only this customer code.")
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Re-score every customer and record each grade that moves; hand-fixed grades are kept."""
    from sqlmodel import Session

    from clientdesk.domain.regrade import run_grading
    from clientdesk.storage.database import translate_errors
    from clientdesk.storage.engine import writer

    state = state_of(ctx)
    settings = state.settings().settings
    when = parse_as_of(as_of, settings)
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(writer(database.engine)) as session:
            only = _customer_id(session, customer) if customer else None
            result = run_grading(
                session=session,
                as_of=when,
                actor=settings.owner,
                dry_run=dry_run,
                customer_id=only,
                **_grading_args(settings),
            )
            if dry_run:
                session.rollback()
            else:
                session.commit()
    finally:
        database.dispose()
    if as_json:
        doc = {
            "as_of": when.isoformat(),
            "dry_run": dry_run,
            "evaluated": result.evaluated,
            "no_data": result.no_data,
            "upgrades": [_moved(i) for i in result.upgrades],
            "downgrades": [_moved(i) for i in result.downgrades],
            "kept_fixed": [_moved(i) for i in result.kept_fixed],
            "a_without_owner": [{"code": i.code, "name": i.name} for i in result.a_without_owner],
        }
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    verb = "would move" if dry_run else "moved"
    say(
        f"Graded {result.evaluated:,} customers as of {when}: {len(result.upgrades):,} up, "
        f"{len(result.downgrades):,} down {verb}; {len(result.kept_fixed):,} fixed by hand kept; "
        f"{result.no_data:,} with no data (D)."
    )
    for title, items in (("Upgrades", result.upgrades), ("Downgrades", result.downgrades),
                         ("Kept (grade fixed by hand)", result.kept_fixed)):  # fmt: skip
        if items:
            _movements(title, items)
    if result.a_without_owner:
        names = ", ".join(f"{i.code} {i.name}" for i in result.a_without_owner[:10])
        more = len(result.a_without_owner) - 10
        say(
            f"[yellow]A customers without an account manager (专属客户经理):[/] {escape(names)}"
            + (f" and {more:,} more" if more > 0 else "")
        )
    if dry_run:
        say("Dry run: nothing was changed.")


def _movements(title: str, items: list[Evaluated]) -> None:
    table = Table("code", "name", "grade", "score", title=title, title_justify="left", box=None)
    for item in items[:SHOWN]:
        table.add_row(
            item.code,
            escape(item.name),
            f"{item.current} → {item.grade}",
            f"{item.total:.1f}",
        )
    out.print(table)
    if len(items) > SHOWN:
        say(f"  … and {len(items) - SHOWN:,} more (--json lists them all)")


@grade_app.command("show")
def grade_show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Customer code, e.g. C000123.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_of: AsOf = None,
) -> None:
    """Explain one customer's grade: each dimension's raw value, score and weight."""
    from sqlmodel import Session

    from clientdesk.domain.regrade import evaluate
    from clientdesk.storage.database import translate_errors

    state = state_of(ctx)
    settings = state.settings().settings
    when = parse_as_of(as_of, settings)
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(database.engine) as session:
            only = _customer_id(session, code)
            item = next(
                evaluate(session=session, as_of=when, customer_id=only, **_grading_args(settings))
            )
    finally:
        database.dispose()
    if as_json:
        doc = _moved(item) | {
            "fixed": item.fixed,
            "as_of": when.isoformat(),
            "scores": item.card().as_dict(),
        }
        out.print_json(json.dumps(doc, ensure_ascii=False))
        return
    _print_card(item.code, item.name, item.current, item.fixed, item.card())


def _print_card(code: str, name: str, current: Any, fixed: bool, card: Scorecard) -> None:
    fixed_note = " (fixed by hand)" if fixed else ""
    say(f"[bold]{escape(code)} {escape(name)}[/]  grade now {current}{fixed_note}")
    table = Table("dimension", "raw", "score", "weight", "points", "note", box=None)
    for d in card.dimensions:
        table.add_row(
            d.label,
            escape(d.raw),
            f"{d.score:.1f}",
            f"{d.weight:.2f}",
            f"{d.points:.1f}",
            escape(d.note),
        )
    out.print(table)
    limits = ", ".join(f"{g} ≥ {v:g}" for g, v in card.thresholds.items())
    reason = f" ({card.reason})" if card.reason else ""
    say(f"total {card.total:.1f} → grade {card.grade}{reason}   thresholds: {limits}, else D")
