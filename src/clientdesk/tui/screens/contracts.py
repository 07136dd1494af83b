"""Contracts screen (合同管理): every contract, searched, sorted and filtered in SQL.

The table holds one window of rows (widgets/contract_table.py); each load counts the
contracts under the search and filters and reads the window around the cursor, in a
worker. Enter opens a contract (screens/contract_detail.py), n creates one.

The app also keeps contract statuses up to the calendar from here (MODE.housekeeping):
signed contracts become active on their start date and active ones expire after their
end date, at start and every ten minutes, which also catches midnight passing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from sqlmodel import Session
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.contract import Contract
from clientdesk.domain.contract_list import (
    ContractRow,
    ContractSearch,
    count_contracts,
    page_contracts,
    search_contracts,
)
from clientdesk.domain.contracts import activate_due
from clientdesk.domain.enums import ContractStatus, label_zh
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext
from clientdesk.tui.registry import Command, Housekeeping, Mode
from clientdesk.tui.screens.contract_detail import ContractDetailScreen
from clientdesk.tui.screens.contract_filters import ContractFiltersScreen, ContractListFilters
from clientdesk.tui.screens.contract_form import ContractFormScreen
from clientdesk.tui.screens.list_screen import ListScreen
from clientdesk.tui.widgets.contract_cells import NEAR_EXPIRY_DAYS, SORT_WORDS, SORTS, STATUS_ORDER
from clientdesk.tui.widgets.contract_table import ContractTable
from clientdesk.tui.widgets.customer_table import WINDOW_SIZE, place_window
from clientdesk.tui.widgets.mode_bar import ModeBar
from clientdesk.tui.widgets.search_box import SearchBox

STALE_AFTER = 60.0  # seconds away after which the list is read again on coming back
HOUSEKEEPING_EVERY = 600.0  # seconds between two calendar sweeps (and so at most past midnight)
STATUS_KEYS = Binding.Group("Status", compact=True)
PLACEHOLDER = "contract number, or customer: code, name, 拼音 pinyin, contact"


@dataclass(frozen=True)
class Listing:
    """What the list shows: the search, the sort and the filters, never the rows."""

    sort: str = "start"
    descending: bool = True
    filters: ContractListFilters = field(default_factory=ContractListFilters)
    query: str = ""

    @property
    def searching(self) -> bool:
        return bool(self.query.strip())


@dataclass(frozen=True)
class WindowRequest:
    serial: int
    listing: Listing
    target: int  # absolute index the window is centred on; -1 = the last contract
    follow: bool  # keep the highlighted contract (sliding, reloading) instead of jumping
    search: ContractSearch | None = None  # the search, already resolved for this query


class ContractsLoaded(Message):
    def __init__(
        self,
        request: WindowRequest,
        rows: list[ContractRow],
        offset: int,
        total: int,
        target: int,
        search: ContractSearch | None,
    ) -> None:
        super().__init__()
        self.request = request
        self.rows = rows
        self.offset = offset
        self.total = total
        self.target = target
        self.search = search


class ContractsLoadFailed(Message):
    def __init__(self, request: WindowRequest, error: str) -> None:
        super().__init__()
        self.request = request
        self.error = error


class Swept(Message):
    def __init__(self, text: str, *, failed: bool = False) -> None:
        super().__init__()
        self.text = text
        self.failed = failed


class ContractsEmpty(Static, can_focus=True):
    """Stands in for the list when it has no rows; focusable, so the list's keys still work."""


