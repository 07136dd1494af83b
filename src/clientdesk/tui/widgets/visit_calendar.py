"""The month calendar (拜访月历): planned and done visits per local day, and the first few.

Arrows move a day (left, right) or a week (up, down), page up and page down (or [ and ])
a month, t goes back to today; enter shows the chosen day's visits. A month is two SQL
statements (domain.visit_calendar), read in a worker whenever the month changes.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich import box
from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from clientdesk.domain.enums import VisitStatus
from clientdesk.domain.visit_calendar import CalendarDay, MonthCalendar, month_calendar
from clientdesk.errors import ClientdeskError
from clientdesk.tui.widgets.visit_format import WEEKDAYS_EN, WEEKDAYS_ZH, day_title

if TYPE_CHECKING:
    from clientdesk.tui.context import AppContext

PER_DAY = 3  # visits listed in a day's cell; the rest are counted


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), kept inside the month: Jan 31 + 1 → Feb 28."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    year = min(max(year, 1), 9998)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


class MonthGrid(Widget, can_focus=True):
    """A Monday-first grid of the month; the chosen day is highlighted."""

    HELP = """\
## Calendar 拜访月历

Planned (●) and done (✓) visits of each day in local time, the first few
listed. **←/→** a day, **↑/↓** a week, **PgUp/PgDn** or **[ ]** a month,
**t** today; **enter** lists the day's visits; **n** plans one on that day.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Day before", show=False, id="calendar.previous_day"),
        Binding("right", "move(1)", "Day after", show=False, id="calendar.next_day"),
        Binding("up", "move(-7)", "Week before", show=False, id="calendar.previous_week"),
        Binding("down", "move(7)", "Week after", show=False, id="calendar.next_week"),
        Binding(
            "pageup,left_square_bracket",
            "month(-1)",
            "Month before",
            id="calendar.previous_month",
        ),
        Binding(
            "pagedown,right_square_bracket", "month(1)", "Month after", id="calendar.next_month"
        ),
        Binding("t,home", "today", "Today", id="calendar.today"),
        Binding("enter", "open_day", "Day's visits", id="calendar.open_day"),
    ]

    DEFAULT_CSS = """
    MonthGrid { height: 1fr; width: 1fr; padding: 0 1; }
    """

    class DayChosen(Message):
        """The highlighted day moved."""

        def __init__(self, day: date) -> None:
            super().__init__()
            self.day = day

    class DayOpened(Message):
        """Enter on a day: show its visits."""

        def __init__(self, day: date) -> None:
            super().__init__()
            self.day = day

    def __init__(self, *, today: date, zone: tzinfo, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today
        self.zone = zone
        self.selected = today
        self.month: MonthCalendar | None = None

    def show_month(self, month: MonthCalendar, today: date) -> None:
        self.month, self.today = month, today
        self.refresh()

    def choose(self, day: date) -> None:
        day = min(max(day, date(1, 1, 1)), date(9998, 12, 31))
        if day != self.selected:
            self.selected = day
            self.refresh()
            self.post_message(self.DayChosen(day))

    def action_move(self, days: int) -> None:
        self.choose(self.selected + timedelta(days=days))

    def action_month(self, months: int) -> None:
        self.choose(add_months(self.selected, months))

    def action_today(self) -> None:
        self.choose(self.today)

    def action_open_day(self) -> None:
        self.post_message(self.DayOpened(self.selected))

    # Drawing.

    def render(self) -> RenderableType:
        month = self.month
        if month is None:
            return Text("Loading the month…", style="dim")
        weeks = month.weeks()
        width = max((self.content_size.width - 8) // 7, 6)
        # Rows: the top border, the weekday line and its rule, then weeks and their rules.
        lines = max((self.content_size.height - 3) // len(weeks) - 1, 1)
        theme = self.app.current_theme
        styles = {
            "selected": Style(bgcolor=theme.accent or "yellow", color=theme.background or "black"),
            "today": Style(color=theme.accent or "yellow", bold=True),
            "weekend": Style(dim=True),
            "planned": Style(color=theme.primary or "blue"),
            "done": Style(dim=True),
        }
        table = Table(
            box=box.SQUARE,
            show_lines=True,
            padding=0,
            expand=False,
            border_style=Style(color=theme.primary or "blue", dim=True),
            header_style=Style(bold=True),
        )
        for n, (en, zh) in enumerate(zip(WEEKDAYS_EN, WEEKDAYS_ZH, strict=True)):
            head = Text(f"{en} {zh[1]}", style=styles["weekend"] if n >= 5 else "")
            table.add_column(head, width=width, no_wrap=True, justify="left")
        for week in weeks:
            table.add_row(*(self._cell(day, width, lines, styles) for day in week))
        return table

    def _cell(
        self, day: CalendarDay | None, width: int, lines: int, styles: dict[str, Style]
    ) -> Text:
        if day is None:
            return Text("\n".join(" " * width for _ in range(lines)))
        rows = [self._head(day, width, styles)]
        room = lines - 1
        # When not every visit fits, the last line counts the ones not listed.
        listed = day.entries[:room] if day.total <= room else day.entries[: max(room - 1, 0)]
        for entry in listed:
            done = entry.status == VisitStatus.DONE
            at = entry.local_time(self.zone)
            rows.append(
                Text(
                    f"{'✓' if done else '·'}{at:%H:%M} {entry.customer_name}",
                    style=styles["done"] if done else "",
                )
            )
        hidden = day.total - len(listed)
        if hidden and room:
            rows.append(Text(f"  +{hidden:,} more", style="dim italic"))
        while len(rows) < lines:
            rows.append(Text(""))
        for row in rows:
            row.truncate(width, overflow="ellipsis", pad=True)
        cell = Text("\n").join(rows[:lines])
        if day.day == self.selected:
            cell.stylize(styles["selected"])
        return cell

    def _head(self, day: CalendarDay, width: int, styles: dict[str, Style]) -> Text:
        number = f"{day.day.day:>2}"
        style = styles["today"] if day.day == self.today else ""
        if not style and day.day.weekday() >= 5:
            style = styles["weekend"]
        head = Text(number, style=style)
        if day.day == self.today:
            head.append(" 今天", style=styles["today"])
        counts = Text()
        if day.planned:
            counts.append(f"●{day.planned:,}", style=styles["planned"])
        if day.done:
            counts.append(f" ✓{day.done:,}", style=styles["done"])
        gap = width - head.cell_len - counts.cell_len
        if gap > 0:
            head.append(" " * gap)
        head.append_text(counts)
        return head


class MonthLoaded(Message):
    def __init__(self, serial: int, month: MonthCalendar) -> None:
        super().__init__()
        self.serial = serial
        self.month = month


class MonthLoadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


class CalendarView(Vertical):
    """The month's title line, the grid and the chosen day's line; reads months in a worker."""

    DEFAULT_CSS = """
    CalendarView { height: 1fr; }
    CalendarView #calendar-title { height: 1; margin: 0 2; text-style: bold; }
    """

    def __init__(self, ctx: AppContext, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.owner: str | None = None
        self.month: MonthCalendar | None = None
        self._serial = 0
        self._loading: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="calendar-title", markup=False)
        yield MonthGrid(today=self.ctx.today(), zone=self.ctx.zone, id="month-grid")
        yield Static("", id="calendar-status", classes="status-line", markup=False)

    @property
    def grid(self) -> MonthGrid:
        return self.query_one(MonthGrid)

    @property
    def selected(self) -> date:
        return self.grid.selected

    def reload(self, *, keep: bool = True) -> None:
        day = self.grid.selected
        self._request(day.year, day.month)

    def _request(self, year: int, month: int) -> None:
        self._serial += 1
        self._loading = (year, month)
        self._load(self._serial, year, month, self.owner)

    @work(thread=True, exclusive=True, group="visits-calendar")
    def _load(self, serial: int, year: int, month: int, owner: str | None) -> None:
        worker = get_current_worker()
        ctx = self.ctx
        try:
            found = ctx.read(
                lambda s: month_calendar(
                    session=s, year=year, month=month, zone=ctx.zone, owner=owner, per_day=PER_DAY
                )
            )
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(MonthLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(MonthLoaded(serial, found))

    @on(MonthLoaded)
    def _loaded(self, message: MonthLoaded) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        self._loading = None
        self.month = message.month
        self.grid.show_month(message.month, self.ctx.today())
        self.show_status()

    @on(MonthLoadFailed)
    def _failed(self, message: MonthLoadFailed) -> None:
        message.stop()
        if message.serial == self._serial:
            self._loading = None
            self.notify(message.error, title="Could not load the month", severity="error")

    @on(MonthGrid.DayChosen)
    def _day_chosen(self, message: MonthGrid.DayChosen) -> None:
        day = message.day
        shown = (self.month.year, self.month.month) if self.month else None
        if (day.year, day.month) not in (shown, self._loading):
            self._request(day.year, day.month)
        self.show_status()

    def day(self, day: date) -> CalendarDay | None:
        month = self.month
        if month is None or (day.year, day.month) != (month.year, month.month):
            return None
        return month.day(day)

    def show_status(self) -> None:
        month = self.month
        if month is None:
            return
        name = f"{calendar.month_name[month.month]} {month.year} · {month.year}年{month.month}月"
        totals = f"{month.planned:,} planned · {month.done:,} done"
        who = f"only {self.owner}'s" if self.owner else "everyone's visits"
        self.query_one("#calendar-title", Static).update(f"{name}  ·  {totals}  ·  {who}")
        chosen = self.grid.selected
        day = self.day(chosen)
        if day is None:
            text = f"{day_title(chosen)}: loading…"
        elif day.total:
            text = f"{day_title(chosen)}: {day.planned:,} planned, {day.done:,} done · ⏎ lists them"
        else:
            text = f"{day_title(chosen)}: no visits · n plans one on this day"
        self.query_one("#calendar-status", Static).update(text)
