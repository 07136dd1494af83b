"""Readers for imported files: CSV/TSV, XLSX, JSON and JSON Lines, as rows of cells.

A `Sheet` gives the header cells and then (line, cells) pairs one at a time, so a file of
any size is read in constant memory (JSON arrays and UTF-16 text excepted: they are
decoded whole). Problems that make the rest of a file unreadable (a byte that does not
decode, an unterminated quote, a damaged workbook) raise `SourceError` with the line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar, cast

from clientdesk.errors import UsageError
from clientdesk.exchange import encoding as enc
from clientdesk.exchange.encoding import SourceError
from clientdesk.exchange.values import ESCAPED_START

FORMATS = ("csv", "tsv", "xlsx", "json", "jsonl")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",  # Excel's "Unicode text" is tab-separated: the delimiter is sniffed
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
DELIMITERS = (",", ";", "\t", "|")
# Excel holds at most 32,767 characters in a cell: a field much longer than that is an
# unbalanced quote swallowing the rest of the file (or not a spreadsheet at all).
FIELD_LIMIT = 128 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and other old Office files

Row = list[Any]
T = TypeVar("T")


@dataclass
class Sheet:
    """Header cells plus an iterator of (line, cells); `headers` may grow for JSON input."""

    source: str
    format: str
    encoding_now: Callable[[], str | None]  # may change while reading (ASCII, then GB18030)
    headers: list[str]
    header_line: int
    rows: Iterator[tuple[int, Row]]
    position: Callable[[], tuple[int, int | None]]  # (done, total) for progress bars
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def encoding(self) -> str | None:
        return self.encoding_now()

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()


class _Prefixed(io.RawIOBase):
    """A non-seekable stream with the bytes already read for sniffing put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def format_of(name: str, head: bytes, given: str | None) -> str:
    if given:
        wanted = given.strip().lower()
        if wanted not in FORMATS:
            raise UsageError(f"--format {given!r} is not one of {', '.join(FORMATS)}.")
        return wanted
    if head.startswith(OLE_MAGIC):
        raise SourceError(
            f"{name} is an old binary Excel (.xls) or Office file, which clientdesk cannot read.",
            line=None,
            hint="Open it in Excel or LibreOffice and save it as .xlsx or CSV UTF-8.",
        )
    suffix = Path(name).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


def open_sheet(
    stream: BinaryIO,
    name: str,
    *,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    size: int | None = None,
) -> Sheet:
    """Open `stream` (a file opened in binary mode, or standard input) as a Sheet."""
    head = stream.read(enc.SNIFF_BYTES)
    if not head:
        raise SourceError(f"{name} is empty; there is nothing to import.", line=1)
    kind = format_of(name, head, format)
    if stream.seekable():
        stream.seek(0)
    else:
        stream = io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 16)
    if kind == "xlsx":
        return _xlsx_sheet(stream, name, sheet, head)
    if sheet is not None:
        raise UsageError("--sheet applies to XLSX workbooks only.")
    given = enc.canonical(encoding) if encoding else None
    if kind == "json":
        return _json_sheet(stream, name, given, head)
    return _text_sheet(stream, name, kind, given, head, size)


def _text_encoding(name: str, head: bytes, given: str | None) -> tuple[str, int, bool]:
    """(encoding, BOM length, whole-file decode needed) for a text file."""
    bom_encoding, bom_length = enc.sniff_bom(head)
    if given:
        if given in ("utf-16", "utf-32") or given.startswith(("utf-16", "utf-32")):
            return given, 0, True
        skip = bom_length if bom_encoding == "utf-8-sig" and given.startswith("utf") else 0
        return ("utf-8" if given == "utf-8-sig" else given), skip, False
    if bom_encoding in ("utf-16", "utf-32"):
        return bom_encoding, 0, True
    if bom_encoding == "utf-8-sig":
        return "utf-8", bom_length, False
    if enc.looks_binary(head):
        raise SourceError(
            f"{name} is not a text file (it contains NUL bytes): a binary file, or UTF-16 "
            "text without a byte-order mark.",
            line=1,
            hint="Import CSV, TSV, XLSX, JSON or JSON Lines; for BOM-less UTF-16 text pass "
            "--encoding utf-16-le.",
        )
    return enc.detect(head), 0, False


def _text_lines(
    stream: BinaryIO, name: str, given: str | None, head: bytes
) -> tuple[Iterator[str], Callable[[], str], Callable[[], int]]:
    """Decoded lines, the encoding in use, and the byte offset reached."""
    encoding, skip, whole = _text_encoding(name, head, given)
    if whole:
        data = stream.read()
        text = enc.decode_whole(data, encoding, name)
        consumed = len(data)
        return iter(io.StringIO(text, newline="")), lambda: encoding, lambda: consumed
    if skip:
        stream.read(skip)
    decoder = enc.LineDecoder(stream, encoding, name, skip=skip)
    if given:
        decoder.auto = False
    label = "utf-8-sig" if skip and encoding == "utf-8" else None
    return iter(decoder), lambda: label or decoder.encoding, lambda: decoder.offset


