"""`clientdesk report groups` and `report group CODE`: group customers' credit against the
concentration limit (集团客户风险). Read-only; the limit comes from the `[risk]` settings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.report import report_app
from clientdesk.cli.root import State, open_db, out, say, state_of
from clientdesk.errors import NotFoundError

if TYPE_CHECKING:
    from clientdesk.domain.group_risk import GroupRow, Limit, MemberRow

STATE_STYLE = {"over": "bold red", "warning": "yellow", "ok": "green", "no limit": "dim"}


def _limit(state: State) -> Limit:
    from clientdesk.domain.group_risk import Limit

    risk = state.settings().settings.risk
    return Limit.from_settings(risk.net_capital, risk.concentration_limit, risk.warning_level)


def _today(state: State) -> Any:
    from clientdesk.domain.contracts import local_today

    return local_today(state.settings().settings.general.timezone)


def _money(cents: int) -> Any:
    from clientdesk.domain.money import from_cents

    return from_cents(cents)


def group_doc(row: GroupRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "owner": row.owner,
        "grade": row.grade.value,
        "members": row.members,
        "credit_lines": _money(row.line_cents),
        "owed": _money(row.owed_cents),
        "overdue": _money(row.overdue_cents),
        "credit_used": _money(row.used_cents),
        "share_of_limit": None if row.share is None else round(row.share, 4),
        "state": row.state.value,
        "members_overdue": row.members_overdue,
    }


def member_doc(row: MemberRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "depth": row.depth,
        "credit_line": _money(row.line_cents),
        "owed": _money(row.owed_cents),
        "overdue": _money(row.overdue_cents),
        "oldest_overdue": row.oldest_overdue.isoformat() if row.oldest_overdue else None,
        "over_line": row.over_line,
    }


def _limit_text(limit: Limit) -> str:
    from clientdesk.domain.money import format_cents

    if limit.cents is None:
        return (
            "No concentration limit: set risk.net_capital (资本净额) in the settings to judge "
            "each group's credit against it."
        )
    warning = limit.warning_cents or 0
    return (
        f"Limit per group {format_cents(limit.cents)}; early warning from {format_cents(warning)}."
    )


def _table(names: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    """The first column gives way (cut with an ellipsis) so that figures are never cut."""
    from rich.text import Text

    widths = [
        max([len(name), *(Text.from_markup(row[index]).cell_len for row in rows)])
        for index, name in enumerate(names)
    ]
    spare = out.width - sum(widths[1:]) - 2 * len(names)
    table = Table(box=None)
    table.add_column(names[0], no_wrap=True, overflow="ellipsis", max_width=max(spare, 12))
    for name, width in zip(names[1:], widths[1:], strict=True):
        justify: Literal["left", "right"] = (
            "left" if name in ("state", "overdue since") else "right"
        )
        table.add_column(name, justify=justify, no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def _yuan(cents: int) -> str:
    """Whole yuan with separators: a table of group figures reads by the million."""
    return f"{round(cents / 100):,}"


def _share(row: GroupRow) -> str:
    return "—" if row.share is None else f"{row.share:.0%}"


@report_app.command("groups")
def report_groups(
    ctx: typer.Context,
    flagged: Annotated[
        bool,
        typer.Option(
            "--flagged", help="Only groups at the warning level or with a member overdue."
        ),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many groups.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Group customers (集团客户) by credit used, largest first: members, credit lines, what
    they owe and what is overdue, against the concentration limit (the `[risk]` settings)."""
    from sqlmodel import Session

    from clientdesk.domain.group_risk import group_page
    from clientdesk.storage.database import translate_errors

    state = state_of(ctx)
    rule = _limit(state)
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(database.engine) as session:
            page = group_page(
                session=session,
                limit=rule,
                today=_today(state),
                page_size=limit,
                flagged_only=flagged,
            )
    finally:
        database.dispose()
    if as_json:
        for row in page.rows:
            typer.echo(json.dumps(group_doc(row), ensure_ascii=False, default=float))
        return
    rows = [
        (
            escape(f"{row.code} {row.name}"),
            f"{row.members:,}",
            _yuan(row.used_cents),
            _share(row),
            _yuan(row.owed_cents),
            f"[red]{_yuan(row.overdue_cents)}[/]" if row.overdue_cents else "",
            f"[{STATE_STYLE[row.state.value]}]{row.state.value}[/]"
            + (" [red]overdue[/]" if row.at_risk else ""),
        )
        for row in page.rows
    ]
    names = ("group", "members", "used", "of limit", "owed", "overdue", "state")
    out.print(_table(names, rows))
    say(
        f"{len(page.rows):,} of {page.total:,} groups shown; {page.over:,} over the limit, "
        f"{page.warning:,} at the early warning, {page.at_risk:,} with a member overdue."
    )
    say(_limit_text(rule))


@report_app.command("group")
def report_group(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The code of any member of the group.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One group: every member under its parent with its credit line, what it owes and
    since when it is overdue, and the group's credit against the limit."""
    from sqlmodel import Session, col, select

    from clientdesk.domain import Customer
    from clientdesk.domain.group_risk import group_detail, group_of
    from clientdesk.domain.money import format_cents
    from clientdesk.storage.database import translate_errors

    state = state_of(ctx)
    rule = _limit(state)
    database = open_db(state.location(), create=False)
    try:
        with translate_errors(database.label), Session(database.engine) as session:
            found = session.exec(select(Customer).where(col(Customer.code) == code)).first()
            if found is None or found.id is None:
                raise NotFoundError(
                    f"no customer has the code {code!r}.",
                    hint="Codes look like C000123; `clientdesk report groups` lists the groups.",
                )
            root = group_of(found.id, session=session)
            detail = None
            if root is not None:
                detail = group_detail(root, session=session, limit=rule, today=_today(state))
    finally:
        database.dispose()
    if detail is None:
        say(f"{escape(found.code)} {escape(found.name)} is in no group (no parent, no subsidiary).")
        return
    group = detail.group
    if as_json:
        doc = group_doc(group) | {"members_list": [member_doc(m) for m in detail.members]}
        out.print_json(json.dumps(doc, ensure_ascii=False, default=float))
        return
    rows = [
        (
            escape("  " * member.depth + f"{member.code} {member.name}"),
            _yuan(member.line_cents),
            f"[yellow]{_yuan(member.owed_cents)}[/]"
            if member.over_line
            else _yuan(member.owed_cents),
            f"[red]{_yuan(member.overdue_cents)}[/]" if member.overdue_cents else "",
            str(member.oldest_overdue or ""),
        )
        for member in detail.members
    ]
    out.print(_table(("member", "credit line", "owed", "overdue", "overdue since"), rows))
    style = STATE_STYLE[group.state.value]
    say(
        f"{escape(group.code)} {escape(group.name)}: {group.members:,} members, credit used "
        f"{format_cents(group.used_cents)} ({_share(group)} of the limit) "
        f"[{style}]{group.state.value}[/]."
    )
    if group.at_risk:
        say(
            f"[red]{group.members_overdue:,} member(s) overdue:[/] the risk passes to the "
            "whole group (风险传导)."
        )
    say(_limit_text(rule))
