"""Options and helpers shared by `clientdesk backup ...` and `clientdesk restore`."""

from __future__ import annotations

import json
import stat
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from clientdesk.cli.root import State, out, say
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.storage.backup import Secret

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="Backup folder (default: the backup.dir setting, else 'backups' in the data folder).",
        show_default=False,
    ),
]
PassFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="File holding the passphrase; a final newline is ignored (keep it mode 600).",
        show_default=False,
    ),
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="Key file of at least 32 random bytes, e.g. from `openssl rand -base64 48`.",
        show_default=False,
    ),
]


def backup_folder(state: State, folder: Path | None) -> Path:
    from clientdesk.config import default_backup_dir

    return (folder or default_backup_dir(state.settings().settings)).expanduser().absolute()


def is_terminal() -> bool:
    return sys.stdin.isatty()


def read_secret(
    passphrase_file: Path | None, key_file: Path | None, *, needed: bool, confirm: bool = False
) -> Secret | None:
    """The secret from the options; asked for in a terminal when needed and not given."""
    from clientdesk.storage.backup import key_from_file, passphrase, passphrase_from_file

    if passphrase_file and key_file:
        raise UsageError("give either --passphrase-file or --key-file, not both.")
    for given in (passphrase_file, key_file):
        if given and given.exists() and stat.S_IMODE(given.stat().st_mode) & 0o077:
            say(
                f"[yellow]warning:[/] {escape(str(given))} can be read by other users; "
                f"run `chmod 600 {escape(str(given))}`.",
                stderr=True,
            )
    if passphrase_file:
        return passphrase_from_file(passphrase_file)
    if key_file:
        return key_from_file(key_file)
    if not needed:
        return None
    if not is_terminal():
        raise UsageError(
            "a passphrase or key is needed, and standard input is not a terminal to ask in.",
            hint="Pass --passphrase-file FILE or --key-file FILE.",
        )
    return passphrase(typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm))


def local_time(moment: datetime, state: State, *, seconds: bool = True) -> str:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(state.settings().settings.general.timezone)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def human_size(n: int) -> str:
    return f"{n / 1_048_576:,.1f} MiB" if n >= 1_048_576 else f"{n:,} B"


def print_json(doc: Any) -> None:
    out.print_json(json.dumps(doc, ensure_ascii=False, default=str))
