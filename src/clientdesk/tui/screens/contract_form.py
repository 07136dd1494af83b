"""A new draft contract (起草合同), or a draft's terms changed before signing.

The number is suggested (the next free HT-YYYY-NNNNNN, read in a worker) and may be changed;
a number in use is refused beside the field. Once signed, terms change only by amendment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, TextArea

from clientdesk.domain.contract import Contract
from clientdesk.domain.contracts import (
    build_create,
    build_update,
    create_contract,
    edit_draft,
    next_contract_number,
)
from clientdesk.domain.money import format_cents
from clientdesk.errors import ClientdeskError, ConflictError, ValidationError
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.customer_picker import Chosen, CustomerPicker
from clientdesk.tui.widgets.form_field import FormField

TERMS = ("number", "title", "value_cents", "currency", "start_on", "end_on", "payment_terms")


class NumberSuggested(Message):
    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number


def as_field_error(exc: ValidationError) -> tuple[str, str]:
    """(field, message without the field's name) of a domain ValidationError."""
    _head, sep, rest = exc.message.partition(": ")
    text = rest if sep else exc.message
    return exc.field or "", f"{text} {exc.hint}" if exc.hint else text


def number_taken(exc: ConflictError, number: str) -> ValidationError | None:
    """The domain's "number already used" refusal, as an error of the number field."""
    if exc.message.lower().startswith(f"contract number {number.lower()} "):
        return ValidationError(exc.message, field="number", hint=exc.hint)
    return None


class ContractFormScreen(FormScreen[Contract]):
    """Create a draft (with a customer picker, or for the customer given), or edit a draft."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        customer: Chosen | None = None,
        contract: Contract | None = None,
        customer_label: str = "",
    ) -> None:
        if contract is None:
            heading = "New contract 新合同 (draft 草稿)"
        else:
            heading = f"Edit draft 修改草稿 · {contract.number} · {customer_label}"
        super().__init__(ctx, heading=heading)
        self.customer = customer
        self.contract = contract

    def compose_fields(self) -> ComposeResult:
        k = self.contract
        if k is None:
            yield FormField(
                "Customer",
                CustomerPicker(self.ctx, chosen=self.customer, id="customer"),
                required=True,
            )
        yield FormField(
            "Number 编号",
            Input(k.number if k else "", id="number", compact=True, max_length=40),
            required=True,
            hint="suggested: the next free number; any number not in use",
        )
        yield FormField(
            "Title 名称",
            Input(k.title if k else "", placeholder="what it is for", id="title", compact=True),
            required=True,
        )
        value = format_cents(k.value_cents) if k else ""
        yield FormField(
            "Value 金额",
            Input(value, placeholder="120,000.00", id="value_cents", compact=True),
            hint="blank: 0",
        )
        currency = k.currency if k else self.ctx.settings.general.currency
        yield FormField("Currency", Input(currency, id="currency", compact=True, max_length=3))
        yield FormField(
            "Start 开始",
            Input(_day(k.start_on if k else None), placeholder="YYYY-MM-DD", id="start_on",
                  compact=True),
            hint="active from this date once signed",
        )  # fmt: skip
        yield FormField(
            "End 结束",
            Input(_day(k.end_on if k else None), placeholder="YYYY-MM-DD", id="end_on",
                  compact=True),
            hint="the last day of the contract",
        )  # fmt: skip
        yield FormField(
            "Payment 付款",
            Input((k.payment_terms or "") if k else "", placeholder="e.g. 30% 预付，验收后 30 天",
                  id="payment_terms", compact=True),
        )  # fmt: skip
        yield FormField(
            "Owner 负责人",
            Input((k.owner or "") if k else "", placeholder="blank: the customer's owner",
                  id="owner", compact=True),
        )  # fmt: skip
        yield FormField("Notes", TextArea((k.notes or "") if k else "", id="notes", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        if self.contract is None:
            # One line like the other fields (the picker's input has a frame of its own).
            self.query_one(CustomerPicker).input.compact = True
            self._suggest_number()
            if self.customer is None:
                self.query_one(CustomerPicker).focus()
                return
        self.query_one("#title").focus()

    @work(thread=True, exclusive=True, group="contract-number")
    def _suggest_number(self) -> None:
        year = self.ctx.today().year
        try:
            number = self.ctx.read(lambda s: next_contract_number(session=s, year=year))
        except ClientdeskError:
            return  # the user types a number; the save checks it
        self.post_message(NumberSuggested(number))

    @on(NumberSuggested)
    def _number_suggested(self, message: NumberSuggested) -> None:
        box = self.query_one("#number", Input)
        if not box.value.strip():
            box.value = message.number
            self._initial["number"] = message.number  # a suggestion is not a change

    @on(CustomerPicker.Picked)
    def _picked(self, message: CustomerPicker.Picked) -> None:
        self.customer = message.chosen
        self.check("customer")
        if message.chosen is not None and not self.query_one("#title", Input).value:
            self.query_one("#title").focus()  # the number is suggested: the title comes next

    def parse(self, name: str, raw: Any) -> Any:
        if name == "customer":
            if raw is None:
                raise FieldError("required: type a code, name or pinyin and pick a customer")
            return raw[0]
        if name in ("number", "title"):
            return parse.text(raw, max_length=40 if name == "number" else 200, required=True)
        if name == "value_cents":
            return parse.money(raw) or 0
        if name == "currency":
            return parse.currency(raw)
        if name in ("start_on", "end_on"):
            return parse.day(raw)
        if name == "payment_terms":
            return parse.text(raw, max_length=200)
        if name == "owner":
            return parse.text(raw, max_length=60)
        if name == "notes":
            return parse.long_text(raw)
        return raw

    def build(self, values: dict[str, Any]) -> Any:
        terms = {key: values.get(key) for key in (*TERMS, "owner", "notes")}
        try:
            if self.contract is None:
                return build_create(customer_id=values["customer"], **terms)
            return build_update(**terms)
        except ValidationError as exc:
            name, text = as_field_error(exc)
            self.show_errors({name: text})
            raise FieldError(str(exc)) from None

    def save_job(self, payload: Any) -> Callable[[Session], Contract]:
        actor, today, contract = self.ctx.actor, self.ctx.today(), self.contract

        def job(session: Session) -> Contract:
            try:
                if contract is None:
                    return create_contract(payload, session=session, actor=actor, today=today)
                assert contract.id is not None
                return edit_draft(contract.id, payload, session=session, actor=actor, today=today)
            except ConflictError as exc:
                taken = number_taken(exc, payload.number or "")
                if taken is None:
                    raise
                raise taken from None

        return job

    def saved_message(self, result: Contract | None) -> str | None:
        if result is None:
            return None
        if self.contract is None:
            return f"Created draft {result.number} “{result.title}”. Sign it with s when agreed."
        return f"Saved draft {result.number}."


def _day(value: Any) -> str:
    return value.isoformat() if value else ""
