"""A table that holds one window of a long list made of sections, each section read from SQL.

The Visits lists are long (20,000 overdue visits, 30,000 customers due on a big file): the
table holds at most WINDOW_SIZE rows around the cursor. A list is a run of sections (the
agenda's buckets, a day's planned and done visits), each an optional heading row and then
its rows. `Layout` turns a window of that run into one SQL page per section it touches;
`read_window` (run in a worker) reads them; `WindowTable.show_window` shows the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable

from clientdesk.tui.widgets.customer_table import place_window
from clientdesk.tui.widgets.window_moves import WindowMoves

T = TypeVar("T")

WINDOW_SIZE = 200
"""Most rows a table holds: a few screens either side of the cursor."""
FIRST_ROW = -2
"""A target meaning the first row that is not a heading (-1 is the last row)."""


@dataclass(frozen=True)
class Section:
    key: str  # what the reader reads, e.g. "overdue"
    count: int
    heading: bool = True  # a heading row comes before the section's rows

    @property
    def size(self) -> int:
        return self.count + (1 if self.heading else 0)


@dataclass(frozen=True)
class Heading:
    """The row that names a section (and counts it)."""

    section: Section


@dataclass(frozen=True)
class Piece:
    """Rows [offset, offset + limit) of one section: one SQL page."""

    section: Section
    offset: int
    limit: int


@dataclass(frozen=True)
class Layout:
    sections: tuple[Section, ...] = ()

    @property
    def total(self) -> int:
        return sum(section.size for section in self.sections)

    def _spans(self) -> list[tuple[Section, int, int]]:
        """(section, index of its heading or -1, index of its first row)."""
        spans, at = [], 0
        for section in self.sections:
            first = at + (1 if section.heading else 0)
            spans.append((section, at if section.heading else -1, first))
            at += section.size
        return spans

    def pieces(self, start: int, size: int) -> list[Piece]:
        """The SQL pages that fill rows [start, start + size) of the list."""
        end, found = start + size, []
        for section, _, first in self._spans():
            low, high = max(start, first), min(end, first + section.count)
            if low < high:
                found.append(Piece(section, low - first, high - low))
        return found

    def assemble(self, start: int, size: int, fetched: Mapping[str, Sequence[T]]) -> list[Any]:
        """Rows [start, start + size): headings and the rows read for each piece."""
        end, rows = start + size, list[Any]()
        for section, heading, first in self._spans():
            if start <= heading < end:
                rows.append(Heading(section))
            low, high = max(start, first), min(end, first + section.count)
            if low < high:
                rows.extend(fetched.get(section.key, ())[: high - low])
        return rows

    def first_row(self) -> int:
        """Index of the first row that is not a heading (0 if there is none)."""
        for section, _, first in self._spans():
            if section.count:
                return first
        return 0


@dataclass(frozen=True)
class Window:
    rows: list[Any]
    offset: int
    total: int
    target: int
    layout: Layout


class WindowLoaded(Message):
    """A window read in a worker for request number `serial` (older ones are dropped);
    `follow`: keep the highlighted row where it is. Subclass it per list, so that each
    list's handler takes only its own."""

    def __init__(self, serial: int, window: Window, follow: bool) -> None:
        super().__init__()
        self.serial = serial
        self.window = window
        self.follow = follow


class WindowLoadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


def read_window(
    layout: Layout,
    fetch: Callable[[Piece], Sequence[Any]],
    target: int,
    size: int = WINDOW_SIZE,
) -> Window:
    """The window centred on `target` (-1 the last row, FIRST_ROW the first non-heading)."""
    if target == FIRST_ROW:
        target = layout.first_row()
    offset, target = place_window(target, layout.total, size)
    fetched = {piece.section.key: list(fetch(piece)) for piece in layout.pieces(offset, size)}
    rows = layout.assemble(offset, size, fetched)
    return Window(rows, offset, layout.total, target, layout)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # cells; 0 = the flexible column that takes the spare width


