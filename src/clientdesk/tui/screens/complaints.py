"""Complaints screen (客户投诉): the queue of complaints, read from SQL a window at a time.

Three views: the open complaints by deadline (the soonest first), only the overdue ones
(unanswered past their deadline, the longest overdue first), and every complaint, the newest
first. Enter opens a complaint; n takes a new one; s shows the satisfaction summary.

While the app is open, overdue complaints are flagged as escalated every few minutes (the
same sweep as `clientdesk complaint sweep`), and the queue is read again every minute so the
time left stays true.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, Protocol, cast

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.complaint_queue import (
    ComplaintRow,
    count_complaints,
    page_complaints,
)
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext
from clientdesk.tui.registry import Command, Housekeeping, Mode
from clientdesk.tui.screens.complaint_detail import ComplaintDetailScreen
from clientdesk.tui.screens.complaint_satisfaction import SatisfactionScreen
from clientdesk.tui.screens.complaint_take import TakeComplaintScreen
from clientdesk.tui.screens.complaint_views import (
    REFRESH_EVERY,
    SWEEP_EVERY,
    VIEWS,
    QueueEmpty,
    QueueLoaded,
    QueueLoadFailed,
    QueueRequest,
    SweepDone,
    View,
    sweep,
)
from clientdesk.tui.widgets.complaint_table import ComplaintTable, place_window
from clientdesk.tui.widgets.customer_table import WINDOW_SIZE
from clientdesk.tui.widgets.mode_bar import ModeBar

SHOW_KEYS = Binding.Group("Show", compact=True)


class ComplaintsScreen(Screen[None]):
    """The complaint queue; a window of rows at a time, whatever the number of complaints."""

    AUTO_FOCUS = "#complaints"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                spec.key,
                f"show('{view.value}')",
                spec.title,
                group=SHOW_KEYS,
                id=f"complaints.show_{view.value}",
            )
            for view, spec in VIEWS.items()
        ),
        Binding("n", "take", "Take complaint", id="complaints.take"),
        Binding("s", "satisfaction", "Satisfaction", id="complaints.satisfaction"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="complaints.refresh"),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.view = View.OPEN
        self.counts: dict[View, int] | None = None
        self._serial = 0
        self._shown: View | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ModeBar("complaints")
        yield ComplaintTable(now=self.ctx.now, id="complaints")
        yield QueueEmpty(id="complaints-empty", markup=False)
        yield Static("Loading complaints…", id="complaints-status", classes="status-line")
        yield Footer()

    @property
    def table(self) -> ComplaintTable:
        return self.query_one(ComplaintTable)

    def on_mount(self) -> None:
        self.table.loading = True
        self._show_title()
        self.set_interval(REFRESH_EVERY, self._tick)

    def on_screen_resume(self) -> None:
        # Back from a complaint, a form, a file or another screen: what it shows may have
        # changed, so read the window again around the same complaint.
        self.reload()

    def _tick(self) -> None:
        if self.is_current:
            self.reload()

    # What the keys and the palette do.

    def show(self, view: View) -> None:
        self.view = view
        self.table.forget_moves()
        self._show_title()
        self._request(0, follow=False)

    def reload(self) -> None:
        self.table.forget_moves()
        self._request(self.table.position or 0, follow=True)

    def take(self) -> None:
        self.app.push_screen(TakeComplaintScreen(self.ctx))

    def open_highlighted(self) -> None:
        row = self.table.current
        if row is not None:
            self.app.push_screen(ComplaintDetailScreen(self.ctx, row.id))

    def satisfaction(self) -> None:
        self.app.push_screen(SatisfactionScreen(self.ctx))

    def sweep_now(self) -> None:
        self._sweep()

    def action_show(self, view: str) -> None:
        self.show(View(view))

    def action_take(self) -> None:
        self.take()

    def action_satisfaction(self) -> None:
        self.satisfaction()

    def action_reload(self) -> None:
        self.reload()

    @on(DataTable.RowSelected, "#complaints")
    def _selected(self) -> None:
        self.open_highlighted()

    @on(ComplaintTable.WindowWanted)
    def _window_wanted(self, message: ComplaintTable.WindowWanted) -> None:
        self._request(message.target, follow=message.follow)

    @on(DataTable.RowHighlighted, "#complaints")
    def _highlighted(self) -> None:
        self._show_status()

    # Loading: the worker reads SQL and posts a message; only the handlers touch widgets.

    def _request(self, target: int, *, follow: bool) -> None:
        self._serial += 1
        self._load(QueueRequest(self._serial, self.view, target, follow))

    @work(thread=True, exclusive=True, group="complaints")
    def _load(self, request: QueueRequest) -> None:
        worker = get_current_worker()
        now = self.ctx.now()
        spec = VIEWS[request.view]

        def job(session: Any) -> tuple[list[ComplaintRow], int, int, dict[View, int]]:
            counts = {
                view: count_complaints(session=session, now=now, filters=VIEWS[view].filters)
                for view in View
            }
            offset, target = place_window(request.target, counts[request.view])
            rows = page_complaints(
                session=session,
                now=now,
                filters=spec.filters,
                sort=spec.sort,
                offset=offset,
                limit=WINDOW_SIZE,
            )
            return rows, offset, target, counts

        try:
            rows, offset, target, counts = self.ctx.read(job)
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(QueueLoadFailed(request, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(QueueLoaded(request, rows, offset, target, counts))

    @on(QueueLoaded)
    def _loaded(self, message: QueueLoaded) -> None:
        if message.request.serial != self._serial:
            return  # overtaken by a newer request
        table = self.table
        table.loading = False
        self.counts = message.counts
        self._shown = message.request.view
        total = message.counts[message.request.view]
        table.show_window(
            message.rows,
            offset=message.offset,
            total=total,
            target=message.target,
            follow=message.request.follow,
        )
        empty = self.query_one(QueueEmpty)
        empty.update(VIEWS[message.request.view].empty)
        had_focus = table.has_focus or empty.has_focus or self.focused is None
        empty.display = total == 0
        table.display = total > 0
        if had_focus:  # the keys of the queue keep working while the table is hidden
            (table if total else empty).focus()
        self._show_title()
        self._show_status()

    @on(QueueLoadFailed)
    def _load_failed(self, message: QueueLoadFailed) -> None:
        if message.request.serial != self._serial:
            return
        self.table.loading = False
        self.table.forget_moves()
        self.notify(message.error, title="Could not load complaints", severity="error")

    @work(thread=True, exclusive=True, group="complaints-sweep")
    def _sweep(self) -> None:
        try:
            text = sweep(self.ctx)
        except ClientdeskError as exc:
            self.post_message(SweepDone(str(exc), error=True))
            return
        self.post_message(SweepDone(text or "No complaint is past its deadline unescalated."))

    @on(SweepDone)
    def _swept(self, message: SweepDone) -> None:
        self.notify(message.text, severity="error" if message.error else "information")
        self.reload()

    # What the queue says about itself.

    def _show_title(self) -> None:
        counts = self.counts or {}
        parts = []
        for view, spec in VIEWS.items():
            count = f" {counts[view]:,}" if view in counts else ""
            text = f"{spec.key} {spec.title}{count}"
            parts.append(f"[reverse] {text} [/]" if view == self.view else f" {text} ")
        self.table.border_title = "Complaints 投诉 " + " ".join(parts)
        self.query_one(QueueEmpty).border_title = self.table.border_title

    def _show_status(self) -> None:
        if self.counts is None or self._shown is None:
            return
        view = self._shown
        total = self.counts[view]
        position = self.table.position
        where = f"{position + 1:,} / {total:,}" if position is not None else f"{total:,}"
        parts = [f"{where} {VIEWS[view].words}"]
        overdue = self.counts[View.OVERDUE]
        if overdue and view != View.OVERDUE:
            parts.append(f"! {overdue:,} overdue (press 2)")
        parts.append("↑ escalated")
        self.query_one("#complaints-status", Static).update("  ·  ".join(parts))


class _Host(Protocol):
    context: AppContext


def _context(app: App[Any]) -> AppContext:
    return cast(_Host, app).context


def complaint_commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    """Complaints: take one and the satisfaction summary from anywhere; the queue's views and
    a complaint's allowed steps while they are on screen."""
    ctx = _context(app)
    commands = [
        Command(
            "Complaints: take a complaint",
            "Record a new complaint: customer, channel, category, severity, text (key n)",
            lambda: app.push_screen(TakeComplaintScreen(ctx)),
        ),
        Command(
            "Complaints: satisfaction summary",
            "Average satisfaction by month, category and grade (key s on the queue)",
            lambda: app.push_screen(SatisfactionScreen(ctx)),
        ),
    ]
    if isinstance(screen, ComplaintsScreen):
        commands += [
            Command(
                f"Complaints: show {view.value}",
                f"Show the {VIEWS[view].words} (key {VIEWS[view].key})",
                partial(screen.show, view),
            )
            for view in View
        ]
        commands += [
            Command(
                "Complaints: open complaint",
                "Open the highlighted complaint (enter)",
                screen.open_highlighted,
            ),
            Command("Complaints: refresh", "Read the queue again (ctrl+r)", screen.reload),
            Command(
                "Complaints: escalate overdue now",
                "Flag every complaint unanswered past its deadline as escalated, now "
                "(the app does it every few minutes)",
                screen.sweep_now,
            ),
        ]
    if isinstance(screen, ComplaintDetailScreen):
        commands += screen.step_commands()
    return commands


MODE = Mode(
    name="complaints",
    key="p",
    title="Complaints",
    order=40,
    screen=ComplaintsScreen,
    commands=complaint_commands,
    housekeeping=(Housekeeping(run=sweep, every_seconds=SWEEP_EVERY, severity="warning"),),
)
