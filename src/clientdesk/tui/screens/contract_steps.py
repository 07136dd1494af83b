"""The steps of a contract's life, each a small form: sign (签订), amend (补充协议), renew
(续签), terminate (解除) and complete (完成).

Each form saves through the domain step in one transaction; the domain checks the state
machine again, so a contract changed meanwhile is refused with its message, nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input

from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.contract_detail import ContractDetail
from clientdesk.domain.contracts import (
    amend_contract,
    complete_contract,
    next_contract_number,
    renew_contract,
    sign_contract,
    terminate_contract,
)
from clientdesk.domain.enums import ContractStatus
from clientdesk.domain.money import format_cents, to_cents
from clientdesk.errors import ClientdeskError, ConflictError
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.screens.contract_form import NumberSuggested, number_taken
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.contract_panels import signed_change
from clientdesk.tui.widgets.form_field import FormField

R = TypeVar("R")


def signed_money(raw: str) -> int:
    """'+5,000' / '-2000.50' / '' → cents (blank is no change)."""
    text = raw.strip()
    if not text:
        return 0
    sign = -1 if text[0] in "-−" else 1
    body = text[1:] if text[0] in "+-−" else text
    try:
        cents = to_cents(body)
    except ClientdeskError:
        raise FieldError(f"{text!r} is not an amount; write it like 5000 or -2,000.50") from None
    if cents < 0:
        raise FieldError("write the sign once: 5000 raises the value, -2000 lowers it")
    return sign * cents


class ContractStepForm(FormScreen[R]):
    """A step on one contract: knows the contract as the detail screen last read it."""

    STEP = ""

    def __init__(self, ctx: AppContext, detail: ContractDetail) -> None:
        k = detail.contract
        super().__init__(ctx, heading=f"{self.STEP} · {k.number} {k.title}")
        self.detail = detail
        assert k.id is not None
        self.contract_id: int = k.id

    @property
    def contract(self) -> Contract:
        return self.detail.contract

    def date_field(self, label: str, name: str = "on", hint: str = "") -> FormField:
        return FormField(
            label,
            Input(self.ctx.today().isoformat(), id=name, compact=True),
            required=True,
            hint=hint or "YYYY-MM-DD; today or earlier",
        )


class SignScreen(ContractStepForm[Contract]):
    STEP = "Sign 签订"

    def compose_fields(self) -> ComposeResult:
        start = self.contract.start_on
        today = self.ctx.today()
        hint = (
            f"active at once: its start date {start} has come"
            if start and start <= today
            else f"becomes active on its start date, {start}"
        )
        yield self.date_field("Signed on 签订", "signed_on", hint=hint)

    def parse(self, name: str, raw: Any) -> Any:
        return parse.day(raw, required=True)

    def save_job(self, payload: Any) -> Callable[[Session], Contract]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()
        return lambda s: sign_contract(
            k_id, signed_on=payload["signed_on"], session=s, actor=actor, today=today
        )

    def saved_message(self, result: Contract | None) -> str | None:
        if result is None:
            return None
        if result.status == ContractStatus.ACTIVE:
            return f"Signed {result.number} on {result.signed_on}: active (履行中) from today."
        return f"Signed {result.number} on {result.signed_on}: active from {result.start_on}."


class AmendScreen(ContractStepForm[ContractEvent]):
    STEP = "Amend 补充协议"

    def compose_fields(self) -> ComposeResult:
        k = self.contract
        yield self.date_field("Date 日期")
        yield FormField(
            "What changed",
            Input(placeholder="变更内容, e.g. 增加 20 台设备", id="what", compact=True,
                  max_length=500),
            required=True,
        )  # fmt: skip
        yield FormField(
            "Value change",
            Input(placeholder="+0.00", id="value_change", compact=True),
            hint=f"now {format_cents(k.value_cents, k.currency)}; 5000 raises it, -2000 lowers it",
        )
        yield FormField(
            "New end date",
            Input(placeholder="YYYY-MM-DD", id="end_on", compact=True),
            hint=f"blank: unchanged ({k.end_on or 'open'})",
        )
        yield FormField(
            "New payment",
            Input(placeholder="付款条件", id="payment_terms", compact=True),
            hint=f"blank: unchanged ({k.payment_terms or 'none'})",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#what").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "on":
            return parse.day(raw, required=True)
        if name == "what":
            return parse.text(raw, max_length=500, required=True)
        if name == "value_change":
            return signed_money(raw)
        if name == "end_on":
            return parse.day(raw)
        return parse.text(raw, max_length=200)  # payment_terms

    def save_job(self, payload: Any) -> Callable[[Session], ContractEvent]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()
        return lambda s: amend_contract(
            k_id,
            on=payload["on"],
            what=payload["what"],
            value_change_cents=payload["value_change"],
            end_on=payload["end_on"],
            payment_terms=payload["payment_terms"],
            session=s,
            actor=actor,
            today=today,
        )

    def saved_message(self, result: ContractEvent | None) -> str | None:
        if result is None:
            return None
        k = self.contract
        change = result.value_change_cents or 0
        value = format_cents(k.value_cents + change, k.currency)
        moved = f" ({signed_change(change)})" if change else ""
        return f"Amended {k.number} on {result.occurred_on}: value now {value}{moved}."


class RenewScreen(ContractStepForm[Contract]):
    """续签: the renewal is a new draft linked to this contract; defaults continue it."""

    STEP = "Renew 续签"

    def compose_fields(self) -> ComposeResult:
        k = self.contract
        start = k.end_on + timedelta(days=1) if k.end_on else None
        end = start + (k.end_on - k.start_on) if start and k.start_on and k.end_on else None
        yield FormField(
            "Number 编号",
            Input(id="number", compact=True, max_length=40),
            required=True,
            hint="suggested: the next free number",
        )
        yield FormField("Title 名称", Input(k.title, id="title", compact=True), required=True)
        yield FormField(
            "Start 开始",
            Input(start.isoformat() if start else "", placeholder="YYYY-MM-DD", id="start_on",
                  compact=True),
            required=True,
            hint="default: the day after this contract ends",
        )  # fmt: skip
        yield FormField(
            "End 结束",
            Input(end.isoformat() if end else "", placeholder="YYYY-MM-DD", id="end_on",
                  compact=True),
            hint="default: as long as this contract ran",
        )  # fmt: skip
        yield FormField(
            "Value 金额",
            Input(format_cents(k.value_cents), id="value_cents", compact=True),
            hint=f"default: this contract's value now ({k.currency})",
        )
        yield FormField(
            "Payment 付款", Input(k.payment_terms or "", id="payment_terms", compact=True)
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._suggest_number()
        self.query_one("#title").focus()

    @work(thread=True, exclusive=True, group="contract-number")
    def _suggest_number(self) -> None:
        year = self.ctx.today().year
        try:
            number = self.ctx.read(lambda s: next_contract_number(session=s, year=year))
        except ClientdeskError:
            return
        self.post_message(NumberSuggested(number))

    @on(NumberSuggested)
    def _number_suggested(self, message: NumberSuggested) -> None:
        box = self.query_one("#number", Input)
        if not box.value.strip():
            box.value = message.number
            self._initial["number"] = message.number

    def parse(self, name: str, raw: Any) -> Any:
        if name in ("number", "title"):
            return parse.text(raw, max_length=40 if name == "number" else 200, required=True)
        if name == "start_on":
            return parse.day(raw, required=True)
        if name == "end_on":
            return parse.day(raw)
        if name == "value_cents":
            return parse.money(raw) or 0
        return parse.text(raw, max_length=200)  # payment_terms

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        start, end = values["start_on"], values["end_on"]
        if start and end and end < start:
            self.show_errors({"end_on": f"{end} is before the start date {start}"})
            raise FieldError(f"end date {end} is before the start date {start}.")
        return values

    def save_job(self, payload: Any) -> Callable[[Session], Contract]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()

        def job(session: Session) -> Contract:
            try:
                return renew_contract(k_id, session=session, actor=actor, today=today, **payload)
            except ConflictError as exc:
                taken = number_taken(exc, payload["number"])
                if taken is None:
                    raise
                raise taken from None

        return job

    def saved_message(self, result: Contract | None) -> str | None:
        if result is None:
            return None
        return (
            f"Renewed {self.contract.number} as draft {result.number} "
            f"({result.start_on} → {result.end_on or 'open'}). Sign it with s when agreed."
        )


class TerminateScreen(ContractStepForm[Contract]):
    STEP = "Terminate 解除"

    def compose_fields(self) -> ComposeResult:
        yield self.date_field("Date 日期")
        yield FormField(
            "Reason 原因",
            Input(placeholder="why the contract ends early", id="reason", compact=True,
                  max_length=500),
            required=True,
        )  # fmt: skip

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "on":
            return parse.day(raw, required=True)
        return parse.text(raw, max_length=500, required=True)

    def save_job(self, payload: Any) -> Callable[[Session], Contract]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()
        return lambda s: terminate_contract(
            k_id, reason=payload["reason"], on=payload["on"], session=s, actor=actor, today=today
        )

    def saved_message(self, result: Contract | None) -> str | None:
        if result is None:
            return None
        return f"Terminated {result.number} (解除) on {result.terminated_on}."


class CompleteScreen(ContractStepForm[Contract]):
    STEP = "Complete 完成"

    def compose_fields(self) -> ComposeResult:
        yield self.date_field("Completed on", hint="the day the contract was carried out")

    def parse(self, name: str, raw: Any) -> Any:
        return parse.day(raw, required=True)

    def save_job(self, payload: Any) -> Callable[[Session], Contract]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()
        return lambda s: complete_contract(
            k_id, on=payload["on"], session=s, actor=actor, today=today
        )

    def saved_message(self, result: Contract | None) -> str | None:
        return f"Completed {result.number} (完成)." if result is not None else None
