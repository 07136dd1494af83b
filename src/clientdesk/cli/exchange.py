"""`clientdesk import ...` and `clientdesk export ...`: spreadsheets in and out.

Thin shell over clientdesk.exchange: options are parsed here, the work (and every check)
happens there. Problems go to stderr one per line (file:line: column 'value' reason), the
summary to stdout; --json prints the whole report for scripts. Exit codes: 0 done, 1 the
data was refused (nothing written), 2 bad usage.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from clientdesk.cli.root import ClientdeskGroup, app, err, open_db, out, say, state_of
from clientdesk.errors import UsageError

if TYPE_CHECKING:
    from clientdesk.exchange.report import ImportReport

ENTITIES = (
    "customers",
    "contacts",
    "contracts",
    "interactions",
    "transactions",
    "visits",
    "complaints",
)
SHOWN_PROBLEMS = 50

import_app = typer.Typer(
    help="Import customers and their records from CSV, TSV, XLSX, JSON or JSON Lines.",
    cls=ClientdeskGroup,
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export customers and their records as CSV, TSV, XLSX, JSON, JSON Lines or vCard.",
    cls=ClientdeskGroup,
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")

FileArg = Annotated[str, typer.Argument(help="The file to read; - reads standard input.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
DryOpt = Annotated[
    bool, typer.Option("--dry-run", help="Check and report what would change; write nothing.")
]


@contextlib.contextmanager
def progress_bar(quiet: bool) -> Iterator[Any]:
    """A rich progress bar on stderr when it is a terminal; yields the callback."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    ) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report


def show_report(report: ImportReport, *, as_json: bool, errors: Path | None) -> None:
    from clientdesk.exchange.report import write_errors

    if errors is not None and report.problems:
        rows = write_errors(report, errors)
        say(
            f"wrote {rows:,} refused row(s) with their problems to {escape(str(errors))}",
            stderr=True,
        )
    if as_json:
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
        return
    for warning in report.warnings:
        say(f"[yellow]warning:[/] {escape(warning)}", stderr=True)
    for problem in report.problems[:SHOWN_PROBLEMS]:
        say(f"[red]problem:[/] {escape(problem.describe(report.source))}", stderr=True)
    hidden = len(report.problems) - SHOWN_PROBLEMS
    if hidden > 0:
        say(f"... and {hidden:,} more; --errors FILE.csv writes them all.", stderr=True)
    source = escape(report.source)
    if not report.ok:
        say(
            f"{source}: {len(report.problems):,} problem(s) in {report.rows:,} row(s); "
            "nothing was imported.",
            stderr=True,
        )
        return
    counts = (
        f"{report.to_insert:,} to insert, {report.to_update:,} to update, "
        f"{report.to_skip:,} to skip"
    )
    if report.dry_run:
        say(f"{source}: {report.rows:,} rows are valid: {counts} (dry run: nothing written).")
        return
    done = counts.replace("to insert", "inserted").replace("to update", "updated")
    done = done.replace("to skip", "skipped")
    if report.unchanged:
        done += f" ({report.unchanged:,} of the updated were unchanged)"
    say(
        f"Imported {source} ({report.entity}): {done}; batch {report.batch} "
        f"(undo with `clientdesk import undo {report.batch}`)."
    )


def run_import(
    ctx: typer.Context,
    entity: str,
    file: str,
    *,
    format: str | None,
    encoding: str | None,
    sheet: str | None,
    mapping: list[str],
    keep_unknown: bool,
    on_duplicate: str,
    dry_run: bool,
    errors: Path | None,
    quiet: bool,
    as_json: bool,
) -> None:
    from clientdesk.exchange.importer import ImportOptions, validate_import
    from clientdesk.exchange.report import ImportReport
    from clientdesk.exchange.sources import SourceError, open_path

    state = state_of(ctx)
    settings = state.settings().settings
    options = ImportOptions(
        on_duplicate=on_duplicate,
        mapping=mapping,
        keep_unknown=keep_unknown,
        settings=settings,
        actor=settings.owner,
    )
    try:
        source = open_path(
            file, stdin=sys.stdin.buffer, format=format, encoding=encoding, sheet=sheet
        )
    except SourceError as exc:
        report = ImportReport(entity=entity, source="<stdin>" if file == "-" else file)
        report.add(exc.line, "", "", exc.message.removeprefix(f"{report.source}: "))
        if exc.hint:
            report.warnings.append(exc.hint)
        show_report(report, as_json=as_json, errors=errors)
        raise typer.Exit(1) from None
    try:
        database = open_db(state.location())
    except BaseException:
        source.close()
        raise
    try:
        with progress_bar(quiet or as_json) as progress:
            plan = validate_import(database, entity, source, options, progress)
        try:
            report = plan.report
            report.dry_run = dry_run
            if report.ok and not dry_run:
                with progress_bar(quiet or as_json) as progress:
                    plan.commit(progress)
        finally:
            plan.close()
    finally:
        database.dispose()
    show_report(report, as_json=as_json, errors=errors)
    if not report.ok:
        raise typer.Exit(1)


