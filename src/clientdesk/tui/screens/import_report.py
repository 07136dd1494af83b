"""Checking a file and importing it: the validation report, then the write, never half of it.

The whole file is read and checked in a worker (exchange.importer.validate_import), with a
progress bar for big files. The report is the one the command line prints: how many rows
would be inserted, updated and skipped, and every problem with its file, line, column,
value and reason. Import (ctrl+s) is offered only for a valid file and asks first; it writes
everything in one transaction and names the batch that `clientdesk import undo` takes back.
Cancel (esc) at any point leaves the database exactly as it was.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, ProgressBar, Static

from clientdesk.errors import ClientdeskError
from clientdesk.exchange.importer import (
    STAGE_WRITE,
    ImportOptions,
    ImportPlan,
    Progress,
    validate_import,
)
from clientdesk.exchange.report import ImportReport, Problem, write_errors
from clientdesk.exchange.sources import SourceError, open_path
from clientdesk.tui.context import AppContext
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.data_status import shown_path
from clientdesk.tui.screens.import_form import ENTITY_LABELS, ImportRequest
from clientdesk.tui.widgets.data_list_table import ListColumn, ListTable

PROGRESS_EVERY = 0.1  # seconds between progress messages: the bar moves, the queue stays short
FAILURES = (ClientdeskError, OSError, sqlite3.Error, SQLAlchemyError, UnicodeError)
PROBLEM_COLUMNS = (
    ListColumn("line", "Line", 7),
    ListColumn("column", "Column", 16),
    ListColumn("value", "Value", 22),
    ListColumn("reason", "Reason", 0),
)


class _Stopped(Exception):
    """Raised from the progress callback when the user cancels: the importer rolls back."""


class ImportProgressed(Message):
    def __init__(self, stage: str, done: int, total: int | None) -> None:
        super().__init__()
        self.stage = stage
        self.done = done
        self.total = total


class ImportChecked(Message):
    def __init__(self, plan: ImportPlan | None, report: ImportReport) -> None:
        super().__init__()
        self.plan = plan
        self.report = report


class ImportCommitted(Message):
    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


class ImportFailed(Message):
    def __init__(self, error: str, *, writing: bool) -> None:
        super().__init__()
        self.error = error
        self.writing = writing


class ImportStopped(Message):
    """The work was cancelled, or the plan closed: nothing was written."""


class ErrorsWritten(Message):
    def __init__(self, path: Path | None, rows: int, error: str = "") -> None:
        super().__init__()
        self.path = path
        self.rows = rows
        self.error = error


# The importer's advice names the command line's options; here they are fields of the dialog.
IN_DIALOG_WORDS = (
    (
        "pass --on-duplicate skip to leave it as it is, or update to overwrite it",
        "choose Skip or Update under Already stored (o)",
    ),
    ("map them with --map 'HEADER=FIELD'", "map them under Map columns (o)"),
    ("keep them in the notes with --keep-unknown", "keep them in the notes (o)"),
    ("--on-duplicate", "Already stored"),
    ("--keep-unknown", "Unknown columns"),
    ("--map", "Map columns"),
    ("--encoding", "Encoding"),
    ("--sheet", "Sheet"),
)


def in_dialog_words(text: str) -> str:
    for cli, dialog in IN_DIALOG_WORDS:
        text = text.replace(cli, dialog)
    return text


def problem_cells(problem: Problem) -> list[str]:
    whole = "(file)" if problem.line is None else "(row)"  # the problem is not one cell's
    return [
        "" if problem.line is None else f"{problem.line:,}",
        problem.column or whole,
        problem.value,
        in_dialog_words(problem.reason),
    ]


def counts_text(report: ImportReport) -> str:
    if report.batch is not None:
        text = (
            f"✓ Imported {shown_name(report.source)}: {report.to_insert:,} inserted, "
            f"{report.to_update:,} updated, {report.to_skip:,} skipped"
        )
        if report.unchanged:
            text += f" ({report.unchanged:,} of the updated were unchanged)"
        return f"{text}. Batch {report.batch}: undo it with  clientdesk import undo {report.batch}"
    if not report.ok:
        return (
            f"✗ {len(report.problems):,} problem(s) in {report.rows:,} row(s): nothing will be "
            "written. Fix the file (w writes the refused rows to a sheet), then r checks again."
        )
    text = (
        f"✓ {report.rows:,} rows are valid: {report.to_insert:,} to insert, "
        f"{report.to_update:,} to update, {report.to_skip:,} to skip."
    )
    if writes(report):
        return f"{text} ctrl+s imports them in one transaction."
    return f"{text} Nothing to write."


def writes(report: ImportReport) -> int:
    return report.to_insert + report.to_update


def shown_name(source: str) -> str:
    return shown_path(Path(source)) if source not in ("", "<stdin>") else source


def errors_path(source: Path) -> Path:
    """Beside the imported file, never over another file: 客户.errors.csv, 客户.errors-2.csv..."""
    for n in range(1, 1000):
        suffix = ".errors.csv" if n == 1 else f".errors-{n}.csv"
        candidate = source.with_name(source.stem + suffix)
        if not candidate.exists():
            return candidate
    raise ClientdeskError(f"too many error sheets beside {source}; remove some.")


class ImportReportScreen(ModalScreen[ImportReport | str | None]):
    """Dismissed with the report once imported, "options" to change them, None if cancelled."""

    DEFAULT_CSS = """
    ImportReportScreen .import-dialog {
        width: 112; max-width: 100%; height: 32; max-height: 100%;
        #import-stage { height: 1; margin-top: 1; color: $text-muted; }
        #import-bar { height: 1; }
        #import-counts { height: auto; margin: 1 0 0 0; text-style: bold; }
        #import-counts.-bad { color: $error; }
        #import-counts.-good { color: $success; }
        #import-warnings { height: auto; color: $warning; }
        #import-problems {
            height: 1fr; border: round $error 50%; background: $surface;
            &:focus { border: round $accent; }
        }
        #import-detail { height: auto; max-height: 4; color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "commit", "Import", priority=True, id="import.commit"),
        Binding("r", "recheck", "Check again", id="import.recheck"),
        Binding("o", "options", "Options", id="import.options"),
        Binding("w", "errors_sheet", "Errors sheet", id="import.errors_sheet"),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    def __init__(self, ctx: AppContext, request: ImportRequest) -> None:
        super().__init__(classes="import-report")
        assert request.path is not None
        self.ctx = ctx
        self.request = request
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None
        self.phase = "checking"  # checking, checked, writing, written, failed, closing
        self._stop = threading.Event()
        self._serial = 0

    def compose(self) -> ComposeResult:
        request = self.request
        assert request.path is not None
        title = f"Import {ENTITY_LABELS[request.entity]} from {shown_path(request.path)}"
        with Vertical(classes="dialog import-dialog"):
            yield Static(title, classes="dialog-title", markup=False)
            yield Static("", id="import-stage", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="import-bar")
            yield Static("", id="import-counts", markup=False)
            yield Static("", id="import-warnings", markup=False)
            yield ListTable(PROBLEM_COLUMNS, problem_cells, id="import-problems")
            yield Static("", id="import-detail", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import  ctrl+s", id="commit", variant="primary", compact=True)
                yield Button("Check again  r", id="recheck", compact=True)
                yield Button("Options  o", id="options", compact=True)
                yield Button("Cancel  esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#import-problems").display = False
        self.query_one("#import-detail").display = False
        self._check()

    # Checking.

    def _check(self) -> None:
        self.phase = "checking"
        self._stop.clear()
        self._serial += 1
        self.report = None
        self.query_one("#import-stage", Static).update("Reading the file…")
        bar = self.query_one("#import-bar", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#import-counts", Static).update("")
        self.query_one("#import-warnings", Static).update("")
        self.query_one("#import-problems").display = False
        self.query_one("#import-detail").display = False
        self._buttons()
        self._validate(self.request)

    def _progress(self) -> Progress:
        """A progress callback for the importer: throttled messages, and the cancel point."""
        last = [0.0]

        def report(stage: str, done: int, total: int | None) -> None:
            if self._stop.is_set():
                raise _Stopped
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY or (total is not None and done >= total):
                last[0] = now
                self.post_message(ImportProgressed(stage, done, total))

        return report

    @work(thread=True, exclusive=True, group="import-check")
    def _validate(self, request: ImportRequest) -> None:
        ctx = self.ctx
        options = ImportOptions(
            on_duplicate=request.on_duplicate,
            mapping=request.mapping,
            keep_unknown=request.keep_unknown,
            settings=ctx.settings,
            actor=ctx.actor,
        )
        assert request.path is not None
        try:
            sheet = open_path(str(request.path), encoding=request.encoding, sheet=request.sheet)
        except SourceError as exc:
            # A file that cannot be read at all is reported like any other problem.
            report = ImportReport(entity=request.entity, source=str(request.path))
            report.add(exc.line, "", "", exc.message.removeprefix(f"{report.source}: "))
            if exc.hint:
                report.warnings.append(exc.hint)
            self.post_message(ImportChecked(None, report))
            return
        except FAILURES as exc:
            self.post_message(ImportFailed(str(exc), writing=False))
            return
        try:
            plan = validate_import(ctx.database, request.entity, sheet, options, self._progress())
        except _Stopped:
            sheet.close()
            self.post_message(ImportStopped())
            return
        except FAILURES as exc:
            sheet.close()  # validate_import closes it too once the plan exists; twice is fine
            self.post_message(ImportFailed(str(exc), writing=False))
            return
        if self._stop.is_set():
            plan.close()
            self.post_message(ImportStopped())
            return
        self.post_message(ImportChecked(plan, plan.report))

    @on(ImportProgressed)
    def _progressed(self, message: ImportProgressed) -> None:
        bar = self.query_one("#import-bar", ProgressBar)
        bar.update(total=message.total, progress=message.done)
        stage = self.query_one("#import-stage", Static)
        if message.stage == STAGE_WRITE:
            of = f" of {message.total:,}" if message.total else ""
            stage.update(f"Writing… {message.done:,}{of} rows (esc stops: nothing is written)")
        elif message.total:
            percent = 100 * message.done / message.total if message.total else 0
            stage.update(f"Checking every row… {percent:.0f}% of the file")
        else:
            stage.update(f"Checking every row… {message.done:,}")

    @on(ImportChecked)
    def _checked(self, message: ImportChecked) -> None:
        self.plan = message.plan
        self.phase = "checked"
        self._show(message.report)
        if self.plan is None or not message.report.ok:
            self._close_plan()  # nothing can be written from it: let go of its connection

    def _show(self, report: ImportReport) -> None:
        self.report = report
        self.query_one("#import-bar", ProgressBar).display = False
        encoding = f", {report.encoding}" if report.encoding else ""
        fmt = f" ({report.format}{encoding})" if report.format else ""
        self.query_one("#import-stage", Static).update(
            f"{shown_name(report.source)}{fmt}: {report.rows:,} data rows read."
        )
        counts = self.query_one("#import-counts", Static)
        counts.update(counts_text(report))
        counts.set_class(not report.ok, "-bad")
        counts.set_class(report.ok, "-good")
        warnings = self.query_one("#import-warnings", Static)
        warnings.update("\n".join(f"⚠ {in_dialog_words(w)}" for w in report.warnings))
        warnings.display = bool(report.warnings)
        table = self.query_one("#import-problems", ListTable)
        table.display = bool(report.problems)
        self.query_one("#import-detail").display = bool(report.problems)
        if report.problems:
            table.border_title = f"Problems ({len(report.problems):,}) · w writes them to a sheet"
            table.show(report.problems)
            table.focus()
        self._buttons()

    @on(DataTable.RowHighlighted, "#import-problems")
    def _problem_highlighted(self) -> None:
        table = self.query_one("#import-problems", ListTable)
        problem = table.current
        if problem is not None and self.report is not None:
            where = f"{(table.position or 0) + 1:,} of {table.total:,}: "
            self.query_one("#import-detail", Static).update(
                where + in_dialog_words(problem.describe(shown_name(self.report.source)))
            )

    # Writing.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        report = self.report
        if action == "commit":
            return (
                self.phase == "checked"
                and self.plan is not None
                and report is not None
                and report.ok
                and writes(report) > 0
            ) or None
        if action in ("recheck", "options"):
            return self.phase in ("checked", "failed") or None
        if action == "errors_sheet":
            return bool(report and report.problems and self.phase == "checked")
        return True

    def _buttons(self) -> None:
        self.refresh_bindings()
        for name in ("commit", "recheck", "options"):
            self.query_one(f"#{name}", Button).disabled = not self.check_action(name, ())
        done = self.phase == "written"
        for name in ("commit", "recheck", "options"):
            self.query_one(f"#{name}", Button).display = not done
        self.query_one("#cancel", Button).label = "Close  esc" if done else "Cancel  esc"

    def action_commit(self) -> None:
        report, plan = self.report, self.plan
        if not self.check_action("commit", ()) or report is None or plan is None:
            return
        label = ENTITY_LABELS[self.request.entity]
        parts = [f"insert {report.to_insert:,}"]
        if report.to_update:
            parts.append(f"update {report.to_update:,}")
        self.app.push_screen(
            ConfirmScreen(
                f"Import {writes(report):,} {label}?",
                f"This will {' and '.join(parts)} {label} from {shown_name(report.source)} in "
                "one transaction. Afterwards `clientdesk import undo BATCH` takes it back.",
                confirm="Import",
            ),
            self._confirmed,
        )

    def _confirmed(self, yes: bool | None) -> None:
        if not yes or self.plan is None:
            return
        self.phase = "writing"
        self._stop.clear()
        self._buttons()
        bar = self.query_one("#import-bar", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#import-stage", Static).update("Writing…")
        self._commit(self.plan)

    @work(thread=True, exclusive=True, group="import-write")
    def _commit(self, plan: ImportPlan) -> None:
        try:
            report = plan.commit(self._progress())
        except _Stopped:
            plan.close()
            self.post_message(ImportStopped())
            return
        except FAILURES as exc:
            plan.close()
            self.post_message(ImportFailed(str(exc), writing=True))
            return
        plan.close()
        self.post_message(ImportCommitted(report))

    @on(ImportCommitted)
    def _committed(self, message: ImportCommitted) -> None:
        self.plan = None
        self.phase = "written"
        self._show(message.report)
        self.query_one("#cancel", Button).focus()
        self.notify(counts_text(message.report), title="Imported", timeout=10)

    @on(ImportFailed)
    def _failed(self, message: ImportFailed) -> None:
        self.plan = None
        self.phase = "failed"
        self.query_one("#import-bar", ProgressBar).display = False
        what = "Nothing was written: " if message.writing else "The file could not be checked: "
        self.query_one("#import-stage", Static).update("")
        counts = self.query_one("#import-counts", Static)
        counts.update(what + in_dialog_words(message.error))
        counts.set_class(True, "-bad")
        counts.set_class(False, "-good")
        self._buttons()
        self.notify(message.error, title="Not imported", severity="error", timeout=10)

    @on(ImportStopped)
    def _stopped(self) -> None:
        self.plan = None
        self.dismiss(None)
        self.notify("Import cancelled: nothing was written.")

    # Leaving.

    def action_cancel(self) -> None:
        if self.phase == "written":
            self.dismiss(self.report)
        elif self.phase in ("checking", "writing"):
            self._stop.set()  # the worker stops at its next progress point, rolling back
            self.query_one("#import-stage", Static).update("Stopping…")
        elif self.phase != "closing":
            self._leave(None)

    def action_options(self) -> None:
        if self.phase in ("checked", "failed"):
            self._leave("options")

    def action_recheck(self) -> None:
        if self.phase in ("checked", "failed"):
            self._close_plan()
            self._check()

    def _leave(self, result: str | None) -> None:
        plan, self.plan = self.plan, None
        if plan is None:
            self._finish_leave(result)
            return
        self.phase = "closing"
        self._discard(plan, leave=True, result=result)

    def _close_plan(self) -> None:
        plan, self.plan = self.plan, None
        if plan is not None:
            self._discard(plan, leave=False, result=None)

    @work(thread=True, group="import-close")
    def _discard(self, plan: ImportPlan, *, leave: bool, result: str | None) -> None:
        plan.close()  # drops the staged rows; the database was never written
        if leave:
            self.app.call_from_thread(self._finish_leave, result)

    def _finish_leave(self, result: str | None) -> None:
        self.dismiss(result)
        if result is None:
            self.notify("Import cancelled: nothing was written.")

    def on_unmount(self) -> None:
        # The app is closing with a checked file still open: let go of it, writing nothing.
        self._stop.set()
        if self.plan is not None:
            self.plan.close()
            self.plan = None

    # The errors sheet: the refused rows with their problems, to fix and import again.

    def action_errors_sheet(self) -> None:
        report = self.report
        if report is None or not report.problems or self.request.path is None:
            return
        self._write_errors(report, self.request.path)

    @work(thread=True, exclusive=True, group="import-errors")
    def _write_errors(self, report: ImportReport, source: Path) -> None:
        try:
            target = errors_path(source)
            rows = write_errors(report, target)
        except FAILURES as exc:
            self.post_message(ErrorsWritten(None, 0, str(exc)))
            return
        self.post_message(ErrorsWritten(target, rows))

    @on(ErrorsWritten)
    def _errors_written(self, message: ErrorsWritten) -> None:
        if message.path is None:
            self.notify(message.error, title="No errors sheet", severity="error")
            return
        self.notify(
            f"Wrote {message.rows:,} refused row(s) with their problems to "
            f"{shown_path(message.path)}: fix them there and import that file.",
            title="Errors sheet",
            timeout=10,
        )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {
            "commit": self.action_commit,
            "recheck": self.action_recheck,
            "options": self.action_options,
            "cancel": self.action_cancel,
        }
        if event.button.id in actions:
            actions[event.button.id]()
