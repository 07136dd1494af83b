"""Turning what a user typed into field values, with the message shown beside the field.

Each parser takes the raw text and returns the value, or raises FieldError with a message
that says what is wrong and how to write it instead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo

from pydantic import ValidationError as PydanticValidationError

from clientdesk.domain.contact import valid_email, valid_phone
from clientdesk.domain.creditcode import credit_code_problem, normalize_credit_code
from clientdesk.domain.money import to_cents
from clientdesk.errors import ClientdeskError

MAX_CENTS = 2**63 - 1
"""Amounts are stored as 64-bit integers of cents."""


class FieldError(ValueError):
    """A value that cannot be saved; the message is shown next to the field."""


def text(raw: str, *, max_length: int | None = None, required: bool = False) -> str | None:
    value = " ".join(raw.split())
    if not value:
        if required:
            raise FieldError("required")
        return None
    if max_length is not None and len(value) > max_length:
        raise FieldError(f"at most {max_length} characters (this is {len(value)})")
    return value


def long_text(raw: str) -> str | None:
    """Notes: kept as typed, line breaks included; blank is nothing."""
    return raw.strip() or None


def money(raw: str) -> int | None:
    """'¥1,234.50' → 123450 cents; blank is no amount; never negative."""
    if not raw.strip():
        return None
    try:
        cents = to_cents(raw)
    except ClientdeskError as exc:
        raise FieldError(_after_colon(exc.message)) from None
    if cents < 0:
        raise FieldError("must not be negative")
    if cents > MAX_CENTS:
        raise FieldError("too large an amount")
    return cents


def required_money(raw: str) -> int:
    cents = money(raw)
    if cents is None:
        raise FieldError("required: write an amount like 1234.50 or ¥1,234.50")
    return cents


def credit_code(raw: str) -> str | None:
    if not raw.strip():
        return None
    code = normalize_credit_code(raw)
    problem = credit_code_problem(code)
    if problem:
        raise FieldError(problem)  # beside the field, the code itself needs no repeating
    return code


def email(raw: str) -> str | None:
    try:
        return valid_email(raw)
    except ValueError as exc:
        raise FieldError(str(exc)) from None


def phone(raw: str) -> str | None:
    try:
        return valid_phone(raw)
    except ValueError as exc:
        raise FieldError(str(exc)) from None


_WEBSITE = re.compile(r"^(https?://)?[^\s/]+\.[^\s/]+(/\S*)?$", re.IGNORECASE)


def website(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not _WEBSITE.match(value):
        raise FieldError(f"{value!r} is not a web address (www.example.com)")
    if len(value) > 200:
        raise FieldError("at most 200 characters")
    return value


def currency(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise FieldError("three letters, such as CNY or USD")
    return value


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def day(raw: str, *, required: bool = False) -> date | None:
    """'2025-03-01', '2025/3/1' or '2025年3月1日'."""
    value = raw.strip()
    if not value:
        if required:
            raise FieldError("required: a date like 2025-03-01")
        return None
    match = _DATE.match(value)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise FieldError(f"{value!r} is not a date; write it like 2025-03-01")


def moment(raw: str, zone: tzinfo) -> datetime:
    """'2025-03-01 14:30' in the user's time zone → an aware UTC datetime (required)."""
    value = " ".join(raw.split())
    if not value:
        raise FieldError("required: a date and time like 2025-03-01 14:30")
    head, _, clock = value.partition(" ")
    when = day(head)
    assert when is not None
    hours, minutes = 0, 0
    if clock:
        match = re.fullmatch(r"(\d{1,2})[:：](\d{2})", clock)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise FieldError(f"{clock!r} is not a time; write it like 14:30")
        hours, minutes = int(match.group(1)), int(match.group(2))
    local = datetime(when.year, when.month, when.day, hours, minutes, tzinfo=zone)
    return local.astimezone(UTC)


def _after_colon(message: str) -> str:
    # Domain messages start with the field name ("amount: ..."); beside the field it is noise.
    head, sep, rest = message.partition(": ")
    return rest if sep and " " not in head.strip() else message


def model_errors(exc: PydanticValidationError) -> dict[str, str]:
    """Pydantic's errors by field name, in words fit to show beside the field."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(name, message)
    return errors
