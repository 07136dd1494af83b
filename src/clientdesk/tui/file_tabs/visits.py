"""The customer file's Visits tab (拜访): this customer's visits, planned first, then the rest.

Keys act on this customer: n plans a visit, l logs the highlighted planned one, u logs an
unplanned one, r reschedules, x cancels, enter shows a visit in full with its log. Rows are
read a window at a time (domain.agenda.customer_visits), like every list in the app.
"""

from __future__ import annotations

from datetime import tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from clientdesk.domain.agenda import CustomerVisitRow, count_customer_visits, customer_visits
from clientdesk.domain.enums import VisitKind, VisitStatus
from clientdesk.errors import ClientdeskError
from clientdesk.tui.file_tabs import FileTab
from clientdesk.tui.registry import Command
from clientdesk.tui.screens import visit_actions
from clientdesk.tui.widgets.visit_format import (
    Chosen,
    VisitRef,
    kind_label,
    satisfaction,
    status_label,
)
from clientdesk.tui.widgets.visit_window import (
    FIRST_ROW,
    Column,
    Layout,
    Piece,
    Section,
    Window,
    WindowTable,
    clip,
    read_window,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientdesk.tui.context import AppContext


class CustomerVisitTable(WindowTable):
    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("when", "When", 16),
        Column("status", "Status", 6),
        Column("kind", "Kind", 8),
        Column("purpose", "Purpose", 0),
        Column("contact", "Contact", 8),
        Column("satisfaction", "Satisf.", 7),
        Column("next", "Next step", 22),
    )
    FLEX: ClassVar[tuple[int, int]] = (16, 60)

    def __init__(self, *, zone: tzinfo, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone
        self._warn = ""

    def prepare(self) -> None:
        self._warn = "bold " + (self.app.current_theme.error or "red")

    def row_key(self, row: CustomerVisitRow) -> str:
        return f"visit:{row.visit_id}"

    def cells(self, row: CustomerVisitRow) -> list[Text]:
        at = row.when.astimezone(self.zone)
        status = row.status
        style = {VisitStatus.MISSED: self._warn, VisitStatus.CANCELLED: "dim strike"}.get(
            status, ""
        )
        if status == VisitStatus.PLANNED:
            style = "bold"
        next_step = row.next_step or ""
        if row.next_step_on:
            next_step = f"{row.next_step_on:%m-%d} {next_step}"
        return [
            clip(f"{at:%Y-%m-%d %H:%M}", style),
            clip(status_label(status), style),
            clip(kind_label(row.kind) if row.kind != VisitKind.REGULAR else ""),
            clip(row.purpose, "dim strike" if status == VisitStatus.CANCELLED else ""),
            clip(row.contact_name),
            clip(satisfaction(row.satisfaction)),
            clip(next_step),
        ]


class VisitsRead(Message):
    def __init__(self, serial: int, window: Window, follow: bool) -> None:
        super().__init__()
        self.serial = serial
        self.window = window
        self.follow = follow


class VisitsReadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


def read_customer_visits(session: Session, *, customer_id: int, target: int) -> Window:
    total = count_customer_visits(session=session, customer_id=customer_id)
    layout = Layout((Section("visits", total, heading=False),))

    def fetch(piece: Piece) -> list[CustomerVisitRow]:
        return customer_visits(
            session=session, customer_id=customer_id, offset=piece.offset, limit=piece.limit
        )

    return read_window(layout, fetch, target)


class VisitsTab(FileTab):
    TAB_ID = "visits"
    TITLE = "Visits"
    ORDER = 50

    DEFAULT_CSS = """
    VisitsTab.-empty CustomerVisitTable { display: none; }
    VisitsTab #file-visits-empty { display: none; }
    VisitsTab.-empty #file-visits-empty { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "plan", "Plan visit", id="file_visits.plan"),
        Binding("l", "log", "Log visit", id="file_visits.log"),
        Binding("u", "log_unplanned", "Unplanned", id="file_visits.log_unplanned"),
        Binding("r", "reschedule", "Reschedule", id="file_visits.reschedule"),
        Binding("x", "cancel_visit", "Cancel visit", id="file_visits.cancel"),
    ]

    def __init__(self, ctx: AppContext, customer_id: int) -> None:
        super().__init__(ctx, customer_id)
        self._serial = 0
        self.total: int | None = None

    def compose(self) -> ComposeResult:
        yield CustomerVisitTable(zone=self.ctx.zone, id="file-visits-table")
        yield Static(
            "No visits yet. Press n to plan one, or u to log one that happened.",
            id="file-visits-empty",
            classes="empty-note",
            markup=False,
        )
        yield Static(
            "⏎ details · n plan · l log · u unplanned · r reschedule · x cancel",
            id="file-visits-status",
            classes="status-line",
            markup=False,
        )

    @property
    def table(self) -> CustomerVisitTable:
        return self.query_one(CustomerVisitTable)

    @property
    def customer(self) -> Chosen | None:
        if self.file is None:
            return None
        c = self.file.customer
        return (self.customer_id, c.code, c.name)

    def reload(self) -> None:
        table = self.table
        table.forget_moves()
        position = table.position
        self._request(position if position is not None else FIRST_ROW, position is not None)

    def _request(self, target: int, follow: bool) -> None:
        self._serial += 1
        self._read(self._serial, target, follow)

    @on(WindowTable.WindowWanted, "#file-visits-table")
    def _window_wanted(self, event: WindowTable.WindowWanted) -> None:
        event.stop()
        self._request(event.target, event.follow)

    @work(thread=True, exclusive=True, group="file-visits")
    def _read(self, serial: int, target: int, follow: bool) -> None:
        worker = get_current_worker()
        customer_id = self.customer_id
        try:
            window = self.ctx.read(
                lambda s: read_customer_visits(s, customer_id=customer_id, target=target)
            )
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(VisitsReadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(VisitsRead(serial, window, follow))

    @on(VisitsRead)
    def _shown(self, message: VisitsRead) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        table = self.table
        table.show_window(message.window, follow=message.follow)
        self.total = message.window.total
        empty = self.total == 0
        self.set_class(empty, "-empty")
        if empty and table.has_focus:
            self.screen.set_focus(None)
        self.counted(self.total)

    @on(VisitsReadFailed)
    def _failed(self, message: VisitsReadFailed) -> None:
        message.stop()
        if message.serial == self._serial:
            self.table.forget_moves()
            self.notify(message.error, title="Could not load the visits", severity="error")

    def focus_first(self) -> None:
        if self.total:
            self.table.focus()

    # Actions on this customer and the highlighted visit.

    def _after_write(self) -> None:
        self.changed()  # the file reloads its header and timeline, and this tab

    def _ref(self) -> VisitRef | None:
        row: Any = self.table.current
        if not isinstance(row, CustomerVisitRow) or self.customer is None:
            self.notify("Highlight a visit first; n plans one.")
            return None
        return VisitRef.of_customer_row(row, self.customer)

    def action_plan(self) -> None:
        if self.customer is not None:
            visit_actions.plan(self.app, self.ctx, self._after_write, customer=self.customer)

    def action_log(self) -> None:
        row: Any = self.table.current
        if row is None or not isinstance(row, CustomerVisitRow):
            self.action_log_unplanned()  # nothing highlighted: the visit was never planned
            return
        ref = self._ref()
        if ref is not None:
            visit_actions.log(self.app, self.ctx, self._after_write, ref)

    def action_log_unplanned(self) -> None:
        if self.customer is not None:
            visit_actions.log_unplanned(
                self.app, self.ctx, self._after_write, customer=self.customer
            )

    def action_reschedule(self) -> None:
        ref = self._ref()
        if ref is not None:
            visit_actions.reschedule(self.app, self.ctx, self._after_write, ref)

    def action_cancel_visit(self) -> None:
        ref = self._ref()
        if ref is not None:
            visit_actions.cancel(self.app, self.ctx, self._after_write, ref)

    def action_details(self) -> None:
        ref = self._ref()
        if ref is not None:
            visit_actions.details(self.app, self.ctx, ref)

    @on(DataTable.RowSelected, "#file-visits-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def commands(self) -> list[Command]:
        def act(action: str) -> None:
            getattr(self, f"action_{action}")()

        return [
            Command("Customer: plan a visit", "Plan a visit to this customer (Visits tab, key n)",
                    partial(act, "plan")),
            Command("Customer: log the highlighted visit", "Log the visit highlighted in the "
                    "Visits tab as done (key l)", partial(act, "log")),
            Command("Customer: log an unplanned visit", "A visit to this customer that was "
                    "never planned (Visits tab, key u)", partial(act, "log_unplanned")),
            Command("Customer: reschedule visit", "Move the highlighted visit (Visits tab, key r)",
                    partial(act, "reschedule")),
            Command("Customer: cancel visit", "Call off the highlighted visit (Visits tab, key x)",
                    partial(act, "cancel_visit")),
        ]  # fmt: skip


TAB = VisitsTab
