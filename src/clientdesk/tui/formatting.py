"""How values look on screen: money with separators, local dates and times, labels."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from enum import StrEnum

from clientdesk.domain.enums import label_zh
from clientdesk.domain.money import format_cents


def money(cents: int | None, currency: str | None) -> str:
    """1234567 → 'CNY 12,345.67'; nothing for no amount."""
    return format_cents(cents, currency) if cents is not None else ""


def money_totals(totals: dict[str, int]) -> str:
    """{'CNY': 100, 'USD': 250} → 'CNY 1.00 · USD 2.50'; '—' for none."""
    return " · ".join(money(cents, cur) for cur, cents in totals.items()) or "—"


def local_time(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


def local_date(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).date().isoformat() if value else ""


def day_or_time(value: date | datetime | None, zone: tzinfo) -> str:
    """A date as is, a datetime in the local zone to the minute."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value, zone)
    return value.isoformat()


def choice(member: StrEnum | None) -> str:
    """'活跃 active': the Chinese label users know, then the value they can type."""
    if member is None:
        return ""
    zh = label_zh(member)
    return zh if zh == member.value else f"{zh} {member.value}"


def days_ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    days = (now - value).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days:,} days ago"
