"""Likely duplicates of a customer about to be saved (不得重复建档).

Four signs, surest first, each answered by an index: the same credit code; the same
normalised name (`text.name_key`: no case, width, spaces or legal form); the same pinyin
(华信 and 华欣 sound alike and are typed alike); and a very similar normalised name among
the names that sort next to it and share its first characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.text import name_key, pinyin_keys

SIMILAR_RATIO = 0.8
"""Similarity (0-1, difflib) above which two normalised names count as a likely duplicate."""

PREFIX_CHARS = 2
"""Leading characters of the normalised name that similar names must share (an index range)."""

NEIGHBOURS = 100
"""Names compared on each side of the new name in sort order, so a check stays quick."""


class Reason(StrEnum):
    CREDIT_CODE = "same credit code"
    SAME_NAME = "same name"
    SAME_PINYIN = "same pinyin"
    SIMILAR_NAME = "similar name"


@dataclass(frozen=True)
class Duplicate:
    id: int
    code: str
    name: str
    reason: Reason


def find_duplicates(
    name: str,
    credit_code: str | None = None,
    *,
    session: Session,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Duplicate]:
    """Existing customers this one is likely to duplicate, the surest first."""
    found: dict[int, Duplicate] = {}

    def keep(rows: object, reason: Reason) -> None:
        for row_id, code, row_name in rows:  # type: ignore[attr-defined]
            if row_id != exclude_id and row_id not in found:
                found[row_id] = Duplicate(row_id, code, row_name, reason)

    columns = (col(Customer.id), col(Customer.code), col(Customer.name))
    if credit_code:
        same_code = select(*columns).where(col(Customer.credit_code) == credit_code)
        keep(session.execute(same_code), Reason.CREDIT_CODE)
    key = name_key(name) if name.strip() else ""
    if key:
        same_key = select(*columns).where(col(Customer.name_key) == key).limit(limit + 1)
        keep(session.execute(same_key), Reason.SAME_NAME)
    if key and pinyin_keys(name)[0]:
        same_sound = (
            select(*columns).where(col(Customer.pinyin) == pinyin_keys(name)[0]).limit(limit + 1)
        )
        keep(session.execute(same_sound), Reason.SAME_PINYIN)
    if len(key) > PREFIX_CHARS:
        keep(_similar(key, session=session), Reason.SIMILAR_NAME)
    return list(found.values())[:limit]


def _similar(key: str, *, session: Session) -> list[tuple[int, str, str]]:
    """Customers whose normalised name is very like `key`, the likest first."""
    # Every key starting with the prefix sorts in [prefix, prefix + U+10FFFF).
    low, high = key[:PREFIX_CHARS], key[:PREFIX_CHARS] + "\U0010ffff"
    name_col = col(Customer.name_key)
    columns = (col(Customer.id), col(Customer.code), col(Customer.name), name_col)
    below = select(*columns).where(name_col >= low, name_col < key).order_by(name_col.desc())
    above = select(*columns).where(name_col > key, name_col < high).order_by(name_col)
    scored = []
    for stmt in (below, above):
        for row_id, code, row_name, row_key in session.execute(stmt.limit(NEIGHBOURS)):
            matcher = SequenceMatcher(None, key, row_key, autojunk=False)
            # The quick bounds rule most names out before the full comparison.
            if matcher.real_quick_ratio() < SIMILAR_RATIO or matcher.quick_ratio() < SIMILAR_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= SIMILAR_RATIO:
                scored.append((ratio, code, row_id, row_name))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(row_id, code, row_name) for _, code, row_id, row_name in scored]
