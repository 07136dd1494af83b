"""The root command, shared state, and the one place errors become messages and exit codes.

Heavy modules (SQLAlchemy, the domain, Textual) are imported inside the commands that need
them, so `clientdesk --help` and `clientdesk db info` start fast and never build the UI.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from clientdesk import __version__
from clientdesk.errors import ClientdeskError

if TYPE_CHECKING:
    from clientdesk.config import LoadedSettings
    from clientdesk.storage.database import Database

out = Console()
err = Console(stderr=True)


def say(text: str, *, stderr: bool = False) -> None:
    """One message; never wrapped mid-path, since scripts grep what we print."""
    (err if stderr else out).print(text, highlight=False, soft_wrap=True)


class ClientdeskGroup(TyperGroup):
    """Turns every error a user can cause into one line on stderr and its exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ClientdeskError as exc:
            _fail(exc)
        except Exception as exc:  # driver errors that escaped a translate_errors block
            if type(exc).__module__.startswith(("sqlalchemy", "sqlite3")):
                from clientdesk.storage.database import describe_error

                _fail(describe_error(exc, _db_label(ctx)))
            raise


def _fail(exc: ClientdeskError) -> None:
    say(f"[bold red]error:[/] {escape(exc.message)}", stderr=True)
    if exc.hint:
        say(f"  {escape(exc.hint)}", stderr=True)
    raise typer.Exit(exc.exit_code)


def _db_label(ctx: typer.Context) -> str:
    state = ctx.find_object(State)
    return state.db_option or "the database" if state else "the database"


app = typer.Typer(
    name="clientdesk",
    cls=ClientdeskGroup,
    help="Keyboard-first client management (集团客户管理) on a local database.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class State:
    db_option: str | None = None
    config_option: Path | None = None
    _loaded: LoadedSettings | None = None

    def settings(self) -> LoadedSettings:
        if self._loaded is None:
            from clientdesk.config import load_settings

            self._loaded = load_settings(self.config_option)
        return self._loaded

    def location(self, override: str | None = None) -> str:
        from clientdesk.config import db_location

        return db_location(override or self.db_option)


def state_of(ctx: typer.Context) -> State:
    return ctx.ensure_object(State)


def _version(value: bool) -> None:
    if value:
        out.print(f"clientdesk {__version__}")
        raise typer.Exit()


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database file or SQLAlchemy URL (default: $CLIENTDESK_DB, else the data folder).",
        show_default=False,
    ),
]


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: DbOption = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Settings file (default: $CLIENTDESK_CONFIG).", show_default=False
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Open the app on your database, or run one of the commands below."""
    state = state_of(ctx)
    state.db_option = db
    state.config_option = config
    if ctx.invoked_subcommand is None:
        database = open_db(state.location())
        run_app(state, database)


def open_db(location: str, *, create: bool = True, upgrade: bool = True) -> Database:
    from clientdesk.storage.database import open_database

    return open_database(location, create=create, upgrade=upgrade)


def run_app(state: State, database: Database) -> None:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise ClientdeskError(
            "the app needs a terminal; standard input or output is not one.",
            hint="Run `clientdesk` in a terminal, or use a command such as `clientdesk db info`.",
        )
    from clientdesk.tui.app import make_app

    try:
        loaded = state.settings()
        make_app(loaded.settings, database, settings_path=loaded.path).run()
    finally:
        database.dispose()
