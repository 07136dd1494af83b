"""One day's visits from the calendar: planned ones, then done ones, a window at a time.

A busy day on a big file has a thousand visits, so the list is read like the agenda: the
day's two counts, then only the rows around the cursor (domain.visit_calendar.day_entries).
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from clientdesk.domain.enums import VisitKind, VisitStatus
from clientdesk.domain.visit_calendar import CalendarEntry, day_entries, month_calendar
from clientdesk.errors import ClientdeskError
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.screens import visit_actions
from clientdesk.tui.widgets.visit_format import VisitRef, day_title, kind_label
from clientdesk.tui.widgets.visit_window import (
    FIRST_ROW,
    Column,
    Heading,
    Layout,
    Piece,
    Section,
    Window,
    WindowLoaded,
    WindowLoadFailed,
    WindowTable,
    clip,
    read_window,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientdesk.tui.context import AppContext

TITLES = {VisitStatus.PLANNED.value: "Planned 计划", VisitStatus.DONE.value: "Done 已拜访"}


class DayTable(WindowTable):
    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("time", "Time", 14),
        Column("code", "Code", 7),
        Column("name", "Customer", 0),
        Column("kind", "Kind", 8),
        Column("purpose", "Purpose", 34),
    )
    FLEX: ClassVar[tuple[int, int]] = (14, 40)

    def __init__(self, *, zone: tzinfo, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone

    def row_key(self, row: CalendarEntry) -> str:
        return f"visit:{row.visit_id}"

    def heading_cells(self, heading: Heading) -> list[Text]:
        count = heading.section.count
        cells = [Text(f"▌{TITLES[heading.section.key]}", style="bold", no_wrap=True), Text("")]
        cells.append(Text(f"{count:,}" if count else "none", style="dim italic"))
        return [*cells, Text(""), Text("")]

    def cells(self, row: CalendarEntry) -> list[Text]:
        done = row.status == VisitStatus.DONE
        at = row.local_time(self.zone)
        kind = kind_label(row.kind) if row.kind != VisitKind.REGULAR else ""
        return [
            clip(f"{'✓' if done else '·'} {at:%H:%M}", "dim" if done else ""),
            clip(row.customer_code),
            clip(row.customer_name),
            clip(kind),
            clip(row.purpose),
        ]


class DayLoaded(WindowLoaded):
    pass


class DayLoadFailed(WindowLoadFailed):
    pass


def read_day(
    session: Session, *, day: date, zone: tzinfo, owner: str | None, target: int
) -> Window:
    counts = month_calendar(
        session=session, year=day.year, month=day.month, zone=zone, owner=owner, per_day=0
    ).day(day)
    layout = Layout(
        (
            Section(VisitStatus.PLANNED.value, counts.planned),
            Section(VisitStatus.DONE.value, counts.done),
        )
    )

    def fetch(piece: Piece) -> list[CalendarEntry]:
        return day_entries(
            session=session,
            day=day,
            zone=zone,
            status=VisitStatus(piece.section.key),
            owner=owner,
            offset=piece.offset,
            limit=piece.limit,
        )

    return read_window(layout, fetch, target)


class DayVisitsScreen(ModalScreen[None]):
    """The visits of `day`; enter opens the customer's file, l r x act on the visit."""

    DEFAULT_CSS = """
    DayVisitsScreen .day-dialog { width: 110; max-width: 100%; height: 90%; }
    DayVisitsScreen DayTable { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="visit_day.close"),
        Binding("enter", "open_file", "Open file", id="visit_day.open_file"),
        Binding("i", "details", "Details", id="visit_day.details"),
        Binding("l", "log", "Log", id="visit_day.log"),
        Binding("r", "reschedule", "Reschedule", id="visit_day.reschedule"),
        Binding("x", "cancel_visit", "Cancel visit", id="visit_day.cancel"),
    ]

    def __init__(self, ctx: AppContext, day: date, *, owner: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.day = day
        self.owner = owner
        self._serial = 0
        self._first = True

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog day-dialog"):
            yield Static(f"Visits on {day_title(self.day)}", classes="dialog-title", markup=False)
            yield DayTable(zone=self.ctx.zone, id="day-table")
            yield Static("", id="day-status", classes="status-line", markup=False)
        yield Footer(compact=True)

    @property
    def table(self) -> DayTable:
        return self.query_one(DayTable)

    def on_mount(self) -> None:
        self.table.loading = True
        self._request(FIRST_ROW, follow=False)

    def on_screen_resume(self) -> None:
        if self._first:
            self._first = False
            return
        self.reload()  # a form or the customer's file was on top: it may have changed things

    def reload(self) -> None:
        self.table.forget_moves()
        position = self.table.position
        self._request(position if position is not None else FIRST_ROW, follow=True)

    def _request(self, target: int, *, follow: bool) -> None:
        self._serial += 1
        self._load(self._serial, target, follow)

    @on(WindowTable.WindowWanted)
    def _window_wanted(self, event: WindowTable.WindowWanted) -> None:
        self._request(event.target, follow=event.follow)

    @work(thread=True, exclusive=True, group="visit-day")
    def _load(self, serial: int, target: int, follow: bool) -> None:
        worker = get_current_worker()
        ctx, day, owner = self.ctx, self.day, self.owner
        try:
            window = ctx.read(
                lambda s: read_day(s, day=day, zone=ctx.zone, owner=owner, target=target)
            )
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(DayLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(DayLoaded(serial, window, follow))

    @on(DayLoaded)
    def _loaded(self, message: DayLoaded) -> None:
        if message.serial != self._serial:
            return
        table = self.table
        table.loading = False
        table.show_window(message.window, follow=message.follow)
        planned, done = (s.count for s in message.window.layout.sections)
        self.query_one("#day-status", Static).update(
            f"{planned:,} planned · {done:,} done  ·  ⏎ file · i details · l log · "
            "r reschedule · x cancel"
        )

    @on(DayLoadFailed)
    def _failed(self, message: DayLoadFailed) -> None:
        if message.serial == self._serial:
            self.table.loading = False
            self.notify(message.error, title="Could not load the day", severity="error")

    # Actions on the highlighted visit.

    def _ref(self) -> VisitRef | None:
        row: Any = self.table.current
        if isinstance(row, CalendarEntry):
            return VisitRef.of_entry(row)
        self.notify(visit_actions.NO_VISIT)
        return None

    def action_open_file(self) -> None:
        ref = self._ref()
        if ref is not None:
            self.post_message(OpenCustomer(ref.customer_id))

    def action_details(self) -> None:
        ref = self._ref()
        if ref is not None:
            visit_actions.details(self.app, self.ctx, ref)

    def action_log(self) -> None:
        ref = self._ref()
        if ref is not None:
            visit_actions.log(self.app, self.ctx, self.reload, ref)

    def action_reschedule(self) -> None:
        ref = self._ref()
        if ref is not None:
            visit_actions.reschedule(self.app, self.ctx, self.reload, ref)

    def action_cancel_visit(self) -> None:
        ref = self._ref()
        if ref is not None:
            visit_actions.cancel(self.app, self.ctx, self.reload, ref)

    @on(WindowTable.RowSelected)
    def _selected(self) -> None:
        self.action_open_file()
