"""A table over a list already in memory, holding one window of rows at a time.

An import's problems or the customers a grading run moves can run to 100,000 rows; a
DataTable given all of them takes seconds to fill. This one builds the cells of about 200
rows around the cursor and slides that window as the cursor moves, so a long list scrolls
as quickly as a short one. `current` is the item under the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from clientdesk.tui.widgets.window_moves import EDGE, WindowMoves

T = TypeVar("T")

WINDOW = 200
"""Rows held at a time."""


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str
    width: int  # cells; 0 = takes the width left over (one such column at most)


class ListTable(WindowMoves, DataTable[Text], Generic[T]):
    """Items in the order given; `cells(item)` is asked only for the rows in the window.

    The scroll bar spans the window held, so the frame's subtitle says where the cursor is
    in the whole list.
    """

    DEFAULT_CSS = """
    ListTable { overflow-x: hidden; scrollbar-size-vertical: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,ctrl+home", "first", "First", show=False, id="list.first"),
        Binding("end,ctrl+end", "last", "Last", show=False, id="list.last"),
    ]

    def __init__(
        self,
        columns: Sequence[ListColumn],
        cells: Callable[[T], Sequence[str | Text]],
        *,
        flex: tuple[int, int] = (16, 80),
        id: str | None = None,
    ) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.list_columns = tuple(columns)
        self.cells = cells
        self.items: Sequence[T] = ()
        self.total = 0  # items in the whole list
        self.start = 0  # index of the first item held
        self._flex = flex
        self._flex_width = flex[0]
        self._wanted: int | None = None  # WindowMoves: never set, the window fills at once
        self._asked = self._sliding = False

    @property
    def position(self) -> int | None:
        """Index of the highlighted item in the whole list."""
        return self.start + self.cursor_row if self.items else None

    @property
    def current(self) -> T | None:
        position = self.position
        return self.items[position] if position is not None and position < self.total else None

    def on_mount(self) -> None:
        for column in self.list_columns:
            self.add_column(column.label, key=column.key, width=column.width or self._flex_width)

    def show(self, items: Sequence[T]) -> None:
        """Show `items` from the top."""
        self.items, self.total = items, len(items)
        self._fill(0, 0, 0)

    def _held(self) -> int:
        return self.row_count

    def _go_to(self, target: int) -> None:
        """Put the cursor on item `target`, filling the window around it at once if needed."""
        if not self.items:
            return
        index = min(max(target, 0), self.total - 1)
        if self.start <= index < self.start + self.row_count:
            self.move_cursor(row=index - self.start)
            return
        self._fill(self._centred(index), index, self._page_rows() // 2)

    def _centred(self, index: int) -> int:
        return min(max(0, index - WINDOW // 2), max(0, self.total - WINDOW))

    def _fill(self, start: int, index: int, screen_row: int) -> None:
        """Hold the window from `start`, the cursor on item `index`, on `screen_row` of the view."""
        self.start = start
        self.clear()
        for offset, item in enumerate(self.items[start : start + WINDOW]):
            row = [
                value if isinstance(value, Text) else Text(value, no_wrap=True, overflow="ellipsis")
                for value in self.cells(item)
            ]
            self.add_row(*row, key=str(start + offset))
        if not self.row_count:
            return
        cursor = index - start
        self.move_cursor(row=cursor, scroll=False)
        top = max(cursor - max(screen_row, 0), 0)
        self.call_after_refresh(self.scroll_to, y=top, animate=False)

    @on(DataTable.RowHighlighted)
    def _near_edge(self, event: DataTable.RowHighlighted) -> None:
        position = self.position
        if position is not None and self.total > 1:
            self.border_subtitle = f"{position + 1:,} of {self.total:,}"
        row = self.cursor_row
        more_above = self.start > 0 and row < EDGE
        more_below = self.start + self.row_count < self.total and row >= self.row_count - EDGE
        if more_above or more_below:
            index = self.start + row
            self._fill(self._centred(index), index, row - round(self.scroll_y))

    def on_resize(self) -> None:
        fixed = sum(c.width + 2 * self.cell_padding for c in self.list_columns if c.width)
        spare = self.size.width - fixed - 2 * self.cell_padding - 1
        width = min(max(spare, self._flex[0]), self._flex[1])
        flexible = [c.key for c in self.list_columns if not c.width]
        if width == self._flex_width or not flexible:
            return
        self._flex_width = width
        for key, column in self.columns.items():
            if key.value in flexible:
                column.width = width
        self._require_update_dimensions = True
        self.refresh()


def cell(value: Any, style: str = "") -> Text:
    """A cell that keeps to one line, cut with an ellipsis."""
    return Text("" if value is None else str(value), style=style, no_wrap=True, overflow="ellipsis")
