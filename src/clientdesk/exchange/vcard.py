"""Contacts as vCard 4.0 (RFC 6350), which khard, Thunderbird and phone address books read.

Each contact is one card: FN and N (a Chinese name splits into family name = first
character, given name = the rest), ORG with the company, TITLE, work phone, mobile,
e-mail, NOTE, a stable UID and REV. Lines end in CRLF and are folded at 75 octets without
cutting a UTF-8 character in two.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from clientdesk.exchange.export import ExportFilters

NAMESPACE = uuid.UUID("6f0e3c43-2a44-4d8b-9d9f-2d1c0b8f7a51")  # clientdesk's contacts
CHUNK = 2_000
SELECT = (
    "SELECT t.id, t.name, t.title, t.phone, t.mobile, t.email, t.wechat, t.notes, "
    "t.updated_at, c.name, c.code FROM contacts t JOIN customers c ON c.id = t.customer_id"
)


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets (continuations start with a space)."""
    data = line.encode()
    if len(data) <= 75:
        return data + b"\r\n"
    parts: list[bytes] = []
    current = b""
    limit = 75
    for ch in line:
        encoded = ch.encode()
        if len(current) + len(encoded) > limit:
            parts.append(current)
            current = b""
            limit = 74  # the leading space counts
        current += encoded
    parts.append(current)
    return b"\r\n ".join(parts) + b"\r\n"


def split_name(name: str) -> tuple[str, str]:
    """(family, given): 张伟 → (张, 伟); John Smith → (Smith, John)."""
    name = name.strip()
    if " " in name:
        given, _, family = name.rpartition(" ")
        return family, given
    if name and "\u3400" <= name[0] <= "\u9fff" and len(name) > 1:
        return name[0], name[1:]
    return name, ""


def card(
    contact_id: int,
    name: str,
    title: str | None,
    phone: str | None,
    mobile: str | None,
    email: str | None,
    wechat: str | None,
    notes: str | None,
    updated_at: str | datetime | None,
    company: str,
    code: str,
) -> bytes:
    family, given = split_name(name)
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"FN:{escape(name)}",
        f"N:{escape(family)};{escape(given)};;;",
        f"ORG:{escape(company)}",
    ]
    if title:
        lines.append(f"TITLE:{escape(title)}")
    if phone:
        lines.append(f"TEL;TYPE=work,voice;VALUE=text:{escape(phone)}")
    if mobile:
        lines.append(f"TEL;TYPE=cell,voice;VALUE=text:{escape(mobile)}")
    if email:
        lines.append(f"EMAIL;TYPE=work:{escape(email)}")
    if wechat:
        lines.append(f"X-WECHAT:{escape(wechat)}")
    if notes:
        lines.append(f"NOTE:{escape(notes)}")
    lines.append(f"UID:urn:uuid:{uuid.uuid5(NAMESPACE, f'{code}/{contact_id}')}")
    if isinstance(updated_at, datetime):  # a server database's aware time
        lines.append(f"REV:{updated_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}Z")
    elif updated_at:  # SQLite's stored UTC text
        stamp = updated_at[:19].replace("-", "").replace(":", "").replace(" ", "T")
        lines.append(f"REV:{stamp}Z")
    lines.append("END:VCARD")
    return b"".join(fold(line) for line in lines)


def write_vcards(
    db: Any,
    filters: ExportFilters,
    out: BinaryIO,
    total: int | None,
    report: Callable[[str, int, int | None], None],
) -> int:
    where, params = filters.where()
    # The WHERE clause holds placeholders only; the values are bound.
    sql = f"{SELECT} WHERE {where} ORDER BY t.id"
    cursor = db.execute(sql, params)
    written = 0
    while rows := cursor.fetchmany(CHUNK):
        out.write(b"".join(card(*row) for row in rows))
        written += len(rows)
        report("Exporting", written, total)
    return written
