"""Cancel a planned visit, with the reason (kept in the audit trail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Button, Input

from clientdesk.domain.visit import Visit
from clientdesk.domain.visits import cancel_visit
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField
from clientdesk.tui.widgets.visit_format import VisitRef


class CancelVisitScreen(FormScreen[Visit]):
    def __init__(self, ctx: AppContext, ref: VisitRef) -> None:
        super().__init__(ctx, heading=f"Cancel the visit? 取消拜访 · {ref.describe(ctx.zone)}")
        self.ref = ref

    def compose_fields(self) -> ComposeResult:
        yield FormField(
            "Reason",
            Input(placeholder="why it is called off (optional)", id="reason", compact=True),
            hint="kept in the audit trail; r reschedules instead of cancelling",
        )

    def on_mount(self) -> None:
        super().on_mount()
        # The form's buttons say what they do here: cancel the visit, or keep it.
        self.query_one("#save", Button).label = "Cancel the visit  ctrl+s"
        self.query_one("#cancel", Button).label = "Keep it  esc"
        self.query_one("#reason").focus()

    def parse(self, name: str, raw: Any) -> Any:
        return parse.text(raw, max_length=500)

    def save_job(self, payload: Any) -> Callable[[Session], Visit]:
        actor, now, visit_id = self.ctx.actor, self.ctx.now(), self.ref.visit_id
        reason = payload["reason"]
        return lambda s: cancel_visit(visit_id, session=s, actor=actor, reason=reason, now=now)

    def saved_message(self, result: Visit | None) -> str | None:
        code, name = self.ref.customer[1], self.ref.customer[2]
        return f"Cancelled the visit to {code} {name}." if result is not None else None
