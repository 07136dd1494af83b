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


# pypinyin cuts a name into the phrases of its dictionary, and some of those phrases cut
# company and place names wrongly: 支行 → zhixing, 局长|沙 → zhangsha, 市长|安区 → shizhangan.
# These words are cut out first and read as they are in company and place names.
_READINGS = {
    # 行 is háng in banks and trades.
    "银行": "yin hang", "支行": "zhi hang", "分行": "fen hang", "总行": "zong hang",
    "商行": "shang hang", "投行": "tou hang", "央行": "yang hang", "车行": "che hang",
    "行业": "hang ye", "同行": "tong hang",
    # 长 is cháng in place names, also after 市/局/县 (市长, 局长 are words of their own).
    "长沙": "chang sha", "长春": "chang chun", "长安": "chang an", "长江": "chang jiang",
    "长治": "chang zhi", "长宁": "chang ning", "长城": "chang cheng", "长丰": "chang feng",
    "长泰": "chang tai", "长葛": "chang ge", "长垣": "chang yuan", "长岭": "chang ling",
    "长海": "chang hai", "长阳": "chang yang", "长清": "chang qing", "长顺": "chang shun",
    "长武": "chang wu", "长兴": "chang xing", "长乐": "chang le", "长寿": "chang shou",
    "长汀": "chang ting", "长白": "chang bai", "长荣": "chang rong", "长虹": "chang hong",
    "长征": "chang zheng",
}  # fmt: skip
_FIXED_WORDS = re.compile("|".join(sorted(_READINGS, key=len, reverse=True)))


def _syllables(text: str) -> list[str]:
    """pypinyin's syllables, with the words of `_READINGS` read the company-name way."""
    from pypinyin import Style, lazy_pinyin  # imported lazily: loading its dictionaries is slow

    out: list[str] = []
    start = 0
    for match in _FIXED_WORDS.finditer(text):
        if match.start() > start:
            out += lazy_pinyin(text[start : match.start()], style=Style.NORMAL)
        out += _READINGS[match.group()].split()
        start = match.end()
    if start < len(text):
        out += lazy_pinyin(text[start:], style=Style.NORMAL)
    return out


@lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) without spaces: 北京华信 → ('beijinghuaxin', 'bjhx').

    Latin letters and digits pass through; both keys are lower-case.
    """
    folded = fold(name)
    full: list[str] = []
    initials: list[str] = []
    for segment in _syllables(folded):
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
