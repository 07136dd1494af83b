"""Money is kept exactly, as integer minor units (分 for CNY), never as float."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from clientdesk.errors import ValidationError

_SIGNS = re.compile(r"[¥￥$€£,\s_']|RMB|CNY|USD|EUR|元", re.IGNORECASE)


def to_cents(value: Decimal | int | str, *, field: str = "amount") -> int:
    """Parse an amount in major units ("¥1,234.5", 1234, Decimal) into minor units."""
    if isinstance(value, bool):
        raise ValidationError(f"{field}: {value!r} is not an amount.", field=field)
    if isinstance(value, int):
        return value * 100
    if isinstance(value, str):
        text = _SIGNS.sub("", unicodedata.normalize("NFKC", value))
        if not text:
            raise ValidationError(f"{field}: an amount is required.", field=field)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                f"{field}: {value!r} is not an amount; write it like 1234.50 or ¥1,234.50.",
                field=field,
            ) from None
    if not value.is_finite():
        raise ValidationError(f"{field}: {value!r} is not a finite amount.", field=field)
    try:
        return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:  # more digits than decimal arithmetic holds
        raise ValidationError(f"{field}: {value} is too large an amount.", field=field) from None


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def format_cents(cents: int | None, currency: str | None = None) -> str:
    """1234567 -> '12,345.67' (with a currency code prefix when given)."""
    if cents is None:
        return ""
    text = f"{from_cents(cents):,.2f}"
    return f"{currency} {text}" if currency else text
