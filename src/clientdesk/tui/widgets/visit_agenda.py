"""The agenda (拜访日程): planned visits overdue, today, this week and later, one window at a time.

Each bucket is a heading with its count and then its visits, earliest first; the counts and
only the rows around the cursor are read from SQL (domain.agenda), so a bucket of 20,000
overdue visits scrolls as fast as one of three.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from clientdesk.domain.agenda import (
    BUCKET_LABELS,
    AgendaRow,
    AgendaWindow,
    Bucket,
    agenda_counts,
    agenda_rows,
)
from clientdesk.domain.enums import VisitKind
from clientdesk.errors import ClientdeskError
from clientdesk.tui.widgets.visit_format import VisitRef, kind_label, when
from clientdesk.tui.widgets.visit_window import (
    FIRST_ROW,
    Column,
    Heading,
    Layout,
    Piece,
    Section,
    Window,
    WindowTable,
    clip,
    read_window,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientdesk.tui.context import AppContext


class AgendaTable(WindowTable):
    """The four buckets, each a heading row and its visits."""

    HELP = """\
## Agenda 拜访日程

Planned visits: **overdue** (before today), **today**, the rest of **this week**
and **later**, in local time. Each bucket is read a window at a time.

**l** logs the highlighted visit, **r** reschedules it, **x** cancels it,
**enter** opens the customer's file, **n** plans a new visit.
"""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("when", "When", 16),
        Column("code", "Code", 7),
        Column("name", "Customer", 0),
        Column("grade", "Gr", 2),
        Column("contact", "Contact", 20),
        Column("purpose", "Purpose", 24),
        Column("owner", "Owner", 8),
    )
    FLEX: ClassVar[tuple[int, int]] = (14, 50)

    def __init__(self, *, zone: tzinfo, today: date, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone
        self.today = today
        self._styles: dict[Bucket, Style] = {}

    def prepare(self) -> None:
        theme = self.app.current_theme
        self._styles = {
            Bucket.OVERDUE: Style(color=theme.error or "red", bold=True),
            Bucket.TODAY: Style(color=theme.accent or "yellow", bold=True),
            Bucket.THIS_WEEK: Style(color=theme.primary or "blue", bold=True),
            Bucket.LATER: Style(color=theme.success or "green", bold=True),
        }

    def row_key(self, row: AgendaRow) -> str:
        return f"visit:{row.visit_id}"

    def heading_cells(self, heading: Heading) -> list[Text]:
        bucket = Bucket(heading.section.key)
        english, chinese = BUCKET_LABELS[bucket]
        count = heading.section.count
        counted = f"{count:,} visit{'s' if count != 1 else ''}" if count else "none"
        cells = [Text(f"▌{english} {chinese}", style=self._styles.get(bucket, ""), no_wrap=True)]
        cells += [Text(""), Text(counted, style="dim italic", no_wrap=True)]
        return cells + [Text("") for _ in self.COLUMNS[3:]]

    def cells(self, row: AgendaRow) -> list[Text]:
        style = self._styles.get(row.bucket, "") if row.bucket == Bucket.OVERDUE else ""
        contact = " ".join(part for part in (row.contact_name, row.contact_phone) if part)
        purpose = row.purpose
        if row.kind != VisitKind.REGULAR:
            purpose = f"[{kind_label(row.kind)}] {purpose}"
        return [
            Text(when(row.planned_at, self.zone, self.today), style=style, no_wrap=True),
            clip(row.customer_code),
            clip(row.customer_name),
            clip(row.grade.value),
            clip(contact),
            clip(purpose),
            clip(row.owner),
        ]

    @property
    def current_ref(self) -> VisitRef | None:
        row = self.current
        return VisitRef.of_agenda(row) if isinstance(row, AgendaRow) else None


class AgendaLoaded(Message):
    def __init__(self, serial: int, window: Window, follow: bool, today: date) -> None:
        super().__init__()
        self.serial = serial
        self.window = window
        self.follow = follow
        self.today = today


class AgendaLoadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


def read_agenda(
    session: Session,
    *,
    now: datetime,
    zone: tzinfo,
    owner: str | None,
    target: int,
) -> Window:
    """The window of the agenda around `target`: four counts, then a page per bucket shown."""
    counts = agenda_counts(session=session, now=now, zone=zone, owner=owner)
    layout = Layout(tuple(Section(bucket.value, counts[bucket]) for bucket in Bucket))

    def fetch(piece: Piece) -> list[AgendaRow]:
        return agenda_rows(
            session=session,
            bucket=Bucket(piece.section.key),
            now=now,
            zone=zone,
            owner=owner,
            offset=piece.offset,
            limit=piece.limit,
        )

    return read_window(layout, fetch, target)


class AgendaView(Vertical):
    """The agenda table and its status line; reads its rows in a worker."""

    DEFAULT_CSS = """
    AgendaView { height: 1fr; }
    """

    def __init__(self, ctx: AppContext, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.owner: str | None = None  # only this account manager's visits
        self.counts: dict[Bucket, int] | None = None
        self._serial = 0

    def compose(self) -> ComposeResult:
        yield AgendaTable(zone=self.ctx.zone, today=self.ctx.today(), id="agenda-table")
        yield Static("Loading the agenda…", id="agenda-status", classes="status-line", markup=False)

    @property
    def table(self) -> AgendaTable:
        return self.query_one(AgendaTable)

    def on_mount(self) -> None:
        self.table.border_title = "Agenda 拜访日程"
        self.table.loading = True

    def reload(self, *, keep: bool = True) -> None:
        """Read the agenda again; the cursor stays on its visit if `keep` and it is still there."""
        table = self.table
        table.forget_moves()
        position = table.position
        follow = keep and position is not None
        self._request(position if follow and position is not None else FIRST_ROW, follow)

    @on(WindowTable.WindowWanted, "#agenda-table")
    def _window_wanted(self, event: WindowTable.WindowWanted) -> None:
        event.stop()
        self._request(event.target, event.follow)

    def _request(self, target: int, follow: bool) -> None:
        self._serial += 1
        self._load(self._serial, target, follow, self.owner)

    @work(thread=True, exclusive=True, group="visits-agenda")
    def _load(self, serial: int, target: int, follow: bool, owner: str | None) -> None:
        worker = get_current_worker()
        ctx = self.ctx
        now = ctx.now()
        try:
            window = ctx.read(
                lambda s: read_agenda(s, now=now, zone=ctx.zone, owner=owner, target=target)
            )
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(AgendaLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(
                AgendaLoaded(serial, window, follow, AgendaWindow.at(now, ctx.zone).today)
            )

    @on(AgendaLoaded)
    def _loaded(self, message: AgendaLoaded) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        table = self.table
        table.loading = False
        table.today = message.today
        table.show_window(message.window, follow=message.follow)
        self.counts = {Bucket(s.key): s.count for s in message.window.layout.sections}
        self.show_status()

    @on(AgendaLoadFailed)
    def _failed(self, message: AgendaLoadFailed) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        self.table.loading = False
        self.table.forget_moves()
        self.notify(message.error, title="Could not load the agenda", severity="error")

    def show_status(self) -> None:
        counts = self.counts
        if counts is None:
            return
        table = self.table
        parts = [f"{table.today.isoformat()} ({self.ctx.zone})"]
        parts.append(" · ".join(f"{counts[b]:,} {BUCKET_LABELS[b][0].lower()}" for b in Bucket))
        row: Any = table.highlighted
        if isinstance(row, AgendaRow):
            parts.append(f"visit {row.visit_id}")
        parts.append(f"only {self.owner}'s" if self.owner else "everyone's visits")
        self.query_one("#agenda-status", Static).update("  ·  ".join(parts))

    @on(WindowTable.RowHighlighted, "#agenda-table")
    def _highlighted(self) -> None:
        self.show_status()
