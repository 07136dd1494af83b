"""Log a sale, purchase, payment or refund (购销情况, 回款) with its dates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from clientdesk.domain.activity import log_transaction
from clientdesk.domain.enums import TransactionKind
from clientdesk.domain.money import format_cents
from clientdesk.domain.transaction import Transaction, TransactionCreate
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.formatting import choice
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField


class LogTransactionScreen(FormScreen[Transaction]):
    def __init__(self, ctx: AppContext, *, customer_id: int, customer_name: str) -> None:
        super().__init__(ctx, heading=f"Log transaction 交易记录 · {customer_name}")
        self.customer_id = customer_id

    def compose_fields(self) -> ComposeResult:
        today = self.ctx.today().isoformat()
        yield FormField(
            "Kind",
            Select(
                [(choice(k), k) for k in TransactionKind],
                value=TransactionKind.SALE,
                allow_blank=False,
                id="kind",
                compact=True,
            ),
        )
        yield FormField(
            "Amount",
            Input(placeholder="1,234.50", id="amount_cents", compact=True),
            required=True,
        )
        yield FormField(
            "Currency",
            Input(self.ctx.settings.general.currency, id="currency", compact=True, max_length=3),
        )
        yield FormField("Date", Input(today, id="occurred_on", compact=True), required=True)
        yield FormField("Due", Input(placeholder="YYYY-MM-DD", id="due_on", compact=True))
        yield FormField("Paid", Input(placeholder="YYYY-MM-DD", id="paid_on", compact=True))
        yield FormField(
            "Reference 单据号",
            Input(placeholder="invoice or order number", id="reference", compact=True),
        )
        yield FormField("Notes", TextArea(id="notes", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#amount_cents").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "amount_cents":
            return parse.required_money(raw)
        if name == "currency":
            return parse.currency(raw)
        if name == "occurred_on":
            return parse.day(raw, required=True)
        if name in ("due_on", "paid_on"):
            return parse.day(raw)
        if name == "reference":
            return parse.text(raw, max_length=60)
        if name == "notes":
            return parse.long_text(raw)
        return raw  # kind

    def build(self, values: dict[str, Any]) -> TransactionCreate:
        due, when = values.get("due_on"), values["occurred_on"]
        if due is not None and due < when:
            self.show_errors({"due_on": "is before the transaction date; check both dates"})
            raise parse.FieldError("the due date is before the transaction date")
        return TransactionCreate(customer_id=self.customer_id, **values)

    def save_job(self, payload: Any) -> Callable[[Session], Transaction]:
        actor = self.ctx.actor
        return lambda session: log_transaction(payload, session=session, actor=actor)

    def saved_message(self, result: Transaction | None) -> str | None:
        if result is None:
            return None
        return (
            f"Logged {choice(result.kind)} of {format_cents(result.amount_cents, result.currency)}."
        )
