"""The customer file's Complaints tab (投诉): the customer's complaints, the open ones first
(by deadline), then the rest, the newest first. Enter opens a complaint; n takes a new one
for this customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from clientdesk.domain.complaint_queue import (
    ComplaintFilter,
    ComplaintRow,
    count_complaints,
    page_complaints,
)
from clientdesk.domain.complaints import OPEN_STATUSES
from clientdesk.domain.enums import ComplaintStatus, label_zh
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext
from clientdesk.tui.file_tabs import FileTab
from clientdesk.tui.formatting import local_date
from clientdesk.tui.registry import Command
from clientdesk.tui.screens.complaint_detail import ComplaintDetailScreen
from clientdesk.tui.screens.complaint_take import TakeComplaintScreen
from clientdesk.tui.widgets.complaint_table import flag_cell, time_left_cell

OPEN_LIMIT = 500  # open complaints of one customer: a handful, in practice
DONE_LIMIT = 200  # resolved and closed ones shown, the newest first
DONE_STATUSES = tuple(s for s in ComplaintStatus if s not in OPEN_STATUSES)

COLUMNS = (
    ("flag", "", 2),
    ("id", "No.", 6),
    ("received", "Received", 10),
    ("category", "Category", 8),
    ("severity", "Severity", 8),
    ("status", "Status", 8),
    ("left", "Time left", 16),
    ("summary", "Summary", 40),
)


class ComplaintsRead(Message):
    def __init__(self, rows: list[ComplaintRow], total: int) -> None:
        super().__init__()
        self.rows = rows
        self.total = total


class ComplaintsReadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class NoComplaints(Static, can_focus=True):
    """Stands in for the table when there is none; focusable, so n still works here."""


class ComplaintsTab(FileTab):
    TAB_ID = "complaints"
    TITLE = "Complaints"
    SHORT_TITLE = "Compl."
    ORDER = 70

    DEFAULT_CSS = """
    ComplaintsTab DataTable {
        height: 1fr;
        background: $surface;
        border: round $primary 40%;
        scrollbar-size-vertical: 1;
        &:focus { border: round $accent; }
        & > .datatable--header { background: $panel; color: $primary; }
    }
    ComplaintsTab .complaints-empty {
        height: 1fr;
        content-align: center middle;
        text-align: center;
        color: $text-muted;
        border: round $primary 40%;
        background: $surface;
        &:focus { border: round $accent; }
    }
    ComplaintsTab .status-line { margin: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "take", "Take complaint", id="file.complaints.take"),
    ]

    def __init__(self, ctx: AppContext, customer_id: int) -> None:
        super().__init__(ctx, customer_id)
        self.rows: list[ComplaintRow] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(
            cursor_type="row", zebra_stripes=True, id="file-complaints"
        )
        yield table
        yield NoComplaints("", classes="complaints-empty", markup=False)
        yield Static("", classes="status-line", id="file-complaints-status", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label, width in COLUMNS:
            table.add_column(label, width=width, key=key)
        self.query_one(".complaints-empty").display = False

    def reload(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="file-complaints")
    def _read(self) -> None:
        worker = get_current_worker()
        customer_id, now = self.customer_id, self.ctx.now()

        def job(session: Session) -> tuple[list[ComplaintRow], int]:
            open_ = ComplaintFilter(customer_id=customer_id)
            done = ComplaintFilter(customer_id=customer_id, statuses=DONE_STATUSES)
            rows = page_complaints(session=session, now=now, filters=open_, limit=OPEN_LIMIT)
            rows += page_complaints(
                session=session, now=now, filters=done, sort="received", limit=DONE_LIMIT
            )
            every = ComplaintFilter(customer_id=customer_id, statuses=())
            return rows, count_complaints(session=session, now=now, filters=every)

        try:
            rows, total = self.ctx.read(job)
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(ComplaintsReadFailed(str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(ComplaintsRead(rows, total))

    @on(ComplaintsRead)
    def _read_done(self, message: ComplaintsRead) -> None:
        table = self.query_one(DataTable)
        current = self.current
        self.rows = message.rows
        table.clear()
        now = self.ctx.now()
        theme = self.app.current_theme
        late = Style(color=theme.error or "red", bold=True)
        warn = Style(color=theme.warning or "yellow")
        for row in message.rows:
            table.add_row(*self._cells(row, now, late, warn), key=str(row.id))
        if current is not None:
            ids = [row.id for row in message.rows]
            if current.id in ids:
                table.move_cursor(row=ids.index(current.id))
        empty = not message.rows
        note = self.query_one(NoComplaints)
        had_focus = table.has_focus or note.has_focus
        table.display = not empty
        note.display = empty
        note.update("No complaints on file. Press n to take one.")
        if had_focus:
            (note if empty else table).focus()
        self.counted(message.total)
        self._status(message.total, now)

    @on(ComplaintsReadFailed)
    def _read_failed(self, message: ComplaintsReadFailed) -> None:
        self.notify(message.error, title="Could not load complaints", severity="error")

    def _cells(self, row: ComplaintRow, now: datetime, late: Style, warn: Style) -> list[Text]:
        def cell(value: str) -> Text:
            return Text(value, no_wrap=True, overflow="ellipsis")

        return [
            flag_cell(row, now, late, warn),
            cell(str(row.id)),
            cell(local_date(row.received_at, self.ctx.zone)),
            cell(label_zh(row.category)),
            cell(label_zh(row.severity)),
            cell(label_zh(row.status)),
            time_left_cell(row, now, late, warn),
            cell(row.summary),
        ]

    def _status(self, total: int, now: datetime) -> None:
        open_count = sum(1 for row in self.rows if row.status in OPEN_STATUSES)
        overdue = sum(1 for row in self.rows if row.is_overdue(now))
        parts = [f"{open_count:,} open, first by deadline; then the rest, newest first"]
        if overdue:
            parts.append(f"! {overdue:,} overdue")
        if total > len(self.rows):
            parts.append(f"{len(self.rows):,} of {total:,} shown")
        parts.append("⏎ open  ·  n take a complaint")
        self.query_one("#file-complaints-status", Static).update("  ·  ".join(parts))

    @property
    def current(self) -> ComplaintRow | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # Acting on the customer's complaints.

    def action_take(self) -> None:
        customer = self.file.customer if self.file else None
        if customer is None or customer.id is None:
            return
        chosen = (customer.id, customer.code, customer.name)
        self.app.push_screen(TakeComplaintScreen(self.ctx, customer=chosen), self._after)

    @on(DataTable.RowSelected, "#file-complaints")
    def _selected(self) -> None:
        self.open_current()

    def open_current(self) -> None:
        row = self.current
        if row is not None:
            screen = ComplaintDetailScreen(self.ctx, row.id, from_file=True)
            self.app.push_screen(screen, self._after)

    def _after(self, result: Any) -> None:
        if result:
            self.changed()  # the file reads itself again, and this tab with it

    def commands(self) -> list[Command]:
        return [
            Command(
                "Customer: take a complaint",
                "Record a complaint from this customer (key n in the Complaints tab)",
                self.action_take,
            ),
            Command(
                "Customer: open complaint",
                "Open the highlighted complaint of the Complaints tab (enter)",
                self.open_current,
            ),
        ]


TAB = ComplaintsTab
