"""Log a call, meeting, e-mail, seminar or dinner (客户服务记录) in a few keystrokes.

Everything but the subject has a default: a call, now, with the key contact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from clientdesk.domain.activity import log_interaction
from clientdesk.domain.contact import Contact
from clientdesk.domain.enums import InteractionKind
from clientdesk.domain.interaction import Interaction, InteractionCreate
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.formatting import choice, local_time
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField


class LogInteractionScreen(FormScreen[Interaction]):
    def __init__(
        self,
        ctx: AppContext,
        *,
        customer_id: int,
        customer_name: str,
        contacts: list[Contact],
        kind: InteractionKind = InteractionKind.CALL,
    ) -> None:
        super().__init__(ctx, heading=f"Log interaction 服务记录 · {customer_name}")
        self.customer_id = customer_id
        self.contacts = contacts
        self.kind = kind

    def compose_fields(self) -> ComposeResult:
        key = next((c.id for c in self.contacts if c.is_primary), None)
        yield FormField(
            "Kind",
            Select(
                [(choice(k), k) for k in InteractionKind],
                value=self.kind,
                allow_blank=False,
                id="kind",
                compact=True,
            ),
        )
        yield FormField(
            "When",
            Input(local_time(self.ctx.now(), self.ctx.zone), id="occurred_at", compact=True),
            hint="local time, YYYY-MM-DD HH:MM",
        )
        yield FormField(
            "Subject",
            Input(placeholder="what it was about", id="subject", compact=True),
            required=True,
        )
        yield FormField(
            "Contact",
            Select(
                [(f"{c.name}{' ★' if c.is_primary else ''}", c.id) for c in self.contacts],
                value=key if key is not None else Select.NULL,
                prompt="(no contact)" if self.contacts else "(no contacts on file)",
                id="contact_id",
                compact=True,
            ),
        )
        yield FormField("Notes", TextArea(id="notes", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#subject").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "occurred_at":
            return parse.moment(raw, self.ctx.zone)
        if name == "subject":
            return parse.text(raw, max_length=200, required=True)
        if name == "notes":
            return parse.long_text(raw)
        return raw  # kind, contact_id

    def build(self, values: dict[str, Any]) -> InteractionCreate:
        return InteractionCreate(customer_id=self.customer_id, owner=self.ctx.actor, **values)

    def save_job(self, payload: Any) -> Callable[[Session], Interaction]:
        actor, now = self.ctx.actor, self.ctx.now()
        return lambda session: log_interaction(payload, session=session, actor=actor, now=now)

    def saved_message(self, result: Interaction | None) -> str | None:
        return f"Logged {choice(result.kind)}: {result.subject}." if result else None
