"""The customer list: a DataTable holding one window of rows, never the whole table.

The table shows rows [offset, offset + len(rows)) of the sorted, filtered list. When the
cursor nears an edge of that window it posts `WindowWanted`; whoever owns the query (the
screen) loads a window centred on the cursor and hands it back through `show_window`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.theme import Theme
from textual.widgets import DataTable

from clientdesk.domain.customer_list import SORT_COLUMNS, CustomerRow
from clientdesk.domain.enums import label_zh
from clientdesk.domain.text import fold
from clientdesk.tui.widgets.window_moves import WindowMoves

WINDOW_SIZE = 240
"""Most rows the table ever holds: a couple of screens either side of the cursor."""

"""Rows from a window edge at which the next window is fetched, so scrolling never stalls."""


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    width: int  # in cells, with room for the sort arrow; 0 = the name column, which flexes
    words: str = ""  # how sentences name it ("sorted by last contact"); default: the label

    @property
    def phrase(self) -> str:
        return self.words or self.label.lower()

    @property
    def sortable(self) -> bool:
        return self.key in SORT_COLUMNS


COLUMNS = (
    ColumnSpec("code", "Code", 8),
    ColumnSpec("name", "Name", 0),
    ColumnSpec("grade", "Grade", 7),
    ColumnSpec("kind", "Kind", 10),
    ColumnSpec("region", "Region", 8),
    ColumnSpec("owner", "Owner", 10),
    ColumnSpec("status", "Status", 8),
    ColumnSpec("last_contact", "Contacted", 11, "last contact"),
    ColumnSpec("next_visit", "Next visit", 12, "next visit"),
)
COLUMN_BY_KEY = {spec.key: spec for spec in COLUMNS}
NAME_WIDTH = (16, 60)


def place_window(target: int, total: int, size: int = WINDOW_SIZE) -> tuple[int, int]:
    """(offset of a window centred on `target`, `target` clamped); -1 means the last row."""
    if total <= 0:
        return 0, 0
    target = total - 1 if target < 0 else min(target, total - 1)
    offset = min(max(0, target - size // 2), max(0, total - size))
    return offset, target


def local_date(value: datetime | None, zone: tzinfo) -> date | None:
    return value.astimezone(zone).date() if value is not None else None


def mark(cell: Text, needle: str, style: Style) -> None:
    """Style each occurrence of `needle` in `cell`, ignoring case and width."""
    plain = fold(cell.plain)
    if len(plain) != len(cell.plain):
        return  # folding changed the length (ligatures...): positions would not line up
    start = plain.find(needle)
    while start >= 0 and needle:
        cell.stylize(style, start, start + len(needle))
        start = plain.find(needle, start + len(needle))


class CustomerTable(WindowMoves, DataTable[Text]):
    """Customers, one row each; keeps the cursor on the same customer as the window slides."""

    HELP = """\
## Customers

Every customer, read a window at a time: as quick with 100,000 customers as with ten.

**/** searches code, name (华信), pinyin (bjhx), contact, phone, e-mail.
**f** filters. Click a header to sort. A next visit in red is overdue.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g,ctrl+home", "first", "First", show=False, id="customers.first"),
        Binding("end,G,ctrl+end", "last", "Last", show=False, id="customers.last"),
    ]

    class WindowWanted(Message):
        """The cursor needs rows outside the window: load a window around absolute `target`."""

        def __init__(self, target: int, *, follow: bool) -> None:
            super().__init__()
            self.target = target
            self.follow = follow  # a slide: keep the highlighted customer where it is

    def __init__(self, *, zone: tzinfo, today: Callable[[], date], id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, fixed_columns=2, id=id)
        self.zone = zone
        self.today = today
        self.start = 0  # absolute index of the first row held
        self.total = 0
        self.sort_key = "name"
        self.sort_descending = False
        self.highlight = ""  # the search text, marked where it appears in codes and names
        self.window_rows: list[CustomerRow] = []
        self._name_width = NAME_WIDTH[0]
        # Keys pressed while a window is on its way move `_wanted`; one request is out at a
        # time, so a burst of keys costs one or two queries, not one each, and none are lost.
        self._wanted: int | None = None  # where the cursor should be, outside the window
        self._asked = False  # a WindowWanted for `_wanted` is out
        self._sliding = False  # a window re-centred on the cursor is on its way

    @property
    def position(self) -> int | None:
        """Absolute index of the highlighted customer in the whole list."""
        return self.start + self.cursor_row if self.window_rows else None

    @property
    def current(self) -> CustomerRow | None:
        return self.window_rows[self.cursor_row] if self.window_rows else None

    def show_window(
        self,
        rows: Sequence[CustomerRow],
        *,
        offset: int,
        total: int,
        target: int,
        follow: bool = False,
        sort: str = "name",
        descending: bool = False,
        highlight: str = "",
    ) -> None:
        """Replace the window; the cursor goes to `target`, or stays on its customer if `follow`.

        A position the user moved to meanwhile wins over both. The cursor keeps its line on
        screen, so sliding the window does not show.
        """
        current = self.current
        screen_row = self.cursor_row - round(self.scroll_y)
        wanted = self._wanted
        self.start, self.total, self.window_rows = offset, total, list(rows)
        self.sort_key, self.sort_descending = sort, descending
        self.highlight = highlight
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
        width = self._fit_name_width(self.size.width)  # the event's size includes the border
        if width != self._name_width:
            self._name_width = width
            self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def _theme_changed(self, _theme: Theme) -> None:
        self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def _fit_name_width(self, width: int) -> int:
        others = sum(spec.width + 2 * self.cell_padding for spec in COLUMNS if spec.width)
        spare = width - others - 2 * self.cell_padding - self.styles.scrollbar_size_vertical
        return min(max(spare, NAME_WIDTH[0]), NAME_WIDTH[1])

    def _fill(self, cursor: int, screen_row: int) -> None:
        """Rebuild columns and rows, with the cursor on `screen_row` of the view if it can be."""
        scroll_x = self.scroll_x
        self.clear(columns=True)
        for spec in COLUMNS:
            self.add_column(self._header(spec), width=spec.width or self._name_width, key=spec.key)
        today = self.today()
        theme = self.app.current_theme
        overdue = Style(color=theme.error or "red", bold=True)
        marked = Style(color=theme.accent or "yellow", bold=True, underline=True)
        for row in self.window_rows:
            self.add_row(*self._cells(row, today, overdue, marked), key=str(row.id))
        if not self.window_rows:
            return
        self.move_cursor(row=cursor, scroll=False)
        top = max(cursor - max(screen_row, 0), 0)
        self.call_after_refresh(self.scroll_to, x=scroll_x, y=top, animate=False)

    def _header(self, spec: ColumnSpec) -> Text:
        if spec.key != self.sort_key:
            return Text(spec.label)
        return Text(f"{spec.label} {'▼' if self.sort_descending else '▲'}", style="underline")

    def _cells(self, row: CustomerRow, today: date, overdue: Style, marked: Style) -> list[Text]:
        last = local_date(row.last_contact_at, self.zone)
        visit = local_date(row.next_visit_at, self.zone)
        values = (
            row.code,
            row.name,
            row.grade.value,
            label_zh(row.kind),
            row.region or "",
            row.owner or "",
            label_zh(row.status),
            last.isoformat() if last else "",
        )
        cells = [Text(value, no_wrap=True, overflow="ellipsis") for value in values]
        if self.highlight:
            for cell in cells[:2]:  # code and name
                mark(cell, self.highlight, marked)
        late = visit is not None and visit < today
        cells.append(Text(visit.isoformat() if visit else "", style=overdue if late else ""))
        return cells
