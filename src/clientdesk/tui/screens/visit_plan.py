"""Plan a visit (拜访计划) and move one: forms over domain.visits.

A visit is planned for a time ahead; a time in the past is refused beside the field with
the advice to log the visit instead (a visit that happened is logged, not planned).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Select

from clientdesk.domain.contact import Contact
from clientdesk.domain.contacts import list_contacts
from clientdesk.domain.enums import VisitKind
from clientdesk.domain.visit import Visit
from clientdesk.domain.visits import DEFAULT_VISIT_TIME, PURPOSE_MAX, plan_visit, reschedule_visit
from clientdesk.errors import ClientdeskError
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.formatting import choice
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.customer_picker import CustomerPicker
from clientdesk.tui.widgets.form_field import FormField
from clientdesk.tui.widgets.visit_format import Chosen, VisitRef, next_working_day, weekday

R = TypeVar("R")
PLANNED_KINDS = (VisitKind.REGULAR, VisitKind.RETURN)


def at_default_time(day: date) -> str:
    """'2025-03-03 10:00': a day at the usual visit time, as the field shows it."""
    return f"{day.isoformat()} {DEFAULT_VISIT_TIME:%H:%M}"


def ahead(raw: str, ctx: AppContext) -> datetime:
    """A planned time: a local date and time that is not in the past."""
    moment = parse.moment(raw, ctx.zone)
    if moment < ctx.now():
        raise FieldError(
            f"{moment.astimezone(ctx.zone):%Y-%m-%d %H:%M} is in the past: a visit that "
            "happened is logged, not planned. Log it instead (key u), or pick a later time."
        )
    return moment


def said_when(moment: datetime, ctx: AppContext) -> str:
    local = moment.astimezone(ctx.zone)
    return f"{weekday(local.date())} {local:%Y-%m-%d %H:%M}"


class _ContactsRead(Message):
    def __init__(self, customer_id: int, contacts: list[Contact], error: str = "") -> None:
        super().__init__()
        self.customer_id = customer_id
        self.contacts = contacts
        self.error = error


class CustomerVisitForm(FormScreen[R]):
    """A visit form that names its customer: a picker (or the customer given) and a contact
    among the customer's own, read when the customer is chosen."""

    def __init__(self, ctx: AppContext, *, heading: str, customer: Chosen | None) -> None:
        super().__init__(ctx, heading=heading)
        self.customer = customer

    def customer_field(self) -> FormField:
        return FormField(
            "Customer",
            CustomerPicker(self.ctx, id="customer"),
            required=True,
        )

    def contact_field(self) -> FormField:
        return FormField(
            "Contact",
            Select[int]([], prompt="(key contact 主要联系人)", id="contact_id", compact=True),
            hint="blank: the customer's key contact",
        )

    def on_mount(self) -> None:
        pickers = self.query(CustomerPicker)
        if self.customer is not None and pickers:
            # Preset, not passed in: the picker takes a preset as the user's own choice.
            picker = pickers.first()
            with picker.prevent(CustomerPicker.Picked):
                picker.preset(*self.customer)
            self._read_contacts(self.customer[0])
        super().on_mount()

    @on(CustomerPicker.Picked)
    def _picked(self, message: CustomerPicker.Picked) -> None:
        self.customer = message.chosen
        self.check("customer")
        self.query_one("#contact_id", Select).set_options([])
        if message.chosen is not None:
            self._read_contacts(message.chosen[0])

    @work(thread=True, exclusive=True, group="visit-form-contacts")
    def _read_contacts(self, customer_id: int) -> None:
        try:
            contacts = self.ctx.read(lambda s: list_contacts(customer_id, session=s))
        except ClientdeskError as exc:
            self.post_message(_ContactsRead(customer_id, [], str(exc)))
            return
        self.post_message(_ContactsRead(customer_id, contacts))

    @on(_ContactsRead)
    def _contacts_read(self, message: _ContactsRead) -> None:
        if self.customer is None or self.customer[0] != message.customer_id:
            return  # another customer was picked meanwhile
        if message.error:
            self.notify(message.error, title="Could not read the contacts", severity="error")
        options = [
            (f"{c.name}{' ★' if c.is_primary else ''}{f' · {c.title}' if c.title else ''}", c.id)
            for c in message.contacts
            if c.id is not None
        ]
        select = self.query_one("#contact_id", Select)
        select.set_options(options)
        select.prompt = "(key contact 主要联系人)" if options else "(no contacts on file)"
        self._initial["contact_id"] = None

    def parse_customer(self, name: str, raw: Any) -> Any:
        if name == "customer":
            if raw is None:
                raise FieldError("required: type a code, name or pinyin and pick a customer")
            return raw
        if name == "contact_id":
            return raw
        raise KeyError(name)


