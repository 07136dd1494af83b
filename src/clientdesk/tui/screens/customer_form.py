"""Create or edit a customer file (客户档案): static and financial information, owner, group.

A likely duplicate (same credit code, same or similar name) is pointed out before the save,
with a button to open the existing file instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Select, Static, TextArea

from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import Customer, CustomerCreate, CustomerUpdate
from clientdesk.domain.customers import add_contact, create_customer, update_customer
from clientdesk.domain.duplicates import Duplicate, Reason, find_duplicates
from clientdesk.domain.enums import CustomerKind, CustomerStatus, SpecialKind
from clientdesk.domain.lookup import distinct_values
from clientdesk.domain.money import format_cents
from clientdesk.errors import ClientdeskError
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.formatting import choice
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.customer_picker import Chosen, CustomerPicker
from clientdesk.tui.widgets.form_field import FormField

TEXT_LIMITS = {
    "short_name": 60,
    "industry": 60,
    "region": 60,
    "address": 300,
    "bank_name": 100,
    "bank_account": 40,
    "owner": 60,
}
MONEY_FIELDS = ("registered_capital_cents", "annual_revenue_cents", "credit_limit_cents")
CONTACT_FIELDS = ("contact_name", "contact_mobile", "contact_email")


@dataclass(frozen=True)
class CustomerSaved:
    id: int
    code: str
    name: str
    created: bool


@dataclass(frozen=True)
class OpenExisting:
    """The user chose to open a likely duplicate instead of saving."""

    id: int


class DuplicatesFound(Message):
    def __init__(
        self, probe: tuple[str, str | None], hits: list[Duplicate], error: str | None = None
    ) -> None:
        super().__init__()
        self.probe = probe
        self.hits = hits
        self.error = error


class ChoicesLoaded(Message):
    def __init__(self, choices: dict[str, list[str]]) -> None:
        super().__init__()
        self.choices = choices


class CustomerFormScreen(FormScreen[CustomerSaved | OpenExisting]):
    """New customer (customer=None) or edit an existing one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "open_existing", "Open existing", id="customer_form.open_existing"),
    ]

    def __init__(
        self,
        ctx: AppContext,
        customer: Customer | None = None,
        *,
        parent: tuple[int, str, str] | None = None,
    ) -> None:
        heading = (
            f"Edit {customer.code} {customer.name}" if customer else "New customer 新建客户档案"
        )
        super().__init__(ctx, heading=heading)
        self.add_class("customer-form")
        self.customer = customer
        self.initial_parent = parent  # (id, code, name) of the current parent, when editing
        self.duplicates: list[Duplicate] = []
        self._checked: tuple[str, str | None] | None = None  # name and code last checked
        self._accepted: tuple[str, str | None] | None = None  # duplicates seen, save anyway
        self._pending: Any = None  # payload waiting for the duplicate check
        self._unchanged: tuple[str, str | None] | None = None  # name and code when opened

    # Fields.

    def compose_fields(self) -> ComposeResult:
        c = self.customer
        owner = c.owner if c else self.ctx.actor

        def val(attr: str) -> str | None:
            return getattr(c, attr) if c else None

        def text(name: str, value: str | None, placeholder: str = "") -> Input:
            return Input(value or "", placeholder=placeholder, id=name, compact=True)

        with Vertical(classes="form-columns"):
            with Vertical(classes="form-column"):
                yield Static("Company 公司", classes="form-section")
                yield FormField("Name 公司名称", text("name", val("name")), required=True)
                yield FormField("Short name 简称", text("short_name", val("short_name")))
                yield FormField(
                    "Kind 客户类型",
                    Select(
                        [(choice(k), k) for k in CustomerKind],
                        value=c.kind if c else CustomerKind.DIRECT,
                        allow_blank=False,
                        id="kind",
                        compact=True,
                    ),
                )
                yield FormField(
                    "Special kind",
                    Select(
                        [(choice(k), k) for k in SpecialKind],
                        value=c.special_kind if c and c.special_kind else Select.NULL,
                        prompt="(for special bodies)",
                        id="special_kind",
                        compact=True,
                    ),
                )
                yield FormField("Industry 行业", text("industry", val("industry")))
                yield FormField("Region 区域", text("region", val("region")))
                yield FormField("Address 地址", text("address", val("address")))
                yield FormField("Website", text("website", val("website"), "www.example.com"))
                yield FormField(
                    "Credit code",
                    text("credit_code", val("credit_code"), "统一社会信用代码, 18 characters"),
                )
                if c is None:  # a new customer is usually entered with the person met
                    yield Static("Key contact 主要联系人", classes="form-section")
                    yield FormField("Name 姓名", text("contact_name", None, "optional"))
                    yield FormField(
                        "Mobile 手机", text("contact_mobile", None, "+86 138 0013 8000")
                    )
                    yield FormField("E-mail 邮箱", text("contact_email", None, "name@example.com"))
            with Vertical(classes="form-column"):
                yield Static("Finance 财务", classes="form-section")
                for name, label in (
                    ("registered_capital_cents", "Reg. capital"),
                    ("annual_revenue_cents", "Annual revenue"),
                    ("credit_limit_cents", "Credit limit"),
                ):
                    cents = getattr(c, name) if c else None
                    value = format_cents(cents) if cents is not None else ""
                    yield FormField(
                        label,
                        Input(
                            value,
                            placeholder=f"{self.ctx.settings.general.currency} 0.00",
                            id=name,
                            compact=True,
                        ),
                    )
                yield FormField("Bank 开户银行", text("bank_name", val("bank_name")))
                yield FormField("Account 账号", text("bank_account", val("bank_account")))
                yield Static("Relationship", classes="form-section")
                yield FormField("Owner 客户经理", text("owner", owner))
                yield FormField(
                    "Status",
                    Select(
                        [(choice(s), s) for s in CustomerStatus],
                        value=c.status if c else CustomerStatus.PROSPECT,
                        allow_blank=False,
                        id="status",
                        compact=True,
                    ),
                )
                yield FormField(
                    "Parent 母公司",
                    CustomerPicker(
                        self.ctx,
                        chosen=self.initial_parent,
                        id="parent_id",
                        exclude_id=c.id if c else None,
                        placeholder="code or part of the name; empty: no parent",
                    ),
                )
        yield FormField("Notes", TextArea((c.notes or "") if c else "", id="notes", compact=True))
        with Vertical(id="duplicates", classes="duplicates"):
            yield Static("", id="duplicates-text", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#duplicates").display = False
        self._unchanged = self._probe()
        self._sync_special_kind()
        self.query_one("#name").focus()
        self._load_choices()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "name":
            return parse.text(raw, max_length=200, required=True)
        if name in TEXT_LIMITS:
            return parse.text(raw, max_length=TEXT_LIMITS[name])
        if name in MONEY_FIELDS:
            return parse.money(raw)
        if name == "credit_code":
            value = parse.credit_code(raw)
            clash = [d for d in self.duplicates if d.reason is Reason.CREDIT_CODE]
            if value and clash and self._checked and self._checked[1] == value:
                raise parse.FieldError(
                    f"already the credit code of {clash[0].code} {clash[0].name}; "
                    "ctrl+o opens that file"
                )
            return value
        if name == "website":
            return parse.website(raw)
        if name == "parent_id":
            return self._parent_id(raw)
        if name == "notes":
            return parse.long_text(raw)
        if name == "contact_name":
            return parse.text(raw, max_length=60)
        if name == "contact_mobile":
            return parse.phone(raw)
        if name == "contact_email":
            return parse.email(raw)
        if name == "special_kind":
            return raw if self.field("kind").raw == CustomerKind.SPECIAL else None
        return raw  # kind, status: a Select without a blank choice

    def _parent_id(self, chosen: Chosen | None) -> int | None:
        if chosen is not None:
            return chosen[0]
        picker = self.query_one("#parent_id", CustomerPicker)
        typed = " ".join(picker.input.value.split())
        if not typed:
            return None
        for row in picker.matches:
            if typed.upper() == row[1]:
                return row[0]
        raise parse.FieldError("pick the parent from the list: type its code or part of its name")

    def build(self, values: dict[str, Any]) -> tuple[CustomerCreate | CustomerUpdate, Any]:
        contact = {key.removeprefix("contact_"): values.pop(key, None) for key in CONTACT_FIELDS}
        if self.customer is not None:
            return CustomerUpdate(**values), None
        if not contact.get("name"):
            if contact.get("mobile") or contact.get("email"):
                self.show_errors({"contact_name": "a contact needs a name"})
                raise parse.FieldError("the key contact needs a name")
            return CustomerCreate(**values), None
        return CustomerCreate(**values), contact

    def save_job(self, payload: Any) -> Callable[[Session], CustomerSaved]:
        actor = self.ctx.actor
        customer = self.customer

        data, contact = payload

        def job(session: Session) -> CustomerSaved:
            if customer is None:
                made = create_customer(data, session=session, actor=actor)
            else:
                assert customer.id is not None
                made = update_customer(customer.id, data, session=session, actor=actor)
            assert made.id is not None
            if contact:  # the same transaction: both are saved, or neither
                add_contact(
                    ContactCreate(customer_id=made.id, is_primary=True, **contact),
                    session=session,
                    actor=actor,
                )
            return CustomerSaved(made.id, made.code, made.name, created=customer is None)

        return job

    def saved_message(self, result: CustomerSaved | OpenExisting | None) -> str | None:
        if isinstance(result, CustomerSaved):
            verb = "Created" if result.created else "Saved"
            return f"{verb} {result.code} {result.name}."
        return None

    # Kind and special kind go together.

    @on(Select.Changed, "#kind")
    def _kind_changed(self) -> None:
        self._sync_special_kind()

    def _sync_special_kind(self) -> None:
        special = self.field("kind").raw == CustomerKind.SPECIAL
        self.query_one("#special_kind", Select).disabled = not special

    # Suggestions for owner, region and industry: the values already in use.

    @work(thread=True, exclusive=True, group="form-choices")
    def _load_choices(self) -> None:
        try:
            choices = self.ctx.read(
                lambda s: {
                    name: distinct_values(name, session=s)
                    for name in ("owner", "region", "industry")
                }
            )
        except ClientdeskError:
            return  # suggestions are a convenience; the form works without them
        self.post_message(ChoicesLoaded(choices))

    @on(ChoicesLoaded)
    def _choices_loaded(self, message: ChoicesLoaded) -> None:
        for name, values in message.choices.items():
            if values:
                self.query_one(f"#{name}", Input).suggester = SuggestFromList(
                    values, case_sensitive=False
                )

    # The parent: picked from the matches of what is typed (an empty field: no parent).

    @on(CustomerPicker.Picked, "#parent_id")
    def _parent_picked(self) -> None:
        self.check("parent_id")

    # Likely duplicates: looked for when the name or credit code is left, and before saving.

    def _probe(self) -> tuple[str, str | None]:
        name = " ".join(self.field("name").raw.split())
        try:
            code = parse.credit_code(self.field("credit_code").raw)
        except parse.FieldError:
            code = None
        return name, code

    @on(Input.Blurred, "#name,#credit_code")
    def _identity_left(self) -> None:
        probe = self._probe()
        if probe != self._checked and probe[0] and probe != self._unchanged:
            self._find_duplicates(probe)

    @work(thread=True, exclusive=True, group="form-duplicates")
    def _find_duplicates(self, probe: tuple[str, str | None]) -> None:
        exclude = self.customer.id if self.customer else None
        try:
            hits = self.ctx.read(
                lambda s: find_duplicates(probe[0], probe[1], session=s, exclude_id=exclude)
            )
        except ClientdeskError as exc:
            self.post_message(DuplicatesFound(probe, [], str(exc)))
            return
        self.post_message(DuplicatesFound(probe, hits))

    @on(DuplicatesFound)
    def _duplicates_found(self, message: DuplicatesFound) -> None:
        if message.probe != self._probe():
            return  # typed on since
        if message.error:
            self.notify(
                f"Could not look for duplicates: {message.error}", severity="warning", timeout=8
            )
        self._checked = message.probe
        self.duplicates = message.hits
        self._show_duplicates()
        if message.probe[1]:
            self.check("credit_code")
        payload, self._pending = self._pending, None
        if payload is not None and self.gate(payload):
            self.start_save(payload)

    def _show_duplicates(self) -> None:
        panel = self.query_one("#duplicates", Vertical)
        panel.display = bool(self.duplicates)
        for button in panel.query(Button):
            button.remove()
        if not self.duplicates:
            return
        lines = ["Possible duplicate — this customer may already be on file:"]
        lines += [f"  {d.code}  {d.name}  ({d.reason.value})" for d in self.duplicates]
        lines.append("ctrl+o opens the first one instead; ctrl+s saves anyway.")
        self.query_one("#duplicates-text", Static).update("\n".join(lines))
        for hit in self.duplicates[:3]:
            panel.mount(
                Button(
                    f"Open {hit.code}", id=f"open-{hit.id}", classes="open-existing", compact=True
                )
            )

    def gate(self, payload: Any) -> bool:
        probe = self._probe()
        if self.customer is not None and probe == self._unchanged:
            return True  # an edit that keeps the name and credit code: nothing new to clash
        if probe != self._checked:
            self._pending = payload
            self.set_notice("Looking for duplicates…")
            self._find_duplicates(probe)
            return False
        if any(d.reason is Reason.CREDIT_CODE for d in self.duplicates):
            self.check("credit_code")
            self.set_notice("Not saved: the credit code belongs to another customer.", error=True)
            return False
        if self.duplicates and self._accepted != probe:
            self._accepted = probe
            self.set_notice(
                "Possible duplicate (see below). Press ctrl+s again to save anyway, "
                "or ctrl+o to open the existing file.",
                error=True,
            )
            self.query_one(".form-body").scroll_end(animate=False)
            return False
        return True

    @on(Button.Pressed, ".open-existing")
    def _open_pressed(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        self.dismiss(OpenExisting(int(event.button.id.removeprefix("open-"))))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_existing":
            return bool(self.duplicates)
        return True

    def action_open_existing(self) -> None:
        if self.duplicates:
            self.dismiss(OpenExisting(self.duplicates[0].id))
