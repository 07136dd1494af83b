"""Customers screen (客户档案): the whole customer list, searched, sorted and filtered in SQL.

Typing in the search box (key /) narrows the list as the user types: the query runs in a
worker a moment after the last key, and results of an older query are dropped. Filters
(grade keys 1-4, the dialog on f) and the sort apply with or without a search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar, Protocol, cast

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.customer_list import (
    SORT_COLUMNS,
    CustomerFilter,
    CustomerRow,
    FilterChoices,
    count_customers,
    filter_choices,
    page_customers,
)
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade
from clientdesk.domain.search import SearchHits, find_customers
from clientdesk.errors import ClientdeskError
from clientdesk.storage.database import Database, translate_errors
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.registry import Mode
from clientdesk.tui.screens.customer_filters import FiltersScreen, ListFilters
from clientdesk.tui.screens.list_screen import ListScreen
from clientdesk.tui.widgets.customer_table import (
    COLUMN_BY_KEY,
    COLUMNS,
    WINDOW_SIZE,
    CustomerTable,
    place_window,
)
from clientdesk.tui.widgets.mode_bar import ModeBar
from clientdesk.tui.widgets.search_box import SearchBox

if TYPE_CHECKING:
    from clientdesk.config import Settings

SORT_CYCLE = tuple(spec.key for spec in COLUMNS if spec.sortable)
GRADE_KEYS = Binding.Group("Grade", compact=True)
EMPTY_DATABASE = "No customers yet — run `clientdesk demo` for sample data."


class _Host(Protocol):
    """What the screen reads from the app: the settings and the (possibly fixed) clock."""

    settings: Settings

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Listing:
    """What the list shows: the search, the sort and the filters, never the rows."""

    sort: str = "name"
    descending: bool = False
    filters: ListFilters = field(default_factory=ListFilters)
    query: str = ""

    @property
    def searching(self) -> bool:
        return bool(self.query.strip())

    def search_key(self) -> tuple[str, ListFilters]:
        """Searches with equal keys find the same customers (the sort only orders them)."""
        return self.query.strip(), self.filters


@dataclass(frozen=True)
class WindowRequest:
    serial: int
    listing: Listing
    target: int  # absolute index the window is centred on; -1 = the last customer
    follow: bool  # keep the highlighted customer (sliding, reloading) instead of jumping
    filters: CustomerFilter = field(default_factory=CustomerFilter)
    hits: SearchHits | None = None  # the search's matches, when already found


class CustomersLoaded(Message):
    def __init__(
        self,
        request: WindowRequest,
        rows: list[CustomerRow],
        offset: int,
        total: int,
        target: int,
        hits: SearchHits | None = None,
    ) -> None:
        super().__init__()
        self.request = request
        self.rows = rows
        self.offset = offset
        self.total = total
        self.target = target
        self.hits = hits


class CustomersLoadFailed(Message):
    def __init__(self, request: WindowRequest, error: str) -> None:
        super().__init__()
        self.request = request
        self.error = error


class FilterChoicesLoaded(Message):
    """The regions and owners for the filter dialog, or why they could not be read."""

    def __init__(self, choices: FilterChoices | None, error: str = "") -> None:
        super().__init__()
        self.choices = choices
        self.error = error


class EmptyState(Static, can_focus=True):
    """Stands in for the list when it has no rows; focusable, so the list's keys still work."""


