"""What the Customers and Contracts screens share: a search box over a long list that a
worker reads a window at a time, with filters and a sort.

Typing in the search box narrows the list as the user types: the search runs a moment
after the last key (one query per pause, not per key), at once on Enter, and leaving the
box with Esc clears it. Every change of the search, filters or sort is a new `listing`,
which asks for the window at the top of the new list; older answers are dropped by their
serial number (the subclass's `_request` and its loaded handler).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual import on
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from clientdesk.tui.widgets.search_box import SearchBox

SEARCH_DELAY = 0.15
"""Seconds without a key press before the search runs: one query per pause, not per key."""


class ListScreen(Screen[None]):
    """Subclasses set LIST_ID (the id of their table) and `listing` (a frozen dataclass
    with `query`, `searching`, `sort`, `descending` and `filters` with `empty`), and give
    `table` (a WindowMoves table), `_request(target, follow=...)`, `open_filters`,
    `clear_filters` and `reload`."""

    LIST_ID: ClassVar[str] = ""
    NOUN: ClassVar[str] = "rows"  # what the list holds, in messages: "customers"
    listing: Any
    shown: Any  # the listing on screen: the status line describes this one
    table: Any

    def __init__(self) -> None:
        super().__init__()
        self._serial = 0
        self._total: int | None = None  # rows of the listing on screen, once read
        self._search_timer: Timer | None = None

    @property
    def search_box(self) -> SearchBox:
        return self.query_one(SearchBox)

    # What the keys and the command palette do.

    def search(self, query: str) -> None:
        """Show the rows matching `query` (all of them for a blank query)."""
        self._stop_search_timer()
        if query != self.search_box.value:
            with self.search_box.prevent(Input.Changed):
                self.search_box.value = query
        if query.strip() != self.listing.query.strip():
            self._change(replace(self.listing, query=query))

    def focus_search(self) -> None:
        # At once, not after the queued events: keys typed right after / go to the box.
        self.set_focus(self.search_box)

    def clear_search(self) -> None:
        self.search("")

    def reverse_sort(self) -> None:
        self._change(replace(self.listing, descending=not self.listing.descending))

    def filter_by(self, filters: Any) -> None:
        self._change(replace(self.listing, filters=filters))

    def open_filters(self) -> None:
        raise NotImplementedError

    def clear_filters(self) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def action_focus_search(self) -> None:
        self.focus_search()

    def action_clear_search(self) -> None:
        self.clear_search()

    def action_filters(self) -> None:
        self.open_filters()

    def action_clear_filters(self) -> None:
        self.clear_filters()

    def action_reverse_sort(self) -> None:
        self.reverse_sort()

    def action_reload(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Keys that would do nothing stay out of the footer.
        if action == "clear_search":
            return bool(self.listing.searching)
        if action == "clear_filters":
            return not self.listing.filters.empty
        return True

    # The search box.

    @on(Input.Changed, "#search")
    def _typed(self) -> None:
        self._stop_search_timer()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._search_typed)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        self._search_typed()
        self._to_list()

    @on(SearchBox.Left)
    def _left_search(self, message: SearchBox.Left) -> None:
        if message.cleared:
            self.clear_search()
        else:
            self._search_typed()
        self._to_list()

    def _search_typed(self) -> None:
        self.search(self.search_box.value)

    def _stop_search_timer(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None

    def _to_list(self) -> None:
        self.set_focus(self.query_one("#empty" if self.has_class("-empty") else f"#{self.LIST_ID}"))

    # Loading.

    def _change(self, listing: Any) -> None:
        """Show `listing` from its top."""
        self.listing = listing
        self.table.forget_moves()
        self.refresh_bindings()
        self._request(0, follow=False)

    def _request(self, target: int, *, follow: bool) -> None:
        raise NotImplementedError

    def _window_shown(self, listing: Any, total: int) -> None:
        """After the table took a new window of `listing`: the empty state (which keeps the
        list's keys working while the table is hidden), the search box mark, the status."""
        self._total = total
        self.shown = listing
        table = self.table
        was_empty = self.has_class("-empty")
        empty = self.query_one("#empty", Static)
        if total == 0 and table.has_focus:
            empty.focus()
        self.set_class(total == 0, "-empty")
        self.search_box.set_class(listing.searching, "-active")
        empty.update(self._empty_text())
        if was_empty and total and self.focused in (None, empty):
            table.focus()
        self._show_status()

    def _window_failed(self, error: str) -> None:
        """A window could not be read: keep what is on screen and say why."""
        table = self.table
        table.loading = False
        table.forget_moves()
        self.listing = self.shown  # later windows must match the rows on screen
        self.refresh_bindings()
        self.notify(error, title=f"Could not load {self.NOUN}", severity="error")
        if self._total is None:
            self.query_one("#status", Static).update(
                f"{self.NOUN.capitalize()} could not be loaded."
            )

    def _empty_text(self) -> str:
        raise NotImplementedError

    def _show_status(self) -> None:
        raise NotImplementedError
