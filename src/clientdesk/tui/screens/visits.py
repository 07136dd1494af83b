"""Visits screen (客户拜访): the agenda, the customers due for a visit, and the month calendar.

Key 1 shows the agenda (overdue, today, this week, later), 2 the customers whose grade's
cadence has run out, 3 the month. The same keys act on what is highlighted in each: n
plans, l logs, u logs an unplanned visit, r reschedules, x cancels, enter opens the file.
Every list is read from SQL a window at a time in a worker (see widgets/visit_*.py).
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, TabbedContent, TabPane

from clientdesk.domain.agenda import Bucket, agenda_counts
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.registry import Command, Housekeeping, Mode
from clientdesk.tui.screens import visit_actions
from clientdesk.tui.screens.visit_day import DayVisitsScreen
from clientdesk.tui.widgets.mode_bar import ModeBar
from clientdesk.tui.widgets.visit_agenda import AgendaRow, AgendaView
from clientdesk.tui.widgets.visit_calendar import CalendarView, MonthGrid
from clientdesk.tui.widgets.visit_due import DueRow, DueView
from clientdesk.tui.widgets.visit_format import Chosen, VisitRef

VIEWS = {"agenda": "1 Agenda 日程", "due": "2 Due 应拜访", "calendar": "3 Calendar 月历"}
DUE_PURPOSE = "例行拜访"  # what a visit planned from the due list is for, unless changed

# What each key works on: a visit (agenda), a customer (due) or a day (calendar).
NEEDS_VISIT = {"log", "reschedule", "cancel_visit", "details"}


class VisitsScreen(Screen[None]):
    """The salesperson's day: what is planned, who is due, and the month."""

    AUTO_FOCUS = ""  # the focus follows the view shown (see _focus_view)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "plan", "Plan", id="visits.plan"),
        Binding("l", "log", "Log", id="visits.log"),
        Binding("u", "log_unplanned", "Unplanned", id="visits.log_unplanned"),
        Binding("r", "reschedule", "Reschedule", id="visits.reschedule"),
        Binding("x", "cancel_visit", "Cancel visit", id="visits.cancel"),
        Binding("o", "open_file", "File", id="visits.open_file"),
        Binding("i", "details", "Details", show=False, id="visits.details"),
        Binding("f", "toggle_unplanned", "Unplanned only", id="visits.unplanned_only"),
        Binding("m", "toggle_mine", "Mine/all", show=False, id="visits.mine"),
        *(
            Binding(str(n), f"view('{view}')", title.split(" ")[1], show=False, id=f"visits.{view}")
            for n, (view, title) in enumerate(VIEWS.items(), start=1)
        ),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="visits.refresh"),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(classes="visits-screen")
        self.ctx = ctx
        self._first = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield ModeBar("visits")
        with TabbedContent(id="visit-views"):
            with TabPane(VIEWS["agenda"], id="agenda"):
                yield AgendaView(self.ctx, id="agenda-view")
            with TabPane(VIEWS["due"], id="due"):
                yield DueView(self.ctx, id="due-view")
            with TabPane(VIEWS["calendar"], id="calendar"):
                yield CalendarView(self.ctx, id="calendar-view")
        yield Footer()

    @property
    def agenda(self) -> AgendaView:
        return self.query_one(AgendaView)

    @property
    def due(self) -> DueView:
        return self.query_one(DueView)

    @property
    def calendar(self) -> CalendarView:
        return self.query_one(CalendarView)

    @property
    def view(self) -> str:
        return self.query_one(TabbedContent).active or "agenda"

    def on_mount(self) -> None:
        # The first view is read when its tab is activated, as every view is.
        self._focus_view()

    def on_screen_resume(self) -> None:
        if self.focused is None:
            self._focus_view()
        if self._first:
            self._first = False
            return
        # Back from a form, a file or another screen: what is shown may have changed.
        self.reload()

    # Views.

    def show_view(self, view: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == view:
            self._focus_view()
        else:
            tabs.active = view

    @on(TabbedContent.TabActivated, "#visit-views")
    def _view_activated(self) -> None:
        self._current_view().reload()
        self.refresh_bindings()
        self.call_after_refresh(self._focus_view)

    def _current_view(self) -> AgendaView | DueView | CalendarView:
        if self.view == "agenda":
            return self.agenda
        return self.due if self.view == "due" else self.calendar

    def _focus_view(self) -> None:
        target = {"agenda": "#agenda-table", "due": "#due-table"}.get(self.view, "#month-grid")
        widget = self.query_one(target)
        if widget.loading:
            # A widget cannot take the focus while its rows are being read: try again once
            # they are shown, so the keys reach the view without a click.
            self.set_timer(0.05, self._focus_view)
        elif widget.display and self.focused is not widget:
            widget.focus()

    def reload(self) -> None:
        self._current_view().reload()

    # What is highlighted.

    def highlighted_visit(self) -> VisitRef | None:
        if self.view == "agenda":
            return self.agenda.table.current_ref
        return None

    def highlighted_customer(self) -> Chosen | None:
        if self.view == "agenda":
            row: Any = self.agenda.table.current
            if isinstance(row, AgendaRow):
                return (row.customer_id, row.customer_code, row.customer_name)
        elif self.view == "due":
            due: DueRow | None = self.due.table.current_due
            if due is not None:
                return (due.customer_id, due.code, due.name)
        return None

    def _visit_or_say(self) -> VisitRef | None:
        ref = self.highlighted_visit()
        if ref is None:
            self.notify(visit_actions.NO_VISIT if self.view == "agenda" else self._no_visit_here())
        return ref

    def _no_visit_here(self) -> str:
        if self.view == "calendar":
            return "Press enter to list the day's visits; the keys act on a visit there."
        return "This list holds customers: l logs a visit to the highlighted one, n plans one."

    # Actions.

    def action_view(self, view: str) -> None:
        self.show_view(view)

    def action_plan(self) -> None:
        customer = self.highlighted_customer() if self.view == "due" else None
        if self.view == "calendar":
            visit_actions.plan(self.app, self.ctx, self.reload, day=self.calendar.selected)
        elif customer is not None:
            visit_actions.plan(
                self.app, self.ctx, self.reload, customer=customer, purpose=DUE_PURPOSE
            )
        else:
            visit_actions.plan(self.app, self.ctx, self.reload)

    def action_log(self) -> None:
        if self.view == "due":
            visit_actions.log_unplanned(
                self.app, self.ctx, self.reload, customer=self.highlighted_customer()
            )
            return
        ref = self._visit_or_say()
        if ref is not None:
            visit_actions.log(self.app, self.ctx, self.reload, ref)

    def action_log_unplanned(self) -> None:
        customer = self.highlighted_customer() if self.view == "due" else None
        visit_actions.log_unplanned(self.app, self.ctx, self.reload, customer=customer)

    def action_reschedule(self) -> None:
        ref = self._visit_or_say()
        if ref is not None:
            visit_actions.reschedule(self.app, self.ctx, self.reload, ref)

    def action_cancel_visit(self) -> None:
        ref = self._visit_or_say()
        if ref is not None:
            visit_actions.cancel(self.app, self.ctx, self.reload, ref)

    def action_details(self) -> None:
        ref = self._visit_or_say()
        if ref is not None:
            visit_actions.details(self.app, self.ctx, ref)

    def action_open_file(self) -> None:
        if self.view == "calendar":
            self.open_day()
            return
        customer = self.highlighted_customer()
        if customer is not None:
            self.post_message(OpenCustomer(customer[0]))
        else:
            self.notify("Highlight a visit or a customer first.")

    def open_day(self) -> None:
        owner = self.calendar.owner
        self.app.push_screen(DayVisitsScreen(self.ctx, self.calendar.selected, owner=owner))

    def action_toggle_unplanned(self) -> None:
        due = self.due
        due.unplanned_only = not due.unplanned_only
        due.reload(keep=False)

    def action_toggle_mine(self) -> None:
        mine = None if self.agenda.owner else self.ctx.actor
        for view in (self.agenda, self.due, self.calendar):
            view.owner = mine
        self.reload()
        self.notify(
            f"Showing only {mine}'s visits and customers." if mine else "Showing everyone's."
        )

    def action_reload(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        if action in NEEDS_VISIT:
            return view == "agenda" or (action == "log" and view == "due")
        if action == "toggle_unplanned":
            return view == "due"
        if action == "open_file":
            return view != "calendar"
        return True

    @on(DataTable.RowSelected, "#agenda-table, #due-table")
    def _row_chosen(self) -> None:
        self.action_open_file()  # enter, or a click on the highlighted row

    @on(MonthGrid.DayOpened)
    def _day_opened(self) -> None:
        self.open_day()


# -- the registry: key v, palette commands, the notice at start -----------------------------


def _visits_screen(ctx: AppContext) -> VisitsScreen:
    return VisitsScreen(ctx)


def _show(app: App[Any], view: str) -> None:
    async def shown() -> None:
        await app.switch_mode("visits")  # done once the Visits screen is on top
        screen = app.screen
        if isinstance(screen, VisitsScreen):
            screen.show_view(view)

    app.call_later(shown)


def visit_commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    """Visits commands: the views from anywhere; the actions while the Visits screen is shown."""
    ctx: AppContext = app.context  # type: ignore[attr-defined]
    reload = screen.reload if isinstance(screen, VisitsScreen) else (lambda: None)
    commands = [
        Command("Visits: agenda", "Planned visits: overdue, today, this week, later (key 1)",
                partial(_show, app, "agenda")),
        Command("Visits: due for a visit", "Customers whose grade's visit cadence has run out "
                "(key 2)", partial(_show, app, "due")),
        Command("Visits: month calendar", "Planned and done visits per day (key 3)",
                partial(_show, app, "calendar")),
    ]  # fmt: skip
    if not isinstance(screen, VisitsScreen):
        return [
            *commands,
            Command(
                "Visits: plan a visit",
                "Choose a customer and a time (the next working day by default)",
                partial(visit_actions.plan, app, ctx, reload),
            ),
            Command(
                "Visits: log an unplanned visit",
                "A visit that happened without a plan: what was discussed, feedback, next step",
                partial(visit_actions.log_unplanned, app, ctx, reload),
            ),
        ]
    s = screen
    commands += [
        Command("Visits: plan a visit", "For the highlighted customer (due list), the chosen "
                "day (calendar), or any customer (key n)", s.action_plan),
        Command("Visits: log the highlighted visit", "What was discussed, needs, feedback, "
                "satisfaction, next step (key l)", s.action_log),
        Command("Visits: log an unplanned visit", "A visit that happened without a plan (key u)",
                s.action_log_unplanned),
        Command("Visits: reschedule", "Move the highlighted visit to a new time (key r)",
                s.action_reschedule),
        Command("Visits: cancel visit", "Call off the highlighted visit, with a reason (key x)",
                s.action_cancel_visit),
        Command("Visits: visit details", "The highlighted visit in full (key i)", s.action_details),
        Command("Visits: open customer file", "The file of the highlighted customer (enter)",
                s.action_open_file),
        Command("Visits: only unplanned customers", "Due list: hide customers that already have "
                "a visit planned (key f)", s.action_toggle_unplanned),
        Command("Visits: mine or everyone's", f"Only the visits and customers of {ctx.actor}, "
                "or everyone's (key m)", s.action_toggle_mine),
        Command("Visits: calendar, today", "Back to today's month and day", partial(_today, s)),
        Command("Visits: refresh", "Read the view again (ctrl+r)", s.reload),
    ]  # fmt: skip
    return commands


def _today(screen: VisitsScreen) -> None:
    screen.show_view("calendar")
    screen.calendar.grid.action_today()


def overdue_notice(ctx: AppContext) -> str | None:
    """At start: how many planned visits are overdue (planned before today), if any."""
    counts = ctx.read(lambda s: agenda_counts(session=s, now=ctx.now(), zone=ctx.zone))
    overdue = counts[Bucket.OVERDUE]
    if not overdue:
        return None
    today = counts[Bucket.TODAY]
    visits = "visit is" if overdue == 1 else "visits are"
    also = f"; {today:,} planned today" if today else ""
    return f"{overdue:,} planned {visits} overdue{also}. Press v to log or reschedule them."


MODE = Mode(
    name="visits",
    key="v",
    title="Visits",
    order=20,
    screen=_visits_screen,
    commands=visit_commands,
    housekeeping=(Housekeeping(run=overdue_notice, severity="warning"),),
)
