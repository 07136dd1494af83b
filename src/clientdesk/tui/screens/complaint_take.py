"""Take a complaint (受理投诉) in a few keystrokes: customer, channel, category, severity, text.

Channel, category and severity are picked with one key each (the underlined letter); the
channel defaults to phone, the severity to medium and the contact to the key contact. The
answer deadline the rules will set (the grade's response hours × the severity factor) is
shown as soon as the customer is known, and moves with the severity and the time received.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Select, Static, TextArea

from clientdesk.domain.complaint import Complaint
from clientdesk.domain.complaints import (
    SUMMARY_MAX,
    DeadlineRules,
    describe_time_left,
    take_complaint,
)
from clientdesk.domain.contacts import list_contacts
from clientdesk.domain.customers import get_customer
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    Grade,
    Severity,
    label_zh,
)
from clientdesk.errors import ClientdeskError
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.formatting import local_time
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.complaint_choices import ChoiceBar, enum_options
from clientdesk.tui.widgets.customer_picker import Chosen, CustomerPicker
from clientdesk.tui.widgets.form_field import FormField

DIALOG_WIDTH = 100  # the one-key choices need the room


@dataclass(frozen=True)
class CustomerFacts:
    """What the form needs of the chosen customer: its grade and its contacts."""

    customer_id: int
    grade: Grade
    contacts: list[tuple[str, int]]  # (label, id), the key contact first
    key_contact: int | None


class CustomerRead(Message):
    def __init__(self, facts: CustomerFacts | None, error: str = "") -> None:
        super().__init__()
        self.facts = facts
        self.error = error


def deadline_text(
    rules: DeadlineRules, grade: Grade, severity: Severity, received: datetime, ctx: AppContext
) -> str:
    """'Answer due 2025-03-01 17:00 (8h 00m left): grade B answers within 8 h, 一般 × 1'."""
    due = rules.due_at(received, grade, severity)
    left = describe_time_left(due - ctx.now())
    hours = rules.response_hours[grade]
    factor = rules.severity_factor[severity]
    return (
        f"Answer due {local_time(due, ctx.zone)} ({left}): grade {grade.value} answers within "
        f"{hours} h, severity {label_zh(severity)} {severity.value} × {factor:g}."
    )


class TakeComplaintScreen(FormScreen[Complaint]):
    """The intake form; `customer` presets the customer (from its file)."""

    def __init__(self, ctx: AppContext, *, customer: Chosen | None = None) -> None:
        super().__init__(ctx, heading="Take a complaint 受理投诉")
        self.customer = customer
        self.rules = DeadlineRules.from_settings(ctx.settings)
        self.facts: CustomerFacts | None = None

    def compose_fields(self) -> ComposeResult:
        yield FormField(
            "Customer",
            CustomerPicker(self.ctx, id="customer"),
            required=True,
        )
        yield FormField(
            "Contact",
            Select[int]([], prompt="(no contact)", id="contact_id", compact=True),
        )
        yield FormField("Channel", ChoiceBar(enum_options(ComplaintChannel), id="channel"))
        yield FormField(
            "Category",
            ChoiceBar(enum_options(ComplaintCategory), allow_blank=True, id="category"),
            required=True,
            hint="press the underlined letter",
        )
        yield FormField(
            "Severity",
            ChoiceBar(enum_options(Severity), value=Severity.MEDIUM, id="severity"),
        )
        yield FormField(
            "Summary",
            Input(placeholder="what the customer complains about", id="summary", compact=True),
            required=True,
        )
        yield FormField("Details", TextArea(id="details", compact=True))
        yield FormField(
            "Received",
            Input(local_time(self.ctx.now(), self.ctx.zone), id="received_at", compact=True),
            hint="local time, YYYY-MM-DD HH:MM",
        )
        yield Static("", id="deadline", classes="form-section", markup=False)

    def on_mount(self) -> None:
        if self.customer is not None:
            # Preset once mounted (not in the constructor), as if the user had picked it;
            # before the form notes its initial values, so escape closes it without asking.
            self.query_one(CustomerPicker).preset(*self.customer)
        super().on_mount()
        dialog = self.query_one(".form-dialog")
        dialog.styles.width = DIALOG_WIDTH
        dialog.styles.max_width = "100%"
        self._show_deadline()
        if self.customer is None:
            self.query_one(CustomerPicker).focus()

    # The customer: its grade sets the deadline, its contacts fill the list.

    @on(CustomerPicker.Picked)
    def _picked(self, message: CustomerPicker.Picked) -> None:
        self.facts = None
        self.query_one("#contact_id", Select).set_options([])
        self._show_deadline()
        if message.chosen is not None:
            self.check("customer")
            self._read_customer(message.chosen[0])
            self.query_one("#channel").focus()  # the contact defaults to the key contact

    @work(thread=True, exclusive=True, group="take-complaint-customer")
    def _read_customer(self, customer_id: int) -> None:
        def job(session: Session) -> CustomerFacts:
            customer = get_customer(customer_id, session=session)
            contacts = list_contacts(customer_id, session=session)
            key = next((c.id for c in contacts if c.is_primary), None)
            return CustomerFacts(
                customer_id,
                customer.grade,
                [(f"{c.name}{' ★' if c.is_primary else ''}", c.id) for c in contacts if c.id],
                key,
            )

        try:
            facts = self.ctx.read(job)
        except ClientdeskError as exc:
            self.post_message(CustomerRead(None, str(exc)))
            return
        self.post_message(CustomerRead(facts))

    @on(CustomerRead)
    def _customer_read(self, message: CustomerRead) -> None:
        if message.facts is None:
            self.notify(message.error, title="Could not read the customer", severity="error")
            return
        chosen = self.field("customer").raw
        if chosen is None or chosen[0] != message.facts.customer_id:
            return  # another customer was picked meanwhile
        self.facts = message.facts
        contacts = self.query_one("#contact_id", Select)
        contacts.prompt = "(no contact)" if message.facts.contacts else "(no contacts on file)"
        contacts.set_options(message.facts.contacts)
        if message.facts.key_contact is not None:
            contacts.value = message.facts.key_contact
        self._show_deadline()

    # The deadline preview.

    @on(ChoiceBar.Changed)
    def _choice_changed(self, message: ChoiceBar.Changed) -> None:
        if message.bar.id in self.fields():
            self.check(message.bar.id)
        self._show_deadline()

    @on(Input.Changed, "#received_at")
    def _received_changed(self) -> None:
        self._show_deadline()

    def _show_deadline(self) -> None:
        line = self.query_one("#deadline", Static)
        if self.facts is None:
            line.update("The answer deadline follows from the customer's grade and the severity.")
            return
        try:
            received = parse.moment(self.field("received_at").raw, self.ctx.zone)
        except FieldError:
            line.update("Give the time received to see the answer deadline.")
            return
        severity = Severity(self.field("severity").raw)
        line.update(deadline_text(self.rules, self.facts.grade, severity, received, self.ctx))

    # Reading and saving.

    def parse(self, name: str, raw: Any) -> Any:
        if name == "customer":
            if raw is None:
                raise FieldError("required: type a code, name or pinyin and pick the customer")
            return raw[0]
        if name == "category" and raw is None:
            raise FieldError("required: p product, s service, d delivery, b billing, o other")
        if name == "summary":
            return parse.text(raw, max_length=SUMMARY_MAX, required=True)
        if name == "details":
            return parse.long_text(raw)
        if name == "received_at":
            return parse.moment(raw, self.ctx.zone)
        return raw  # contact_id, channel, severity

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        values["customer_id"] = values.pop("customer")
        return values

    def save_job(self, payload: Any) -> Callable[[Session], Complaint]:
        rules, actor = self.rules, self.ctx.actor
        return lambda session: take_complaint(session=session, rules=rules, actor=actor, **payload)

    def saved_message(self, result: Complaint | None) -> str | None:
        if result is None:
            return None
        left = describe_time_left(result.due_at - self.ctx.now())
        due = local_time(result.due_at, self.ctx.zone)
        return f"Complaint {result.id} taken: answer due {due} ({left})."
