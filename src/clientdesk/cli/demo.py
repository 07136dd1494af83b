"""`clientdesk demo`: build a realistic demo database and open it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from clientdesk.cli.root import DbOption, app, open_db, run_app, say, state_of
from clientdesk.errors import ClientdeskError

if TYPE_CHECKING:
    from clientdesk.storage.database import Database


@app.command()
def demo(
    ctx: typer.Context,
    customers: Annotated[
        int, typer.Option(min=1, max=2_000_000, help="How many customers.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 1,
    db: DbOption = None,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Build, then exit without opening the app.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already has data.")
    ] = False,
) -> None:
    """Build a realistic demo database (default: demo.db in the data folder) and open it."""
    from clientdesk.config import data_dir
    from clientdesk.demo import build_demo

    state = state_of(ctx)
    location = db or state.db_option or str(data_dir() / "demo.db")
    database = open_db(location)
    existing = _customer_count(database)
    if existing and not force:
        if _is_demo(database) and not no_open:
            say(f"Opening the demo database {database.label} (--force rebuilds it).", stderr=True)
            run_app(state, database)
            return
        database.dispose()
        raise ClientdeskError(
            f"{database.label} already holds {existing:,} customers; "
            "the demo will not overwrite them.",
            hint="Pass --force to replace it, or choose another file with --db.",
        )
    if existing:
        database = _recreate(database)
    counts = _build_with_progress(build_demo, database, customers=customers, seed=seed)
    from clientdesk.storage.database import write_meta

    write_meta(database, {"demo_seed": str(seed), "demo_customers": str(customers)})
    summary = ", ".join(f"{n:,} {t}" for t, n in counts.items() if n)
    say(f"Demo database {escape(database.label)}: {summary}.", stderr=True)
    if no_open:
        database.dispose()
        return
    run_app(state, database)


def _customer_count(database: Database) -> int:
    from sqlalchemy import text

    from clientdesk.storage.database import translate_errors

    with translate_errors(database.label), database.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM customers")).scalar_one())


def _is_demo(database: Database) -> bool:
    from clientdesk.storage.database import read_meta

    return "demo_seed" in read_meta(database)


def _recreate(database: Database) -> Database:
    """--force: drop the old file (SQLite) or every table (a server) and start afresh."""
    from clientdesk.storage.database import recreate_database

    return recreate_database(database)


def _build_with_progress(build: Any, database: Database, **kwargs: Any) -> dict[str, int]:
    from clientdesk.cli.progress import progress_bar
    from clientdesk.storage.database import translate_errors

    with (
        progress_bar(False, label_width=14, counts=True) as report,
        translate_errors(database.label),
    ):
        counts: dict[str, int] = build(database.engine, progress=report, **kwargs)
    return counts
