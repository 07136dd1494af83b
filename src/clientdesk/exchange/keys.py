"""Search keys for many names at once: the same results as domain.text.pinyin_keys, faster.

pinyin_keys reads a few company-name words its own way (银行 → yinhang) and hands the text
between them to pypinyin, which splits it into words (forward maximum matching over its
phrase list) and converts each word on its own. Company names share most of their words
(城市, 科技, 有限公司, ...), so converting each distinct word once and caching it makes a
100,000-name import cost ~10 µs a name instead of ~60-250 µs, with identical output: the
conversion is pypinyin's own, only the per-word results are reused. tests/test_import_values.py
compares both over the demo names and random text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from clientdesk.domain import text as domain_text
from clientdesk.domain.text import fold

_WORD_CACHE = 200_000  # distinct words: ~15,000 for 100,000 company names
# Keys of the endings of names (科技有限公司): a bounded two-level cache. Endings seen
# twice move to the kept level; the new level is cleared when full, so memory stays flat
# however many names an import holds, while the shared endings stay cached.
_SUFFIX_CACHE = 20_000
# The same word splitting and fixed readings as domain.text (tests compare the results).
_NON_ALNUM: re.Pattern[str] = getattr(
    domain_text, "_NON_ALNUM", re.compile(r"[^0-9a-z\u3400-\u9fff]+")
)
_READINGS: dict[str, str] = getattr(domain_text, "_READINGS", {})
_FIXED: re.Pattern[str] | None = getattr(domain_text, "_FIXED_WORDS", None)


class _Cutter:
    """pypinyin's segmentation (Han runs cut by forward maximum matching over its phrase
    list, in its strict mode), with the keys of every remainder of a run cached: company
    names share their endings (科技有限公司), so most of a name is cut and converted once
    per import, not once per row. A step of the matching depends only on the text that
    remains, which makes this exact.
    """

    def __init__(self) -> None:
        from pypinyin.constants import PHRASES_DICT, RE_HANS
        from pypinyin.seg import mmseg

        prefixes = mmseg.seg._prefix_set
        # PrefixSet wraps a plain set; asking the set saves a method call per character.
        self.prefixes: Any = getattr(prefixes, "_set", prefixes)
        self.strict = bool(mmseg.seg._no_non_phrases)
        self.phrases = PHRASES_DICT
        han = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")
        self.runs = re.compile(f"({han}+)|(?:(?!{han}).)+", re.DOTALL)
        self.all_han = re.compile(f"{han}+")
        self.kept: dict[str, tuple[str, str]] = {}  # endings seen more than once
        self.new: dict[str, tuple[str, str]] = {}  # endings seen once

    def keys(self, text: str) -> tuple[str, str]:
        """(full, initials) of a piece of a name: Han runs cut, other text as one word."""
        if self.all_han.fullmatch(text):
            return self.run_keys(text) if self.phrases else _word_keys(text)
        full: list[str] = []
        initials: list[str] = []
        for match in self.runs.finditer(text):
            if match.group(1) is None or not self.phrases:
                word_full, word_initials = _word_keys(match.group(0))  # as pypinyin keeps it
            else:
                word_full, word_initials = self.run_keys(match.group(0))
            full.append(word_full)
            initials.append(word_initials)
        return "".join(full), "".join(initials)

    def _cached(self, text: str) -> tuple[str, str] | None:
        found = self.kept.get(text)
        if found is None:
            found = self.new.pop(text, None)
            if found is not None:
                if len(self.kept) >= _SUFFIX_CACHE:
                    self.kept.clear()
                self.kept[text] = found
        return found

    def run_keys(self, run: str) -> tuple[str, str]:
        """(full, initials) of a run of Han characters, as pypinyin converts it."""
        steps: list[tuple[str, str, str]] = []  # (remainder, its first words' keys)
        remain = run
        tail = self._cached(remain)
        while tail is None and remain:
            words, used = self.step(remain)
            full, initials = _words_keys(words)
            steps.append((remain, full, initials))
            remain = remain[used:]
            tail = self._cached(remain) if remain else None
        full, initials = tail or ("", "")
        new = self.new
        if len(new) >= _SUFFIX_CACHE:
            new.clear()
        for suffix, head_full, head_initials in reversed(steps):
            full = head_full + full
            initials = head_initials + initials
            new[suffix] = (full, initials)
        return full, initials

    def step(self, remain: str) -> tuple[tuple[str, ...], int]:
        """One round of pypinyin.seg.mmseg.Seg.cut: (words yielded, characters used)."""
        strict, prefixes, phrases = self.strict, self.prefixes, self.phrases
        matched = ""
        last_valid = ""
        for index in range(len(remain)):
            word = remain[: index + 1]
            if word in prefixes:
                matched = word
                if not strict or word in phrases:
                    last_valid = word
            else:
                if last_valid:
                    return (last_valid,), len(last_valid)
                if strict or not matched:
                    return (remain[0],), 1
                return (matched,), len(matched)
        if last_valid:
            return (last_valid,), len(last_valid)
        if strict and remain not in phrases:
            return tuple(remain), len(remain)
        return (remain,), len(remain)


_cutter: _Cutter | None = None


def _the_cutter() -> _Cutter:
    global _cutter
    if _cutter is None:
        _cutter = _Cutter()  # lazily: loading pypinyin's dictionaries takes a while
    return _cutter


def _keys(syllables: list[str]) -> tuple[str, str]:
    full: list[str] = []
    initials: list[str] = []
    for segment in syllables:
        for word in _NON_ALNUM.split(segment):
            if word:
                full.append(word)
                initials.append(word[0])
    return "".join(full), "".join(initials)


@lru_cache(maxsize=_WORD_CACHE)
def _word_keys(word: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin

    return _keys(lazy_pinyin(word, style=Style.NORMAL))


def _words_keys(words: tuple[str, ...]) -> tuple[str, str]:
    if len(words) == 1:
        return _word_keys(words[0])
    pairs = [_word_keys(word) for word in words]
    return "".join(p[0] for p in pairs), "".join(p[1] for p in pairs)


@lru_cache(maxsize=1024)
def _fixed_keys(word: str) -> tuple[str, str]:
    return _keys(_READINGS[word].split())


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a company name, as domain.text.pinyin_keys gives them."""
    folded = fold(name)
    cutter = _the_cutter()
    if _FIXED is None or _FIXED.search(folded) is None:  # the common case: one piece
        return cutter.keys(folded) if folded else ("", "")
    full: list[str] = []
    initials: list[str] = []
    start = 0
    for match in _FIXED.finditer(folded):
        if match.start() > start:
            piece_full, piece_initials = cutter.keys(folded[start : match.start()])
            full.append(piece_full)
            initials.append(piece_initials)
        word_full, word_initials = _fixed_keys(match.group())
        full.append(word_full)
        initials.append(word_initials)
        start = match.end()
    if start < len(folded):
        piece_full, piece_initials = cutter.keys(folded[start:])
        full.append(piece_full)
        initials.append(piece_initials)
    return "".join(full), "".join(initials)


