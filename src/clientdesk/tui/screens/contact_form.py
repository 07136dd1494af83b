"""Add or edit a contact (联系人) of a customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, TextArea

from clientdesk.domain.contact import Contact, ContactCreate, ContactUpdate
from clientdesk.domain.contacts import add_contact, update_contact
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField

LIMITS = {"name": 60, "title": 60, "wechat": 60}


class ContactFormScreen(FormScreen[Contact]):
    """A new contact of `customer_id`, or changes to `contact`."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        customer_id: int,
        customer_name: str,
        contact: Contact | None = None,
    ) -> None:
        heading = (
            f"Edit contact {contact.name} · {customer_name}"
            if contact
            else f"New contact 新建联系人 · {customer_name}"
        )
        super().__init__(ctx, heading=heading)
        self.customer_id = customer_id
        self.contact = contact

    def compose_fields(self) -> ComposeResult:
        c = self.contact

        def text(name: str, placeholder: str = "") -> Input:
            value = getattr(c, name) if c else None
            return Input(value or "", placeholder=placeholder, id=name, compact=True)

        yield FormField("Name 姓名", text("name"), required=True)
        yield FormField("Title 职务", text("title"))
        yield FormField("Phone 电话", text("phone", "010-8888 6666"))
        yield FormField("Mobile 手机", text("mobile", "+86 138 0013 8000"))
        yield FormField("E-mail 邮箱", text("email", "name@example.com"))
        yield FormField("WeChat 微信", text("wechat"))
        if c is None:
            yield FormField(
                "Key contact",
                Checkbox("主要联系人 (the first contact always is)", id="is_primary", compact=True),
            )
        yield FormField("Notes", TextArea((c.notes or "") if c else "", id="notes", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "name":
            return parse.text(raw, max_length=LIMITS["name"], required=True)
        if name in LIMITS:
            return parse.text(raw, max_length=LIMITS[name])
        if name in ("phone", "mobile"):
            return parse.phone(raw)
        if name == "email":
            return parse.email(raw)
        if name == "notes":
            return parse.long_text(raw)
        return raw  # is_primary

    def build(self, values: dict[str, Any]) -> ContactCreate | ContactUpdate:
        if self.contact is None:
            return ContactCreate(customer_id=self.customer_id, **values)
        return ContactUpdate(**values)

    def save_job(self, payload: Any) -> Callable[[Session], Contact]:
        actor = self.ctx.actor
        contact = self.contact

        def job(session: Session) -> Contact:
            if contact is None:
                return add_contact(payload, session=session, actor=actor)
            assert contact.id is not None
            return update_contact(contact.id, payload, session=session, actor=actor)

        return job

    def saved_message(self, result: Contact | None) -> str | None:
        if result is None:
            return None
        return f"{'Saved' if self.contact else 'Added'} contact {result.name}."
