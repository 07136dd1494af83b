"""Customers screen (客户档案): the whole customer list, sorted and filtered in SQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, tzinfo
from typing import ClassVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.customer_list import (
    SORT_COLUMNS,
    CustomerFilter,
    CustomerRow,
    count_customers,
    page_customers,
)
from clientdesk.domain.enums import Grade
from clientdesk.errors import ClientdeskError
from clientdesk.storage.database import Database, translate_errors
from clientdesk.tui.widgets.customer_table import (
    COLUMN_BY_KEY,
    COLUMNS,
    WINDOW_SIZE,
    CustomerTable,
    place_window,
)

SORT_CYCLE = tuple(spec.key for spec in COLUMNS if spec.sortable)
GRADE_KEYS = Binding.Group("Grade", compact=True)
EMPTY_DATABASE = "No customers yet — run `clientdesk demo` for sample data."


@dataclass(frozen=True)
class Listing:
    """What the list shows: the sort and the filter, never the rows."""

    sort: str = "name"
    descending: bool = False
    grades: frozenset[Grade] = field(default_factory=frozenset)

    def filters(self) -> CustomerFilter:
        return CustomerFilter(grades=tuple(sorted(self.grades)))


@dataclass(frozen=True)
class WindowRequest:
    serial: int
    listing: Listing
    target: int  # absolute index the window is centred on; -1 = the last customer
    follow: bool  # keep the highlighted customer (sliding, reloading) instead of jumping


class CustomersLoaded(Message):
    def __init__(
        self, request: WindowRequest, rows: list[CustomerRow], offset: int, total: int, target: int
    ) -> None:
        super().__init__()
        self.request = request
        self.rows = rows
        self.offset = offset
        self.total = total
        self.target = target


class CustomersLoadFailed(Message):
    def __init__(self, request: WindowRequest, error: str) -> None:
        super().__init__()
        self.request = request
        self.error = error


class CustomersScreen(Screen[None]):
    """Every customer in a table that reads one window of rows at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", id="customers.sort"),
        Binding("S,r", "reverse_sort", "Reverse", id="customers.reverse"),
        *(
            Binding(
                str(n),
                f"toggle_grade('{g}')",
                f"Grade {g}",
                group=GRADE_KEYS,
                id=f"customers.grade_{g}",
            )
            for n, g in enumerate("ABCD", start=1)
        ),
        Binding("0", "all_grades", "All grades", id="customers.all_grades"),
        Binding("ctrl+r,f5", "reload", "Refresh", id="customers.refresh"),
    ]

    def __init__(self, database: Database, *, zone: tzinfo, today: Callable[[], date]) -> None:
        super().__init__()
        self.database = database
        self.zone = zone
        self.today = today
        self.listing = Listing()  # asked for
        self.shown = Listing()  # on screen: the status line describes this one
        self._serial = 0
        self._total: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield CustomerTable(zone=self.zone, today=self.today, id="customers")
        yield Static(id="empty", classes="empty-state", markup=False)
        yield Static("Loading customers…", id="status", classes="status-line", markup=False)
        yield Footer()

    @property
    def table(self) -> CustomerTable:
        return self.query_one(CustomerTable)

    def on_mount(self) -> None:
        for frame in (self.table, self.query_one("#empty")):
            frame.border_title = "Customers 客户"
        self.table.loading = True
        self._request(0, follow=False)

    # What the keys and the command palette do.

    def sort_by(self, key: str, descending: bool = False) -> None:
        if key not in SORT_COLUMNS:
            self.notify(f"The list cannot be sorted by {COLUMN_BY_KEY[key].phrase}.")
            return
        self._change(replace(self.listing, sort=key, descending=descending))

    def reverse_sort(self) -> None:
        self._change(replace(self.listing, descending=not self.listing.descending))

    def toggle_grade(self, grade: Grade) -> None:
        self._change(replace(self.listing, grades=self.listing.grades ^ {grade}))

    def all_grades(self) -> None:
        self._change(replace(self.listing, grades=frozenset()))

    def reload(self) -> None:
        self.table.forget_moves()
        self._request(self.table.position or 0, follow=True)

    def action_cycle_sort(self) -> None:
        index = SORT_CYCLE.index(self.listing.sort) if self.listing.sort in SORT_CYCLE else -1
        self.sort_by(SORT_CYCLE[(index + 1) % len(SORT_CYCLE)])

    def action_reverse_sort(self) -> None:
        self.reverse_sort()

    def action_toggle_grade(self, grade: str) -> None:
        self.toggle_grade(Grade(grade))

    def action_all_grades(self) -> None:
        self.all_grades()

    def action_reload(self) -> None:
        self.reload()

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        same = key == self.listing.sort
        self.sort_by(key, descending=not self.listing.descending if same else False)

    @on(CustomerTable.WindowWanted)
    def _window_wanted(self, event: CustomerTable.WindowWanted) -> None:
        self._request(event.target, follow=event.follow)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_status()

    # Loading: the worker reads SQL and posts a message; only the handlers touch widgets.

    def _change(self, listing: Listing) -> None:
        self.listing = listing
        self.table.forget_moves()
        self._request(0, follow=False)

    def _request(self, target: int, *, follow: bool) -> None:
        self._serial += 1
        self._load(WindowRequest(self._serial, self.listing, target, follow))

    @work(thread=True, exclusive=True, group="customers")
    def _load(self, request: WindowRequest) -> None:
        worker = get_current_worker()
        listing = request.listing
        try:
            with translate_errors(self.database.label), Session(self.database.engine) as session:
                filters = listing.filters()
                total = count_customers(session=session, filters=filters)
                offset, target = place_window(request.target, total)
                rows = page_customers(
                    session=session,
                    offset=offset,
                    limit=WINDOW_SIZE,
                    sort=listing.sort,
                    descending=listing.descending,
                    filters=filters,
                )
        except (ClientdeskError, SQLAlchemyError) as exc:
            if not worker.is_cancelled:
                self.post_message(CustomersLoadFailed(request, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(CustomersLoaded(request, rows, offset, total, target))

    @on(CustomersLoaded)
    def _loaded(self, message: CustomersLoaded) -> None:
        if message.request.serial != self._serial:
            return  # an older request, overtaken by a newer one
        listing = message.request.listing
        table = self.table
        table.loading = False
        table.show_window(
            message.rows,
            offset=message.offset,
            total=message.total,
            target=message.target,
            follow=message.request.follow,
            sort=listing.sort,
            descending=listing.descending,
        )
        self._total = message.total
        self.shown = listing
        was_empty = self.has_class("-empty")
        self.set_class(message.total == 0, "-empty")
        self.query_one("#empty", Static).update(self._empty_text())
        if was_empty and message.total:
            table.focus()  # it lost focus while hidden
        self._show_status()

    @on(CustomersLoadFailed)
    def _load_failed(self, message: CustomersLoadFailed) -> None:
        if message.request.serial != self._serial:
            return
        table = self.table
        table.loading = False
        table.forget_moves()
        self.listing = self.shown  # later windows must match the rows on screen
        self.notify(message.error, title="Could not load customers", severity="error")
        if self._total is None:
            self.query_one("#status", Static).update("Customers could not be loaded.")

    def _empty_text(self) -> str:
        if not self.shown.grades:
            return EMPTY_DATABASE
        grades = ", ".join(sorted(self.shown.grades))
        return f"No customers of grade {grades}. Press 0 to show every grade."

    def _show_status(self) -> None:
        table = self.table
        total = self._total
        if total is None:
            return
        position = table.position
        parts = [f"{position + 1:,} / {total:,}" if position is not None else "no customers"]
        shown = self.shown
        order = "descending" if shown.descending else "ascending"
        parts.append(f"sorted by {COLUMN_BY_KEY[shown.sort].phrase}, {order}")
        if shown.grades:
            parts.append(f"grade {', '.join(sorted(shown.grades))} only")
        self.query_one("#status", Static).update("  ·  ".join(parts))