class CustomersScreen(ListScreen):
    """Every customer in a table that reads one window of rows at a time."""

    LIST_ID = "customers"
    NOUN = "customers"

    AUTO_FOCUS = "#customers"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="customers.search"),
        Binding("escape", "clear_search", "Clear search", id="customers.clear_search"),
        Binding("f", "filters", "Filter", id="customers.filters"),
        Binding("x", "clear_filters", "Clear filters", id="customers.clear_filters"),
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
        # In the keys panel (?) and the palette; the footer has no room for every key.
        Binding("0", "all_grades", "All grades", show=False, id="customers.all_grades"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="customers.refresh"),
        Binding("n", "new_customer", "New", id="customers.new"),
    ]

    def __init__(self, database: Database, *, zone: tzinfo, today: Callable[[], date]) -> None:
        super().__init__()
        self.database = database
        self.zone = zone
        self.today = today
        self.listing = Listing()  # asked for
        self.shown = Listing()  # on screen: the status line describes this one
        self._hits: SearchHits | None = None  # matches of the search on screen
        self._hits_key: tuple[str, ListFilters] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ModeBar("customers")
        yield SearchBox(id="search")
        yield CustomerTable(zone=self.zone, today=self.today, id="customers")
        yield EmptyState(id="empty", classes="empty-state", markup=False)
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

    def toggle_grade(self, grade: Grade) -> None:
        filters = self.listing.filters
        self.filter_by(replace(filters, grades=filters.grades ^ {grade}))

    def toggle_kind(self, kind: CustomerKind) -> None:
        filters = self.listing.filters
        self.filter_by(replace(filters, kinds=filters.kinds ^ {kind}))

    def toggle_status(self, status: CustomerStatus) -> None:
        filters = self.listing.filters
        self.filter_by(replace(filters, statuses=filters.statuses ^ {status}))

    def toggle_stale(self) -> None:
        filters = self.listing.filters
        self.filter_by(replace(filters, stale=not filters.stale))

    def all_grades(self) -> None:
        self.filter_by(replace(self.listing.filters, grades=frozenset()))

    def clear_filters(self) -> None:
        self.filter_by(ListFilters())

    def open_filters(self) -> None:
        """The filter dialog, once the regions and owners in use are read."""
        self._load_choices()

    def reload(self) -> None:
        self.table.forget_moves()
        self._hits_key = None  # customers may have changed: search again
        self._request(self.table.position or 0, follow=True)

    def action_cycle_sort(self) -> None:
        index = SORT_CYCLE.index(self.listing.sort) if self.listing.sort in SORT_CYCLE else -1
        self.sort_by(SORT_CYCLE[(index + 1) % len(SORT_CYCLE)])

    def action_toggle_grade(self, grade: str) -> None:
        self.toggle_grade(Grade(grade))

    def action_all_grades(self) -> None:
        self.all_grades()

    def action_new_customer(self) -> None:
        self.post_message(OpenCustomer(None))

    @on(DataTable.RowSelected)
    def _open_file(self) -> None:
        # Enter, or a click on the highlighted row (so a double click), opens the file.
        row = self.table.current
        if row is not None:
            self.post_message(OpenCustomer(row.id))

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

    def _request(self, target: int, *, follow: bool) -> None:
        self._serial += 1
        listing = self.listing
        host = cast(_Host, self.app)
        filters = listing.filters.to_domain(
            now=host.now(), stale_after_days=host.settings.files.stale_after_days
        )
        hits = self._hits if self._hits_key == listing.search_key() else None
        self._load(WindowRequest(self._serial, listing, target, follow, filters, hits))

    @work(thread=True, exclusive=True, group="customers")
    def _load(self, request: WindowRequest) -> None:
        worker = get_current_worker()
        listing = request.listing
        filters = request.filters
        try:
            with translate_errors(self.database.label), Session(self.database.engine) as session:
                hits = request.hits
                if hits is None and listing.searching:
                    hits = find_customers(listing.query, session=session, filters=filters)
                if worker.is_cancelled:
                    return  # overtaken while searching: skip the page
                # The hits were found under these filters: their number is the count.
                total = len(hits.ids) if hits else count_customers(session=session, filters=filters)
                offset, target = place_window(request.target, total)
                rows = page_customers(
                    session=session,
                    offset=offset,
                    limit=WINDOW_SIZE,
                    sort=listing.sort,
                    descending=listing.descending,
                    filters=filters,
                    search=hits,
                )
        except (ClientdeskError, SQLAlchemyError) as exc:
            if not worker.is_cancelled:
                self.post_message(CustomersLoadFailed(request, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(CustomersLoaded(request, rows, offset, total, target, hits))

    @on(CustomersLoaded)
    def _loaded(self, message: CustomersLoaded) -> None:
        if message.request.serial != self._serial:
            return  # an older request, overtaken by a newer one
        listing = message.request.listing
        self._hits, self._hits_key = message.hits, listing.search_key()
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
            highlight=message.hits.terms.text if message.hits else "",
        )
        self._window_shown(listing, message.total)

    @on(CustomersLoadFailed)
    def _load_failed(self, message: CustomersLoadFailed) -> None:
        if message.request.serial != self._serial:
            return
        self._window_failed(message.error)

    @work(thread=True, exclusive=True, group="customer-filter-choices")
    def _load_choices(self) -> None:
        try:
            with translate_errors(self.database.label), Session(self.database.engine) as session:
                choices = filter_choices(session=session)
        except (ClientdeskError, SQLAlchemyError) as exc:
            self.post_message(FilterChoicesLoaded(None, str(exc)))
            return
        self.post_message(FilterChoicesLoaded(choices))

    @on(FilterChoicesLoaded)
    def _show_filters(self, message: FilterChoicesLoaded) -> None:
        if message.choices is None:
            self.notify(message.error, title="Could not open the filters", severity="error")
            return
        if not self.is_current:
            return  # the user went elsewhere meanwhile
        stale_days = cast(_Host, self.app).settings.files.stale_after_days
        dialog = FiltersScreen(self.listing.filters, message.choices, stale_days)
        self.app.push_screen(dialog, self._filters_chosen)

    def _filters_chosen(self, filters: ListFilters | None) -> None:
        if filters is not None and filters != self.listing.filters:
            self.filter_by(filters)

    # What the list says about itself.

    def _empty_text(self) -> str:
        shown = self.shown
        filters = shown.filters
        if shown.searching:
            text = f"No customers match “{shown.query.strip()}”"
            if not filters.empty:
                text += f" ({'; '.join(filters.describe())}; x clears the filters)"
            return text + ". Press Esc to clear the search."
        if filters.empty:
            return EMPTY_DATABASE
        if filters == ListFilters(grades=filters.grades):
            grades = ", ".join(sorted(filters.grades))
            return f"No customers of grade {grades}. Press 0 to show every grade."
        described = "; ".join(filters.describe())
        return f"No customers match these filters: {described}. Press x to clear them."

    def _show_status(self) -> None:
        table = self.table
        total = self._total
        if total is None:
            return
        position = table.position
        shown = self.shown
        where = f"{position + 1:,} / " if position is not None else ""
        if shown.searching:
            capped = "+" if self._hits and self._hits.capped else ""
            found = f"{where}{total:,}{capped} matching “{shown.query.strip()}”"
            parts = [found + (" (type more to narrow)" if capped else "")]
        else:
            parts = [f"{where}{total:,}" if position is not None else "no customers"]
        order = "descending" if shown.descending else "ascending"
        sort = f"sorted by {COLUMN_BY_KEY[shown.sort].phrase}, {order}"
        parts.append(f"best match first, then {sort}" if shown.searching else sort)
        parts += shown.filters.describe()
        self.query_one("#status", Static).update("  ·  ".join(parts))


def _customers_screen(ctx: AppContext) -> CustomersScreen:
    return CustomersScreen(ctx.database, zone=ctx.zone, today=ctx.today)


MODE = Mode(name="customers", key="c", title="Customers", order=10, screen=_customers_screen)
