"""One timeline record in full: the notes and dates the table has no room for."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from clientdesk.domain.timeline import Source, TimelineEntry, parse_stamp
from clientdesk.tui.formatting import day_or_time, money
from clientdesk.tui.widgets.timeline_table import record_label, state

DUE_WORDS = {
    Source.TRANSACTION: ("Due", "Paid"),
    Source.VISIT: ("Planned", "Done"),
    Source.CONTRACT: ("Due", "Delivered"),
    Source.COMPLAINT: ("Answer due", "Resolved"),
}


class TimelineEntryScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Close", id="entry.close"),
    ]

    def __init__(self, entry: TimelineEntry, *, zone: tzinfo, today: date) -> None:
        super().__init__(classes="entry-screen")
        self.entry = entry
        self.zone = zone
        self.today = today

    def compose(self) -> ComposeResult:
        entry = self.entry
        with Vertical(classes="dialog entry-dialog"):
            yield Static(
                f"{record_label(entry)} · {day_or_time(parse_stamp(entry.at), self.zone)}",
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll():
                yield Static(self._facts(), markup=False)
            yield Static("esc closes", classes="dialog-hint", markup=False)

    def _facts(self) -> Table:
        entry = self.entry
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        rows: list[tuple[str, str]] = [("Record", f"{entry.source.value} #{entry.id}")]
        if entry.tag and entry.source is Source.CONTRACT:
            rows.append(("Contract", f"{entry.tag} {entry.title or ''}".strip()))
        elif entry.title:
            rows.append(("Subject", entry.title))
        if entry.amount_cents is not None:
            rows.append(("Amount", money(entry.amount_cents, entry.currency)))
        status, _ = state(entry, self.today)
        if status:
            rows.append(("Status", status))
        if entry.person:
            rows.append(("Contact", entry.person))
        due_word, done_word = DUE_WORDS.get(entry.source, ("Due", "Done"))
        if entry.due:
            rows.append((due_word, day_or_time(parse_stamp(entry.due), self.zone)))
        if entry.done:
            rows.append((done_word, day_or_time(parse_stamp(entry.done), self.zone)))
        if entry.detail:
            rows.append(("Notes", entry.detail))
        for label, value in rows:
            grid.add_row(label, Text(value))
        return grid
