"""Derived search keys: pinyin of Chinese names, a normalised name for duplicates, phone digits.

pypinyin costs ~250 µs a name, so results are cached and computed at write time only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
# Legal-form suffixes that do not tell two companies apart.
_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "公司",
    "co ltd",
    "company limited",
    "limited",
    "ltd",
    "inc",
    "corporation",
    "corp",
    "llc",
    "gmbh",
)


def fold(text: str) -> str:
    """NFKC (full-width → half-width) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) without spaces: 北京华信 → ('beijinghuaxin', 'bjhx').

    Latin letters and digits pass through; both keys are lower-case.
    """
    from pypinyin import Style, lazy_pinyin  # imported lazily: loading its dictionaries is slow

    folded = fold(name)
    full: list[str] = []
    initials: list[str] = []
    for segment in lazy_pinyin(folded, style=Style.NORMAL):
        # Non-Chinese runs come back whole ("abc tech 2"): each word counts as a syllable.
        for word in _NON_ALNUM.split(segment):
            if word:
                full.append(word)
                initials.append(word[0])
    return "".join(full), "".join(initials)


def name_key(name: str) -> str:
    """Normalised company name for duplicate detection: no case, width, spaces or legal form."""
    text = _NON_ALNUM.sub(" ", fold(name)).strip()
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].strip()
                changed = True
    return text.replace(" ", "")


def phone_digits(phone: str | None) -> str:
    """Digits without the +86/0086 prefix: '+86 138-0013-8000' → '13800138000'."""
    if not phone:
        return ""
    digits = "".join(ch for ch in fold(phone) if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            return digits[len(prefix) :]
    return digits
