"""Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, last is a check."""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_credit_code(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")


def check_character(first17: str) -> str:
    """The 18th character for the first 17; raises ValueError on a character outside the set."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return f"must be 18 characters, not {len(code)}"
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return (
            f"contains characters not used in credit codes: {''.join(bad)} "
            "(I, O, S, V and Z never occur)"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]} but should be {expected}; a character is mistyped"
    return None
