"""The complaint queue: a DataTable holding one window of rows, never the whole table.

Like the customer list, the table shows rows [offset, offset + len(rows)) of the list the
screen asked for; when the cursor nears an edge of the window it posts `WindowWanted` and the
screen loads a window centred on the cursor (see widgets/customer_table.py).

A complaint still unanswered past its deadline is marked "!" in the first column, its time
left reads "overdue 3h 20m" and both are drawn in the theme's error colour; "↑" marks an
escalated one. Colour is never the only sign.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.theme import Theme
from textual.widgets import DataTable

from clientdesk.domain.complaint_queue import ComplaintRow
from clientdesk.domain.enums import label_zh
from clientdesk.tui.widgets.customer_table import place_window
from clientdesk.tui.widgets.window_moves import WindowMoves

__all__ = ["ComplaintTable", "place_window"]

OVERDUE_MARK = "!"
ESCALATED_MARK = "↑"

# key, header, width (0: flexes with the terminal)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("flag", "", 2),
    ("id", "No.", 6),
    ("customer", "Customer", 0),
    ("grade", "Grade", 5),
    ("category", "Category", 8),
    ("severity", "Severity", 8),
    ("status", "Status", 8),
    ("left", "Time left", 16),
    ("summary", "Summary", 0),
)
CUSTOMER_WIDTH = (14, 30)
SUMMARY_MIN = 12


def time_left_cell(row: ComplaintRow, now: datetime, late: Style, warn: Style) -> Text:
    """'2h 40m left', 'overdue 3h 20m' (error colour), 'answered' / 'answered late'."""
    if row.awaiting_answer:
        style = late if row.is_overdue(now) else Style()
        return Text(row.time_left_text(now), style=style, no_wrap=True)
    if row.answered_late:
        return Text("answered late", style=warn, no_wrap=True)
    return Text("answered", no_wrap=True)


def flag_cell(row: ComplaintRow, now: datetime, late: Style, warn: Style) -> Text:
    flag = Text(no_wrap=True)
    if row.is_overdue(now):
        flag.append(OVERDUE_MARK, late)
    if row.escalated:
        flag.append(ESCALATED_MARK, warn)
    return flag


class ComplaintTable(WindowMoves, DataTable[Text]):
    """Complaints, one row each; keeps the cursor on the same complaint as the window slides."""

    DEFAULT_CSS = """
    ComplaintTable {
        height: 1fr;
        max-height: 100%;
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

        & > .datatable--header {
            background: $panel;
            color: $primary;
        }
    }
    """

    HELP = """\
## Complaints

The queue of complaints, read a window at a time. **!** (in red) marks a complaint still
unanswered past its deadline; **↑** one that was escalated.

**enter** opens the complaint; **n** takes a new one.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g,ctrl+home", "first", "First", show=False, id="complaints.first"),
        Binding("end,G,ctrl+end", "last", "Last", show=False, id="complaints.last"),
    ]

    class WindowWanted(Message):
        """The cursor needs rows outside the window: load a window around absolute `target`."""

        def __init__(self, target: int, *, follow: bool) -> None:
            super().__init__()
            self.target = target
            self.follow = follow

    def __init__(self, *, now: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.now = now
        self.start = 0
        self.total = 0
        self.window_rows: list[ComplaintRow] = []
        self._widths = (CUSTOMER_WIDTH[0], SUMMARY_MIN)
        self._wanted: int | None = None  # where the cursor should be, outside the window
        self._asked = False
        self._sliding = False

    @property
    def position(self) -> int | None:
        return self.start + self.cursor_row if self.window_rows else None

    @property
    def current(self) -> ComplaintRow | None:
        return self.window_rows[self.cursor_row] if self.window_rows else None

    def show_window(
        self,
        rows: Sequence[ComplaintRow],
        *,
        offset: int,
        total: int,
        target: int,
        follow: bool = False,
    ) -> None:
        """Replace the window; the cursor goes to `target`, or stays on its complaint."""
        current = self.current
        screen_row = self.cursor_row - round(self.scroll_y)
        wanted = self._wanted
        self.start, self.total, self.window_rows = offset, total, list(rows)
        self.forget_moves()
        cursor = target - offset
        if wanted is not None:
            cursor = min(wanted, total - 1) - offset
        elif follow and current is not None:
            ids = [row.id for row in self.window_rows]
            cursor = ids.index(current.id) if current.id in ids else cursor
        self._fill(min(max(cursor, 0), max(len(self.window_rows) - 1, 0)), screen_row)
        if wanted is not None and not 0 <= cursor < len(self.window_rows):
            self._go_to(wanted)

    @on(DataTable.RowHighlighted)
    def _near_edge(self) -> None:
        self.slide_near_edge()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_resize(self, _event: Resize) -> None:
        widths = self._fit(self.size.width)
        if widths != self._widths:
            self._widths = widths
            self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def redraw(self) -> None:
        """Draw the rows again: the time left moves on with the clock."""
        self._fill(self.cursor_row, self.cursor_row - round(self.scroll_y))

    def _theme_changed(self, _theme: Theme) -> None:
        self.redraw()

    def _fit(self, width: int) -> tuple[int, int]:
        """Widths of the customer and summary columns sharing what the others leave."""
        fixed = sum(w + 2 * self.cell_padding for _, _, w in COLUMNS if w)
        spare = width - fixed - 4 * self.cell_padding - self.styles.scrollbar_size_vertical
        customer = min(max(spare // 2, CUSTOMER_WIDTH[0]), CUSTOMER_WIDTH[1])
        return customer, max(spare - customer, SUMMARY_MIN)

    def _fill(self, cursor: int, screen_row: int) -> None:
        scroll_x = self.scroll_x
        self.clear(columns=True)
        customer_width, summary_width = self._widths
        flexible = {"customer": customer_width, "summary": summary_width}
        for key, label, width in COLUMNS:
            self.add_column(label, width=width or flexible[key], key=key)
        theme = self.app.current_theme
        late = Style(color=theme.error or "red", bold=True)
        warn = Style(color=theme.warning or "yellow")
        now = self.now()
        for row in self.window_rows:
            self.add_row(*self._cells(row, now, late, warn), key=str(row.id))
        if not self.window_rows:
            return
        self.move_cursor(row=cursor, scroll=False)
        top = max(cursor - max(screen_row, 0), 0)
        self.call_after_refresh(self.scroll_to, x=scroll_x, y=top, animate=False)

    def _cells(self, row: ComplaintRow, now: datetime, late: Style, warn: Style) -> list[Text]:
        overdue = row.is_overdue(now)

        def cell(value: str, style: Style | str = "") -> Text:
            return Text(value, style=style, no_wrap=True, overflow="ellipsis")

        return [
            flag_cell(row, now, late, warn),
            cell(str(row.id)),
            cell(row.customer_name, late if overdue else ""),
            cell(row.grade.value),
            cell(label_zh(row.category)),
            cell(label_zh(row.severity)),
            cell(label_zh(row.status)),
            time_left_cell(row, now, late, warn),
            cell(row.summary),
        ]
