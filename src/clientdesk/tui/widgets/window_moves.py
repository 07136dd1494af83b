"""Cursor moves over a table that holds a window of a long list (the rest stays in SQL).

The customer, contract, complaint and visit tables each hold a few hundred rows around the
cursor, read from SQL. Moving inside the window is DataTable's own move; moving past it (or
to the first or last row) records where the cursor should be and asks once, with the
table's `WindowWanted` message, for the window around that row. Near an edge of the window
the table asks for the window to slide, keeping the highlighted row where it is.

A table over a list in memory (ListTable) uses the same moves and fills its next window at
once instead of asking (it overrides `_go_to`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

EDGE = 10  # rows from a window's edge at which the window slides


class WindowMoves:
    """Mixin for a DataTable subclass with `start`, `total`, `window_rows` and a
    `WindowWanted(target, follow=...)` message (or its own `_ask_window`). Its
    RowHighlighted handler calls `slide_near_edge()` (handlers are not inherited from a
    plain mixin)."""

    start: int
    total: int
    window_rows: Sequence[Any]
    _wanted: int | None
    _asked: bool
    _sliding: bool

    def forget_moves(self) -> None:
        """Drop pending moves: the list is about to change under them, or could not load."""
        self._wanted, self._asked, self._sliding = None, False, False

    def action_first(self) -> None:
        self._go_to(0)

    def action_last(self) -> None:
        self._go_to(self.total - 1)

    def action_cursor_down(self) -> None:
        self._step(1, super().action_cursor_down)  # type: ignore[misc]

    def action_cursor_up(self) -> None:
        self._step(-1, super().action_cursor_up)  # type: ignore[misc]

    def action_page_down(self) -> None:
        self._step(self._page_rows(), super().action_page_down)  # type: ignore[misc]

    def action_page_up(self) -> None:
        self._step(-self._page_rows(), super().action_page_up)  # type: ignore[misc]

    def _held(self) -> int:
        """Rows in the window held."""
        return len(self.window_rows)

    def _page_rows(self) -> int:
        table: Any = self
        header = table.header_height if table.show_header else 0
        return max(table.scrollable_content_region.height - header, 1)

    def _step(self, rows: int, native: Callable[[], None]) -> None:
        """Move by `rows`: inside the window as DataTable does, beyond it through `_go_to`."""
        cursor: int = self.cursor_row  # type: ignore[attr-defined]
        if self._wanted is None and 0 <= cursor + rows < self._held():
            native()  # moves the cursor and the view together
        elif self._held():
            here = self._wanted if self._wanted is not None else self.start + cursor
            self._go_to(here + rows)

    def _go_to(self, target: int) -> None:
        """Put the cursor on absolute row `target`, asking for another window if needed."""
        table: Any = self
        target = min(max(target, 0), max(self.total - 1, 0))
        if self._wanted is None and self.start <= target < self.start + self._held():
            table.move_cursor(row=target - self.start)
            return
        self._wanted = target
        if not self._asked:
            self._asked = True
            self._ask_window(target, follow=False)

    def _ask_window(self, target: int, *, follow: bool) -> None:
        """Ask for the window around absolute row `target` (a slide if `follow`)."""
        table: Any = self
        table.post_message(table.WindowWanted(target, follow=follow))

    def slide_near_edge(self) -> None:
        """Ask for the window to slide when the cursor came near one of its edges."""
        # Read the cursor now, not from the message: after a refill the message is stale.
        table: Any = self
        if self._sliding or self._wanted is not None or not self.window_rows:
            return
        row = table.cursor_row
        more_above = self.start > 0 and row < EDGE
        more_below = (
            self.start + len(self.window_rows) < self.total and row >= len(self.window_rows) - EDGE
        )
        if more_above or more_below:
            self._sliding = True
            self._ask_window(self.start + row, follow=True)