class WindowTable(WindowMoves, DataTable[Text]):
    """Rows of a Window; asks for the next window as the cursor nears an edge of this one.

    Subclasses set COLUMNS and say how a row and a heading look (`cells`, `heading_cells`)
    and what identifies a row (`row_key`), so the cursor stays on it when the window slides.
    """

    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    FLEX: ClassVar[tuple[int, int]] = (16, 60)  # the flexible column's least and most width

    DEFAULT_CSS = """
    WindowTable {
        width: 1fr;
        height: 1fr;
        border: round $primary 40%;
        border-title-color: $text-muted;
        background: $surface;
        scrollbar-size-vertical: 1;

        &:focus {
            border: round $accent;
            border-title-color: $accent;
            border-title-style: bold;
        }

        & > .datatable--header {
            background: $panel;
            color: $primary;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g,ctrl+home", "first", "First", show=False, id="visit_list.first"),
        Binding("end,G,ctrl+end", "last", "Last", show=False, id="visit_list.last"),
    ]

    class WindowWanted(Message):
        """The cursor needs rows outside the window: read a window around `target`."""

        def __init__(self, table: WindowTable, target: int, *, follow: bool) -> None:
            super().__init__()
            self.table = table
            self.target = target
            self.follow = follow  # a slide: keep the highlighted row where it is

        @property
        def control(self) -> WindowTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.start = 0  # absolute index of the first row held
        self.total = 0
        self.listing = Layout()  # the sections of the whole list
        self.window_rows: list[Any] = []
        self._flex = self.FLEX[0]
        # Keys pressed while a window is on its way move `_wanted`; one request is out at a
        # time, so a burst of keys costs one or two reads and none is lost.
        self._wanted: int | None = None
        self._asked = False
        self._sliding = False

    # What subclasses provide.

    def row_key(self, row: Any) -> str:
        raise NotImplementedError

    def cells(self, row: Any) -> list[Text]:
        raise NotImplementedError

    def heading_cells(self, heading: Heading) -> list[Text]:
        return [Text("") for _ in self.COLUMNS]

    def prepare(self) -> None:
        """Called before the rows are drawn: read the theme's colours, the date."""

    # Reading the table.

    @property
    def position(self) -> int | None:
        """Absolute index of the highlighted row in the whole list."""
        return self.start + self.cursor_row if self.window_rows else None

    @property
    def highlighted(self) -> Any:
        """The highlighted row: a data row, a Heading, or None for an empty table."""
        if not self.window_rows or not 0 <= self.cursor_row < len(self.window_rows):
            return None
        return self.window_rows[self.cursor_row]

    @property
    def current(self) -> Any:
        """The highlighted data row (None on a heading)."""
        row = self.highlighted
        return None if isinstance(row, Heading) else row

    def show_window(self, window: Window, *, follow: bool = False) -> None:
        """Replace the rows; the cursor goes to the window's target, or stays on its row if
        `follow`. A position the user moved to meanwhile wins over both."""
        current = self.highlighted
        screen_row = self.cursor_row - round(self.scroll_y)
        wanted = self._wanted
        self.start, self.total = window.offset, window.total
        self.listing, self.window_rows = window.layout, self._unique(window.rows)
        self.forget_moves()
        cursor = window.target - window.offset
        if wanted is not None:
            cursor = min(wanted, window.total - 1) - window.offset
        elif follow and current is not None:
            keys = [self._key(row) for row in self.window_rows]
            mine = self._key(current)
            cursor = keys.index(mine) if mine in keys else cursor
        self._fill(min(max(cursor, 0), max(len(self.window_rows) - 1, 0)), screen_row)
        if wanted is not None and not 0 <= cursor < len(self.window_rows):
            self._go_to(wanted)  # moved past this window while it loaded

    def _unique(self, rows: list[Any]) -> list[Any]:
        # The pages of a window are separate reads: a visit moved between two buckets by
        # another program meanwhile could come twice. Show it once.
        seen: set[str] = set()
        kept = []
        for row in rows:
            key = self._key(row)
            if key not in seen:
                seen.add(key)
                kept.append(row)
        return kept

    def _key(self, row: Any) -> str:
        return f"heading:{row.section.key}" if isinstance(row, Heading) else self.row_key(row)

    def _ask_window(self, target: int, *, follow: bool) -> None:
        self.post_message(self.WindowWanted(self, target, follow=follow))

    @on(DataTable.RowHighlighted)
    def _near_edge(self) -> None:
        self.slide_near_edge()

    # Drawing.

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refill())

    def on_resize(self, _event: Resize) -> None:
        width = self._fit_flex(self.size.width)
        if width != self._flex:
            self._flex = width
            self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def _fit_flex(self, width: int) -> int:
        fixed = sum(c.width + 2 * self.cell_padding for c in self.COLUMNS if c.width)
        spare = width - fixed - 2 * self.cell_padding - self.styles.scrollbar_size_vertical
        return min(max(spare, self.FLEX[0]), self.FLEX[1])

    def refill(self) -> None:
        """Draw the rows held again (the theme or the clock changed)."""
        self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def _fill(self, cursor: int, screen_row: int) -> None:
        scroll_x = self.scroll_x
        self.clear(columns=True)
        for column in self.COLUMNS:
            self.add_column(column.label, width=column.width or self._flex, key=column.key)
        self.prepare()
        for row in self.window_rows:
            cells = self.heading_cells(row) if isinstance(row, Heading) else self.cells(row)
            self.add_row(*cells, key=self._key(row))
        if not self.window_rows:
            return
        self.move_cursor(row=cursor, scroll=False)
        top = max(cursor - max(screen_row, 0), 0)
        self.call_after_refresh(self.scroll_to, x=scroll_x, y=top, animate=False)


def clip(value: str | None, style: str = "") -> Text:
    """A cell that stays on one line, cut with an ellipsis."""
    return Text(value or "", style=style, no_wrap=True, overflow="ellipsis")


__all__ = [
    "FIRST_ROW",
    "WINDOW_SIZE",
    "Column",
    "Heading",
    "Layout",
    "Piece",
    "Section",
    "Window",
    "WindowLoadFailed",
    "WindowLoaded",
    "WindowTable",
    "clip",
    "read_window",
]
