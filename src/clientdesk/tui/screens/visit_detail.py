"""One visit in full: its plan and, once done, its log (discussion, needs, feedback...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from clientdesk.domain.contact import Contact
from clientdesk.domain.visit import Visit
from clientdesk.domain.visits import get_visit
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext
from clientdesk.tui.formatting import choice, local_time
from clientdesk.tui.widgets.visit_format import VisitRef, satisfaction


@dataclass(frozen=True)
class VisitFacts:
    visit: Visit
    contact: str | None


class _Read(Message):
    def __init__(self, facts: VisitFacts | None, error: str = "") -> None:
        super().__init__()
        self.facts = facts
        self.error = error


def read_facts(visit_id: int, session: Session) -> VisitFacts:
    visit = get_visit(visit_id, session=session)
    contact = session.get(Contact, visit.contact_id) if visit.contact_id else None
    session.expunge(visit)
    return VisitFacts(visit, contact.name if contact else None)


class VisitDetailScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Close", id="visit_detail.close"),
    ]

    def __init__(self, ctx: AppContext, ref: VisitRef) -> None:
        super().__init__(classes="entry-screen")
        self.ctx = ctx
        self.ref = ref

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog entry-dialog"):
            yield Static(
                f"Visit {self.ref.visit_id} · {self.ref.customer[1]} {self.ref.customer[2]}",
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll():
                yield Static("Loading…", id="visit-facts", markup=False)
            yield Static("esc closes", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self._read(self.ref.visit_id)

    @work(thread=True, exclusive=True, group="visit-detail")
    def _read(self, visit_id: int) -> None:
        try:
            facts = self.ctx.read(lambda s: read_facts(visit_id, s))
        except ClientdeskError as exc:
            self.post_message(_Read(None, str(exc)))
            return
        self.post_message(_Read(facts))

    @on(_Read)
    def _shown(self, message: _Read) -> None:
        facts = self.query_one("#visit-facts", Static)
        if message.facts is None:
            facts.update(message.error)
            return
        facts.update(self._facts(message.facts))

    def _facts(self, facts: VisitFacts) -> Table:
        visit, zone = facts.visit, self.ctx.zone
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        rows = [
            ("Status", choice(visit.status)),
            ("Kind", choice(visit.kind)),
            ("Purpose 目的", visit.purpose),
            ("Planned", local_time(visit.planned_at, zone)),
            ("Done", local_time(visit.done_at, zone)),
            ("Contact", facts.contact or ""),
            ("Owner", visit.owner or ""),
            ("Discussed 洽谈", visit.discussion or ""),
            ("Needs 需求/痛点", visit.needs or ""),
            ("Feedback 反馈", visit.feedback or ""),
            ("Satisfaction", satisfaction(visit.satisfaction)),
            ("Next step", visit.next_step or ""),
            ("Next step on", visit.next_step_on.isoformat() if visit.next_step_on else ""),
        ]
        for label, value in rows:
            if value:
                grid.add_row(label, Text(value))
        return grid
