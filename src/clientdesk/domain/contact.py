"""Contacts (联系人) of a customer; at most one is the key contact (主要联系人)."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-\s.转x#]{3,40}$")


def valid_email(value: object) -> str | None:
    value = "" if value is None else str(value).strip()
    if not value:
        return None
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address (name@example.com)")
    return value


def valid_phone(value: object) -> str | None:
    # Spreadsheets hand over phone numbers as numbers; keep them as text.
    value = "" if value is None else " ".join(str(value).split())
    if not value:
        return None
    if not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 3:
        raise ValueError(f"{value!r} is not a phone number (digits, spaces, +, -, brackets)")
    return value


class ContactBase(SQLModel):
    name: str = Field(min_length=1, max_length=60, index=True, description="姓名")
    title: str | None = Field(default=None, max_length=60, description="职务")
    phone: str | None = Field(default=None, max_length=40, description="电话")
    mobile: str | None = Field(default=None, max_length=40, description="手机")
    email: str | None = Field(default=None, max_length=120, index=True, description="邮箱")
    wechat: str | None = Field(default=None, max_length=60, description="微信")
    is_primary: bool = Field(default=False, description="主要联系人")
    notes: str | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str | None:
        return valid_email(value)

    @field_validator("phone", "mobile", mode="before")
    @classmethod
    def _phone(cls, value: object) -> str | None:
        return valid_phone(value)


class Contact(ContactBase, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        # One key contact per customer, enforced by the database itself.
        sa.Index(
            "ux_contacts_primary",
            "customer_id",
            unique=True,
            sqlite_where=sa.text("is_primary = 1"),
            postgresql_where=sa.text("is_primary"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", ondelete="CASCADE", index=True)
    phone_digits: str = Field(default="", max_length=40, index=True)
    mobile_digits: str = Field(default="", max_length=40, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ContactCreate(ContactBase):
    customer_id: int


class ContactUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    title: str | None = None
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    wechat: str | None = None
    is_primary: bool | None = None
    notes: str | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str | None:
        return valid_email(value)

    @field_validator("phone", "mobile", mode="before")
    @classmethod
    def _phone(cls, value: object) -> str | None:
        return valid_phone(value)
