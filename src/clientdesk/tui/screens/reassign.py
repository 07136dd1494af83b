"""Hand a customer to another salesperson or region (按区域划分, reassignment)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

from clientdesk.domain.customer import Customer
from clientdesk.domain.customers import reassign
from clientdesk.domain.lookup import distinct_values
from clientdesk.errors import ClientdeskError
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField


class SuggestionsLoaded(Message):
    def __init__(self, values: dict[str, list[str]]) -> None:
        super().__init__()
        self.values = values


class ReassignScreen(FormScreen[Customer]):
    def __init__(self, ctx: AppContext, customer: Customer) -> None:
        super().__init__(ctx, heading=f"Owner and region · {customer.code} {customer.name}")
        self.customer = customer

    def compose_fields(self) -> ComposeResult:
        c = self.customer
        yield FormField(
            "Owner 客户经理",
            Input(c.owner or "", id="owner", compact=True),
            hint="the salesperson in charge; → accepts a suggestion",
        )
        yield FormField("Region 区域", Input(c.region or "", id="region", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#owner").focus()
        self._suggest()

    @work(thread=True, exclusive=True, group="reassign-suggest")
    def _suggest(self) -> None:
        try:
            values = self.ctx.read(
                lambda s: {n: distinct_values(n, session=s) for n in ("owner", "region")}
            )
        except ClientdeskError:
            return  # suggestions are a convenience only
        self.post_message(SuggestionsLoaded(values))

    @on(SuggestionsLoaded)
    def _suggestions(self, message: SuggestionsLoaded) -> None:
        for name, values in message.values.items():
            if values:
                self.query_one(f"#{name}", Input).suggester = SuggestFromList(
                    values, case_sensitive=False
                )

    def parse(self, name: str, raw: Any) -> Any:
        return parse.text(raw, max_length=60)

    def save_job(self, payload: Any) -> Callable[[Session], Customer]:
        actor = self.ctx.actor
        assert self.customer.id is not None
        customer_id = self.customer.id
        return lambda session: reassign(
            customer_id,
            owner=payload["owner"],
            region=payload["region"],
            session=session,
            actor=actor,
        )

    def saved_message(self, result: Customer | None) -> str | None:
        if result is None:
            return None
        owner, region = result.owner or "nobody", result.region or "—"
        return f"{result.code} now belongs to {owner}, region {region}."
