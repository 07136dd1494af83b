"""Targets screen (业绩考核): each salesperson's sales against their target for one target
period, with how much of the period has gone by, money collected, customers entered and
visits done (domain/performance.py). `[` and `]` step to the previous and next period.

One row per target of the period: a handful of salespeople, however large the file; the
figures are one grouped pass over the period's records, read in a worker.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.money import format_cents
from clientdesk.domain.performance import (
    Performance,
    neighbour_period,
    performance,
    targets_on,
)
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext
from clientdesk.tui.registry import Command, Mode
from clientdesk.tui.widgets.mode_bar import ModeBar

BAR = 12
COLUMNS = (  # short labels: the figures must fit 120 columns beside the bars
    ("owner", "Salesperson 销售"),
    ("target", "Target"),
    ("sales", "Sales"),
    ("met", "Met 完成"),
    ("pace", "Period"),
    ("collected", "Collected 回款"),
    ("new", "New"),
    ("visits", "Visits"),
)


class TargetsLoaded(Message):
    def __init__(self, serial: int, period: tuple[date, date] | None, rows: list[Performance]):
        super().__init__()
        self.serial = serial
        self.period = period
        self.rows = rows


class TargetsLoadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


def read_targets(
    session: Session, ctx: AppContext, around: date, step: int
) -> tuple[tuple[date, date] | None, list[Performance]]:
    """The period running on `around` (or the one `step` periods from it) and its rows."""
    period = targets_on(session, around)
    if period is not None and step:
        period = neighbour_period(session, period[0], later=step > 0) or period
    if period is None:
        return None, []
    rows = performance(session=session, start=period[0], end=period[1], zone=ctx.zone)
    return period, rows


def met_cell(row: Performance, today: date) -> Text:
    """Achievement with a bar, green when ahead of the period's pace, yellow when behind."""
    met = row.achievement
    if met is None:
        return Text("—")
    behind = met < row.elapsed(today)
    style = "yellow" if behind else "green"
    filled = min(BAR, round(met * BAR))
    text = Text("█" * filled, style=style)
    text.append("░" * (BAR - filled), style="dim")
    text.append(f" {met:>4.0%}", style=f"bold {style}")
    return text


class TargetsScreen(Screen[None]):
    AUTO_FOCUS = "#targets"
    DEFAULT_CSS = """
    TargetsScreen {
        #targets-summary { height: auto; margin: 0 1; }
        #targets {
            height: 1fr; margin: 0 1; background: $surface;
            border: round $primary 40%; border-title-color: $text-muted;
            &:focus { border: round $accent; }
        }
        #targets-empty { display: none; margin: 1 2; }
        &.-empty #targets-empty { display: block; }
        &.-empty #targets { display: none; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "step(-1)", "Previous period", id="targets.previous"),
        Binding("right_square_bracket", "step(1)", "Next period", id="targets.next"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="targets.refresh"),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.period: tuple[date, date] | None = None
        self.rows: list[Performance] = []
        self._serial = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield ModeBar("targets")
        yield Static("Reading the targets…", id="targets-summary")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="targets")
        yield Static(
            "No sales targets yet: targets per salesperson and period (sales_targets) are "
            "what performance is measured against.",
            id="targets-empty",
            classes="empty-note",
            markup=False,
        )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#targets", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self._read(self.ctx.today(), 0)

    def on_screen_resume(self) -> None:
        self.reload()

    # What the keys and the palette do.

    def step(self, step: int) -> None:
        self._read(self.period[0] if self.period else self.ctx.today(), step)

    def reload(self) -> None:
        self.step(0)

    def action_step(self, step: int) -> None:
        self.step(step)

    def action_reload(self) -> None:
        self.reload()

    # Loading.

    def _read(self, around: date, step: int) -> None:
        self._serial += 1
        self._load(self._serial, around, step)

    @work(thread=True, exclusive=True, group="targets")
    def _load(self, serial: int, around: date, step: int) -> None:
        worker = get_current_worker()
        ctx = self.ctx
        try:
            period, rows = ctx.read(lambda s: read_targets(s, ctx, around, step))
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(TargetsLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(TargetsLoaded(serial, period, rows))

    @on(TargetsLoaded)
    def _loaded(self, message: TargetsLoaded) -> None:
        if message.serial != self._serial:
            return
        self.period, self.rows = message.period, message.rows
        today = self.ctx.today()
        table = self.query_one("#targets", DataTable)
        table.clear()
        for row in message.rows:
            table.add_row(
                row.owner,
                Text(format_cents(row.target_cents), justify="right"),
                Text(format_cents(row.sales_cents), justify="right"),
                met_cell(row, today),
                Text(f"{row.elapsed(today):.0%}", justify="right", style="dim"),
                Text(format_cents(row.collected_cents), justify="right"),
                Text(f"{row.new_customers:,}", justify="right"),
                Text(f"{row.visits_done:,}", justify="right"),
                key=row.owner,
            )
        self.set_class(message.period is None, "-empty")
        self.query_one("#targets-summary", Static).update(self._summary(today))
        if message.period:
            first, last = message.period
            table.border_title = f"Targets 业绩 {first} – {last}"

    @on(TargetsLoadFailed)
    def _failed(self, message: TargetsLoadFailed) -> None:
        if message.serial == self._serial:
            self.notify(message.error, title="Could not read the targets", severity="error")

    def _summary(self, today: date) -> Text:
        text = Text()
        if self.period is None:
            return text
        rows = self.rows
        currency = self.ctx.settings.general.currency
        target = sum(r.target_cents for r in rows)
        sales = sum(r.sales_cents for r in rows)
        elapsed = rows[0].elapsed(today) if rows else 0.0
        behind = sum(1 for r in rows if r.achievement is not None and r.achievement < elapsed)
        text.append(f"{self.period[0]} – {self.period[1]}", style="bold")
        text.append(f"  ·  {elapsed:.0%} of the period gone  ·  team ")
        text.append(f"{format_cents(sales, currency)} of {format_cents(target, currency)}")
        if target:
            text.append(f" ({sales / target:.0%})", style="bold")
        text.append("  ·  ")
        text.append(f"{behind:,} behind the pace", style="yellow" if behind else "green")
        text.append("  ·  [ ] other periods", style="dim")
        return text


def target_commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    if not isinstance(screen, TargetsScreen):
        return []
    return [
        Command(
            "Targets: previous period", "The target period before ([)", lambda: screen.step(-1)
        ),
        Command("Targets: next period", "The target period after (])", lambda: screen.step(1)),
        Command("Targets: refresh", "Read the figures again (ctrl+r)", screen.reload),
    ]


MODE = Mode(
    name="targets",
    key="y",  # 业绩 yèjì
    title="Targets",
    order=48,
    screen=TargetsScreen,
    commands=target_commands,
)
