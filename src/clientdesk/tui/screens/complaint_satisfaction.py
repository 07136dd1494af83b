"""Satisfaction summary (客户满意度测评): the scores customers gave when their complaints were
closed, averaged and counted by month, by category and by grade (computed in SQL)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from clientdesk.domain.complaint_stats import (
    SatisfactionCell,
    SatisfactionSummary,
    satisfaction_summary,
)
from clientdesk.domain.enums import ComplaintCategory, label_zh
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext

BAR_CELLS = 10
EIGHTHS = " ▏▎▍▌▋▊▉"
TABLES = {
    "by-month": ("By month 按月", "Month"),
    "by-category": ("By category 按类别", "Category"),
    "by-grade": ("By grade 按等级", "Grade"),
}


def bar(average: float) -> str:
    """A bar of BAR_CELLS cells for an average out of 5, to an eighth of a cell."""
    eighths = round(max(0.0, min(average, 5.0)) / 5 * BAR_CELLS * 8)
    full, rest = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[rest] if rest else "")).ljust(BAR_CELLS)


def months_back(today: date, months: int) -> date:
    """The first day of the month `months - 1` months before today's: a span of `months`."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def category_label(key: str) -> str:
    return f"{label_zh(ComplaintCategory(key))} {key}"


class SummaryRead(Message):
    def __init__(self, summary: SatisfactionSummary | None, error: str = "") -> None:
        super().__init__()
        self.summary = summary
        self.error = error


class SatisfactionScreen(Screen[None]):
    """Three small tables and the overall average; t switches the last 12 months / all time."""

    DEFAULT_CSS = """
    SatisfactionScreen #satisfaction-tables {
        height: 1fr;
        margin: 0 1;
    }
    SatisfactionScreen DataTable {
        height: auto;
        border: round $primary 40%;
        border-title-color: $primary;
        background: $surface;
        &:focus { border: round $accent; }
    }
    SatisfactionScreen #by-month { width: 1fr; height: 1fr; }
    SatisfactionScreen #satisfaction-side { width: 1fr; height: 1fr; }
    SatisfactionScreen #satisfaction-overall {
        height: auto;
        margin: 0 2;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="satisfaction.back"),
        Binding("t", "toggle_span", "12 months / all", id="satisfaction.span"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="satisfaction.refresh"),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.last_year = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="satisfaction-overall", markup=False)
        with Horizontal(id="satisfaction-tables"):
            yield DataTable(id="by-month", cursor_type="row", zebra_stripes=True)
            with Vertical(id="satisfaction-side"):
                yield DataTable(id="by-category", cursor_type="row")
                yield DataTable(id="by-grade", cursor_type="row")
        yield Static("", classes="status-line", id="satisfaction-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        for table_id, (title, first) in TABLES.items():
            table = self.query_one(f"#{table_id}", DataTable)
            table.border_title = title
            table.add_column(first, width=18)
            table.add_column("Closed", width=8)
            table.add_column("Average", width=7)
            table.add_column("", width=BAR_CELLS)
        self.reload()

    @property
    def since(self) -> date | None:
        return months_back(self.ctx.today(), 12) if self.last_year else None

    def reload(self) -> None:
        self._read(self.since)

    @work(thread=True, exclusive=True, group="satisfaction")
    def _read(self, since: date | None) -> None:
        zone = self.ctx.zone
        try:
            summary = self.ctx.read(
                lambda s: satisfaction_summary(session=s, zone=zone, since=since)
            )
        except ClientdeskError as exc:
            self.post_message(SummaryRead(None, str(exc)))
            return
        self.post_message(SummaryRead(summary))

    @on(SummaryRead)
    def _show(self, message: SummaryRead) -> None:
        summary = message.summary
        if summary is None:
            self.notify(message.error, title="Could not read satisfaction", severity="error")
            return
        span = f"since {self.since:%Y-%m}" if self.since else "all time"
        overall = summary.overall
        if overall.count:
            text = (
                f"Satisfaction 满意度, {span}: {overall.average:.2f} / 5 over "
                f"{overall.count:,} closed complaints"
            )
        else:
            text = f"Satisfaction 满意度, {span}: no closed complaint with a score yet."
        self.query_one("#satisfaction-overall", Static).update(text)
        self._fill("by-month", [(c.key, c) for c in reversed(summary.by_month)])
        self._fill("by-category", [(category_label(c.key), c) for c in summary.by_category])
        self._fill("by-grade", [(c.key, c) for c in summary.by_grade])
        self.query_one("#satisfaction-status", Static).update(
            "Scores (1 very unhappy … 5 very happy) given when complaints were closed  ·  "
            + ("t shows all time" if self.since else "t shows the last 12 months")
        )

    def _fill(self, table_id: str, cells: list[tuple[str, SatisfactionCell]]) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        table.clear()
        for label, cell in cells:
            table.add_row(
                label,
                Text(f"{cell.count:,}", justify="right"),
                Text(f"{cell.average:.2f}", justify="right"),
                bar(cell.average),
            )

    def action_toggle_span(self) -> None:
        self.last_year = not self.last_year
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