_SUFFIXES: tuple[str, ...] = tuple(getattr(domain_text, "_SUFFIXES", ()))
# _TAILS[i]: the suffixes from the i-th on, for one C-level `endswith` over all of them.
_TAILS = tuple(_SUFFIXES[i:] for i in range(len(_SUFFIXES)))
_NOT_DIGIT = re.compile(r"[^0-9]+")


def name_key(name: str) -> str:
    """domain.text.name_key, exactly: the same passes over the legal-form suffixes in the
    same order, with one `endswith` over the remaining suffixes skipping those that cannot
    match (most names end in one suffix, which the scan then finds in a few steps)."""
    if not _SUFFIXES:
        return domain_text.name_key(name)
    text = _NON_ALNUM.sub(" ", fold(name)).strip()
    count = len(_SUFFIXES)
    changed = True
    while changed and text:
        changed = False
        index = 0
        while index < count and text.endswith(_TAILS[index]):
            while not text.endswith(_SUFFIXES[index]):
                index += 1
            suffix = _SUFFIXES[index]
            if len(text) > len(suffix):
                text = text[: -len(suffix)].strip()
                changed = True
            index += 1
    return text.replace(" ", "")


def phone_digits(phone: str | None) -> str:
    """domain.text.phone_digits, exactly; ASCII numbers (nearly all) without folding."""
    if not phone or not phone.isascii():
        return domain_text.phone_digits(phone)
    digits = _NOT_DIGIT.sub("", phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            return digits[len(prefix) :]
    return digits
