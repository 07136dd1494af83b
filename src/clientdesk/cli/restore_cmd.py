"""`clientdesk restore`: put a verified backup in place of the database, with a safety copy."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from clientdesk.cli.backup_common import (
    DirOption,
    JsonOption,
    KeyFileOption,
    PassFileOption,
    backup_folder,
    is_terminal,
    local_time,
    print_json,
    read_secret,
)
from clientdesk.cli.root import DbOption, app, say, state_of
from clientdesk.errors import UsageError


@app.command("restore")
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Backup file (or its manifest).")],
    db: DbOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask; needed in scripts.")
    ] = False,
    folder: DirOption = None,
    passphrase_file: PassFileOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the database with a verified backup, keeping a safety copy of it.

    Refused while the app or another program has the database open (exit 3).

    An older backup is migrated; one from a newer clientdesk is refused.
    """
    from clientdesk.storage.backup import restore_backup
    from clientdesk.storage.backup.files import sqlite_path
    from clientdesk.storage.backup.manifest import read_manifest

    state = state_of(ctx)
    location = state.location(db)
    target = sqlite_path(location)
    manifest = read_manifest(file)
    safety_dir = backup_folder(state, folder)
    if not yes:
        if not is_terminal():
            raise UsageError(
                f"restore replaces {target}; standard input is not a terminal to confirm in.",
                hint="Pass --yes to restore without asking.",
            )
        made = local_time(manifest.created_at, state)
        say(
            f"Replace {escape(str(target))} with the backup made {made} "
            f"(schema {manifest.schema_revision}, "
            f"{manifest.row_counts.get('customers', 0):,} customers)?\n"
            f"The current database is kept as a backup in {escape(str(safety_dir))}."
        )
        if not typer.confirm("Restore", default=False):
            say("nothing was changed.")
            raise typer.Exit(1)
    secret = read_secret(passphrase_file, key_file, needed=bool(manifest.encryption))
    result = restore_backup(file, location, safety_dir, secret=secret)
    if as_json:
        print_json(result.as_dict())
        return
    say(
        f"restored {escape(str(result.database))} from {escape(str(result.backup))} "
        f"in {result.seconds:.1f} s."
    )
    if result.migrated_from:
        say(f"migrated schema {result.migrated_from} → {result.revision}.")
    for note in result.notes:
        say(note)
    if result.safety_copy:
        undo = ["clientdesk"]
        if db or state.db_option:
            undo += ["--db", str(result.database)]
        undo += ["restore", str(result.safety_copy), "--yes"]
        if passphrase_file:
            undo += ["--passphrase-file", str(passphrase_file)]
        elif key_file:
            undo += ["--key-file", str(key_file)]
        say(f"the database as it was is kept in {escape(str(result.safety_copy))}")
        say(f"to undo: {escape(shlex.join(undo))}")
