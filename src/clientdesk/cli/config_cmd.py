"""`clientdesk config ...`: show and create the settings file."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from clientdesk.cli.root import ClientdeskGroup, app, out, say, state_of
from clientdesk.errors import ClientdeskError

config_app = typer.Typer(help="Show and create the settings file.", cls=ClientdeskGroup)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The effective settings and where each value came from."""
    from clientdesk.config import effective_items

    loaded = state_of(ctx).settings()
    items = effective_items(loaded)
    if as_json:
        doc = {key: {"value": value, "source": source} for key, value, source, _ in items}
        out.print_json(json.dumps({"file": str(loaded.path), "settings": doc}, default=str))
        return
    note = "" if loaded.exists else " (not created yet: defaults apply)"
    say(f"settings file: {escape(str(loaded.path))}{note}")
    table = Table("setting", "value", "from", box=None, padding=(0, 2))
    for key, value, source, _ in items:
        table.add_row(key, json.dumps(value, default=str, ensure_ascii=False), source)
    out.print(table)


@config_app.command("path")
def config_path_cmd(ctx: typer.Context) -> None:
    """Print where the settings file is read from."""
    say(escape(str(state_of(ctx).settings().path)))


@config_app.command("init")
def config_init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a settings file with every default, commented, to edit by hand."""
    from clientdesk.config import write_default_config

    loaded = state_of(ctx).settings()
    if loaded.exists and not force:
        raise ClientdeskError(
            f"{loaded.path} already exists.", hint="Edit it, or pass --force to replace it."
        )
    write_default_config(loaded.path)
    say(f"wrote {escape(str(loaded.path))}")
