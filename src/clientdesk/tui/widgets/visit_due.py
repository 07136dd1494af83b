"""Customers due for a visit (应拜访客户): the grade's cadence has run out since the last visit.

Most overdue first, one window at a time (domain.visits_due counts in SQL and reads only
the page around the cursor). A customer that already has a visit planned shows its time;
`f` leaves those out.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import get_current_worker

from clientdesk.domain.enums import Grade
from clientdesk.domain.visits_due import Cadence, DueRow, count_due, due_page
from clientdesk.errors import ClientdeskError
from clientdesk.tui.widgets.visit_window import (
    FIRST_ROW,
    Column,
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


def cadence_of(ctx: AppContext) -> dict[Grade, int]:
    """Most days between two visits, per grade (settings service.<grade>.visit_every_days)."""
    return {g: ctx.settings.service_for(g.value).visit_every_days for g in Grade}


class DueTable(WindowTable):
    HELP = """\
## Due for a visit 应拜访

Customers whose last done visit is older than their grade's cadence
(service.A-D.visit_every_days), or who were never visited, most overdue first.

**n** plans a visit (the next working day by default), **l** logs one that
happened, **enter** opens the file, **f** hides customers already planned.
"""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("code", "Code", 7),
        Column("name", "Customer", 0),
        Column("grade", "Gr", 2),
        Column("every", "Every", 5),
        Column("last", "Last visit", 10),
        Column("due", "Due since", 10),
        Column("late", "Late", 7),
        Column("planned", "Planned", 11),
        Column("contact", "Key contact", 18),
        Column("owner", "Owner", 8),
    )
    FLEX: ClassVar[tuple[int, int]] = (14, 50)

    def __init__(self, *, zone: tzinfo, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone
        self._late = Style()

    def prepare(self) -> None:
        self._late = Style(color=self.app.current_theme.error or "red", bold=True)

    def row_key(self, row: DueRow) -> str:
        return f"customer:{row.customer_id}"

    def cells(self, row: DueRow) -> list[Text]:
        last = (
            row.last_visit_at.astimezone(self.zone).date().isoformat()
            if row.last_visit_at
            else "never"
        )
        planned = ""
        if row.next_planned_at is not None:
            planned = f"{row.next_planned_at.astimezone(self.zone):%m-%d %H:%M}"
        contact = " ".join(part for part in (row.contact_name, row.contact_phone) if part)
        late = f"{row.days_overdue:,} d" if row.days_overdue else "today"
        return [
            clip(row.code),
            clip(row.name),
            clip(row.grade.value),
            clip(f"{row.every_days} d"),
            clip(last, "dim" if row.never_visited else ""),
            clip(row.due_on.isoformat()),
            Text(late.rjust(7), style=self._late if row.days_overdue else "", no_wrap=True),
            clip(planned),
            clip(contact),
            clip(row.owner),
        ]

    @property
    def current_due(self) -> DueRow | None:
        row = self.current
        return row if isinstance(row, DueRow) else None


class DueLoaded(WindowLoaded):
    pass


class DueLoadFailed(WindowLoadFailed):
    pass


def read_due(
    session: Session,
    *,
    now: datetime,
    zone: tzinfo,
    cadence: Cadence,
    owner: str | None,
    unplanned_only: bool,
    target: int,
) -> Window:
    """The window of the due list around `target`: the count, then one page."""
    total = count_due(
        session=session,
        now=now,
        zone=zone,
        every_days=cadence,
        owner=owner,
        unplanned_only=unplanned_only,
    )
    layout = Layout((Section("due", total, heading=False),))

    def fetch(piece: Piece) -> list[DueRow]:
        return due_page(
            session=session,
            now=now,
            zone=zone,
            every_days=cadence,
            offset=piece.offset,
            limit=piece.limit,
            owner=owner,
            unplanned_only=unplanned_only,
        )

    return read_window(layout, fetch, target)


class DueView(Vertical):
    """The due list, its empty note and its status line; reads its rows in a worker."""

    DEFAULT_CSS = """
    DueView { height: 1fr; }
    DueView.-empty #due-table { display: none; }
    DueView #due-empty { display: none; }
    DueView.-empty #due-empty { display: block; }
    """

    def __init__(self, ctx: AppContext, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.owner: str | None = None
        self.unplanned_only = False
        self.total: int | None = None
        self._serial = 0

    def compose(self) -> ComposeResult:
        yield DueTable(zone=self.ctx.zone, id="due-table")
        yield Static("", id="due-empty", classes="empty-note", markup=False)
        yield Static("", id="due-status", classes="status-line", markup=False)

    @property
    def table(self) -> DueTable:
        return self.query_one(DueTable)

    def on_mount(self) -> None:
        self.table.border_title = "Due for a visit 应拜访客户"

    def reload(self, *, keep: bool = True) -> None:
        table = self.table
        table.forget_moves()
        position = table.position
        follow = keep and position is not None
        if self.total is None:
            # Not `loading`: a loading table cannot take the focus the screen gives it.
            self.query_one("#due-status", Static).update("Reading the customers due…")
        self._request(position if follow and position is not None else FIRST_ROW, follow)

    @on(WindowTable.WindowWanted, "#due-table")
    def _window_wanted(self, event: WindowTable.WindowWanted) -> None:
        event.stop()
        self._request(event.target, event.follow)

    def _request(self, target: int, follow: bool) -> None:
        self._serial += 1
        self._load(self._serial, target, follow, self.owner, self.unplanned_only)

    @work(thread=True, exclusive=True, group="visits-due")
    def _load(
        self, serial: int, target: int, follow: bool, owner: str | None, unplanned_only: bool
    ) -> None:
        worker = get_current_worker()
        ctx = self.ctx
        now = ctx.now()
        try:
            cadence = cadence_of(ctx)
            window = ctx.read(
                lambda s: read_due(
                    s,
                    now=now,
                    zone=ctx.zone,
                    cadence=cadence,
                    owner=owner,
                    unplanned_only=unplanned_only,
                    target=target,
                )
            )
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(DueLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(DueLoaded(serial, window, follow))

    @on(DueLoaded)
    def _loaded(self, message: DueLoaded) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        table = self.table
        table.show_window(message.window, follow=message.follow)
        self.total = message.window.total
        empty = self.total == 0
        if empty and table.has_focus:
            self.screen.set_focus(None)
        self.set_class(empty, "-empty")
        self.query_one("#due-empty", Static).update(self._empty_text())
        self.show_status()

    @on(DueLoadFailed)
    def _failed(self, message: DueLoadFailed) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        self.table.forget_moves()
        self.notify(message.error, title="Could not load the customers due", severity="error")

    def _empty_text(self) -> str:
        who = f" of {self.owner}" if self.owner else ""
        if self.unplanned_only:
            return f"Every customer{who} due for a visit has one planned. Press f to show them."
        return f"No customer{who} is due for a visit: every grade's cadence is kept."

    def show_status(self) -> None:
        if self.total is None:
            return
        table = self.table
        position = table.position
        where = f"{position + 1:,} / " if position is not None and self.total else ""
        parts = [f"{where}{self.total:,} due, most overdue first"]
        cadence = cadence_of(self.ctx)
        parts.append("every " + " / ".join(f"{g.value} {d} d" for g, d in cadence.items()))
        if self.unplanned_only:
            parts.append("not yet planned")
        parts.append(f"only {self.owner}'s" if self.owner else "everyone's customers")
        self.query_one("#due-status", Static).update("  ·  ".join(parts))

    @on(WindowTable.RowHighlighted, "#due-table")
    def _highlighted(self) -> None:
        self.show_status()
