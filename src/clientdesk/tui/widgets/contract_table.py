"""The contract list: a DataTable holding one window of rows, never the whole table.

Like the customer list (widgets/customer_table.py), the table shows rows
[start, start + len(rows)) of the sorted, filtered list; when the cursor nears an edge of
that window it posts `WindowWanted` and the screen loads a window centred on the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.theme import Theme
from textual.widgets import DataTable

from clientdesk.domain.contract_list import ContractRow
from clientdesk.tui.widgets.contract_cells import (
    LIST_COLUMNS,
    RowStyles,
    cells,
    flexible_widths,
    header,
)
from clientdesk.tui.widgets.window_moves import WindowMoves

SHARES = {"customer": 0.55, "title": 0.45}


class ContractTable(WindowMoves, DataTable[Text]):
    """Contracts, one row each; keeps the cursor on the same contract as the window slides."""

    DEFAULT_CSS = """
    ContractTable {
        height: 1fr;
        margin: 0 1;
        border: round $primary 40%;
        border-title-color: $text-muted;
        background: $surface;
        scrollbar-size-vertical: 1;

        &:focus {
            border: round $accent;
            border-title-color: $accent;
            border-title-style: bold;
        }

        & > .datatable--fixed {
            background: $surface;
            text-style: bold;
        }

        & > .datatable--header {
            background: $panel;
            color: $primary;
        }
    }
    """

    HELP = """\
## Contracts 合同

Every contract, read a window at a time: as quick with 50,000 as with ten.

A number in red has a delivery past its due date (Late counts them); in yellow,
the contract ends within 30 days. Enter opens the contract.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g,ctrl+home", "first", "First", show=False, id="contracts.first"),
        Binding("end,G,ctrl+end", "last", "Last", show=False, id="contracts.last"),
    ]

    class WindowWanted(Message):
        """The cursor needs rows outside the window: load a window around absolute `target`."""

        def __init__(self, target: int, *, follow: bool) -> None:
            super().__init__()
            self.target = target
            self.follow = follow  # a slide: keep the highlighted contract where it is

    def __init__(self, *, home_currency: str, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, fixed_columns=1, id=id)
        self.home_currency = home_currency
        self.start = 0  # absolute index of the first row held
        self.total = 0
        self.sort_key = "start"
        self.sort_descending = True
        self.window_rows: list[ContractRow] = []
        self._widths = flexible_widths(LIST_COLUMNS, 120, 1, SHARES)
        # As in CustomerTable: one window request out at a time, moves meanwhile kept.
        self._wanted: int | None = None
        self._asked = False
        self._sliding = False

    @property
    def position(self) -> int | None:
        """Absolute index of the highlighted contract in the whole list."""
        return self.start + self.cursor_row if self.window_rows else None

    @property
    def current(self) -> ContractRow | None:
        if not self.window_rows or not 0 <= self.cursor_row < len(self.window_rows):
            return None
        return self.window_rows[self.cursor_row]

    def show_window(
        self,
        rows: Sequence[ContractRow],
        *,
        offset: int,
        total: int,
        target: int,
        follow: bool = False,
        sort: str = "start",
        descending: bool = True,
    ) -> None:
        """Replace the window; the cursor goes to `target`, or stays on its contract if
        `follow`. A position the user moved to meanwhile wins over both."""
        current = self.current
        screen_row = self.cursor_row - round(self.scroll_y)
        wanted = self._wanted
        self.start, self.total, self.window_rows = offset, total, list(rows)
        self.sort_key, self.sort_descending = sort, descending
        self.forget_moves()
        cursor = target - offset
        if wanted is not None:
            cursor = min(wanted, total - 1) - offset
        elif follow and current is not None:
            ids = [row.id for row in self.window_rows]
            cursor = ids.index(current.id) if current.id in ids else cursor
        self._fill(min(max(cursor, 0), max(len(self.window_rows) - 1, 0)), screen_row)
        if wanted is not None and not 0 <= cursor < len(self.window_rows):
            self._go_to(wanted)  # moved on past this window while it loaded

    @on(DataTable.RowHighlighted)
    def _near_edge(self) -> None:
        self.slide_near_edge()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_resize(self, _event: Resize) -> None:
        widths = flexible_widths(LIST_COLUMNS, self.size.width, self.cell_padding, SHARES)
        if widths != self._widths:
            self._widths = widths
            self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def _theme_changed(self, _theme: Theme) -> None:
        self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def _fill(self, cursor: int, screen_row: int) -> None:
        """Rebuild columns and rows, with the cursor on `screen_row` of the view if it can be."""
        scroll_x = self.scroll_x
        self.clear(columns=True)
        for column in LIST_COLUMNS:
            self.add_column(
                header(column, sort=self.sort_key, descending=self.sort_descending),
                width=self._widths[column.key],
                key=column.key,
            )
        styles = RowStyles.of(self.app.current_theme)
        for row in self.window_rows:
            self.add_row(
                *cells(
                    row, LIST_COLUMNS, self._widths, styles=styles, home_currency=self.home_currency
                ),
                key=str(row.id),
            )
        if not self.window_rows:
            return
        self.move_cursor(row=cursor, scroll=False)
        top = max(cursor - max(screen_row, 0), 0)
        self.call_after_refresh(self.scroll_to, x=scroll_x, y=top, animate=False)
