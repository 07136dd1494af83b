"""Exports: one entity as CSV, TSV, XLSX, JSON, JSON Lines or vCard, streamed from SQL.

Rows come from a database cursor a chunk at a time and go straight to the output, so an
export of a million visits needs no more memory than one of ten. For CSV and TSV the
formatting itself (labels, amounts, local times, the apostrophe against formula
injection) is done by SQLite in the SELECT, and Python's C csv writer takes the rows
as they come: that keeps a CSV export within about twice the time of `sqlite3 -csv`.
The other formats convert values in Python, where they need typed cells anyway.

On PostgreSQL the same SELECTs run through a server-side cursor (a chunk of rows at a
time) and CSV cells are formatted in Python exactly as SQLite formats them (`csv_python`;
tests compare the two outputs byte for byte).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from zoneinfo import ZoneInfo

from clientdesk.domain.enums import (
    LABELS_ZH,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ContractStatus,
    CustomerKind,
    CustomerStatus,
    Grade,
    InteractionKind,
    RiskLevel,
    Severity,
    SpecialKind,
    TransactionKind,
    VisitKind,
    VisitStatus,
    parse_choice,
)
from clientdesk.errors import UsageError, ValidationError
from clientdesk.exchange.columns import Field, normalise
from clientdesk.exchange.safety import neutralise
from clientdesk.exchange.timezones import local_time_sql

if TYPE_CHECKING:
    from clientdesk.storage.database import Database

Progress = Callable[[str, int, "int | None"], None]
EXPORT_FORMATS = ("csv", "tsv", "xlsx", "json", "jsonl", "vcf")
CHUNK = 2_000
STAGE = "Exporting"
TRIGGER_CODES = "61, 43, 45, 64, 9, 13, 0, 39"  # = + - @ tab CR NUL ' (see safety.py)


@dataclass(frozen=True)
class Out:
    """An exported column: the SQL giving its stored value, and how to show it."""

    key: str
    sql: str
    kind: str = "text"  # text | choice | money | int | bool | date | moment
    enum: type[StrEnum] | None = None


def _o(key: str, sql: str | None = None, kind: str = "text", enum: Any = None) -> Out:
    return Out(key, sql or f"t.{key}", kind, enum)


CUSTOMER_REF = (_o("customer_code", "c.code"), _o("customer_name", "c.name"))
# The key contact: written as SQLite's partial index on contacts says it (so that it is
# used); other databases store a real boolean (see `_source`).
PRIMARY = "k.is_primary = 1"

ENTITIES: dict[str, tuple[str, tuple[Out, ...]]] = {
    "customers": (
        "customers t LEFT JOIN customers p ON p.id = t.parent_id "
        f"LEFT JOIN contacts k ON k.customer_id = t.id AND {PRIMARY} "
        "JOIN customers c ON c.id = t.id",
        (
            _o("code"),
            _o("name"),
            _o("short_name"),
            _o("kind", kind="choice", enum=CustomerKind),
            _o("special_kind", kind="choice", enum=SpecialKind),
            _o("industry"),
            _o("region"),
            _o("address"),
            _o("website"),
            _o("credit_code"),
            _o("registered_capital_cents", kind="money"),
            _o("annual_revenue_cents", kind="money"),
            _o("bank_name"),
            _o("bank_account"),
            _o("owner"),
            _o("status", kind="choice", enum=CustomerStatus),
            _o("grade", kind="choice", enum=Grade),
            _o("grade_fixed", kind="bool"),
            _o("market_share_rating", kind="int"),
            _o("potential_rating", kind="int"),
            _o("parent_code", "p.code"),
            _o("credit_limit_cents", kind="money"),
            _o("notes"),
            _o("created_at", kind="moment"),
            _o("verified_at", kind="moment"),
            _o("contact_name", "k.name"),
            _o("contact_title", "k.title"),
            _o("contact_phone", "k.phone"),
            _o("contact_mobile", "k.mobile"),
            _o("contact_email", "k.email"),
            _o("contact_wechat", "k.wechat"),
        ),
    ),
    "contacts": (
        "contacts t JOIN customers c ON c.id = t.customer_id",
        (
            *CUSTOMER_REF,
            _o("name"),
            _o("title"),
            _o("phone"),
            _o("mobile"),
            _o("email"),
            _o("wechat"),
            _o("is_primary", kind="bool"),
            _o("notes"),
        ),
    ),
    "interactions": (
        "interactions t JOIN customers c ON c.id = t.customer_id "
        "LEFT JOIN contacts k ON k.id = t.contact_id",
        (
            *CUSTOMER_REF,
            _o("contact_name", "k.name"),
            _o("kind", kind="choice", enum=InteractionKind),
            _o("occurred_at", kind="moment"),
            _o("subject"),
            _o("notes"),
            _o("owner"),
        ),
    ),
    "transactions": (
        "transactions t JOIN customers c ON c.id = t.customer_id "
        "LEFT JOIN contracts n ON n.id = t.contract_id",
        (
            *CUSTOMER_REF,
            _o("contract_number", "n.number"),
            _o("kind", kind="choice", enum=TransactionKind),
            _o("amount_cents", kind="money"),
            _o("currency"),
            _o("occurred_on", kind="date"),
            _o("due_on", kind="date"),
            _o("paid_on", kind="date"),
            _o("reference"),
            _o("notes"),
        ),
    ),
    "visits": (
        "visits t JOIN customers c ON c.id = t.customer_id "
        "LEFT JOIN contacts k ON k.id = t.contact_id "
        "LEFT JOIN contracts n ON n.id = t.contract_id",
        (
            *CUSTOMER_REF,
            _o("contact_name", "k.name"),
            _o("kind", kind="choice", enum=VisitKind),
            _o("purpose"),
            _o("planned_at", kind="moment"),
            _o("owner"),
            _o("contract_number", "n.number"),
            _o("status", kind="choice", enum=VisitStatus),
            _o("done_at", kind="moment"),
            _o("discussion"),
            _o("needs"),
            _o("feedback"),
            _o("satisfaction", kind="int"),
            _o("next_step"),
            _o("next_step_on", kind="date"),
        ),
    ),
    "contracts": (
        "contracts t JOIN customers c ON c.id = t.customer_id",
        (
            *CUSTOMER_REF,
            _o("number"),
            _o("title"),
            _o("start_on", kind="date"),
            _o("end_on", kind="date"),
            _o("value_cents", kind="money"),
            _o("currency"),
            _o("payment_terms"),
            _o("owner"),
            _o("notes"),
            _o("status", kind="choice", enum=ContractStatus),
            _o("signed_on", kind="date"),
            _o("terminated_on", kind="date"),
            _o("termination_reason"),
            _o("risk_level", kind="choice", enum=RiskLevel),
            _o("risk_notes"),
        ),
    ),
    "complaints": (
        "complaints t JOIN customers c ON c.id = t.customer_id "
        "LEFT JOIN contacts k ON k.id = t.contact_id",
        (
            *CUSTOMER_REF,
            _o("contact_name", "k.name"),
            _o("channel", kind="choice", enum=ComplaintChannel),
            _o("category", kind="choice", enum=ComplaintCategory),
            _o("severity", kind="choice", enum=Severity),
            _o("summary"),
            _o("details"),
            _o("owner"),
            _o("status", kind="choice", enum=ComplaintStatus),
            _o("received_at", kind="moment"),
            _o("due_at", kind="moment"),
            _o("resolved_at", kind="moment"),
            _o("closed_at", kind="moment"),
            _o("resolution"),
            _o("satisfaction", kind="int"),
            _o("compensation_cents", kind="money"),
        ),
    ),
}


@dataclass
class ExportFilters:
    """Filters on the customer a record belongs to (or the customer itself)."""

    grade: Sequence[str] = ()
    region: Sequence[str] = ()
    owner: Sequence[str] = ()
    status: Sequence[str] = ()
    kind: Sequence[str] = ()
    customer: Sequence[str] = ()  # customer codes

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []

        def add(column: str, values: Sequence[str]) -> None:
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)

        add("c.grade", [parse_choice(Grade, g, field="grade").value for g in self.grade])
        add("c.region", list(self.region))
        add("c.owner", list(self.owner))
        add(
            "c.status",
            [parse_choice(CustomerStatus, s, field="status").value for s in self.status],
        )
        add("c.kind", [parse_choice(CustomerKind, k, field="kind").value for k in self.kind])
        add("c.code", list(self.customer))
        return (" AND ".join(clauses) or "1 = 1"), params


@dataclass
class ExportOptions:
    format: str = "csv"
    headers: str = "en"  # en | zh
    columns: Sequence[str] = ()  # field keys or headers; empty: all
    excel: bool = False  # UTF-8 with BOM (or the given encoding) and CRLF
    encoding: str | None = None
    filters: ExportFilters = field(default_factory=ExportFilters)
    zone: tzinfo = UTC


def _fields(entity: str) -> dict[str, Field]:
    from clientdesk.exchange.importer import importer_for

    return {f.key: f for f in importer_for(entity).fields}


def choose_columns(entity: str, wanted: Sequence[str]) -> list[Out]:
    if entity not in ENTITIES:
        raise UsageError(
            f"cannot export {entity!r}; choose one of: {', '.join(ENTITIES)} (or all)."
        )
    outs = list(ENTITIES[entity][1])
    if not wanted:
        return outs
    fields = _fields(entity)
    by_name: dict[str, Out] = {}
    for out in outs:
        for name in fields[out.key].names():
            by_name.setdefault(normalise(name), out)
    chosen: list[Out] = []
    for name in wanted:
        found = by_name.get(normalise(name))
        if found is None:
            known = ", ".join(o.key for o in outs)
            raise UsageError(f"{entity} have no column {name!r}; columns: {known}.")
        if found not in chosen:
            chosen.append(found)
    return chosen


def headers_for(entity: str, outs: Sequence[Out], language: str) -> list[str]:
    if language not in ("en", "zh"):
        raise UsageError(f"--headers {language!r} is not en or zh.")
    fields = _fields(entity)
    return [fields[o.key].header(language) for o in outs]


# -- SQL formatting for CSV ---------------------------------------------------------------------
def _label_case(expr: str, enum: type[StrEnum]) -> str:
    labels = LABELS_ZH.get(enum)
    if not labels:
        return expr
    whens = " ".join(f"WHEN '{value}' THEN '{label}'" for value, label in labels.items())
    return f"CASE {expr} {whens} ELSE {expr} END"


def csv_sql(out: Out, language: str, zone: tzinfo) -> str:
    x = out.sql
    if out.kind == "text":
        # Most text starts at or above 'A' (letters, CJK): one comparison decides. Numbers
        # stored in a text column are numbers and stay as they are.
        return (
            f"CASE WHEN {x} >= 'A' OR typeof({x}) != 'text' THEN {x} "
            f"WHEN unicode({x}) IN ({TRIGGER_CODES}) THEN '''' || {x} ELSE {x} END"
        )
    if out.kind == "choice":
        return _label_case(x, out.enum) if language == "zh" and out.enum else x
    if out.kind == "money":
        # Cents → yuan with two decimals in integer arithmetic (never through a float):
        # x % 100 takes the sign of x in SQLite, hence the two branches; NULL stays NULL.
        return (
            f"CASE WHEN {x} >= 0 THEN ({x} / 100) || '.' || substr({x} % 100 + 100, 2) "
            f"WHEN {x} < 0 THEN '-' || (-({x} / 100)) || '.' || substr(100 - {x} % 100, 2) END"
        )
    if out.kind == "bool":
        yes, no = ("是", "否") if language == "zh" else ("yes", "no")
        return f"CASE {x} WHEN 1 THEN '{yes}' WHEN 0 THEN '{no}' END"
    if out.kind == "moment":
        return local_time_sql(x, zone)
    return x  # int, date: stored as shown


def csv_python(out: Out, language: str, zone: tzinfo) -> Callable[[Any], Any]:
    """Stored value → CSV cell, for databases other than SQLite: what `csv_sql` gives."""
    if out.kind == "text":
        return lambda v: neutralise(v) if isinstance(v, str) else v
    if out.kind == "money":
        return _money_text
    if out.kind == "bool":
        yes, no = ("是", "否") if language == "zh" else ("yes", "no")
        return lambda v: None if v is None else yes if v else no
    if out.kind == "moment":
        local = typed(out, language, zone)
        return lambda v: None if v is None else _moment_text(local(v))
    return typed(out, language, zone)  # choice (labels), int, date


def _money_text(cents: Any) -> str | None:
    if cents is None:
        return None
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _moment_text(moment: datetime) -> str:
    """Local time as `local_time_sql` writes it: seconds and fraction only when set."""
    if moment.microsecond:
        return moment.strftime("%Y-%m-%d %H:%M:%S") + f".{moment.microsecond:06d}"
    if moment.second:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")


def _source(entity: str, dialect: str) -> str:
    source = ENTITIES[entity][0]
    return source if dialect == "sqlite" else source.replace(PRIMARY, "k.is_primary")


def _query(
    db: Any, entity: str, outs: Sequence[Out], select: Sequence[str], filters: ExportFilters
) -> tuple[str, list[Any]]:
    where, params = filters.where()
    source = _source(entity, _dialect(db))
    sql = f"SELECT {', '.join(select)} FROM {source} WHERE {where} ORDER BY t.id"  # noqa: S608
    return sql, params


# -- Python formatting for typed formats --------------------------------------------------------
def typed(out: Out, language: str, zone: tzinfo) -> Callable[[Any], Any]:
    """Stored value → Python value for XLSX / JSON cells."""
    if out.kind == "choice" and out.enum is not None:
        labels = LABELS_ZH.get(out.enum, {}) if language == "zh" else {}
        return lambda v: None if v is None else labels.get(v, v)
    if out.kind == "money":
        return lambda v: None if v is None else Decimal(v) / 100
    if out.kind == "bool":
        return lambda v: None if v is None else bool(v)
    if out.kind == "date":
        return lambda v: None if v is None else date.fromisoformat(v) if isinstance(v, str) else v
    if out.kind == "moment":

        def local(v: Any) -> Any:
            if v is None:
                return None
            moment = datetime.fromisoformat(v) if isinstance(v, str) else v
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(zone)

        return local
    return lambda v: v


class ServerRows:
    """A server database's driver connection, read like sqlite3's: `execute(sql, params)`
    with ? placeholders gives a cursor to fetch from. Each query is a named (server-side)
    cursor, so a large export never holds the whole result in memory."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._cursors = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._cursors += 1
        cursor = self.connection.cursor(name=f"clientdesk_export_{self._cursors}")
        cursor.itersize = CHUNK
        # ? → the driver's %s; no query here holds a % or a ? of its own.
        cursor.execute(sql.replace("?", "%s"), list(params))
        return cursor