def sniff_delimiter(line: str) -> str:
    """The candidate delimiter found most often outside quotes in the header line."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _text_sheet(
    stream: BinaryIO, name: str, kind: str, given: str | None, head: bytes, size: int | None
) -> Sheet:
    lines, encoding_now, offset = _text_lines(stream, name, given, head)
    if kind == "jsonl":
        return _jsonl_sheet(lines, name, encoding_now, offset, size)
    # Peek at the first line for the delimiter (and Excel's "sep=;" hint line).
    first = next(lines, None)
    if first is None:
        raise SourceError(f"{name} is empty; there is nothing to import.", line=1)
    line_offset = 0
    if kind == "tsv":
        delimiter = "\t"
    elif first.lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]
        first = next(lines, "")
        line_offset = 1
    else:
        delimiter = sniff_delimiter(first)
    chained = _chain_first(first, lines)
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(chained, delimiter=delimiter, strict=True)
    records = _csv_records(reader, name, line_offset)
    header_line, headers = _first_record(records, name)
    return Sheet(
        source=name,
        format=kind,
        encoding_now=encoding_now,
        headers=[str(h) for h in headers],
        header_line=header_line,
        rows=records,
        position=lambda: (offset(), size),
    )


def _chain_first(first: T, rest: Iterator[T]) -> Iterator[T]:
    yield first
    yield from rest


def _csv_records(reader: Any, name: str, line_offset: int) -> Iterator[tuple[int, Row]]:
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = start + line_offset
            message = str(exc)
            if "field larger than field limit" in message:
                raise SourceError(
                    f"{name}: line {line} holds a field longer than {FIELD_LIMIT // 1024} KiB; "
                    'usually a quote (") that is never closed.',
                    line=line,
                    hint="Check the quotes on that line, or save the file again from Excel.",
                ) from None
            if "unexpected end of data" in message:
                raise SourceError(
                    f"{name}: the quoted field that starts on line {line} is never closed.",
                    line=line,
                    hint='Add the closing quote (") or remove the stray one.',
                ) from None
            raise SourceError(
                f"{name}: line {line} is not valid CSV ({message}).", line=line
            ) from None
        line = start + line_offset
        start = reader.line_num + 1
        if any(cell.strip() for cell in record):
            yield line, record


def _first_record(records: Iterator[tuple[int, Row]], name: str) -> tuple[int, Row]:
    first = next(records, None)
    if first is None:
        raise SourceError(f"{name} has no header row and no data; nothing to import.", line=1)
    return first


# -- XLSX --------------------------------------------------------------------------------------
def _xlsx_sheet(stream: BinaryIO, name: str, sheet: str | None, head: bytes) -> Sheet:
    if not head.startswith(XLSX_MAGIC):
        raise SourceError(
            f"{name} is not an XLSX workbook (it does not start like one).",
            line=1,
            hint="Pass the right --format, or save the file from Excel as .xlsx.",
        )
    if not stream.seekable():
        stream = io.BytesIO(stream.read())  # zip files are read from the end
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula cell shows its formula, which the importer refuses,
        # instead of a cached result that may be stale or missing.
        book = load_workbook(stream, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as exc:
        raise _damaged(name, exc) from None
    except Exception as exc:  # openpyxl raises many kinds on damaged XML
        raise _damaged(name, exc) from None
    try:
        if not book.worksheets:
            raise _damaged(name, ValueError("the workbook holds no worksheet"))
        if sheet is None:
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise UsageError(
                f"{name} has no sheet named {sheet!r}; its sheets are: "
                f"{', '.join(book.sheetnames)}."
            )
        total = worksheet.max_row if isinstance(worksheet.max_row, int) else None
        done = [0]
        records = _xlsx_records(worksheet, name, done)
        header_line, headers = _first_record(records, name)
    except BaseException:
        book.close()
        raise
    return Sheet(
        source=name,
        format="xlsx",
        encoding_now=lambda: None,
        headers=["" if h is None else str(h) for h in headers],
        header_line=header_line,
        rows=records,
        position=lambda: (done[0], total),
        closers=[book.close],
    )


def _damaged(name: str, exc: BaseException) -> SourceError:
    return SourceError(
        f"{name} is not a readable XLSX workbook (damaged or truncated: {exc}).",
        line=None,
        hint="Open it in Excel and save it again, or export the sheet as CSV UTF-8.",
    )


def _xlsx_records(worksheet: Any, name: str, done: list[int]) -> Iterator[tuple[int, Row]]:
    from clientdesk.exchange.xlsx import unescape

    line = 0
    try:
        for line, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            done[0] = line
            if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                yield line, [unescape(v) if isinstance(v, str) else v for v in values]
    except SourceError:
        raise
    except Exception as exc:  # the sheet's XML ends early or is malformed
        raise SourceError(
            f"{name}: the sheet cannot be read past row {line} (damaged or truncated: {exc}).",
            line=line + 1,
            hint="Open it in Excel and save it again, or export the sheet as CSV UTF-8.",
        ) from None


# -- JSON --------------------------------------------------------------------------------------
class _Keys:
    """Headers of JSON records: the keys in the order first seen, growing as records come."""

    def __init__(self) -> None:
        self.headers: list[str] = []
        self.index: dict[str, int] = {}

    def row(self, obj: dict[str, Any]) -> Row:
        for key in obj:
            if key not in self.index:
                self.index[key] = len(self.headers)
                self.headers.append(key)
        cells: Row = [None] * len(self.headers)
        index = self.index
        for key, value in obj.items():
            # JSON holds no formulas: text starting with = or an apostrophe is just text. The
            # parsers treat cells as spreadsheet cells, so escape it as an export would.
            if isinstance(value, str) and value[:1] in ESCAPED_START:
                value = "'" + value
            cells[index[key]] = value
        return cells


def _not_object(name: str, line: int, value: Any) -> SourceError:
    return SourceError(
        f"{name}: line {line} holds {type(value).__name__} {json.dumps(value)[:40]}, "
        "not a record ({...}).",
        line=line,
        hint="Each record must be a JSON object whose keys are the column names.",
    )


def _json_sheet(stream: BinaryIO, name: str, given: str | None, head: bytes) -> Sheet:
    data = stream.read()
    bom_encoding, _ = enc.sniff_bom(data[:4])
    encoding = given or (bom_encoding if bom_encoding else "utf-8")
    text = enc.decode_whole(data, encoding, name)
    if text.startswith("\ufeff"):
        text = text[1:]
    keys = _Keys()
    decoder = json.JSONDecoder()
    total = len(text)
    pos = [0]

    def records() -> Iterator[tuple[int, Row]]:
        index = _skip_space(text, 0)
        if index >= total or text[index] != "[":
            raise SourceError(
                f"{name} is not a JSON array of records; it must start with '['.",
                line=text.count("\n", 0, index) + 1,
                hint="Use --format jsonl for one record per line.",
            )
        index += 1
        line = 1 + text.count("\n", 0, index)
        counted = index
        expect_value = True
        while True:
            index = _skip_space(text, index)
            pos[0] = index
            if index >= total:
                raise SourceError(f"{name} ends before its closing ']'.", line=line)
            if text[index] == "]":
                return
            if not expect_value:
                if text[index] != ",":
                    line += text.count("\n", counted, index)
                    raise SourceError(f"{name}: line {line}: ',' or ']' expected.", line=line)
                index += 1
                expect_value = True
                continue
            line += text.count("\n", counted, index)
            counted = index
            try:
                value, index = decoder.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                raise SourceError(
                    f"{name}: line {exc.lineno} column {exc.colno} is not valid JSON ({exc.msg}).",
                    line=exc.lineno,
                ) from None
            if not isinstance(value, dict):
                raise _not_object(name, line, value)
            expect_value = False
            yield line, keys.row(value)

    rows = records()
    first = next(rows, None)
    if first is None:
        raise SourceError(f"{name} holds no records; nothing to import.", line=1)
    return Sheet(
        source=name,
        format="json",
        encoding_now=lambda: encoding,
        headers=keys.headers,
        header_line=0,
        rows=_chain_first(first, rows),
        position=lambda: (pos[0], total),
    )


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _jsonl_sheet(
    lines: Iterator[str],
    name: str,
    encoding_now: Callable[[], str],
    offset: Callable[[], int],
    size: int | None,
) -> Sheet:
    keys = _Keys()

    def records() -> Iterator[tuple[int, Row]]:
        for line, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise SourceError(
                    f"{name}: line {line} is not valid JSON ({exc.msg}, column {exc.colno}).",
                    line=line,
                ) from None
            if not isinstance(value, dict):
                raise _not_object(name, line, value)
            yield line, keys.row(value)

    rows = records()
    first = next(rows, None)
    if first is None:
        raise SourceError(f"{name} holds no records; nothing to import.", line=1)
    return Sheet(
        source=name,
        format="jsonl",
        encoding_now=encoding_now,
        headers=keys.headers,
        header_line=0,
        rows=_chain_first(first, rows),
        position=lambda: (offset(), size),
    )


def open_path(
    path: str,
    *,
    stdin: IO[bytes] | None = None,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Sheet:
    """Open a file by path, or standard input for '-' (pass `stdin`)."""
    if path == "-":
        if stdin is None:
            raise UsageError("'-' means standard input, which is not available here.")
        return open_sheet(
            cast(BinaryIO, stdin), "<stdin>", format=format, encoding=encoding, sheet=sheet
        )
    file = Path(path)
    try:
        stream = file.open("rb")
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist.", hint="Check the path.") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a file.") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}.") from None
    try:
        sheet_ = open_sheet(
            stream,
            str(file),
            format=format,
            encoding=encoding,
            sheet=sheet,
            size=os.fstat(stream.fileno()).st_size,
        )
    except BaseException:
        stream.close()
        raise
    sheet_.closers.insert(0, stream.close)
    return sheet_
