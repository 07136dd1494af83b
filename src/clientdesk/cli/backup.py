"""`clientdesk backup create|list|verify|prune` and `clientdesk restore`.

Built for cron and systemd: --json on every command, no prompt unless standard input is
a terminal, and exit codes 0 ok, 1 failed check, 2 usage, 3 database in use.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from clientdesk.cli.backup_common import (
    DirOption,
    JsonOption,
    KeyFileOption,
    PassFileOption,
    backup_folder,
    human_size,
    is_terminal,
    local_time,
    print_json,
    read_secret,
)
from clientdesk.cli.root import ClientdeskGroup, DbOption, State, app, say, state_of
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.storage.backup import BackupEntry

backup_app = typer.Typer(
    help="Back up the database, and list, verify and prune backups (restore: `clientdesk "
    "restore`).",
    cls=ClientdeskGroup,
)
app.add_typer(backup_app, name="backup")


@backup_app.command("create")
def backup_create(
    ctx: typer.Context,
    db: DbOption = None,
    folder: DirOption = None,
    compress: Annotated[
        str, typer.Option("--compress", help="none, zstd (fast, small) or gzip.")
    ] = "none",
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Encrypt (AES-256-GCM) with a passphrase or key.")
    ] = False,
    passphrase_file: PassFileOption = None,
    key_file: KeyFileOption = None,
    full_check: Annotated[
        bool,
        typer.Option(
            "--full-check/--quick-check",
            help="Check the copy with SQLite's full integrity_check (every index entry "
            "against its row; several times slower) instead of quick_check (every page, "
            "b-tree and constraint). `backup verify` and `restore` always run the full check.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Copy the database, consistently even while it is in use, into the backup folder.

    The copy passes SQLite's quick_check (or with --full-check, integrity_check) before
    it is kept.

    A manifest beside it records size, SHA-256, schema revision and row counts.
    """
    from clientdesk.storage.backup import create_backup

    state = state_of(ctx)
    wants_key = encrypt or passphrase_file is not None or key_file is not None
    secret = read_secret(passphrase_file, key_file, needed=wants_key, confirm=True)
    result = create_backup(
        state.location(db),
        backup_folder(state, folder),
        compression=compress.strip().lower(),
        secret=secret,
        full_check=full_check,
    )
    for warning in result.warnings:
        say(f"[yellow]warning:[/] {escape(warning)}", stderr=True)
    if as_json:
        print_json(result.as_dict())
        return
    m = result.manifest
    extra = ", ".join(
        part
        for part in (
            m.compression if m.compression != "none" else "",
            f"encrypted ({m.encryption})" if m.encryption else "",
        )
        if part
    )
    say(
        f"backed up {escape(m.source)} to {escape(str(result.path))} "
        f"({human_size(m.size)}{', ' + extra if extra else ''}; schema {m.schema_revision}; "
        f"{m.row_counts.get('customers', 0):,} customers) in {result.seconds:.1f} s."
    )


