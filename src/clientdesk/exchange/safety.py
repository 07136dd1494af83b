"""Formula injection (OWASP ASVS 5.0 1.2.10): exported text never runs as a spreadsheet formula.

A text cell that starts with = + - @, a tab, a carriage return or NUL gets a leading
apostrophe, which makes Excel and LibreOffice show it as text. A cell that already starts
with an apostrophe gets one more, so that `values.cell_text` can take exactly one off on
import and every value round-trips. Numbers are written as numbers and are never
prefixed: a refund of -12.50 stays a number a spreadsheet can add up.
"""

from __future__ import annotations

from clientdesk.exchange.values import ESCAPED_START


def neutralise(text: str) -> str:
    if text and text[0] in ESCAPED_START:
        return "'" + text
    return text
