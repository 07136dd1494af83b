"""Pick one customer by what a user remembers of it: its code or part of its name.

Used where a form needs another customer (the parent of a group member). Each probe is an
index lookup, except the name scan, which stops after SCAN_LIMIT matches.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.text import fold

SCAN_LIMIT = 300
"""Most name matches read before choosing the shortest; a common word stops the scan early."""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    # A range rather than LIKE 'x%', so the column's index answers it.
    return and_(col(column) >= text, col(column) < text + "\U0010ffff")


def lookup_customers(
    query: str, *, session: Session, limit: int = 8, exclude_id: int | None = None
) -> list[tuple[int, str, str]]:
    """(id, code, name) of customers matching `query`, best first: the exact code, codes
    starting with it, names starting with it in pinyin or pinyin initials (bjhx), then
    names containing it (the shortest first, so 华信集团 comes before its subsidiaries)."""
    text = " ".join(query.split())
    if not text:
        return []
    found: dict[int, tuple[int, str, str]] = {}
    columns = (col(Customer.id), col(Customer.code), col(Customer.name))
    code = text.upper()
    probes = [
        select(*columns).where(col(Customer.code) == code),
        select(*columns).where(_prefix(Customer.code, code)).order_by(col(Customer.code)),
    ]
    latin = fold(text).replace(" ", "")
    if latin.isascii() and latin.isalpha():
        probes.append(select(*columns).where(_prefix(Customer.pinyin_initials, latin)))
        probes.append(select(*columns).where(_prefix(Customer.pinyin, latin)))
    for probe in probes:
        for row_id, row_code, row_name in session.execute(probe.limit(limit + 1)):
            if row_id != exclude_id:
                found.setdefault(row_id, (row_id, row_code, row_name))
        if len(found) >= limit:
            return list(found.values())[:limit]
    # No ORDER BY in SQL: the scan stops after a few hundred matches instead of reading the
    # whole table to sort it; the few found are ordered here.
    contains = select(*columns).where(
        func.lower(col(Customer.name)).like(f"%{_escape_like(fold(text))}%", escape="\\")
    )
    named = sorted(
        session.execute(contains.limit(SCAN_LIMIT)), key=lambda row: (len(row[2]), row[2])
    )
    for row_id, row_code, row_name in named:
        if row_id != exclude_id:
            found.setdefault(row_id, (row_id, row_code, row_name))
    return list(found.values())[:limit]


def distinct_values(column: str, *, session: Session, limit: int = 500) -> list[str]:
    """The values in use in an indexed text column (owner, region, industry), for suggestions."""
    allowed = {"owner": Customer.owner, "region": Customer.region, "industry": Customer.industry}
    if column not in allowed:
        raise ValueError(f"no suggestions for {column!r}; choose from {', '.join(allowed)}")
    target = col(allowed[column])
    stmt = select(target).where(target.is_not(None)).distinct().order_by(target).limit(limit)
    return [value for value in session.execute(stmt).scalars() if value]
