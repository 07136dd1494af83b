"""The import pipeline: validate the whole file → report → commit in one transaction.

    plan = validate_import(database, "customers", sheet, ImportOptions(), progress)
    plan.report            # every problem, and what would be inserted / updated / skipped
    plan.commit(progress)  # writes it all or nothing; returns the report with its batch
    plan.close()

Validation parses every row in Python and stages the parsed rows in a temporary table on
the import's own connection, so memory stays flat however long the file; checks that need
the database (references, duplicates in the file and against stored records) then run as
SQL over that table. `commit` opens one BEGIN IMMEDIATE transaction, repeats the database
checks (the data may have changed since), writes with INSERT ... SELECT from the staged
rows, records an import batch, and commits: an interruption at any point leaves the
database as it was. Nothing here prints; the CLI and the TUI show the report and progress.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from clientdesk.domain.common import utcnow
from clientdesk.errors import ConflictError, UsageError, ValidationError
from clientdesk.exchange.columns import (
    ColumnMap,
    Field,
    check_override_headers,
    map_columns,
    parse_overrides,
)
from clientdesk.exchange.report import ImportReport
from clientdesk.exchange.sources import Sheet, SourceError
from clientdesk.exchange.values import stored_moment

if TYPE_CHECKING:
    from clientdesk.config import Settings
    from clientdesk.storage.database import Database

Progress = Callable[[str, int, "int | None"], None]
STAGE_CHECK = "Checking"
STAGE_WRITE = "Writing"
DUPLICATE_MODES = ("error", "skip", "update")
STAGE_TABLE = "import_stage"
CHUNK = 5_000  # staged rows per executemany
DEFER_INDEXES_FROM = 10_000  # rows inserted, and at least as many as the table holds
REFUSED_ROWS_KEPT = 100_000  # rows kept for the errors sheet; more are counted, not kept


def storage(value: Any) -> Any:
    """A field value as SQLite stores it through SQLAlchemy (text dates, 0/1 booleans)."""
    kind = type(value)
    if value is None or kind is str or kind is int:
        return value
    if kind is bool:
        return int(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return stored_moment(value.astimezone(UTC) if value.tzinfo else value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class ImportOptions:
    on_duplicate: str = "error"
    mapping: Sequence[str] = ()
    keep_unknown: bool = False
    settings: Settings | None = None
    actor: str | None = None

    def __post_init__(self) -> None:
        if self.on_duplicate not in DUPLICATE_MODES:
            raise UsageError(
                f"--on-duplicate {self.on_duplicate!r} is not one of {', '.join(DUPLICATE_MODES)}."
            )


@dataclass
class Context:
    """What row hooks need: the clock of this import, the time zone, the settings."""

    now: datetime
    zone: tzinfo
    settings: Settings
    actor: str | None
    mode: str


class Stage:
    """The staged rows of one import on the import's own SQLite connection."""

    def __init__(self, db: sqlite3.Connection, columns: Sequence[str]) -> None:
        self.db = db
        self.columns = tuple(columns)
        db.execute(f"DROP TABLE IF EXISTS temp.{STAGE_TABLE}")
        names = ", ".join(f'"{c}"' for c in self.columns)
        db.execute(
            f"CREATE TEMP TABLE {STAGE_TABLE} (line INTEGER NOT NULL, {names}, "
            "match_id INTEGER, action TEXT NOT NULL DEFAULT 'insert', new_id INTEGER, "
            "note TEXT)"
        )
        marks = ", ".join("?" * (len(self.columns) + 1))
        self.insert_sql = f"INSERT INTO {STAGE_TABLE} (line, {names}) VALUES ({marks})"  # noqa: S608
        self.pending: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> None:
        self.pending.append(row)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.insert_sql, self.pending)
            self.pending.clear()

    def index(self, *columns: str) -> None:
        name = "ix_stage_" + "_".join(columns)
        cols = ", ".join(f'"{c}"' for c in columns)
        self.db.execute(f"CREATE INDEX IF NOT EXISTS temp.{name} ON {STAGE_TABLE} ({cols})")