@backup_app.command("list")
def backup_list(ctx: typer.Context, folder: DirOption = None, as_json: JsonOption = False) -> None:
    """The backups in the backup folder, oldest first, with size, schema and state.

    verified: passed `backup verify`; checked: passed the check when made.

    unchecked: a safety copy taken by restore; FAILED: failed its last check.
    """
    from clientdesk.storage.backup import list_backups

    state = state_of(ctx)
    where = backup_folder(state, folder)
    entries = list_backups(where)
    if as_json:
        print_json({"folder": str(where), "backups": [e.as_dict() for e in entries]})
        return
    if not entries:
        say(f"no backups in {escape(str(where))}.")
        return
    zone = state.settings().settings.general.timezone
    rows = [("created", "size", "schema", "kind", "state", "file")]
    rows += [_row(entry, state) for entry in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    say(f"backups in {escape(str(where))} (times in {zone}):")
    for n, row in enumerate(rows):
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        line = f"{escape(line)}  {escape(row[5])}"
        say(f"[bold]{line}[/]" if n == 0 else line)


def _row(entry: BackupEntry, state: State) -> tuple[str, str, str, str, str, str]:
    m = entry.manifest
    if m is None:
        return ("?", "", "", "", entry.state, entry.path.name)
    kind = [m.compression] if m.compression != "none" else []
    kind += ["encrypted"] if m.encryption else []
    kind += [m.reason] if m.reason != "manual" else []
    created = local_time(m.created_at, state, seconds=False)
    return (
        created,
        human_size(m.size),
        m.schema_revision or "?",
        "+".join(kind) or "plain",
        entry.state,
        entry.path.name,
    )


@backup_app.command("verify")
def backup_verify(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Backup file (or its manifest).", show_default=False)
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Verify every backup in the folder.")] = False,
    folder: DirOption = None,
    passphrase_file: PassFileOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-hash backups and integrity-check the database inside; exit 1 on any failure.

    Encrypted backups need --passphrase-file or --key-file (exit 2 without one).
    """
    from clientdesk.config import data_dir
    from clientdesk.storage.backup import list_backups, verify_backup
    from clientdesk.storage.backup.manifest import ManifestError, read_manifest

    state = state_of(ctx)
    if (file is None) == (not all_):
        raise UsageError("give one backup FILE, or --all.")
    paths = [e.path for e in list_backups(backup_folder(state, folder))] if all_ else [file]
    encrypted = False
    for path in paths:
        assert path is not None
        with contextlib.suppress(ManifestError):  # verify_backup reports it below
            encrypted = encrypted or bool(read_manifest(path).encryption)
    secret = read_secret(passphrase_file, key_file, needed=encrypted and is_terminal())
    # Encrypted backups are opened in the private data folder, not beside the backups.
    scratch = data_dir()
    scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
    results = [verify_backup(path, secret=secret, scratch=scratch) for path in paths if path]
    failed = sum(r.status == "failed" for r in results)
    keyless = sum(r.status == "needs-key" for r in results)
    code = 1 if failed else 2 if keyless else 0
    if as_json:
        print_json({"ok": code == 0, "results": [r.as_dict() for r in results]})
    else:
        for result in results:
            if result.ok:
                say(f"ok: {escape(str(result.path))}")
            else:
                word = "FAILED" if result.status == "failed" else "not checked"
                say(f"[red]{word}:[/] {escape('; '.join(result.problems))}", stderr=True)
        if not results:
            say("no backups to verify.")
        elif code:
            summary = f"{len(results) - failed - keyless} ok, {failed} failed"
            if keyless:
                summary += f", {keyless} not checked (need a key)"
            say(summary + ".", stderr=True)
    if code:
        raise typer.Exit(code)


@backup_app.command("prune")
def backup_prune(
    ctx: typer.Context,
    keep_last: Annotated[int, typer.Option(min=0, help="Keep the N newest backups.")] = 0,
    keep_daily: Annotated[int, typer.Option(min=0, help="Keep the newest of N days.")] = 0,
    keep_weekly: Annotated[int, typer.Option(min=0, help="Keep the newest of N weeks.")] = 0,
    keep_monthly: Annotated[int, typer.Option(min=0, help="Keep the newest of N months.")] = 0,
    keep_yearly: Annotated[int, typer.Option(min=0, help="Keep the newest of N years.")] = 0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would go; remove nothing.")
    ] = False,
    folder: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove backups the retention policy does not keep (like `restic forget`).

    Applied to each database's backups separately; days follow the general.timezone setting.

    The newest good backup of each database is always kept.
    """
    from zoneinfo import ZoneInfo

    from clientdesk.storage.backup import Policy, prune_backups

    state = state_of(ctx)
    policy = Policy(keep_last, keep_daily, keep_weekly, keep_monthly, keep_yearly)
    zone = ZoneInfo(state.settings().settings.general.timezone)
    result = prune_backups(backup_folder(state, folder), policy, zone=zone, dry_run=dry_run)
    if as_json:
        print_json(result.as_dict())
        return
    verb = "would remove" if dry_run else "removed"
    for group in result.groups:
        say(f"[bold]{escape(group.source)}[/]: keep {len(group.keep)}, {verb} {len(group.remove)}")
        for entry, reasons in group.keep:
            say(f"  keep     {escape(entry.path.name)}  ({', '.join(reasons)})")
        for entry in group.remove:
            say(f"  {'remove ' if dry_run else 'removed'}  {escape(entry.path.name)}")
    for entry in result.skipped:
        say(f"  left alone  {escape(entry.path.name)}  ({escape(entry.problem or '')})")
    for path in result.leftovers:
        say(f"  {verb} leftover temporary file {escape(path.name)}")
    if not result.groups:
        say("no backups to prune.")
    elif dry_run:
        say("dry run: nothing was removed.")
