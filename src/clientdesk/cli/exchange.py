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

from clientdesk.cli.progress import progress_bar
from clientdesk.cli.root import ClientdeskGroup, app, open_db, out, say, state_of
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


FormatOpt = Annotated[
    str,
    typer.Option(
        "--format", "-f", help="csv, tsv, xlsx, json, jsonl, vcf (contacts) or ics (visits)."
    ),
]
HeadersOpt = Annotated[
    str, typer.Option("--headers", help="Column headers (and labels) in en or zh.")
]
ColumnsOpt = Annotated[
    list[str] | None,
    typer.Option("--columns", help="Columns to write, by field or header, comma-separated."),
]
ExcelOpt = Annotated[
    bool, typer.Option("--excel", help="CSV for Excel: UTF-8 with BOM and CRLF line ends.")
]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="CSV encoding, e.g. gb18030.")]
GradeOpt = Annotated[list[str] | None, typer.Option("--grade", help="Only grade(s) A-D.")]
RegionOpt = Annotated[list[str] | None, typer.Option("--region", help="Only region(s).")]
OwnerOpt = Annotated[list[str] | None, typer.Option("--owner", help="Only this account manager.")]
StatusOpt = Annotated[list[str] | None, typer.Option("--status", help="Only customer status(es).")]
KindOpt = Annotated[list[str] | None, typer.Option("--kind", help="Only customer type(s).")]
CustomerOpt = Annotated[
    list[str] | None, typer.Option("--customer", help="Only this customer code.")
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="ics: first day, YYYY-MM-DD (default today).", show_default=False),
]
ToOpt = Annotated[
    str | None,
    typer.Option("--to", help="ics: last day, YYYY-MM-DD (default: no end).", show_default=False),
]
PlannedOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--planned-only",
        help="ics: leave out visits since done, cancelled or missed (by default they are "
        "written, so that re-importing the file updates them).",
    ),
]