class Checks:
    """SQL checks over the staged rows; problems go into the report with file columns."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.db = plan.db
        self.report = plan.report
        self.mode = plan.context.mode

    def column(self, key: str) -> str:
        return self.plan.header_of(key)

    def flag(self, sql: str, params: Sequence[Any], key: str, reason: Callable[..., str]) -> int:
        """Rows the query returns (rowid, line, value, *details) are invalid, with reasons."""
        rows = self.db.execute(sql, params).fetchall()
        for rowid, line, value, *details in rows:
            self.report.add(line, self.column(key), value, reason(value, *details))
            self.plan.invalidate(rowid)
        return len(rows)

    def in_file_duplicates(
        self, key_sql: str, where: str, key: str, label: str, value_sql: str | None = None
    ) -> None:
        """Later rows repeating an earlier row's key are reported against the first."""
        shown = value_sql or f'"{key}"'
        sql = (
            f"SELECT * FROM (SELECT rowid, line, {shown}, first_value(line) OVER w AS first "  # noqa: S608
            f"FROM {STAGE_TABLE} WHERE action != 'invalid' AND {where} "
            f"WINDOW w AS (PARTITION BY {key_sql} ORDER BY line)) WHERE line != first"
        )
        found = self.db.execute(sql).fetchall()
        for rowid, line, value, first in found:
            self.report.add(line, self.column(key), value, f"repeats the {label} of line {first}")
            self.plan.invalidate(rowid)

    def settle_duplicates(self, describe: Callable[[int], str]) -> None:
        """Rows matching a stored record: error, skip or update, as the user asked."""
        if self.mode == "error":
            rows = self.db.execute(
                f"SELECT rowid, line, match_id FROM {STAGE_TABLE} "  # noqa: S608
                "WHERE action = 'insert' AND match_id IS NOT NULL"
            ).fetchall()
            for rowid, line, match_id in rows:
                self.report.add(
                    line,
                    "",
                    "",
                    f"this row is already stored as {describe(match_id)}; pass "
                    "--on-duplicate skip to leave it as it is, or update to overwrite it",
                )
                self.plan.invalidate(rowid)
            return
        action = "skip" if self.mode == "skip" else "update"
        self.db.execute(
            f"UPDATE {STAGE_TABLE} SET action = ? "  # noqa: S608
            "WHERE action = 'insert' AND match_id IS NOT NULL",
            (action,),
        )