def _entity_import(entity: str) -> None:
    def command(
        ctx: typer.Context,
        file: FileArg,
        format: Annotated[
            str | None,
            typer.Option(
                "--format", help="csv, tsv, xlsx, json or jsonl (default: from the name/content)."
            ),
        ] = None,
        encoding: Annotated[
            str | None,
            typer.Option(
                "--encoding",
                help="Text encoding (default: detected; UTF-8 ±BOM, UTF-16 BOM, GB18030).",
            ),
        ] = None,
        sheet: Annotated[
            str | None, typer.Option("--sheet", help="XLSX sheet (default: the first).")
        ] = None,
        mapping: Annotated[
            list[str] | None,
            typer.Option(
                "--map",
                help="HEADER=FIELD: read a column as a field ('Firma=name'); HEADER= ignores it.",
            ),
        ] = None,
        keep_unknown: Annotated[
            bool,
            typer.Option("--keep-unknown", help="Keep unmatched columns in the notes."),
        ] = False,
        on_duplicate: Annotated[
            str,
            typer.Option(
                "--on-duplicate",
                help="Rows already stored: error (refuse the file), skip, or update.",
            ),
        ] = "error",
        dry_run: DryOpt = False,
        errors: Annotated[
            Path | None,
            typer.Option(
                "--errors",
                help="Write the refused rows and their problems to this CSV, to fix and re-import.",
            ),
        ] = None,
        quiet: QuietOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        run_import(
            ctx,
            entity,
            file,
            format=format,
            encoding=encoding,
            sheet=sheet,
            mapping=mapping or [],
            keep_unknown=keep_unknown,
            on_duplicate=on_duplicate,
            dry_run=dry_run,
            errors=errors,
            quiet=quiet,
            as_json=as_json,
        )

    command.__name__ = f"import_{entity}"
    import_app.command(
        entity,
        help=f"Import {entity} from FILE: the whole file is checked first, then written in one "
        "transaction, or nothing is written.",
    )(command)


for _entity in ENTITIES:
    _entity_import(_entity)


@import_app.command("all")
def import_all(
    ctx: typer.Context,
    file: FileArg,
    dry_run: DryOpt = False,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore a JSON snapshot (from `export all --format json`) into an empty database."""
    from clientdesk.exchange.snapshot import import_snapshot

    state = state_of(ctx)
    actor = state.settings().settings.owner
    if file == "-":
        stream: Any = sys.stdin.buffer
        name = "<stdin>"
    else:
        try:
            stream = Path(file).open("rb")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}.") from None
        name = file
    try:
        database = open_db(state.location())
        try:
            with progress_bar(quiet or as_json) as progress:
                report = import_snapshot(
                    database, stream, name, dry_run=dry_run, actor=actor, progress=progress
                )
        finally:
            database.dispose()
    finally:
        if file != "-":
            stream.close()
    show_report(report, as_json=as_json, errors=None)
    if not report.ok:
        raise typer.Exit(1)


@import_app.command("undo")
def import_undo(
    ctx: typer.Context,
    batch: Annotated[int, typer.Argument(help="The batch number an import printed.")],
    as_json: JsonOpt = False,
) -> None:
    """Take back an import: delete what it inserted and restore what it updated."""
    from clientdesk.exchange.batches import undo_batch

    state = state_of(ctx)
    database = open_db(state.location(), create=False)
    try:
        undone = undo_batch(database, batch, actor=state.settings().settings.owner)
    finally:
        database.dispose()
    if as_json:
        out.print_json(json.dumps(undone.as_dict(), ensure_ascii=False))
        return
    counts = ", ".join(f"{n:,} {t}" for t, n in undone.as_dict()["inserted"].items()) or "nothing"
    say(
        f"Undid import batch {batch} ({escape(undone.source)}): deleted {counts}; "
        f"restored {undone.updated:,} updated record(s)."
    )


@import_app.command("batches")
def import_batches(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the imports made into this database, with their batch numbers."""
    from rich.table import Table

    from clientdesk.exchange.batches import list_batches

    database = open_db(state_of(ctx).location(), create=False)
    try:
        found = list_batches(database)
    finally:
        database.dispose()
    if as_json:
        out.print_json(json.dumps([b.as_dict() for b in found], ensure_ascii=False))
        return
    if not found:
        say("No imports yet.")
        return
    table = Table("batch", "at (UTC)", "by", "entity", "file", "inserted", "updated", "state")
    for b in found:
        inserted = ", ".join(f"{n:,} {t}" for t, n in b.as_dict()["inserted"].items())
        table.add_row(
            str(b.number),
            b.at[:16],
            b.actor or "",
            b.entity,
            escape(b.source),
            inserted,
            f"{b.updated:,}",
            "undone" if b.undone else "",
        )
    out.print(table)


# -- export -----------------------------------------------------------------------------------
OutOpt = Annotated[
    str, typer.Option("--out", "-o", help="File to write (created 0600); - is standard output.")
]


@contextlib.contextmanager
def output(path: str, fmt: str) -> Iterator[Any]:
    from clientdesk.exchange.files import private_output

    if path == "-":
        if fmt == "xlsx" and sys.stdout.isatty():
            raise UsageError(
                "an XLSX workbook cannot be shown on the terminal; add --out FILE.xlsx."
            )
        stream = sys.stdout.buffer
        yield stream
        stream.flush()
        return
    with private_output(path, binary=True) as handle:
        yield handle


def _entity_export(entity: str) -> None:
    def command(
        ctx: typer.Context,
        format: Annotated[
            str, typer.Option("--format", "-f", help="csv, tsv, xlsx, json, jsonl or vcf.")
        ] = "csv",
        out_path: OutOpt = "-",
        headers: Annotated[
            str, typer.Option("--headers", help="Column headers (and labels) in en or zh.")
        ] = "en",
        columns: Annotated[
            list[str] | None,
            typer.Option(
                "--columns", help="Columns to write, by field or header, comma-separated."
            ),
        ] = None,
        excel: Annotated[
            bool, typer.Option("--excel", help="CSV for Excel: UTF-8 with BOM and CRLF line ends.")
        ] = False,
        encoding: Annotated[
            str | None, typer.Option("--encoding", help="CSV encoding, e.g. gb18030.")
        ] = None,
        grade: Annotated[
            list[str] | None, typer.Option("--grade", help="Only grade(s) A-D.")
        ] = None,
        region: Annotated[
            list[str] | None, typer.Option("--region", help="Only region(s).")
        ] = None,
        owner: Annotated[
            list[str] | None, typer.Option("--owner", help="Only this account manager.")
        ] = None,
        status: Annotated[
            list[str] | None, typer.Option("--status", help="Only customer status(es).")
        ] = None,
        kind: Annotated[
            list[str] | None, typer.Option("--kind", help="Only customer type(s).")
        ] = None,
        customer: Annotated[
            list[str] | None, typer.Option("--customer", help="Only this customer code.")
        ] = None,
        quiet: QuietOpt = False,
    ) -> None:
        from zoneinfo import ZoneInfo

        from clientdesk.exchange.export import ExportFilters, ExportOptions, export_entity

        state = state_of(ctx)
        settings = state.settings().settings
        wanted = [c.strip() for item in columns or [] for c in item.split(",") if c.strip()]
        options = ExportOptions(
            format=format.lower(),
            headers=headers.lower(),
            columns=wanted,
            excel=excel,
            encoding=encoding,
            filters=ExportFilters(
                grade=grade or [],
                region=region or [],
                owner=owner or [],
                status=status or [],
                kind=kind or [],
                customer=customer or [],
            ),
            zone=ZoneInfo(settings.general.timezone),
        )
        database = open_db(state.location(), create=False)
        try:
            with output(out_path, options.format) as stream, progress_bar(quiet) as progress:
                written = export_entity(database, entity, stream, options, progress)
        finally:
            database.dispose()
        if out_path != "-":
            say(f"Exported {written:,} {entity} to {escape(out_path)}.", stderr=True)

    command.__name__ = f"export_{entity}"
    import_help = f"Export {entity} (to standard output unless --out FILE), streamed row by row."
    export_app.command(entity, help=import_help)(command)


for _entity in ENTITIES:
    _entity_export(_entity)


@export_app.command("all")
def export_all(
    ctx: typer.Context,
    format: Annotated[
        str, typer.Option("--format", "-f", help="json (the only snapshot format).")
    ] = "json",
    out_path: OutOpt = "-",
    quiet: QuietOpt = False,
) -> None:
    """Write a full JSON snapshot of the database; `import all` restores it into an empty one."""
    from clientdesk.exchange.snapshot import export_snapshot

    if format.lower() != "json":
        raise UsageError("`export all` writes JSON snapshots only: --format json.")
    database = open_db(state_of(ctx).location(), create=False)
    try:
        with output(out_path, "json") as stream, progress_bar(quiet) as progress:
            written = export_snapshot(database, stream, progress)
    finally:
        database.dispose()
    if out_path != "-":
        say(f"Exported a snapshot of {written:,} rows to {escape(out_path)}.", stderr=True)