def export_visits_calendar(
    ctx: typer.Context,
    out_path: str,
    *,
    start: str | None,
    end: str | None,
    owner: str | None,
    customer: str | None,
    planned_only: bool,
) -> int:
    """Visits as an iCalendar file (or standard output for -): `export visits --format ics`
    and `visits export` both write it here. The number of visits written."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from clientdesk.cli.visits import customer_id_of, parse_day, visit_session
    from clientdesk.exchange.ics import IcsOptions, export_visits_ics, write_visits_ics

    with visit_session(ctx, write=False) as c:
        assert isinstance(c.zone, ZoneInfo)
        first = parse_day(start, "--from") or datetime.now(c.zone).date()
        options = IcsOptions(
            zone=c.zone,
            start=first,
            end=parse_day(end, "--to"),
            owner=owner,
            customer_id=customer_id_of(c.session, customer) if customer else None,
            planned_only=planned_only,
        )
        if out_path == "-":
            written = write_visits_ics(c.session, sys.stdout.buffer, options, now=c.now)
            sys.stdout.buffer.flush()
            return written
        return export_visits_ics(c.session, out_path, options, now=c.now)


def _export_calendar(
    ctx: typer.Context,
    entity: str,
    out_path: str,
    *,
    start: str | None,
    end: str | None,
    planned_only: bool,
    owner: list[str],
    customer: list[str],
    unused: dict[str, bool],
) -> None:
    if entity != "visits":
        raise UsageError(
            f"--format ics writes visit plans as a calendar, not {entity}: "
            "`clientdesk export visits --format ics --out FILE.ics`."
        )
    given = [name for name, present in unused.items() if present]
    if given:
        names = " and ".join([", ".join(given[:-1]), given[-1]] if len(given) > 1 else given)
        raise UsageError(
            f"{names} {'do' if len(given) > 1 else 'does'} not apply to --format ics; the "
            "calendar takes --from, --to, --owner, --customer and --planned-only."
        )
    for option, values in (("--owner", owner), ("--customer", customer)):
        if len(values) > 1:
            raise UsageError(f"--format ics takes one {option}, not {len(values)}.")
    written = export_visits_calendar(
        ctx,
        out_path,
        start=start,
        end=end,
        owner=owner[0] if owner else None,
        customer=customer[0] if customer else None,
        planned_only=planned_only,
    )
    if out_path != "-":
        say(f"Exported {written:,} visits to {escape(out_path)}.", stderr=True)


def run_export(
    ctx: typer.Context,
    entity: str,
    *,
    format: str,
    out_path: str,
    headers: str,
    columns: list[str] | None,
    excel: bool,
    encoding: str | None,
    grade: list[str] | None,
    region: list[str] | None,
    owner: list[str] | None,
    status: list[str] | None,
    kind: list[str] | None,
    customer: list[str] | None,
    quiet: bool,
    start: str | None = None,
    end: str | None = None,
    planned_only: bool = False,
) -> None:
    fmt = format.strip().lower()
    if fmt == "ics":
        _export_calendar(
            ctx,
            entity,
            out_path,
            start=start,
            end=end,
            planned_only=planned_only,
            owner=owner or [],
            customer=customer or [],
            unused={
                "--headers": headers.strip().lower() != "en",
                "--columns": bool(columns),
                "--excel": excel,
                "--encoding": encoding is not None,
                "--grade": bool(grade),
                "--region": bool(region),
                "--status": bool(status),
                "--kind": bool(kind),
            },
        )
        return
    if start is not None or end is not None or planned_only:
        raise UsageError(
            "--from, --to and --planned-only apply to the visit calendar only: add --format ics."
        )

    from zoneinfo import ZoneInfo

    from clientdesk.exchange.export import ExportFilters, ExportOptions, export_entity

    state = state_of(ctx)
    settings = state.settings().settings
    wanted = [c.strip() for item in columns or [] for c in item.split(",") if c.strip()]
    options = ExportOptions(
        format=fmt,
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


def _entity_export(entity: str) -> None:
    def command(
        ctx: typer.Context,
        format: FormatOpt = "csv",
        out_path: OutOpt = "-",
        headers: HeadersOpt = "en",
        columns: ColumnsOpt = None,
        excel: ExcelOpt = False,
        encoding: EncodingOpt = None,
        grade: GradeOpt = None,
        region: RegionOpt = None,
        owner: OwnerOpt = None,
        status: StatusOpt = None,
        kind: KindOpt = None,
        customer: CustomerOpt = None,
        quiet: QuietOpt = False,
    ) -> None:
        run_export(
            ctx,
            entity,
            format=format,
            out_path=out_path,
            headers=headers,
            columns=columns,
            excel=excel,
            encoding=encoding,
            grade=grade,
            region=region,
            owner=owner,
            status=status,
            kind=kind,
            customer=customer,
            quiet=quiet,
        )

    command.__name__ = f"export_{entity}"
    export_help = f"Export {entity} (to standard output unless --out FILE), streamed row by row."
    export_app.command(entity, help=export_help)(command)


def export_visits(
    ctx: typer.Context,
    format: FormatOpt = "csv",
    out_path: OutOpt = "-",
    start: FromOpt = None,
    end: ToOpt = None,
    planned_only: PlannedOnlyOpt = False,
    headers: HeadersOpt = "en",
    columns: ColumnsOpt = None,
    excel: ExcelOpt = False,
    encoding: EncodingOpt = None,
    grade: GradeOpt = None,
    region: RegionOpt = None,
    owner: OwnerOpt = None,
    status: StatusOpt = None,
    kind: KindOpt = None,
    customer: CustomerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Export visits (to standard output unless --out FILE), streamed row by row; with
    --format ics, the visit plans as an iCalendar file for khal, Thunderbird or a phone."""
    run_export(
        ctx,
        "visits",
        format=format,
        out_path=out_path,
        headers=headers,
        columns=columns,
        excel=excel,
        encoding=encoding,
        grade=grade,
        region=region,
        owner=owner,
        status=status,
        kind=kind,
        customer=customer,
        quiet=quiet,
        start=start,
        end=end,
        planned_only=planned_only,
    )


for _entity in ENTITIES:
    if _entity == "visits":
        export_app.command("visits")(export_visits)
    else:
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