class ContractsScreen(ListScreen):
    """Every contract in a table that reads one window of rows at a time."""

    LIST_ID = "contracts"
    NOUN = "contracts"

    DEFAULT_CSS = """
    ContractsScreen ContractsEmpty { display: none; }
    ContractsScreen.-empty ContractTable { display: none; }
    ContractsScreen.-empty ContractsEmpty { display: block; }
    """

    AUTO_FOCUS = "#contracts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="contracts.search"),
        Binding("escape", "clear_search", "Clear search", id="contracts.clear_search"),
        Binding("f", "filters", "Filter", id="contracts.filters"),
        Binding("x", "clear_filters", "Clear filters", id="contracts.clear_filters"),
        Binding("e", "toggle_expiring", "Ending soon", id="contracts.expiring"),
        Binding("o", "toggle_overdue", "Overdue", id="contracts.overdue"),
        Binding("s", "cycle_sort", "Sort", id="contracts.sort"),
        Binding("S,r", "reverse_sort", "Reverse", show=False, id="contracts.reverse"),
        *(
            Binding(
                str(n),
                f"toggle_status('{status.value}')",
                label_zh(status),
                show=False,
                group=STATUS_KEYS,
                id=f"contracts.status_{status.value}",
            )
            for n, status in enumerate(STATUS_ORDER, start=1)
        ),
        Binding("0", "all_statuses", "All statuses", show=False, id="contracts.all_statuses"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="contracts.refresh"),
        Binding("n", "new_contract", "New", id="contracts.new"),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.listing = Listing()  # asked for
        self.shown = Listing()  # on screen: the status line describes this one
        self._capped = False
        self._search: tuple[str, ContractSearch | None] | None = None  # the query resolved
        self._loaded_at = 0.0
        self._serial_when_left = -1

    def compose(self) -> ComposeResult:
        yield Header()
        yield ModeBar("contracts")
        box = SearchBox(id="search")
        box.placeholder = PLACEHOLDER
        yield box
        yield ContractTable(home_currency=self.ctx.settings.general.currency, id="contracts")
        yield ContractsEmpty(id="empty", classes="empty-state", markup=False)
        yield Static("Loading contracts…", id="status", classes="status-line", markup=False)
        yield Footer()

    @property
    def table(self) -> ContractTable:
        return self.query_one(ContractTable)

    def on_mount(self) -> None:
        for frame in (self.table, self.query_one("#empty")):
            frame.border_title = "Contracts 合同"
        self.table.loading = True
        self._request(0, follow=False)

    def on_screen_suspend(self) -> None:
        self._serial_when_left = self._serial

    def on_screen_resume(self) -> None:
        # Back from another screen after a while: statuses may have moved with the
        # calendar, or contracts changed elsewhere. Not when a dialog already reloaded.
        idle = time.monotonic() - self._loaded_at > STALE_AFTER
        if self._total is not None and idle and self._serial == self._serial_when_left:
            self.reload()

    # What the keys and the command palette do.

    def sort_by(self, key: str, descending: bool = False) -> None:
        self._change(replace(self.listing, sort=key, descending=descending))

    def toggle_status(self, status: ContractStatus) -> None:
        filters = self.listing.filters
        self.filter_by(replace(filters, statuses=filters.statuses ^ {status}))

    def all_statuses(self) -> None:
        self.filter_by(replace(self.listing.filters, statuses=frozenset()))

    def toggle_expiring(self, days: int = NEAR_EXPIRY_DAYS) -> None:
        """Only live contracts ending within `days` days, soonest first; again: any end."""
        filters = self.listing.filters
        if filters.expiring_within is not None:
            self.filter_by(replace(filters, expiring_within=None))
            return
        listing = replace(self.listing, filters=replace(filters, expiring_within=days))
        self._change(replace(listing, sort="end", descending=False))

    def toggle_overdue(self) -> None:
        filters = self.listing.filters
        self.filter_by(replace(filters, overdue=not filters.overdue))

    def clear_filters(self) -> None:
        self.filter_by(ContractListFilters())

    def open_filters(self) -> None:
        self.app.push_screen(ContractFiltersScreen(self.listing.filters), self._filters_chosen)

    def _filters_chosen(self, filters: ContractListFilters | None) -> None:
        if filters is None or filters == self.listing.filters:
            return
        newly_expiring = (
            filters.expiring_within is not None and self.listing.filters.expiring_within is None
        )
        listing = replace(self.listing, filters=filters)
        if newly_expiring:
            listing = replace(listing, sort="end", descending=False)
        self._change(listing)

    def reload(self) -> None:
        self.table.forget_moves()
        self._search = None  # customers may have changed: resolve the search again
        self._request(self.table.position or 0, follow=True)

    def sweep_now(self) -> None:
        """Bring statuses up to the calendar now, as the app does every ten minutes."""
        self._sweep()

    @work(thread=True, exclusive=True, group="contracts-sweep")
    def _sweep(self) -> None:
        try:
            said = bring_statuses_up_to_date(self.ctx)
        except ClientdeskError as exc:
            self.post_message(Swept(str(exc), failed=True))
            return
        self.post_message(Swept(said or "Contracts: every status is up to date."))

    @on(Swept)
    def _swept(self, message: Swept) -> None:
        self.notify(message.text, severity="error" if message.failed else "information")
        self.reload()

    def open_current(self) -> None:
        row = self.table.current
        if row is not None:
            self.open_contract(row.id)

    def open_contract(self, contract_id: int) -> None:
        self.app.push_screen(ContractDetailScreen(self.ctx, contract_id), self._detail_closed)

    def new_contract(self) -> None:
        self.app.push_screen(ContractFormScreen(self.ctx), self._created)

    def _detail_closed(self, changed: bool | None) -> None:
        if changed:
            self.reload()

    def _created(self, contract: Any) -> None:
        if isinstance(contract, Contract) and contract.id is not None:
            self.reload()
            self.open_contract(contract.id)

    def action_toggle_expiring(self) -> None:
        self.toggle_expiring()

    def action_toggle_overdue(self) -> None:
        self.toggle_overdue()

    def action_cycle_sort(self) -> None:
        index = SORTS.index(self.listing.sort) if self.listing.sort in SORTS else -1
        key = SORTS[(index + 1) % len(SORTS)]
        # Dates and amounts read best latest / largest first; names from A.
        self.sort_by(key, descending=key in ("start", "end", "value", "risk"))

    def action_toggle_status(self, status: str) -> None:
        self.toggle_status(ContractStatus(status))

    def action_all_statuses(self) -> None:
        self.all_statuses()

    def action_new_contract(self) -> None:
        self.new_contract()

    @on(DataTable.RowSelected, "#contracts")
    def _open_selected(self) -> None:
        self.open_current()

    @on(DataTable.HeaderSelected, "#contracts")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = {"days": "end"}.get(str(event.column_key.value), str(event.column_key.value))
        if key not in SORT_WORDS:
            return
        same = key == self.listing.sort
        self.sort_by(key, descending=not self.listing.descending if same else False)

    @on(ContractTable.WindowWanted)
    def _window_wanted(self, event: ContractTable.WindowWanted) -> None:
        self._request(event.target, follow=event.follow)

    @on(DataTable.RowHighlighted, "#contracts")
    def _row_highlighted(self) -> None:
        self._show_status()

    # Loading: the worker reads SQL and posts a message; only the handlers touch widgets.

    def _request(self, target: int, *, follow: bool) -> None:
        self._serial += 1
        query = self.listing.query.strip()
        known = self._search[1] if self._search and self._search[0] == query else None
        self._load(WindowRequest(self._serial, self.listing, target, follow, known))

    @work(thread=True, exclusive=True, group="contracts")
    def _load(self, request: WindowRequest) -> None:
        worker = get_current_worker()
        listing, today = request.listing, self.ctx.today()
        filters = listing.filters.to_domain()

        def job(session: Session) -> ContractsLoaded | None:
            search = request.search
            if search is None and listing.searching:
                search = search_contracts(listing.query, session=session)
            if worker.is_cancelled:
                return None  # overtaken while searching: skip the page
            total = count_contracts(session=session, today=today, filters=filters, search=search)
            offset, target = place_window(request.target, total)
            rows = page_contracts(
                session=session,
                today=today,
                filters=filters,
                search=search,
                sort=listing.sort,
                descending=listing.descending,
                offset=offset,
                limit=WINDOW_SIZE,
            )
            return ContractsLoaded(request, rows, offset, total, target, search)

        try:
            loaded = self.ctx.read(job)
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(ContractsLoadFailed(request, str(exc)))
            return
        if loaded is not None and not worker.is_cancelled:
            self.post_message(loaded)

    @on(ContractsLoaded)
    def _loaded(self, message: ContractsLoaded) -> None:
        if message.request.serial != self._serial:
            return  # an older request, overtaken by a newer one
        listing = message.request.listing
        self._search = (listing.query.strip(), message.search)
        self._capped = bool(message.search and message.search.capped)
        self._loaded_at = time.monotonic()
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
        self._window_shown(listing, message.total)

    @on(ContractsLoadFailed)
    def _load_failed(self, message: ContractsLoadFailed) -> None:
        if message.request.serial != self._serial:
            return
        self._window_failed(message.error)

    # What the list says about itself.

    def _empty_text(self) -> str:
        shown = self.shown
        filters = shown.filters
        if shown.searching:
            text = f"No contract number or customer matches “{shown.query.strip()}”"
            if not filters.empty:
                text += f" ({'; '.join(filters.describe())}; x clears the filters)"
            return text + ". Press Esc to clear the search."
        if filters.empty:
            return "No contracts yet. Press n to create one (or run `clientdesk demo`)."
        described = "; ".join(filters.describe())
        return f"No contracts match these filters: {described}. Press x to clear them."

    def _show_status(self) -> None:
        total = self._total
        if total is None:
            return
        position = self.table.position
        shown = self.shown
        where = f"{position + 1:,} / " if position is not None else ""
        if shown.searching:
            capped = " (many customers match: type more to narrow)" if self._capped else ""
            parts = [f"{where}{total:,} matching “{shown.query.strip()}”{capped}"]
        else:
            parts = [f"{where}{total:,} contracts" if position is not None else "no contracts"]
        order = "descending" if shown.descending else "ascending"
        sort = f"sorted by {SORT_WORDS[shown.sort]}, {order}"
        parts.append(f"best match first, then {sort}" if shown.searching else sort)
        parts += shown.filters.describe()
        self.query_one("#status", Static).update("  ·  ".join(parts))


# -- the area: its screen, palette commands and housekeeping -------------------------------------


def bring_statuses_up_to_date(ctx: AppContext) -> str | None:
    """Apply the calendar (contracts.activate_due); a sentence only when something moved."""
    today, actor = ctx.today(), ctx.actor
    due = ctx.write(lambda s: activate_due(session=s, today=today, actor=actor))
    if not due.activated and not due.expired:
        return None
    parts = []
    if due.activated:
        parts.append(f"{due.activated:,} became active (start date reached)")
    if due.expired:
        parts.append(f"{due.expired:,} expired (end date passed)")
    return f"Contracts: {' and '.join(parts)}."


def _contracts_screen(ctx: AppContext) -> ContractsScreen:
    return ContractsScreen(ctx)


def _commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    # Imported here: the commands module imports this one (for ContractsScreen).
    from clientdesk.tui.screens.contract_commands import contract_commands

    return contract_commands(app, screen)


MODE = Mode(
    name="contracts",
    key="k",
    title="Contracts",
    order=30,
    screen=_contracts_screen,
    commands=_commands,
    housekeeping=(Housekeeping(run=bring_statuses_up_to_date, every_seconds=HOUSEKEEPING_EVERY),),
)
