"""What a complaint's page shows: its facts and deadline, the history of every step, the
resolution, the dispute (纠纷) and the follow-up visits."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from clientdesk.domain.complaint_queue import ComplaintDetail, ComplaintRow, HistoryEntry
from clientdesk.domain.complaints import describe_time_left
from clientdesk.domain.enums import label_zh
from clientdesk.tui.formatting import choice, local_time, money
from clientdesk.tui.widgets.complaint_choices import SATISFACTION_LABELS
from clientdesk.tui.widgets.complaint_table import ESCALATED_MARK, OVERDUE_MARK


def deadline_line(row: ComplaintRow, now: datetime, zone: tzinfo, late: Style, warn: Style) -> Text:
    """Due, and how it stands: time left, '! overdue 3h 20m', answered in time or late."""
    line = Text(local_time(row.due_at, zone))
    if row.awaiting_answer:
        overdue = row.is_overdue(now)
        line.append(" · ")
        if overdue:
            line.append(f"{OVERDUE_MARK} {row.time_left_text(now)}", late)
        else:
            line.append(row.time_left_text(now), "bold")
    elif row.acknowledged_at is not None:
        answered = local_time(row.acknowledged_at, zone)
        if row.answered_late:
            by = describe_time_left(row.due_at - row.acknowledged_at).removeprefix("overdue ")
            line.append(f" · answered {answered}, late by {by}", warn)
        else:
            line.append(f" · answered {answered}, in time")
    return line


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2), expand=True)
    grid.add_column(style="dim", no_wrap=True, width=12)
    grid.add_column(ratio=1, overflow="fold")
    return grid


def facts(
    detail: ComplaintDetail, now: datetime, zone: tzinfo, late: Style, warn: Style
) -> RenderableType:
    row = detail.row
    grid = _grid()
    customer = f"{row.customer_code} {row.customer_name} · grade {row.grade.value}"
    if row.contact_name:
        customer += f" · contact {row.contact_name}"
    grid.add_row("Customer", Text(customer))
    what = (
        f"{choice(row.channel)} · {choice(row.category)} · severity {choice(row.severity)}"
        f" · owner {row.owner or '—'}"
    )
    grid.add_row("Complaint", Text(what))
    status = Text(choice(row.status))
    if row.escalated:
        when = f" {local_time(row.escalated_at, zone)}" if row.escalated_at else ""
        status.append(f" · {ESCALATED_MARK} escalated{when}", warn)
    grid.add_row("Status", status)
    grid.add_row("Received", local_time(row.received_at, zone))
    grid.add_row("Answer due", deadline_line(row, now, zone, late, warn))
    if row.resolved_at is not None:
        grid.add_row("Resolved", local_time(row.resolved_at, zone))
    if row.closed_at is not None:
        grid.add_row("Closed", local_time(row.closed_at, zone))
    grid.add_row("Summary", Text(row.summary, style="bold"))
    if detail.details:
        grid.add_row("Details", Text(detail.details))
    return grid


def _change(entry: HistoryEntry) -> str:
    if entry.to_status is None:
        return ""
    before = label_zh(entry.from_status) if entry.from_status else ""
    return f"{before} → {label_zh(entry.to_status)}".strip()


def history(entries: list[HistoryEntry], zone: tzinfo) -> RenderableType:
    if not entries:
        return Text("No steps on record.", style="dim")
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="dim", no_wrap=True, width=16)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_column(style="dim", no_wrap=True, overflow="ellipsis", max_width=12)
    for entry in entries:
        line = Text()
        change = _change(entry)
        if change:
            line.append(change, "bold")
            line.append("  ")
        line.append(entry.note)
        grid.add_row(local_time(entry.at, zone), line, entry.actor or "automatic")
    return grid


def outcome(detail: ComplaintDetail, currency: str) -> RenderableType:
    """Resolution and satisfaction, then the dispute."""
    row = detail.row
    grid = _grid()
    grid.add_row("Resolution", Text(detail.resolution or "—"))
    if row.satisfaction is not None:
        words = SATISFACTION_LABELS.get(row.satisfaction, "")
        grid.add_row("Satisfaction", Text(f"{row.satisfaction}/5 {words}"))
    parts: list[RenderableType] = [grid, Text("")]
    title = Text("Dispute 纠纷", style="bold")
    if not (detail.dispute_positions or detail.dispute_outcome):
        return Group(*parts, title, Text("None recorded (j records one).", style="dim"))
    dispute = _grid()
    dispute.add_row("Positions", Text(detail.dispute_positions or "—"))
    dispute.add_row("Outcome", Text(detail.dispute_outcome or "—"))
    cents = row.compensation_cents
    dispute.add_row("Compensation", money(cents, currency) if cents is not None else "—")
    return Group(*parts, title, dispute)


def followups(detail: ComplaintDetail, zone: tzinfo) -> RenderableType:
    if not detail.followups:
        return Text("None planned (f plans one).", style="dim")
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="dim", no_wrap=True, width=16)
    grid.add_column(no_wrap=True, width=6)
    grid.add_column(ratio=1, overflow="fold")
    for visit in detail.followups:
        grid.add_row(local_time(visit.planned_at, zone), label_zh(visit.status), visit.purpose)
    return grid


class ComplaintView(Vertical):
    """The panels of a complaint's page; `show` fills them."""

    DEFAULT_CSS = """
    ComplaintView {
        height: 1fr;
        margin: 0 1;
    }
    ComplaintView .complaint-panel {
        border: round $primary 40%;
        border-title-color: $primary;
        background: $surface;
        padding: 0 1;
    }
    ComplaintView .complaint-panel:focus-within, ComplaintView .complaint-panel:focus {
        border: round $accent;
    }
    ComplaintView .complaint-panel.-overdue {
        border: round $error;
    }
    ComplaintView #complaint-facts {
        height: auto;
        max-height: 14;
    }
    ComplaintView #complaint-lower {
        height: 1fr;
    }
    ComplaintView #complaint-history {
        width: 3fr;
        height: 1fr;
    }
    ComplaintView #complaint-side {
        width: 2fr;
        height: 1fr;
    }
    ComplaintView #complaint-outcome {
        height: 1fr;
    }
    ComplaintView #complaint-followups {
        height: auto;
        max-height: 8;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="complaint-facts", classes="complaint-panel"):
            yield Static("Loading…", id="facts-text", markup=False)
        with Horizontal(id="complaint-lower"):
            with VerticalScroll(id="complaint-history", classes="complaint-panel"):
                yield Static("", id="history-text", markup=False)
            with Vertical(id="complaint-side"):
                with VerticalScroll(id="complaint-outcome", classes="complaint-panel"):
                    yield Static("", id="outcome-text", markup=False)
                with VerticalScroll(id="complaint-followups", classes="complaint-panel"):
                    yield Static("", id="followups-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#complaint-history").border_title = "History 处理记录"
        self.query_one("#complaint-outcome").border_title = "Resolution and dispute 处理结果 · 纠纷"
        self.query_one("#complaint-followups").border_title = "Follow-up visits 跟进拜访"

    def show(self, detail: ComplaintDetail, *, now: datetime, zone: tzinfo, currency: str) -> None:
        row = detail.row
        panel = self.query_one("#complaint-facts")
        panel.border_title = f"Complaint {row.id} 投诉 · {choice(row.status)}"
        panel.set_class(row.is_overdue(now), "-overdue")
        theme = self.app.current_theme
        late = Style(color=theme.error or "red", bold=True)
        warn = Style(color=theme.warning or "yellow")
        self.query_one("#facts-text", Static).update(facts(detail, now, zone, late, warn))
        self.query_one("#history-text", Static).update(history(detail.history, zone))
        self.query_one("#complaint-history").border_subtitle = f"{len(detail.history)} steps"
        self.query_one("#outcome-text", Static).update(outcome(detail, currency))
        self.query_one("#followups-text", Static).update(followups(detail, zone))
