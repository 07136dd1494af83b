"""`clientdesk db ...`: inspect, check, upgrade and copy the database."""

from __future__ import annotations

import json
import shlex
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.root import ClientdeskGroup, app, open_db, out, say, state_of
from clientdesk.errors import ClientdeskError, DatabaseError

db_app = typer.Typer(help="Inspect, check, upgrade and copy the database.", cls=ClientdeskGroup)
app.add_typer(db_app, name="db")


@db_app.command("info")
def db_info(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Path, schema revision, row counts and size of the database."""
    from clientdesk.storage.inspect import database_info

    database = open_db(state_of(ctx).location(), create=False, upgrade=False)
    try:
        info = database_info(database)
    finally:
        database.dispose()
    if as_json:
        out.print_json(json.dumps(info.as_dict(), default=str))
        return
    journal = f" ({info.journal_mode})" if info.journal_mode else ""
    state = "up to date" if info.up_to_date else f"upgrade available to {info.head}"
    rows = [
        ("database", info.location),
        ("backend", info.backend + journal),
        ("schema", f"{info.revision} ({state})"),
    ]
    if info.size_bytes is not None:
        rows.append(("size", f"{info.size_bytes / 1_048_576:,.1f} MiB ({info.size_bytes:,} bytes)"))
    rows += [(key.replace("_", " "), value) for key, value in sorted(info.meta.items())]
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        say(f"[bold]{label:<{width}}[/]{escape(value)}")
    counts = Table("table", "rows", box=None, padding=(0, 2))
    for name, count in info.counts.items():
        counts.add_row(name, f"{count:,}")
    out.print(counts)


@db_app.command("check")
def db_check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Integrity and foreign-key check; exit 0 when sound, 1 on any problem."""
    from clientdesk.storage.inspect import check_database

    database = open_db(state_of(ctx).location(), create=False, upgrade=False)
    try:
        result = check_database(database)
    finally:
        database.dispose()
    if as_json:
        doc = {"database": database.label, "ok": result.ok, "checks": result.checks}
        out.print_json(json.dumps(doc | {"problems": result.problems}))
    elif result.ok:
        say(f"ok: {escape(database.label)} passed {', '.join(result.checks)}.")
    else:
        for problem in result.problems:
            say(f"[red]problem:[/] {escape(problem)}", stderr=True)
        say(f"{escape(database.label)}: {len(result.problems)} problem(s) found.", stderr=True)
    if not result.ok:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations (opening the app does this too)."""
    from clientdesk.storage import migrate

    database = open_db(state_of(ctx).location(), create=False, upgrade=False)
    try:
        with database.engine.connect() as conn:
            before = migrate.current_revision(conn)
        if before == migrate.head_revision():
            say(f"{escape(database.label)} is up to date (schema {before}).")
            return
        migrate.upgrade(database.engine)
        say(f"{escape(database.label)}: upgraded schema {before} → {migrate.head_revision()}.")
    except ClientdeskError:
        raise
    except Exception as exc:
        raise DatabaseError(f"upgrading {database.label} failed: {exc}") from None
    finally:
        database.dispose()


@db_app.command("reindex")
def db_reindex(ctx: typer.Context) -> None:
    """Rebuild the customer search index from the customers and their contacts."""
    from clientdesk.domain.search import has_search_index, rebuild_search_index
    from clientdesk.storage.database import translate_errors
    from clientdesk.storage.engine import writer

    database = open_db(state_of(ctx).location(), create=False)
    try:
        with translate_errors(database.label), writer(database.engine).begin() as conn:
            if not has_search_index(conn):
                say(f"{escape(database.label)} has no search index to rebuild (not SQLite).")
                return
            rebuild_search_index(conn)
            count = conn.exec_driver_sql("SELECT count(*) FROM customer_search").scalar_one()
        say(f"{escape(database.label)}: search index rebuilt for {count:,} customers.")
    finally:
        database.dispose()


@db_app.command("copy")
def db_copy(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            help="A new SQLite file, or the URL of an empty database "
            "(postgresql+psycopg://user@host/name; install `.[postgres]`).",
            show_default=False,
        ),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Copy every record into a new, empty database: to PostgreSQL when a team outgrows
    one laptop, or from a server into a file to work offline.

    All or nothing: if anything fails, the target keeps none of it (a new file is
    removed). The source is only read.
    """
    from clientdesk.cli.progress import progress_bar
    from clientdesk.storage.transfer import copy_database

    database = open_db(state_of(ctx).location(), create=False)
    try:
        with progress_bar(quiet or as_json, label_width=20, counts=True) as report:
            result = copy_database(database, target, progress=report)
    finally:
        database.dispose()
    if as_json:
        out.print_json(json.dumps(result.as_dict()))
        return
    say(
        f"copied {result.rows:,} rows ({result.counts.get('customers', 0):,} customers) from "
        f"{escape(result.source)} to {escape(result.target)} in {result.seconds:.1f} s."
    )
    say(f"Open it with: clientdesk --db {escape(shlex.quote(result.target))}")