def _dialect(db: Any) -> str:
    return "sqlite" if isinstance(db, sqlite3.Connection) else "server"


def reader(database: Database) -> tuple[Any, Any]:
    """(the pooled connection to close, what to run queries on): sqlite3's own connection
    on SQLite, a ServerRows elsewhere."""
    raw = database.engine.raw_connection()
    driver = raw.driver_connection
    if database.engine.dialect.name == "sqlite":
        return raw, cast(sqlite3.Connection, driver)
    return raw, ServerRows(driver)


def export_entity(
    database: Database,
    entity: str,
    out: BinaryIO,
    options: ExportOptions,
    progress: Progress | None = None,
) -> int:
    """Write `entity` to the binary stream `out`; the number of records written."""
    from clientdesk.storage.database import translate_errors

    report = progress or (lambda stage, done, total: None)
    fmt = options.format
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}.")
    if fmt == "ics":
        raise UsageError(
            "iCalendar (--format ics) is for visit plans: "
            "`clientdesk export visits --format ics --out FILE.ics`."
        )
    if fmt == "vcf" and entity != "contacts":
        raise UsageError("vCard (--format vcf) is for contacts: `clientdesk export contacts`.")
    if (options.excel or options.encoding) and fmt not in ("csv", "tsv"):
        raise UsageError("--excel and --encoding apply to CSV and TSV exports only.")
    outs = choose_columns(entity, options.columns)
    headers = headers_for(entity, outs, options.headers)
    raw, db = reader(database)
    try:
        with translate_errors(database.label):
            # The count is for a progress bar only; without one it is a query saved.
            total = _count(db, entity, options.filters) if progress is not None else None
            if fmt in ("csv", "tsv"):
                return _write_csv(db, entity, outs, headers, out, options, total, report)
            if fmt == "xlsx":
                from clientdesk.exchange.xlsx import write_xlsx

                sql, params = _query(db, entity, outs, [o.sql for o in outs], options.filters)
                converters = [typed(o, options.headers, options.zone) for o in outs]
                return write_xlsx(
                    db.execute(sql, params), outs, headers, converters, out, total, report
                )
            if fmt == "vcf":
                from clientdesk.exchange.vcard import write_vcards

                return write_vcards(db, options.filters, out, total, report)
            return _write_json(db, entity, outs, out, options, total, report)
    finally:
        raw.close()


