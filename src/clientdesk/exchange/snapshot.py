"""Full JSON snapshots: `export all --format json` and `import all FILE`.

The snapshot holds every table of the data model with its ids, one row per line, in
primary-key order, so the same database always gives the same bytes, and exporting,
restoring into an empty database and exporting again gives an identical file. Audit
entries of import batches are left out: they describe imports into one particular
database (the restore records its own batch).

    {"format": "clientdesk-snapshot", "version": 1, "schema": "0001",
     "tables": {
      "customers": [
       {"name": "...", ...},
       ...
      ],
      ...
     }
    }

Restoring reads that layout line by line (constant memory); a snapshot that was
reformatted by another tool is read whole instead. Every value is checked against its
column's type; the rows go in within one transaction that is rolled back unless the whole
file is valid, foreign keys included.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import sqlalchemy as sa

from clientdesk.domain.common import StrEnumType
from clientdesk.errors import ConflictError, UsageError
from clientdesk.exchange.report import ImportReport
from clientdesk.exchange.sources import SourceError

if TYPE_CHECKING:
    from clientdesk.storage.database import Database

FORMAT = "clientdesk-snapshot"
VERSION = 1
SKIPPED_TABLES = {"clientdesk_meta"}
CHUNK = 2_000
Progress = Callable[[str, int, "int | None"], None]


def tables() -> list[sa.Table]:
    from sqlmodel import SQLModel

    import clientdesk.domain  # noqa: F401  (registers every table)

    return [t for t in SQLModel.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _where(table: sa.Table) -> str:
    return "WHERE entity != 'import'" if table.name == "audit_entries" else ""


# -- column codecs ----------------------------------------------------------------------------
def _to_json(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(kind, sa.DateTime):
        return _moment_out
    if isinstance(kind, sa.JSON):
        return lambda v: None if v is None else json.loads(v)
    return lambda v: v


def _moment_out(value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    fraction = text[20:26]
    shown = text[:10] + "T" + text[11:19]
    if fraction and fraction != "000000":
        shown += "." + fraction
    return shown + "Z"


class _Bad(ValueError):
    pass


def _from_json(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """JSON value → stored value, or _Bad with the reason."""
    kind = column.type
    nullable = bool(column.nullable) or column.primary_key

    def check_null(value: Any) -> bool:
        if value is None:
            if not nullable:
                raise _Bad("is required")
            return True
        return False

    if isinstance(kind, StrEnumType):
        allowed = {m.value for m in kind.enum_cls}

        def enum(value: Any) -> Any:
            if check_null(value):
                return None
            if value not in allowed:
                raise _Bad(f"is not one of {', '.join(sorted(allowed))}")
            return value

        return enum
    if isinstance(kind, sa.Boolean):

        def boolean(value: Any) -> Any:
            if check_null(value):
                return None
            if not isinstance(value, bool):
                raise _Bad("is not true or false")
            return int(value)

        return boolean
    if isinstance(kind, sa.DateTime):

        def moment(value: Any) -> Any:
            if check_null(value):
                return None
            try:
                parsed = datetime.fromisoformat(str(value))
            except ValueError:
                raise _Bad("is not an ISO date and time (2024-03-05T10:00:00Z)") from None
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC)
            return parsed.strftime("%Y-%m-%d %H:%M:%S.%f")

        return moment
    if isinstance(kind, sa.Date):

        def day(value: Any) -> Any:
            if check_null(value):
                return None
            try:
                return date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise _Bad("is not an ISO date (2024-03-05)") from None

        return day
    if isinstance(kind, sa.Integer):

        def integer(value: Any) -> Any:
            if check_null(value):
                return None
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Bad("is not a whole number")
            if abs(value) >= 2**63:
                raise _Bad("is too large")
            return value

        return integer
    if isinstance(kind, sa.Float):

        def number(value: Any) -> Any:
            if check_null(value):
                return None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _Bad("is not a number")
            return float(value)

        return number
    if isinstance(kind, sa.JSON):
        return lambda value: None if check_null(value) else json.dumps(value)
    length = getattr(kind, "length", None)

    def text(value: Any) -> Any:
        if check_null(value):
            return None
        if not isinstance(value, str):
            raise _Bad("is not text")
        if length is not None and len(value) > length:
            raise _Bad(f"is {len(value)} characters long; at most {length} fit")
        return value

    return text


# -- export -----------------------------------------------------------------------------------
def export_snapshot(database: Database, out: BinaryIO, progress: Progress | None = None) -> int:
    """Write the snapshot to `out`; the number of rows written."""
    from clientdesk.storage import migrate
    from clientdesk.storage.database import translate_errors

    if database.engine.dialect.name != "sqlite":
        raise UsageError(
            "snapshots (export all) read SQLite databases only in this version.",
            hint="`clientdesk db copy FILE.db` copies the server database into a file; "
            "single entities export from the server directly.",
        )
    report = progress or (lambda stage, done, total: None)
    raw = database.engine.raw_connection()
    db = cast(sqlite3.Connection, raw.driver_connection)
    written = 0
    try:
        with translate_errors(database.label):
            db.execute("BEGIN")  # one consistent view of every table
            try:
                revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
                schema = revision[0] if revision else migrate.head_revision()
                head = {"format": FORMAT, "version": VERSION, "schema": schema}
                out.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b',\n "tables": {\n')
                all_tables = tables()
                for number, table in enumerate(all_tables):
                    columns = list(table.columns)
                    names = ", ".join(f'"{c.name}"' for c in columns)
                    codecs = [_to_json(c) for c in columns]
                    keys = [c.name for c in columns]
                    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
                    cursor = db.execute(
                        f"SELECT {names} FROM {table.name} {_where(table)} ORDER BY {order}"  # noqa: S608
                    )
                    out.write(f'  "{table.name}": ['.encode())
                    first = True
                    while rows := cursor.fetchmany(CHUNK):
                        parts = []
                        for row in rows:
                            record = {k: c(v) for k, c, v in zip(keys, codecs, row, strict=True)}
                            parts.append(
                                ("\n   " if first else ",\n   ")
                                + json.dumps(record, ensure_ascii=False)
                            )
                            first = False
                        out.write("".join(parts).encode())
                        written += len(rows)
                        report("Exporting", written, None)
                    closing = "\n  ]" if not first else "]"
                    comma = "," if number < len(all_tables) - 1 else ""
                    out.write(f"{closing}{comma}\n".encode())
                out.write(b" }\n}\n")
            finally:
                db.execute("ROLLBACK")
    finally:
        raw.close()
    return written


# -- import -----------------------------------------------------------------------------------
def _records(stream: BinaryIO, source: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line, table, row) from a snapshot, streaming our own layout, else reading it whole."""
    first = stream.readline()
    second = stream.readline()
    if first.startswith(b"{") and second.rstrip(b"\r\n") == b' "tables": {':
        try:
            head = json.loads(first.decode("utf-8").rstrip().rstrip(",") + "}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            head = None
        if head is not None:
            _check_head(head, source)
            yield from _stream(stream, source)
            return
    from clientdesk.exchange.encoding import decode_whole

    text = decode_whole(first + second + stream.read(), "utf-8", source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{source}: line {exc.lineno} column {exc.colno} is not valid JSON ({exc.msg}).",
            line=exc.lineno,
        ) from None
    _check_head(document, source)
    for name, rows in document.get("tables", {}).items():
        if not isinstance(rows, list):
            raise SourceError(f"{source}: table {name!r} is not a list of rows.", line=None)
        yield 0, name, {}
        for row in rows:
            yield 0, name, row


def _check_head(document: Any, source: str) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SourceError(
            f'{source} is not a clientdesk snapshot (no "format": "{FORMAT}").',
            line=1,
            hint="Make one with `clientdesk export all --format json`.",
        )
    if document.get("version") != VERSION:
        raise SourceError(
            f"{source} is a snapshot of version {document.get('version')!r}; this clientdesk "
            f"reads version {VERSION}.",
            line=1,
        )
    if not isinstance(document.get("tables", {}), dict):
        raise SourceError(f'{source}: "tables" is not an object.', line=1)


def _stream(stream: BinaryIO, source: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Rows of export_snapshot's layout, one line at a time."""
    from clientdesk.exchange.encoding import decode_whole

    table: str | None = None
    closed = False
    for number, raw in enumerate(stream, start=3):
        line = raw.rstrip(b"\r\n")
        if table is None:
            if line in (b" }", b"}", b""):
                closed = closed or line == b"}"
                continue
            if not (line.startswith(b'  "') and b'": [' in line):
                raise SourceError(
                    f"{source}: line {number} is not where a table starts in a snapshot.",
                    line=number,
                    hint="Restore a file written by `clientdesk export all --format json`.",
                )
            name = decode_whole(line, "utf-8", source).strip()[1:].split('"', 1)[0]
            yield number, name, {}  # announces the table, even an empty one
            if line.endswith(b"["):
                table = name
            continue
        if line in (b"  ]", b"  ],"):
            table = None
            continue
        text = decode_whole(line, "utf-8", source).strip().rstrip(",")
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(
                f"{source}: line {number} is not valid JSON ({exc.msg}).", line=number
            ) from None
        yield number, table, row
    if table is not None or not closed:
        raise SourceError(f"{source} ends early: the snapshot is truncated.", line=None)


def import_snapshot(
    database: Database,
    stream: BinaryIO,
    source: str,
    *,
    dry_run: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Restore a snapshot into an empty database; the report (with its batch when written)."""
    from clientdesk.domain.common import utcnow
    from clientdesk.exchange import batches
    from clientdesk.exchange.importer import storage
    from clientdesk.storage.database import translate_errors

    if database.engine.dialect.name != "sqlite":
        raise UsageError("snapshots restore into SQLite databases only in this version.")
    report_progress = progress or (lambda stage, done, total: None)
    report = ImportReport(entity="all", source=source, format="json", encoding="utf-8")
    report.dry_run = dry_run
    known = {t.name: t for t in tables()}
    raw = database.engine.raw_connection()
    db = cast(sqlite3.Connection, raw.driver_connection)
    try:
        with translate_errors(database.label):
            db.execute("BEGIN IMMEDIATE")
            try:
                _require_empty(db, known, database.label)
                db.execute("PRAGMA defer_foreign_keys = ON")
                inserted = _load_rows(db, stream, source, known, report, report_progress)
                if report.ok:
                    _foreign_keys(db, report)
                report.to_insert = sum(n for n, _, _ in inserted.values())
                if report.ok and not dry_run:
                    ranges = {t: [low, high] for t, (n, low, high) in inserted.items() if n}
                    report.batch = batches.record_snapshot(
                        db, at=storage(utcnow()), actor=actor, source=source, inserted=ranges
                    )
                    db.execute("COMMIT")
                else:
                    db.execute("ROLLBACK")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
    finally:
        raw.close()
    report.sort()
    return report


def _require_empty(db: sqlite3.Connection, known: dict[str, sa.Table], label: str) -> None:
    held = []
    for name in known:
        count = db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608
        if count:
            held.append(f"{count:,} {name}")
    if held:
        raise ConflictError(
            f"{label} already holds data ({', '.join(held[:4])}); a snapshot restores into an "
            "empty database only.",
            hint="Restore into a new file: clientdesk --db NEW.db import all SNAPSHOT.json",
        )


def _load_rows(
    db: sqlite3.Connection,
    stream: BinaryIO,
    source: str,
    known: dict[str, sa.Table],
    report: ImportReport,
    progress: Progress,
) -> dict[str, tuple[int, int, int]]:
    """Insert the rows as they come; {table: (rows, lowest id, highest id)}."""
    counts: dict[str, tuple[int, int, int]] = {}
    plans: dict[str, tuple[list[str], list[Callable[[Any], Any]], str]] = {}
    pending: dict[str, list[tuple[tuple[Any, ...], int]]] = {}
    total = 0
    try:
        for line, name, row in _records(stream, source):
            table = known.get(name)
            if table is None:
                report.add(line or None, name, "", "is not a table of this clientdesk version")
                known[name] = sa.Table(name, sa.MetaData())  # report it once
                continue
            if not table.columns:
                continue
            if name not in plans:
                columns = [c for c in table.columns]
                names = [c.name for c in columns]
                marks = ", ".join("?" * len(names))
                quoted = ", ".join(f'"{n}"' for n in names)
                plans[name] = (
                    names,
                    [_from_json(c) for c in columns],
                    f"INSERT INTO {name} ({quoted}) VALUES ({marks})",  # noqa: S608
                )
                pending[name] = []
            if not row:
                continue
            names, codecs, _ = plans[name]
            if not isinstance(row, dict):
                report.add(line or None, name, "", "is not a row object")
                continue
            unknown = [k for k in row if k not in names]
            for key in unknown:
                report.add(line or None, f"{name}.{key}", row[key], "is not a column of the table")
            values = []
            good = not unknown
            for column, codec in zip(names, codecs, strict=True):
                try:
                    values.append(codec(row.get(column)))
                except _Bad as exc:
                    report.add(line or None, f"{name}.{column}", row.get(column), str(exc))
                    good = False
            if not good:
                continue
            pending[name].append((tuple(values), line))
            if len(pending[name]) >= CHUNK:
                _flush(db, name, plans[name][2], pending[name], counts, report)
            total += 1
            if total % CHUNK == 0:
                progress("Restoring", total, None)
    except SourceError as exc:
        report.add(exc.line, "", "", exc.message)
    for name, rows in pending.items():
        _flush(db, name, plans[name][2], rows, counts, report)
    progress("Restoring", total, None)
    report.rows = total
    return counts


def _flush(
    db: sqlite3.Connection,
    name: str,
    sql: str,
    rows: list[tuple[tuple[Any, ...], int]],
    counts: dict[str, tuple[int, int, int]],
    report: ImportReport,
) -> None:
    if not rows:
        return
    try:
        db.execute("SAVEPOINT chunk")
        db.executemany(sql, [values for values, _ in rows])
        db.execute("RELEASE chunk")
        good = rows
    except sqlite3.IntegrityError:
        db.execute("ROLLBACK TO chunk")
        db.execute("RELEASE chunk")
        good = []
        for values, line in rows:  # find the offending rows one by one
            try:
                db.execute(sql, values)
                good.append((values, line))
            except sqlite3.IntegrityError as exc:
                report.add(line or None, name, values[0] if values else "", f"is refused: {exc}")
    index = _id_index(name)
    ids = [values[index] for values, _ in good] if index is not None else []
    n, low, high = counts.get(name, (0, 0, 0))
    if ids:
        low = min([low, *ids]) if n else min(ids)
        high = max([high, *ids])
    counts[name] = (n + len(good), low, high)
    rows.clear()


@functools.cache
def _id_index(name: str) -> int | None:
    for table in tables():
        if table.name == name:
            names = [c.name for c in table.columns]
            return names.index("id") if "id" in names else None
    return None


def _foreign_keys(db: sqlite3.Connection, report: ImportReport) -> None:
    for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchall():
        report.add(None, table, rowid, f"refers to a row of {parent} that the snapshot lacks")
