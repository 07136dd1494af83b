"""The views of the complaint queue, the messages its worker posts, and the deadline sweep
the app runs as housekeeping (see screens/complaints.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from textual.message import Message
from textual.widgets import Static

from clientdesk.domain.complaint_queue import ComplaintFilter, ComplaintRow
from clientdesk.domain.complaints import sweep_overdue
from clientdesk.tui.context import AppContext

SWEEP_EVERY = 300.0  # seconds between two deadline sweeps while the app is open
REFRESH_EVERY = 60.0  # seconds between two reads of the queue on screen


class View(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    ALL = "all"


@dataclass(frozen=True)
class ViewSpec:
    key: str
    title: str
    filters: ComplaintFilter
    sort: str
    words: str  # "12 / 170 {words}"
    empty: str


VIEWS: dict[View, ViewSpec] = {
    View.OPEN: ViewSpec(
        "1",
        "Open",
        ComplaintFilter(),
        "deadline",
        "open complaints, unanswered first, by deadline",
        "No open complaints. Press n to take one.",
    ),
    View.OVERDUE: ViewSpec(
        "2",
        "Overdue",
        ComplaintFilter(overdue=True),
        "deadline",
        "overdue (unanswered past the deadline), the longest overdue first",
        "Nothing overdue: every complaint was answered in time. Press 1 for the open ones.",
    ),
    View.ALL: ViewSpec(
        "3",
        "All",
        ComplaintFilter(statuses=()),
        "received",
        "complaints, the newest first",
        "No complaints yet. Press n to take one.",
    ),
}


@dataclass(frozen=True)
class QueueRequest:
    serial: int
    view: View
    target: int
    follow: bool


class QueueLoaded(Message):
    def __init__(
        self,
        request: QueueRequest,
        rows: list[ComplaintRow],
        offset: int,
        target: int,
        counts: dict[View, int],
    ) -> None:
        super().__init__()
        self.request = request
        self.rows = rows
        self.offset = offset
        self.target = target
        self.counts = counts


class QueueLoadFailed(Message):
    def __init__(self, request: QueueRequest, error: str) -> None:
        super().__init__()
        self.request = request
        self.error = error


class SweepDone(Message):
    def __init__(self, text: str, *, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error


class QueueEmpty(Static, can_focus=True):
    """Stands in for the queue when it has no rows; focusable, so the keys still work."""

    DEFAULT_CSS = """
    QueueEmpty {
        display: none;
        height: 1fr;
        margin: 0 1;
        border: round $primary 40%;
        content-align: center middle;
        text-align: center;
        color: $text-muted;
        background: $surface;
        &:focus { border: round $accent; }
    }
    """


def swept_text(count: int) -> str | None:
    """What the sweep tells the user; nothing when nothing passed its deadline."""
    if count == 0:
        return None
    if count == 1:
        return "1 complaint passed its answer deadline and was escalated."
    return f"{count:,} complaints passed their answer deadline and were escalated."


def sweep(ctx: AppContext) -> str | None:
    """Housekeeping: flag as escalated every complaint unanswered past its deadline."""
    now = ctx.now()
    ids = ctx.write(lambda s: sweep_overdue(session=s, now=now))
    return swept_text(len(ids))
