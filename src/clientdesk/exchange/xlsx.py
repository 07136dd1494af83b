"""XLSX export through openpyxl's write-only mode (rows stream to disk, memory stays flat).

Text is neutralised against formulas like CSV (an apostrophe first), and control
characters, which XML cannot hold, use OOXML's own _xHHHH_ escape (Excel shows the
character; `unescape` takes it back off on import). Amounts are number cells with two
decimals, dates and times real date cells (to the second), so the sheet sorts and sums.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, BinaryIO

from clientdesk.exchange.safety import neutralise

if TYPE_CHECKING:
    from clientdesk.exchange.export import Out

# XML cannot hold these, and turns a carriage return into a line feed: escape them all.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0d\x0e-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
FORMATS = {"money": "#,##0.00", "date": "yyyy-mm-dd", "moment": "yyyy-mm-dd hh:mm"}
CHUNK = 2_000


def escape(text: str) -> str:
    if "_x" in text:
        text = _LITERAL_ESCAPE.sub(r"_x005F_\1", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def write_xlsx(
    cursor: Any,
    outs: Sequence[Out],
    headers: Sequence[str],
    converters: Sequence[Callable[[Any], Any]],
    out: BinaryIO,
    total: int | None,
    report: Callable[[str, int, int | None], None],
    *,
    title: str = "clientdesk",
) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=escape(neutralise(header)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    kinds = [o.kind for o in outs]
    written = 0

    def cells(row: Iterable[Any]) -> list[Any]:
        result: list[Any] = []
        for kind, convert, stored in zip(kinds, converters, row, strict=True):
            value = convert(stored)
            if value is None:
                result.append(None)
            elif isinstance(value, str):
                result.append(escape(neutralise(value)))
            elif kind in FORMATS:
                if isinstance(value, Decimal):
                    value = float(value)
                elif isinstance(value, datetime):
                    # Excel has no zones (local time) and keeps time to about a millisecond:
                    # cells hold whole seconds, which is what a sheet shows anyway.
                    value = value.replace(tzinfo=None, microsecond=0)
                elif isinstance(value, date):
                    value = datetime(value.year, value.month, value.day)
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = FORMATS[kind]
                result.append(cell)
            else:
                result.append(value)
        return result

    while rows := cursor.fetchmany(CHUNK):
        for row in rows:
            sheet.append(cells(row))
        written += len(rows)
        report("Exporting", written, total)
    book.save(out)
    return written
