"""Re-evaluating every customer's grade (定期评估): a dry run first, then Apply.

The dry run scores everyone and lists what would move (up, down, and the grades fixed by
hand that are kept), changing nothing. Apply runs it again inside one transaction and
records a GradeAssessment for every change. Both run in a worker with a progress bar; Esc
stops either one with nothing changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from sqlalchemy import func, select
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, ProgressBar, Static

from clientdesk.domain.customer import Customer
from clientdesk.domain.regrade import Evaluated, RunResult, run_grading
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.screens.data_panels import Colours
from clientdesk.tui.screens.grade_support import direction, grading_args, movement, run_summary, why
from clientdesk.tui.widgets.data_list_table import ListColumn, ListTable, cell

PROGRESS_EVERY = 0.1
MOVE_COLUMNS = (
    ListColumn("code", "Code", 8),
    ListColumn("name", "Name", 30),
    ListColumn("change", "Grade", 9),
    ListColumn("score", "Score", 5),
    ListColumn("why", "Why", 0),
)


class _Stopped(Exception):
    """Raised from the progress callback when the user stops the run: nothing is kept."""


class GradingProgressed(Message):
    def __init__(self, done: int, total: int | None) -> None:
        super().__init__()
        self.done = done
        self.total = total


class GradingDone(Message):
    def __init__(self, run: RunResult) -> None:
        super().__init__()
        self.run = run


class GradingFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class GradingStopped(Message):
    pass


def moved_rows(run: RunResult) -> list[Evaluated]:
    """Upgrades, then downgrades, then the grades fixed by hand that were kept."""
    return [*run.upgrades, *run.downgrades, *run.kept_fixed]


DEFAULT_COLOURS = Colours()


def move_cells(item: Evaluated, *, colours: Colours = DEFAULT_COLOURS) -> list[str | Text]:
    if item.fixed:
        change = f"{item.current} kept"
        reason = f"fixed by hand (the scorecard says {item.grade})"
        style = "dim"
    else:
        change, reason = movement(item), why(item)
        style = colours.success if direction(item) == "up" else colours.error
    return [
        cell(item.code),
        cell(item.name),
        cell(change, style),
        cell(f"{item.total:.1f}".rjust(5)),
        cell(reason),
    ]


class GradeRunScreen(ModalScreen[RunResult | None]):
    """Dismissed with the applied run, or None when nothing was applied."""

    DEFAULT_CSS = """
    GradeRunScreen .grade-run-dialog {
        width: 112; max-width: 100%; height: 32; max-height: 100%;
        #grading-stage { height: 1; margin-top: 1; color: $text-muted; }
        #grading-bar { height: 1; }
        #grading-summary { height: auto; margin: 1 0 0 0; }
        #grading-summary.-applied { color: $success; text-style: bold; }
        #grading-moves {
            height: 1fr; border: round $primary 40%; background: $surface;
            &:focus { border: round $accent; }
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", priority=True, id="grading.apply"),
        Binding("escape", "close", "Close", id="grading.close"),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(classes="grade-run")
        self.ctx = ctx
        self.phase = "dry-run"  # dry-run, previewed, applying, applied, failed
        self.run: RunResult | None = None
        self._stop = threading.Event()
        self._writing = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog grade-run-dialog"):
            yield Static(
                "Re-evaluate grades 定期评估 · dry run first, nothing changes until Apply",
                classes="dialog-title",
                markup=False,
            )
            yield Static("Counting customers…", id="grading-stage", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="grading-bar")
            yield Static("", id="grading-summary", markup=False)
            cells = partial(move_cells, colours=Colours.of(self.app))
            yield ListTable(MOVE_COLUMNS, cells, id="grading-moves")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply  ctrl+s", id="apply", variant="primary", compact=True)
                yield Button("Close  esc", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#grading-moves").display = False
        self._buttons()
        self._grade(dry_run=True)

    def _progress(self, total: int | None) -> Callable[[int], None]:
        last = [0.0]

        def report(done: int) -> None:
            if self._stop.is_set():
                raise _Stopped
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                self.post_message(GradingProgressed(done, total))

        return report

    @work(thread=True, exclusive=True, group="grading")
    def _grade(self, *, dry_run: bool) -> None:
        ctx = self.ctx
        today, now, args = ctx.today(), ctx.now(), grading_args(ctx.settings)

        def count(session: Session) -> int:
            return int(session.execute(select(func.count()).select_from(Customer)).scalar_one())

        def job(session: Session) -> RunResult:
            return run_grading(
                session=session,
                as_of=today,
                actor=ctx.actor,
                dry_run=dry_run,
                assessed_at=now,
                progress=self._progress(total),
                **args,
            )

        try:
            total = ctx.read(count)
            self.post_message(GradingProgressed(0, total))
            run = ctx.read(job) if dry_run else ctx.write(job)  # a dry run only reads
        except _Stopped:
            self.post_message(GradingStopped())  # the write transaction rolled back
            return
        except ClientdeskError as exc:
            self.post_message(GradingFailed(str(exc)))
            return
        self.post_message(GradingDone(run))

    @on(GradingProgressed)
    def _progressed(self, message: GradingProgressed) -> None:
        self.query_one("#grading-bar", ProgressBar).update(
            total=message.total, progress=message.done
        )
        stage = self.query_one("#grading-stage", Static)
        if self.phase == "applying" and message.total and message.done >= message.total:
            self._writing = True  # scored: what is left is the one write transaction
            stage.update("Recording the grade changes in one transaction…")
            return
        verb = "Scoring (dry run)" if self.phase == "dry-run" else "Applying"
        of = f" of {message.total:,}" if message.total is not None else ""
        stage.update(f"{verb}… {message.done:,}{of} customers (esc stops, changing nothing)")

    @on(GradingDone)
    def _done(self, message: GradingDone) -> None:
        run = self.run = message.run
        self._writing = False
        applied = not run.dry_run
        self.phase = "applied" if applied else "previewed"
        self.query_one("#grading-bar", ProgressBar).display = False
        moves = len(run.upgrades) + len(run.downgrades)
        if applied:
            stage = f"Applied: {moves:,} grade changes recorded in the grade history."
        elif moves:
            stage = "Dry run: nothing has changed yet. ctrl+s applies these moves."
        else:
            stage = "Dry run: every grade already matches its scorecard; nothing to apply."
        self.query_one("#grading-stage", Static).update(stage)
        summary = self.query_one("#grading-summary", Static)
        summary.update(run_summary(run))
        summary.set_class(applied, "-applied")
        table = self.query_one("#grading-moves", ListTable)
        rows = moved_rows(run)
        table.display = bool(rows)
        if rows:
            table.border_title = (
                f"{'Moved' if applied else 'Would move'}: {len(run.upgrades):,} up · "
                f"{len(run.downgrades):,} down · {len(run.kept_fixed):,} kept (fixed by hand)"
                "  ·  ⏎ opens the file"
            )
            table.show(rows)
            table.focus()
        self._buttons()
        if applied:
            self.notify(f"Grades re-evaluated: {moves:,} changes recorded.")

    @on(GradingFailed)
    def _failed(self, message: GradingFailed) -> None:
        self.phase = "failed"
        self._writing = False
        self.query_one("#grading-bar", ProgressBar).display = False
        self.query_one("#grading-stage", Static).update(f"Nothing changed: {message.error}")
        self._buttons()
        self.notify(message.error, title="Grading failed", severity="error", timeout=10)

    @on(GradingStopped)
    def _stopped(self) -> None:
        self.notify("Re-evaluation stopped: no grade was changed.")
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            run = self.run
            ready = self.phase == "previewed" and run is not None
            return (ready and bool(run and (run.upgrades or run.downgrades))) or None
        return True

    def _buttons(self) -> None:
        self.refresh_bindings()
        self.query_one("#apply", Button).disabled = not self.check_action("apply", ())

    def action_apply(self) -> None:
        if not self.check_action("apply", ()):
            return
        self.phase = "applying"
        self._stop.clear()
        bar = self.query_one("#grading-bar", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#grading-stage", Static).update("Applying…")
        self._buttons()
        self._grade(dry_run=False)

    def action_close(self) -> None:
        if self._writing:
            self.notify("The grade changes are being written; it takes a moment.")
            return
        if self.phase in ("dry-run", "applying"):
            self._stop.set()
            self.query_one("#grading-stage", Static).update("Stopping…")
            return
        self.dismiss(self.run if self.phase == "applied" else None)

    @on(DataTable.RowSelected, "#grading-moves")
    def _open(self) -> None:
        item = self.query_one("#grading-moves", ListTable).current
        if item is not None and self.phase in ("previewed", "applied"):
            # The file opens over this dialog; closing it comes back to the same list.
            self.app.post_message(OpenCustomer(item.customer_id))

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()