class PlanVisitScreen(CustomerVisitForm[Visit]):
    """Plan a visit: customer, when (the next working day at 10:00 by default), purpose."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        customer: Chosen | None = None,
        day: date | None = None,
        purpose: str = "",
    ) -> None:
        super().__init__(ctx, heading="Plan a visit 拜访计划", customer=customer)
        self.day = day if day is not None and day > ctx.today() else next_working_day(ctx.today())
        self.purpose = purpose

    def compose_fields(self) -> ComposeResult:
        yield self.customer_field()
        yield FormField(
            "When",
            Input(at_default_time(self.day), id="planned_at", compact=True),
            required=True,
            hint=f"local time, YYYY-MM-DD HH:MM ({self.ctx.zone})",
        )
        yield FormField(
            "Purpose",
            Input(self.purpose, placeholder="拜访目的: what the visit is for", id="purpose",
                  compact=True),
            required=True,
        )  # fmt: skip
        yield self.contact_field()
        yield FormField(
            "Kind",
            Select(
                [(choice(k), k) for k in PLANNED_KINDS],
                value=VisitKind.REGULAR,
                allow_blank=False,
                id="kind",
                compact=True,
            ),
        )

    def on_mount(self) -> None:
        super().on_mount()
        focus = "#purpose" if self.customer is not None else "#customer"
        self.query_one(focus).focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "planned_at":
            return ahead(raw, self.ctx)
        if name == "purpose":
            return parse.text(raw, max_length=PURPOSE_MAX, required=True)
        if name == "kind":
            return raw
        return self.parse_customer(name, raw)

    def save_job(self, payload: Any) -> Callable[[Session], Visit]:
        actor, now = self.ctx.actor, self.ctx.now()
        customer_id = payload["customer"][0]

        def job(session: Session) -> Visit:
            return plan_visit(
                session=session,
                customer_id=customer_id,
                planned_at=payload["planned_at"],
                purpose=payload["purpose"],
                actor=actor,
                kind=payload["kind"],
                contact_id=payload["contact_id"],
                now=now,
            )

        return job

    def saved_message(self, result: Visit | None) -> str | None:
        if result is None or self.customer is None:
            return None
        code, name = self.customer[1], self.customer[2]
        return f"Planned a visit to {code} {name} on {said_when(result.planned_at, self.ctx)}."


class RescheduleVisitScreen(FormScreen[Visit]):
    """Move a planned (or missed, or cancelled) visit to a new time ahead."""

    def __init__(self, ctx: AppContext, ref: VisitRef) -> None:
        code, name = ref.customer[1], ref.customer[2]
        super().__init__(ctx, heading=f"Reschedule 改期 · {code} {name} · {ref.purpose}")
        self.ref = ref

    def compose_fields(self) -> ComposeResult:
        ref, ctx = self.ref, self.ctx
        local = ref.planned_at.astimezone(ctx.zone)
        start = local if ref.planned_at > ctx.now() else None
        if start is None:  # overdue: the next working day, at the time it was planned for
            day = next_working_day(ctx.today())
            value = f"{day.isoformat()} {local:%H:%M}"
        else:
            value = f"{start:%Y-%m-%d %H:%M}"
        yield FormField(
            "New time",
            Input(value, id="planned_at", compact=True),
            required=True,
            hint=f"was {weekday(local.date())} {local:%Y-%m-%d %H:%M}; "
            "local time, YYYY-MM-DD HH:MM",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#planned_at").focus()

    def parse(self, name: str, raw: Any) -> Any:
        return ahead(raw, self.ctx)  # the only field: planned_at

    def save_job(self, payload: Any) -> Callable[[Session], Visit]:
        actor, now, visit_id = self.ctx.actor, self.ctx.now(), self.ref.visit_id
        planned_at = payload["planned_at"]
        return lambda s: reschedule_visit(
            visit_id, session=s, planned_at=planned_at, actor=actor, now=now
        )

    def saved_message(self, result: Visit | None) -> str | None:
        if result is None:
            return None
        code, name = self.ref.customer[1], self.ref.customer[2]
        return f"Visit to {code} {name} moved to {said_when(result.planned_at, self.ctx)}."