def _count(db: Any, entity: str, filters: ExportFilters) -> int:
    source = _source(entity, _dialect(db))
    where, params = filters.where()
    row = db.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()  # noqa: S608
    return int(row[0])


def _write_csv(
    db: Any,
    entity: str,
    outs: Sequence[Out],
    headers: Sequence[str],
    out: BinaryIO,
    options: ExportOptions,
    total: int | None,
    report: Progress,
) -> int:
    encoding = options.encoding or ("utf-8-sig" if options.excel else "utf-8")
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"--encoding {options.encoding!r} is not a known encoding.") from None
    if encoding == "utf-8" and options.excel:
        encoding = "utf-8-sig"
    text = io.TextIOWrapper(out, encoding=encoding, errors="strict", newline="")
    writer = csv.writer(
        text,
        delimiter="\t" if options.format == "tsv" else ",",
        # RFC 4180 line ends for every CSV, not just --excel: with "\n" alone, Python's
        # writer leaves a field holding a lone "\r" unquoted, and readers split it in two.
        lineterminator="\r\n",
    )
    language, zone = options.headers, options.zone
    if _dialect(db) == "sqlite":
        select = [csv_sql(o, language, zone) for o in outs]
        formats = None
    else:
        select = [o.sql for o in outs]
        formats = [csv_python(o, language, zone) for o in outs]
    sql, params = _query(db, entity, outs, select, options.filters)
    written = 0
    try:
        writer.writerow([neutralise(h) for h in headers])
        cursor = db.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            if formats is not None:
                rows = [[f(v) for f, v in zip(formats, row, strict=True)] for row in rows]
            try:
                writer.writerows(rows)
            except UnicodeEncodeError as exc:
                raise ValidationError(
                    f"a record near row {written + 1} holds {exc.object[exc.start : exc.end]!r}, "
                    f"which {encoding} cannot write; nothing usable was exported.",
                    hint="Export as UTF-8 (--excel without --encoding) instead.",
                ) from None
            written += len(rows)
            report(STAGE, written, total)
        text.flush()
    finally:
        text.detach()
    return written


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _write_json(
    db: Any,
    entity: str,
    outs: Sequence[Out],
    out: BinaryIO,
    options: ExportOptions,
    total: int | None,
    report: Progress,
) -> int:
    keys = [o.key for o in outs] if options.headers == "en" else headers_for(entity, outs, "zh")
    converters = [typed(o, options.headers, options.zone) for o in outs]
    sql, params = _query(db, entity, outs, [o.sql for o in outs], options.filters)
    lines = options.format == "jsonl"
    written = 0
    cursor = db.execute(sql, params)
    if not lines:
        out.write(b"[")
    while rows := cursor.fetchmany(CHUNK):
        for row in rows:
            record = {k: _json_value(c(v)) for k, c, v in zip(keys, converters, row, strict=True)}
            text = json.dumps(record, ensure_ascii=False)
            if lines:
                out.write(text.encode() + b"\n")
            else:
                out.write((b",\n" if written else b"\n") + text.encode())
            written += 1
        report(STAGE, written, total)
    if not lines:
        out.write(b"\n]\n")
    return written


def zone_of(name: str) -> tzinfo:
    return ZoneInfo(name)
