"""The Timeline tab: every record of a customer, newest first, a page at a time.

The table asks for the next page (`MoreWanted`) when the cursor or the scroll position nears
the last row held; whoever owns the query loads it and hands it to `append`.
"""

from __future__ import annotations

from datetime import date, tzinfo
from enum import StrEnum
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintStatus,
    ContractEventKind,
    InteractionKind,
    Severity,
    TransactionKind,
    VisitKind,
    VisitStatus,
    label_zh,
)
from clientdesk.domain.timeline import Source, TimelineEntry, parse_stamp
from clientdesk.tui.formatting import day_or_time, money

EDGE = 15
"""Rows from the end at which the next page is asked for."""

COLUMNS = (
    ("when", "When", 16),
    ("what", "Record", 10),
    ("subject", "Subject", 0),
    ("amount", "Amount", 18),
    ("state", "Status", 14),
    ("person", "Contact", 8),
)
SUBJECT_WIDTH = (16, 70)
AMOUNT_WIDTH = next(width for key, _, width in COLUMNS if key == "amount")


def _zh(enum_cls: type[StrEnum], value: str | None) -> str:
    if value is None:
        return ""
    try:
        return label_zh(enum_cls(value))
    except ValueError:
        return value


def record_label(entry: TimelineEntry) -> str:
    """What kind of record, in the words users know: 电话, 销售, 回访, 合同变更, 投诉."""
    if entry.source is Source.INTERACTION:
        return _zh(InteractionKind, entry.kind)
    if entry.source is Source.TRANSACTION:
        return _zh(TransactionKind, entry.kind)
    if entry.source is Source.VISIT:
        return "拜访" if entry.kind == VisitKind.REGULAR else _zh(VisitKind, entry.kind)
    if entry.source is Source.CONTRACT:
        return f"合同{_zh(ContractEventKind, entry.kind)}"
    return f"投诉·{_zh(ComplaintCategory, entry.kind)}"


def subject(entry: TimelineEntry) -> str:
    if entry.source is Source.CONTRACT:
        parts = [entry.tag or "", entry.detail or entry.title or ""]
        return " ".join(part for part in parts if part)
    text = entry.title or entry.detail or ""
    return " ".join(text.split())


def credit_state(entry: TimelineEntry, today: date) -> tuple[str, bool]:
    """A sale's payment standing (交易信用) and whether it is bad news."""
    due = date.fromisoformat(entry.due[:10]) if entry.due else None
    paid = date.fromisoformat(entry.done[:10]) if entry.done else None
    if paid is not None:
        late = due is not None and paid > due
        return ("paid late" if late else "paid"), late
    if due is None:
        return "", False
    if due < today:
        return "overdue", True
    return f"due {due.isoformat()}", False


def state(entry: TimelineEntry, today: date) -> tuple[str, bool]:
    if entry.source is Source.TRANSACTION and entry.kind in (
        TransactionKind.SALE,
        TransactionKind.PURCHASE,
    ):
        return credit_state(entry, today)
    if entry.source is Source.VISIT:
        return _zh(VisitStatus, entry.state), entry.state == VisitStatus.MISSED
    if entry.source is Source.COMPLAINT:
        open_ = entry.state not in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)
        severity = _zh(Severity, entry.tag)
        return f"{_zh(ComplaintStatus, entry.state)} {severity}".strip(), open_
    return "", False


class TimelineTable(DataTable[Text]):
    """Entries in the order given; more are appended as the user nears the end."""

    # Listed in the status line under the table rather than the footer (see ContactTable).
    HELP = """\
## Timeline 动态

Interactions, transactions, visits, contract events and complaints,
newest first; planned visits sit on top. Older records load as you scroll.

Enter or a double click shows a record in full; **k** shows one kind of
record at a time. A sale in red is overdue or was paid late.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Details", show=False, id="timeline.details"),
        Binding("k", "screen.cycle_timeline_filter", "Filter", show=False, id="timeline.filter"),
        Binding("home,g", "scroll_top", "Newest", show=False, id="timeline.first"),
        Binding("end,G", "scroll_bottom", "Oldest loaded", show=False, id="timeline.last"),
    ]

    class MoreWanted(Message):
        """The user is near the last row held and more rows exist."""

    def __init__(self, *, zone: tzinfo, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.zone = zone
        self.entries: list[TimelineEntry] = []
        self.more = False  # rows exist beyond the last one held
        self.asked = False  # a MoreWanted is out
        self._subject_width = SUBJECT_WIDTH[0]

    @property
    def current(self) -> TimelineEntry | None:
        if not self.entries or not 0 <= self.cursor_row < len(self.entries):
            return None
        return self.entries[self.cursor_row]

    def on_mount(self) -> None:
        self._columns()

    def _columns(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or self._subject_width)

    def reset(self, entries: list[TimelineEntry], *, more: bool, today: date) -> None:
        self.entries = []
        self.clear()
        self.asked = False
        self.append(entries, more=more, today=today)

    def append(self, entries: list[TimelineEntry], *, more: bool, today: date) -> None:
        self.entries += entries
        self.more = more
        self.asked = False
        warn = "bold " + (self.app.current_theme.error or "red")
        for entry in entries:
            self.add_row(*self._cells(entry, today, warn), key=f"{entry.source}:{entry.id}")

    def _cells(self, entry: TimelineEntry, today: date, warn: str) -> list[Text]:
        status, bad = state(entry, today)
        cells = [
            Text(day_or_time(parse_stamp(entry.at), self.zone), no_wrap=True),
            Text(record_label(entry), no_wrap=True, overflow="ellipsis"),
            Text(subject(entry), no_wrap=True, overflow="ellipsis"),
            # DataTable cells do not justify; pad to the column width so amounts line up.
            Text(money(entry.amount_cents, entry.currency).rjust(AMOUNT_WIDTH), no_wrap=True),
            Text(status, no_wrap=True, overflow="ellipsis", style=warn if bad else ""),
            Text(entry.person or "", no_wrap=True, overflow="ellipsis"),
        ]
        return cells

    def on_resize(self) -> None:
        others = sum(w + 2 * self.cell_padding for _, _, w in COLUMNS if w)
        spare = self.size.width - others - 2 * self.cell_padding - 1
        width = min(max(spare, SUBJECT_WIDTH[0]), SUBJECT_WIDTH[1])
        if width != self._subject_width and "subject" in self.columns:
            self._subject_width = width
            column = self.columns[next(k for k in self.columns if k.value == "subject")]
            column.width = width
            self._require_update_dimensions = True
            self.refresh()

    @on(DataTable.RowHighlighted)
    def _near_end(self) -> None:
        if len(self.entries) - self.cursor_row <= EDGE:
            self._want_more()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.max_scroll_y and new >= self.max_scroll_y - EDGE:
            self._want_more()

    def _want_more(self) -> None:
        if self.more and not self.asked:
            self.asked = True
            self.post_message(self.MoreWanted())
