"""The Grade tab of the customer file (客户分级): the grade, the scorecard behind it, the
grade's service standard, and the grade history, newest first.

Keys while the tab has the focus: r re-evaluates this customer (and says what moved), m sets
the two judgement inputs, f fixes the grade by hand, u releases a hand-fixed grade.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from clientdesk.domain.grade_manual import grade_history, release_grade
from clientdesk.domain.grading import GradeAssessment
from clientdesk.domain.regrade import Evaluated, RunResult, evaluate, run_grading
from clientdesk.errors import ClientdeskError, NotFoundError
from clientdesk.tui.file_tabs import FileTab
from clientdesk.tui.registry import Command
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.grade_fix import GradeFixScreen
from clientdesk.tui.screens.grade_inputs import GradeInputsScreen
from clientdesk.tui.screens.grade_support import grading_args, why
from clientdesk.tui.widgets.grade_history import GradeHistoryTable
from clientdesk.tui.widgets.scorecard import ScorecardTable

if TYPE_CHECKING:
    from clientdesk.config import Settings
    from clientdesk.tui.context import AppContext

HINT = "r re-evaluate  ·  m market share & potential  ·  f fix grade by hand  ·  u release"


class GradeLoaded(Message):
    def __init__(
        self, serial: int, item: Evaluated, history: list[GradeAssessment], total: int
    ) -> None:
        super().__init__()
        self.serial = serial
        self.item = item
        self.history = history
        self.total = total


class GradeLoadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


class GradeWritten(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class GradeWriteFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


def service_text(settings: Settings, item: Evaluated, warning: str = "yellow") -> Text:
    grade = item.current.value
    standard = settings.service_for(grade)
    lines = [
        f"Visit every {standard.visit_every_days} days",
        f"Answer complaints within {standard.complaint_response_hours} h",
        "Dedicated manager: " + ("required" if standard.dedicated_manager else "no"),
    ]
    text = Text("\n".join(lines))
    if standard.dedicated_manager and not item.owner:
        text.append(
            f"\n⚠ Grade {grade} has no account manager: assign one with o.",
            style=f"bold {warning}",
        )
    elif item.owner:
        text.append(f"\nAccount manager: {item.owner}")
    return text


def summary_text(item: Evaluated) -> str:
    card = item.card()
    text = f"Grade {item.current}"
    if item.fixed:
        text += " · fixed by hand, kept on re-evaluation (u releases it)"
    if card.grade != item.current:
        text += f" · the scorecard now says {card.grade}, {why(item)}: press r to re-evaluate"
    else:
        text += f" · the scorecard agrees: {why(item)}"
    return text


def moved_text(code: str, run: RunResult) -> str:
    """What re-evaluating one customer did, in a sentence."""
    for items, word in ((run.upgrades, "up"), (run.downgrades, "down")):
        for item in items:
            return (
                f"{code} moved {word}: {item.current} → {item.grade}, {why(item)}. "
                "Recorded in the grade history."
            )
    for item in run.kept_fixed:
        return (
            f"{code} keeps grade {item.current}, fixed by hand; the scorecard says "
            f"{item.grade}, {why(item)}. Press u to release it."
        )
    return f"{code} stays where it is: nothing moved."


class GradeTab(FileTab):
    TAB_ID = "grade"
    TITLE = "Grade"
    ORDER = 40

    DEFAULT_CSS = """
    GradeTab {
        #grade-summary { height: auto; margin: 0 1; text-style: bold; }
        #grade-summary.-moved { color: $warning; }
        ScorecardTable {
            height: auto; max-height: 12; overflow-x: hidden; background: $surface;
            border: round $primary 40%; border-title-color: $text-muted;
            &:focus { border: round $accent; }
        }
        #grade-body { height: 1fr; scrollbar-size-vertical: 1; }
        #grade-lower { height: 1fr; min-height: 8; }
        #grade-service {
            width: 40; height: 100%; padding: 0 1;
            border: round $primary 40%; border-title-color: $text-muted; background: $surface;
        }
        #grade-service.-warning { border: round $warning; }
        GradeHistoryTable {
            width: 1fr; height: 100%; background: $surface;
            border: round $primary 40%; border-title-color: $text-muted;
            &:focus { border: round $accent; }
        }
        #grade-history-empty { width: 1fr; }
        .status-line { margin: 0 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reevaluate", "Re-evaluate", id="grade.reevaluate"),
        Binding("m", "judgement", "Ratings", id="grade.judgement"),
        Binding("f", "fix", "Fix grade", id="grade.fix"),
        Binding("u", "release", "Release grade", id="grade.release"),
    ]

    def __init__(self, ctx: AppContext, customer_id: int) -> None:
        super().__init__(ctx, customer_id)
        self.item: Evaluated | None = None
        self.busy = False
        self._serial = 0

    def compose(self) -> ComposeResult:
        # Scrolls on a short terminal: the history then sits below the scorecard.
        with VerticalScroll(id="grade-body", can_focus=False):
            yield Static("Reading the scorecard…", id="grade-summary", markup=False)
            yield ScorecardTable(id="scorecard")
            with Horizontal(id="grade-lower"):
                yield Static("", id="grade-service", markup=False)
                yield GradeHistoryTable(zone=self.ctx.zone, id="grade-history")
                yield Static(
                    "No assessment yet: grades move when re-evaluated (r), "
                    "or are fixed by hand (f).",
                    id="grade-history-empty",
                    classes="empty-note",
                    markup=False,
                )
        yield Static(HINT, classes="status-line", markup=False)

    def on_mount(self) -> None:
        self.query_one("#grade-history-empty").display = False
        self.query_one(ScorecardTable).border_title = "Scorecard 评分卡"
        self.query_one(GradeHistoryTable).border_title = "Grade history 评级记录"

    def focus_first(self) -> None:
        self.query_one(ScorecardTable).focus()

    # Reading.

    def reload(self) -> None:
        self._serial += 1
        self._load(self._serial)

    @work(thread=True, exclusive=True, group="grade-tab-load")
    def _load(self, serial: int) -> None:
        worker = get_current_worker()
        ctx, customer_id = self.ctx, self.customer_id
        today, args = ctx.today(), grading_args(ctx.settings)

        def job(session: Session) -> tuple[Evaluated | None, list[GradeAssessment], int]:
            found = evaluate(session=session, as_of=today, customer_id=customer_id, **args)
            item = next(found, None)
            history, total = grade_history(customer_id, session=session)
            return item, history, total

        try:
            item, history, total = ctx.read(job)
            if item is None:
                raise NotFoundError(f"customer {customer_id} no longer exists.")
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(GradeLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(GradeLoaded(serial, item, history, total))

    @on(GradeLoaded)
    def _loaded(self, message: GradeLoaded) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        item = self.item = message.item
        card = item.card()
        summary = self.query_one("#grade-summary", Static)
        summary.update(summary_text(item))
        summary.set_class(card.grade != item.current, "-moved")
        scorecard = self.query_one(ScorecardTable)
        scorecard.border_title = f"Scorecard 评分卡 · as of {item.grading.as_of.isoformat()}"
        scorecard.show(card)
        service = self.query_one("#grade-service", Static)
        warning = self.app.current_theme.warning or "yellow"
        service.update(service_text(self.ctx.settings, item, warning))
        service.border_title = f"Grade {item.current} service 服务标准"
        standard = self.ctx.settings.service_for(item.current.value)
        service.set_class(standard.dedicated_manager and not item.owner, "-warning")
        history = self.query_one(GradeHistoryTable)
        history.show(message.history)
        shown = len(message.history)
        title = "Grade history 评级记录"
        title += (
            f" ({message.total:,})"
            if shown == message.total
            else f" ({shown} of {message.total:,})"
        )
        history.border_title = title
        history.display = bool(message.history)
        self.query_one("#grade-history-empty").display = not message.history
        self.counted(message.total)
        self.refresh_bindings()

    @on(GradeLoadFailed)
    def _load_failed(self, message: GradeLoadFailed) -> None:
        message.stop()
        if message.serial == self._serial:
            self.query_one("#grade-summary", Static).update("The scorecard could not be read.")
            self.notify(message.error, title="Could not read the grade", severity="error")

    # Actions.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reevaluate", "judgement", "fix", "release"):
            if self.item is None or self.busy:
                return None  # shown, not yet usable
            if action == "release" and not self.item.fixed:
                return False
        return True

    def action_reevaluate(self) -> None:
        if self.item is None or self.busy:
            return
        self.busy = True
        self.refresh_bindings()
        self._reevaluate(self.item.code)

    @work(thread=True, exclusive=True, group="grade-tab-write")
    def _reevaluate(self, code: str) -> None:
        ctx, customer_id = self.ctx, self.customer_id
        today, now, args = ctx.today(), ctx.now(), grading_args(ctx.settings)

        def job(session: Session) -> RunResult:
            return run_grading(
                session=session,
                as_of=today,
                actor=ctx.actor,
                customer_id=customer_id,
                assessed_at=now,
                **args,
            )

        try:
            run = ctx.write(job)
        except ClientdeskError as exc:
            self.post_message(GradeWriteFailed(str(exc)))
            return
        self.post_message(GradeWritten(moved_text(code, run)))

    def action_judgement(self) -> None:
        item = self.item
        if item is None:
            return
        self.app.push_screen(
            GradeInputsScreen(
                self.ctx,
                customer_id=self.customer_id,
                customer_name=item.name,
                market_share=item.inputs.market_share_rating,
                potential=item.inputs.potential_rating,
            ),
            self._after_form,
        )

    def action_fix(self) -> None:
        item = self.item
        if item is None:
            return
        self.app.push_screen(
            GradeFixScreen(
                self.ctx,
                customer_id=self.customer_id,
                customer_name=item.name,
                grade=item.current,
                scorecard=item.card(),
            ),
            self._after_form,
        )

    def action_release(self) -> None:
        item = self.item
        if item is None or not item.fixed:
            return
        customer_id, actor = self.customer_id, self.ctx.actor

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self.refresh_bindings()
                self._write_release(customer_id, actor, item.code)

        self.app.push_screen(
            ConfirmScreen(
                f"Release the grade of {item.code}?",
                f"{item.name} keeps grade {item.current} for now; the next re-evaluation may "
                f"move it (the scorecard says {item.grade}).",
                confirm="Release",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="grade-tab-write")
    def _write_release(self, customer_id: int, actor: str, code: str) -> None:
        try:
            self.ctx.write(lambda s: release_grade(customer_id, session=s, actor=actor))
        except ClientdeskError as exc:
            self.post_message(GradeWriteFailed(str(exc)))
            return
        self.post_message(
            GradeWritten(f"{code}: the grade is no longer fixed; press r to re-evaluate it.")
        )

    def _after_form(self, result: Any) -> None:
        if result is not None:
            self.changed()

    @on(GradeWritten)
    def _written(self, message: GradeWritten) -> None:
        message.stop()
        self.busy = False
        self.notify(message.text)
        self.changed()  # the file reloads: the header's grade badge and this tab

    @on(GradeWriteFailed)
    def _write_failed(self, message: GradeWriteFailed) -> None:
        message.stop()
        self.busy = False
        self.refresh_bindings()
        self.notify(message.error, title="Not done", severity="error", timeout=10)

    def commands(self) -> list[Command]:
        act = self.run_action
        return [
            Command(
                "Customer: re-evaluate grade",
                "Score this customer again and record what moved (key r on the Grade tab)",
                partial(act, "reevaluate"),
            ),
            Command(
                "Customer: market share and potential",
                "Set the two judgement inputs of the scorecard, 0-5 (key m on the Grade tab)",
                partial(act, "judgement"),
            ),
            Command(
                "Customer: fix grade by hand",
                "Set the grade, kept on re-evaluation, with a reason (key f on the Grade tab)",
                partial(act, "fix"),
            ),
            Command(
                "Customer: release hand-fixed grade",
                "Let re-evaluation move the grade again (key u on the Grade tab)",
                partial(act, "release"),
            ),
        ]


TAB = GradeTab
