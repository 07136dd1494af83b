"""Text encodings of imported files: detected, decoded strictly, never silently replaced.

Spreadsheets reach clientdesk as UTF-8 (with or without the BOM Excel writes), UTF-16 with a
BOM (Excel's "Unicode text") or GB18030/GBK (what Chinese Excel writes by default). A byte
that does not decode is refused with its line and byte offset, because a replaced
character in a company name is a silent data loss that no one notices until much later.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from clientdesk.errors import ValidationError

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SNIFF_BYTES = 1 << 16


class SourceError(ValidationError):
    """The file cannot be read past this point; carries the line it stopped at."""

    def __init__(self, message: str, *, line: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.line = line


ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "utf8": "utf-8"}


def canonical(name: str) -> str:
    """A codec's canonical name, or UsageError-worthy ValueError for an unknown one."""
    wanted = name.strip().lower()
    wanted = ALIASES.get(wanted, wanted)
    try:
        return codecs.lookup(wanted).name
    except LookupError:
        raise ValueError(
            f"unknown encoding {name!r}; use utf-8, utf-8-sig, utf-16 or gb18030"
        ) from None


def sniff_bom(head: bytes) -> tuple[str | None, int]:
    """(encoding, BOM length) when the data starts with a byte-order mark."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None, 0


def looks_binary(head: bytes) -> bool:
    """NUL bytes never occur in UTF-8 or GB18030 text: this is not a text file."""
    return b"\x00" in head


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(data, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return False
    return True


def detect(head: bytes) -> str:
    """Guess the encoding of a BOM-less sample: UTF-8 if it decodes, else GB18030."""
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030"):
        return "gb18030"
    return "utf-8"  # neither: decoding reports the first bad byte in UTF-8 terms


def refusal(source: str, encoding: str, line: int, offset: int, bad: bytes) -> SourceError:
    shown = " ".join(f"{b:02X}" for b in bad[:4])
    return SourceError(
        f"{source}: line {line} does not decode as {encoding} (byte offset {offset}: {shown}); "
        "nothing was imported.",
        line=line,
        hint="Save the file as UTF-8 (in Excel: CSV UTF-8), or name its encoding with "
        "--encoding gb18030 / utf-16.",
    )


class LineDecoder:
    """Decodes an ASCII-compatible byte stream (UTF-8, GB18030) line by line, strictly.

    Lines are split on b"\\n", which never occurs inside a multi-byte character of these
    encodings, so every error has an exact line and byte offset. A file whose first
    lines are plain ASCII and whose later lines are GB18030 switches over at the first
    non-UTF-8 line instead of being refused.
    """

    def __init__(self, stream: BinaryIO, encoding: str, source: str, *, skip: int = 0) -> None:
        self.stream = stream
        self.encoding = encoding
        self.source = source
        self.auto = encoding == "utf-8"  # detected, not given: may still turn out GB18030
        self.offset = skip  # bytes consumed, for progress and messages
        self.line = 0
        self.ascii_so_far = True

    def __iter__(self) -> Iterator[str]:
        stream = self.stream
        for raw in stream:
            self.line += 1
            start = self.offset
            self.offset += len(raw)
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError as exc:
                if self.auto and self.ascii_so_far and _decodes(raw, "gb18030"):
                    self.encoding = "gb18030"
                    self.auto = False
                    text = raw.decode("gb18030")
                else:
                    raise refusal(
                        self.source,
                        self.encoding,
                        self.line,
                        start + exc.start,
                        raw[exc.start : exc.end],
                    ) from None
            if self.ascii_so_far and not raw.isascii():
                self.ascii_so_far = False
            yield text


def decode_whole(data: bytes, encoding: str, source: str) -> str:
    """Decode a whole buffer (UTF-16/32 files, JSON), naming the line of the first bad byte."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(encoding, errors="replace")
        raise refusal(
            source, encoding, prefix.count("\n") + 1, exc.start, data[exc.start : exc.end]
        ) from None