class EntityImport:
    """One entity's import: its fields, row hook, SQL checks and writes. Subclassed per entity."""

    name: str = ""
    audit_entity: str = ""
    table: str = ""
    fields: tuple[Field, ...] = ()
    required_any: tuple[tuple[str, ...], ...] = ()
    extra_columns: tuple[str, ...] = ()  # derived or resolved values staged beside the fields

    @property
    def stage_columns(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields) + self.extra_columns

    def prepare(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        """Derive staged values and check across fields; (field key, reason) problems."""
        return []

    def check(self, checks: Checks) -> None:
        """SQL checks after staging (run again inside the commit transaction)."""

    def write(self, writer: Writer) -> None:
        raise NotImplementedError

    def describe(self, db: sqlite3.Connection, record_id: int) -> str:
        return f"{self.audit_entity} {record_id}"


class Writer:
    """Helpers for an entity's writes inside the commit transaction."""

    def __init__(self, plan: ImportPlan, progress: Progress) -> None:
        self.plan = plan
        self.db = plan.db
        self.now = storage(plan.context.now)
        self.actor = plan.context.actor
        self.progress = progress
        self.inserted: dict[str, list[int]] = {}  # table → [first id, last id]
        self.audit_ids: list[int] = []
        self.done = 0
        self.total = plan.report.to_insert + plan.report.to_update
        self._deferred: list[str] = []

    def defer_indexes(self, *tables: str) -> None:
        """A large import into a small table: drop its non-unique indexes now and build them
        once at the end, which is several times faster than updating them row by row. It all
        happens inside the import's transaction, so a rollback brings them back as they were.
        """
        inserting = self.plan.report.to_insert
        for table in tables:
            existing = self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            if inserting < DEFER_INDEXES_FROM or inserting < existing:
                continue
            for name, sql in self.db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
                (table,),
            ).fetchall():
                # Indexes led by a reference (customer_id, parent_id) stay: triggers, such as
                # the search index's, look rows up through them for every row inserted.
                first = self.db.execute(f'PRAGMA index_info("{name}")').fetchone()
                if first is None or str(first[2]).endswith("_id"):
                    continue
                self.db.execute(f'DROP INDEX "{name}"')
                self._deferred.append(sql)

    def rebuild_indexes(self) -> None:
        for sql in self._deferred:
            self.db.execute(sql)
        self._deferred.clear()

    def trigger_sql(self, name: str) -> str | None:
        row = self.db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).fetchone()
        return None if row is None else str(row[0])

    @contextlib.contextmanager
    def triggers_suspended(self, *names: str) -> Iterator[None]:
        """Drop these triggers for a bulk insert and create them again afterwards. DDL is
        transactional in SQLite: if anything fails in between, the rollback brings them back,
        and other connections never see the database without them.
        """
        saved: list[str] = []
        for name in names:
            sql = self.trigger_sql(name)
            if sql is not None:
                self.db.execute(f'DROP TRIGGER "{name}"')
                saved.append(sql)
        yield
        for sql in saved:
            self.db.execute(sql)

    def next_id(self, table: str) -> int:
        """First free id of `table` (ids of this batch are contiguous from here)."""
        row = self.db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()  # noqa: S608
        return int(row[0]) + 1

    def inserted_range(self, table: str, first: int, count: int) -> None:
        if count <= 0:
            return
        if table in self.inserted:
            low, high = self.inserted[table]
            if first != high + 1:
                raise RuntimeError(f"ids of {table} in one batch must be contiguous")
            self.inserted[table] = [low, high + count]
        else:
            self.inserted[table] = [first, first + count - 1]

    def audit(self, entity: str, entity_id: int, action: str, changes: dict[str, Any]) -> None:
        import json

        cursor = self.db.execute(
            "INSERT INTO audit_entries (at, actor, entity, entity_id, action, changes) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self.now, self.actor, entity, entity_id, action, json.dumps(changes)),
        )
        self.audit_ids.append(int(cursor.lastrowid or 0))

    def unchanged(self) -> None:
        """An update row that matched a record already holding the same values."""
        self.plan.report.unchanged += 1

    def advance(self, count: int) -> None:
        self.done += count
        self.progress(STAGE_WRITE, self.done, self.total)

    def staged(self, action: str, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """Staged rows with an action, in file order, a chunk at a time (constant memory)."""
        cols = ", ".join(f'"{c}"' for c in columns)
        last = 0
        while True:
            rows = self.db.execute(
                f"SELECT rowid, {cols} FROM {STAGE_TABLE} "  # noqa: S608
                "WHERE action = ? AND rowid > ? ORDER BY rowid LIMIT 1000",
                (action, last),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for row in rows:
                yield row[1:]


_ROW_INSERT_TRIGGER = re.compile(
    r"\s*CREATE\s+TRIGGER\s+\S+\s+AFTER\s+INSERT\s+ON\s+\"?(\w+)\"?\s+"
    r"(?:FOR\s+EACH\s+ROW\s+)?BEGIN\s+"
    r"(INSERT\s+INTO\s+\"?\w+\"?\s*\([^()]*\))\s*VALUES\s*\((.*)\)\s*;\s*END\s*",
    re.IGNORECASE | re.DOTALL,
)


def set_based_insert(trigger_sql: str, table: str) -> str | None:
    """An AFTER INSERT trigger whose body is one `INSERT INTO x (...) VALUES (new...)`, as
    one statement for the rows of `table` with ids from :first to :last; None for a trigger
    of any other shape (which then stays and runs per row).
    """
    found = _ROW_INSERT_TRIGGER.fullmatch(trigger_sql)
    if found is None or found.group(1) != table or not _one_expression_list(found.group(3)):
        return None
    insert, values = found.group(2), found.group(3)
    return f"{insert} SELECT {values} FROM {table} AS new WHERE new.id BETWEEN :first AND :last"  # noqa: S608


def _one_expression_list(text: str) -> bool:
    """Brackets balanced and no `;` outside quotes: the VALUES list of one statement, not the
    start of one statement and the end of another."""
    depth = 0
    quote = ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
        elif ch == ";":
            return False
    return depth == 0 and not quote


def _silent(stage: str, done: int, total: int | None) -> None:
    return None


class ImportPlan:
    """A validated file, staged and ready to commit. Close it when done."""

    def __init__(
        self,
        database: Database,
        entity: EntityImport,
        sheet: Sheet,
        options: ImportOptions,
    ) -> None:
        if database.engine.dialect.name != "sqlite":
            raise UsageError(
                "import writes to SQLite databases only in this version; export from the "
                "server database or import into a SQLite file."
            )
        settings = _settings(options)
        self.database = database
        self.entity = entity
        self.sheet = sheet
        self.options = options
        self.context = Context(
            now=utcnow(),
            zone=ZoneInfo(settings.general.timezone),
            settings=settings,
            actor=options.actor or settings.owner,
            mode=options.on_duplicate,
        )
        self.report = ImportReport(entity=entity.name, source=sheet.source, format=sheet.format)
        self._raw = database.engine.raw_connection()
        self.db = cast(sqlite3.Connection, self._raw.driver_connection)
        self.columns = ColumnMap()
        self.committed = False
        self.stage: Stage | None = None
        self.checked_version: int | None = None  # PRAGMA data_version the checks saw

    # -- reading -----------------------------------------------------------------------
    def header_of(self, key: str) -> str:
        for index, f in self.columns.fields:
            if f.key == key:
                return self.sheet.headers[index]
        for f in self.entity.fields:
            if f.key == key:
                return f.zh
        return key

    def stage_index(self, *columns: str) -> None:
        assert self.stage is not None
        self.stage.index(*columns)

    def invalidate(self, rowid: int) -> None:
        self.db.execute(
            f"UPDATE {STAGE_TABLE} SET action = 'invalid' WHERE rowid = ?",  # noqa: S608
            (rowid,),
        )

    def _map(self, overrides: dict[str, str | None]) -> bool:
        sheet = self.sheet
        check_override_headers(sheet.headers, overrides)
        self.columns = map_columns(
            sheet.headers, self.entity.fields, overrides, required_any=self.entity.required_any
        )
        for problem in self.columns.problems:
            self.report.add(sheet.header_line or None, "", "", problem)
        return not self.columns.problems

    def validate(self, progress: Progress) -> ImportReport:
        report = self.report
        sheet = self.sheet
        report.headers = list(sheet.headers)
        overrides = parse_overrides(self.options.mapping, self.entity.fields)
        if not self._map(overrides):
            report.encoding = sheet.encoding
            return report
        self.stage = Stage(self.db, self.entity.stage_columns)
        # One (deferred, read-only on the database) transaction for the staging table:
        # in autocommit mode every staged row would be a transaction of its own.
        self.db.execute("BEGIN")
        try:
            self._read(progress, overrides)
            report.encoding = sheet.encoding
            report.headers = list(sheet.headers)
            if report.rows == 0 and not report.problems:
                report.add(None, "", "", "has a header row but no data rows; nothing to import")
            self._unknown_warning()
            self._check()
            self.checked_version = self._data_version()
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        report.sort()
        return report

    def _read(self, progress: Progress, overrides: dict[str, str | None]) -> None:
        sheet, report, entity, ctx = self.sheet, self.report, self.entity, self.context
        stage = self.stage
        assert stage is not None
        stage_columns = stage.columns
        required = [f for f in entity.fields if f.required]
        notes_key = "notes" if any(f.key == "notes" for f in entity.fields) else None
        keep_unknown = self.options.keep_unknown and notes_key is not None
        mapped = list(self.columns.fields)
        known_width = len(sheet.headers)
        count = 0
        try:
            for line, cells in sheet.rows:
                if len(sheet.headers) != known_width:  # JSON records brought new keys
                    seen = len(self.columns.problems)
                    self.columns = map_columns(
                        sheet.headers,
                        entity.fields,
                        overrides,
                        start=known_width,
                        previous=self.columns,
                    )
                    for problem in self.columns.problems[seen:]:
                        report.add(line, "", "", problem)
                    mapped = list(self.columns.fields)
                    known_width = len(sheet.headers)
                count += 1
                values: dict[str, Any] = {}
                bad: list[tuple[str, Any, str]] | None = None
                width = len(cells)
                for index, f in mapped:
                    raw = cells[index] if index < width else None
                    if raw is None or raw == "":
                        continue
                    try:
                        value = f.parse(raw)
                    except ValueError as exc:
                        if bad is None:
                            bad = []
                        bad.append((sheet.headers[index], raw, str(exc)))
                        continue
                    if value is not None:
                        values[f.key] = value
                for f in required:
                    if f.key not in values and not (bad and _mentions(bad, self, f.key)):
                        bad = bad or []
                        bad.append((self.header_of(f.key), "", "is required"))
                if keep_unknown and notes_key:
                    extra = self._unknown_notes(cells)
                    if extra:
                        note = values.get(notes_key)
                        values[notes_key] = f"{note}\n{extra}" if note else extra
                if bad is None:
                    issues = entity.prepare(values, ctx)
                    if issues:
                        bad = [(self.header_of(k), values.get(k, ""), r) for k, r in issues]
                if bad:
                    for column, raw, reason in bad:
                        report.add(line, column, raw, reason)
                    if len(report.refused_rows) < REFUSED_ROWS_KEPT:
                        report.refused_rows[line] = list(cells)
                    continue
                # Parsers return values as SQLite stores them (dates as text), so rows go
                # to the stage as they are.
                stage.add((line, *map(values.get, stage_columns)))
                if count % CHUNK == 0:
                    progress(STAGE_CHECK, *sheet.position())
        except SourceError as exc:
            report.add(exc.line, "", "", _strip_source(exc.message, sheet.source))
            if exc.hint:
                report.warnings.append(exc.hint)
        stage.flush()
        report.rows = count
        progress(STAGE_CHECK, *sheet.position())

    def _unknown_notes(self, cells: list[Any]) -> str:
        parts = []
        for index, header in self.columns.unknown:
            if index < len(cells) and cells[index] not in (None, ""):
                parts.append(f"{header}: {cells[index]}")
        return "\n".join(parts)

    def _unknown_warning(self) -> None:
        if not self.columns.unknown:
            return
        names = ", ".join(repr(h) for _, h in self.columns.unknown)
        if self.options.keep_unknown and any(f.key == "notes" for f in self.entity.fields):
            self.report.warnings.append(f"columns kept in the notes: {names}")
        else:
            self.report.warnings.append(
                f"columns not imported (no matching field): {names}; map them with "
                "--map 'HEADER=FIELD' or keep them in the notes with --keep-unknown"
            )

    def _data_version(self) -> int:
        """Changes when another connection commits to the database (never for our own)."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def _check(self) -> None:
        checks = Checks(self)
        self.entity.check(checks)
        self._count()

    def _count(self) -> None:
        counts = dict(
            self.db.execute(f"SELECT action, count(*) FROM {STAGE_TABLE} GROUP BY action")  # noqa: S608
        )
        self.report.to_insert = counts.get("insert", 0)
        self.report.to_update = counts.get("update", 0)
        self.report.to_skip = counts.get("skip", 0)

    # -- writing -----------------------------------------------------------------------
    def commit(self, progress: Progress | None = None) -> ImportReport:
        from clientdesk.exchange import batches
        from clientdesk.storage.database import translate_errors

        report = self.report
        if self.committed:
            raise UsageError("this import has already been written.")
        if not report.ok or self.stage is None:
            raise ValidationError(
                f"{report.source} has {len(report.problems)} problem(s); nothing was imported.",
                hint="Fix them (see the report) and import the file again.",
            )
        report_progress = progress or _silent
        expected = (report.to_insert, report.to_update, report.to_skip)
        db = self.db
        with translate_errors(self.database.label):
            db.execute("BEGIN IMMEDIATE")
            try:
                # The checks ran on the database as it was then; unless another connection
                # has committed since, they hold now, and we hold the write lock.
                if self._data_version() != self.checked_version:
                    self._recheck(expected)
                writer = Writer(self, report_progress)
                self.entity.write(writer)
                writer.rebuild_indexes()
                report.batch = batches.record(writer, self)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        self.committed = True
        return report

    def _recheck(self, expected: tuple[int, int, int]) -> None:
        """Repeat the database checks inside the commit transaction: the data changed."""
        report = self.report
        self.db.execute(f"UPDATE {STAGE_TABLE} SET action = 'insert', match_id = NULL")  # noqa: S608
        problems_before = len(report.problems)
        self._check()
        if len(report.problems) != problems_before or expected != (
            report.to_insert,
            report.to_update,
            report.to_skip,
        ):
            del report.problems[problems_before:]
            raise ConflictError(
                f"{self.database.label} changed while {report.source} was being "
                "checked; nothing was imported.",
                hint="Run the import again to check the file against the new data.",
            )

    def close(self) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is being thrown away with its temporary table
        finally:
            # Closed, not returned to the pool: SQLite deletes the temporary file of the
            # staged rows at once, where dropping the table would free it page by page.
            self._raw.invalidate()
            self._raw.close()
            self.sheet.close()


def _settings(options: ImportOptions) -> Settings:
    from clientdesk.config import Settings

    return options.settings or Settings()


def _mentions(bad: list[tuple[str, Any, str]], plan: ImportPlan, key: str) -> bool:
    header = plan.header_of(key)
    return any(column == header for column, _, _ in bad)


def _strip_source(message: str, source: str) -> str:
    prefix = f"{source}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def importer_for(entity: str, zone: tzinfo = UTC) -> EntityImport:
    from clientdesk.exchange.entities import IMPORTERS

    try:
        return IMPORTERS[entity](zone)  # type: ignore[call-arg]
    except KeyError:
        raise UsageError(
            f"cannot import {entity!r}; choose one of: {', '.join(IMPORTERS)} (or all)."
        ) from None


def validate_import(
    database: Database,
    entity: str,
    sheet: Sheet,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and check the whole sheet; the plan's report lists every problem found."""
    options = options or ImportOptions()
    zone = ZoneInfo(_settings(options).general.timezone)
    plan = ImportPlan(database, importer_for(entity, zone), sheet, options)
    try:
        from clientdesk.storage.database import translate_errors

        with translate_errors(database.label):
            plan.validate(progress or _silent)
    except BaseException:
        plan.close()
        raise
    return plan
