"""Copy a whole clientdesk database into a new, empty one: a SQLite file to PostgreSQL when
a team outgrows one laptop, or a server database into a file to work offline.

    result = copy_database(source, "postgresql+psycopg://crm@db.example/clientdesk")
    result.counts  # rows copied, by table

The target is created (or upgraded) to the current schema first and must hold no data.
The rows go through the models' column types, so dates, times, money and JSON keep their
meaning across backends. The copy is one transaction on the target, read from one
snapshot of the source: if anything fails, the target holds nothing of it, and a target
file the copy created is removed. The customer search index and each customer's last visit
are recomputed on the target in one pass, and PostgreSQL's id sequences moved past the
copied ids, so new records get new numbers.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Table
from sqlmodel import SQLModel

import clientdesk.domain  # noqa: F401  (every table model, into SQLModel.metadata)
from clientdesk.domain.common import utcnow
from clientdesk.errors import ClientdeskError, UsageError
from clientdesk.storage import migrate
from clientdesk.storage.bulk import BulkLoad, first_with_rows
from clientdesk.storage.database import Database, open_database, translate_errors
from clientdesk.storage.engine import resolve_location
from clientdesk.storage.engine import writer as writer_engine

BATCH = 5_000  # rows read and inserted at a time
META = "clientdesk_meta"

# (table, rows copied so far, rows in the table)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str
    counts: dict[str, int]  # rows copied, by table, in the order copied
    seconds: float

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "target": self.target,
            "counts": self.counts,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }


def tables_to_copy() -> list[Table]:
    """Every table of the models, parents before children (the metadata's order)."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name != META]


def copy_database(
    source: Database, target_location: str, *, progress: Progress | None = None
) -> CopyResult:
    """Copy every row of `source` into the empty database at `target_location`."""
    started = time.perf_counter()
    url, path = resolve_location(target_location)
    if _same(source, url, path):
        raise UsageError(
            f"{source.label} cannot be copied into itself.",
            hint="Name a new file or another database as the target.",
        )
    created = path is not None and not path.exists()
    target: Database | None = None
    try:
        target = open_database(target_location, create=True, upgrade=True)
        counts = _copy(source, target, progress or _silent)
    except BaseException:
        if target is not None:
            target.dispose()
        if created and path is not None:
            _remove_database_file(path)
        raise
    target.dispose()
    return CopyResult(source.label, target.label, counts, time.perf_counter() - started)


def _silent(table: str, done: int, total: int) -> None:
    return None


def _same(source: Database, url: sa.URL, path: Path | None) -> bool:
    if path is not None and source.path is not None:
        with contextlib.suppress(OSError):
            return path.resolve() == source.path.resolve()
        return False
    return path is None and source.path is None and url == source.url


def _remove_database_file(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()


def _copy(source: Database, target: Database, progress: Progress) -> dict[str, int]:
    tables = tables_to_copy()
    src_engine = source.engine
    if src_engine.dialect.name == "postgresql":  # one snapshot for every table
        src_engine = src_engine.execution_options(isolation_level="REPEATABLE READ")
    with (
        translate_errors(source.label),
        src_engine.connect() as src,
        src.begin(),  # SQLite: the first read starts one read transaction for all tables
    ):
        source_revision = migrate.current_revision(src)
        with (
            translate_errors(target.label),
            writer_engine(target.engine).connect() as dst,
            dst.begin(),
        ):
            if source_revision != migrate.current_revision(dst):
                raise UsageError(
                    f"{source.label} is at schema {source_revision}, not the current "
                    f"{migrate.head_revision()}.",
                    hint="Run `clientdesk db upgrade` on it first.",
                )
            found = first_with_rows(dst, sorted(tables, key=lambda t: t.name != "customers"))
            if found is not None:
                name, count = found
                rows = f"{count:,} row{'s' if count != 1 else ''}"
                raise UsageError(
                    f"{target.label} already holds data ({rows} in {name}); "
                    "a database is only copied into an empty one.",
                    hint="Name a new file, or an empty PostgreSQL database.",
                )
            totals = {t.name: _count(src, t) for t in tables}
            load = BulkLoad(dst, tables)
            load.prepare()
            counts = {t.name: _copy_table(src, dst, t, totals[t.name], progress) for t in tables}
            _copy_meta(src, dst, source.label)
            load.finish()
            _check_counts(dst, tables, totals, target.label)
    return counts


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _self_references(table: Table) -> list[str]:
    """Columns pointing at the same table (a customer's parent, a renewed contract)."""
    return [fk.parent.key for fk in table.foreign_keys if fk.column.table is table]


def _copy_table(
    src: Connection, dst: Connection, table: Table, total: int, progress: Progress
) -> int:
    """Copy one table in batches, in primary key order.

    Rows pointing at others of the same table are inserted without that link, which is
    set once every row is in: a parent may have a higher id than its subsidiary.
    """
    links = _self_references(table)
    pending: list[dict[str, Any]] = []
    done = 0
    progress(table.name, 0, total)
    stmt = sa.select(table).order_by(*table.primary_key.columns)
    # yield_per on the statement only: on PostgreSQL a server-side cursor for this read.
    result = src.execute(stmt.execution_options(yield_per=BATCH))
    for batch in result.mappings().partitions():
        rows = [dict(row) for row in batch]
        if links:
            pending += _unlink(rows, links)
        dst.execute(table.insert(), rows)
        done += len(rows)
        progress(table.name, done, total)
    if pending:
        _relink(dst, table, links, pending)
    return done


def _unlink(rows: list[dict[str, Any]], links: Sequence[str]) -> list[dict[str, Any]]:
    """Take the self-references out of `rows`; returns them as update parameters."""
    pending = []
    for row in rows:
        if any(row[name] is not None for name in links):
            pending.append({"_id": row["id"], **{f"_{name}": row[name] for name in links}})
            for name in links:
                row[name] = None
    return pending


def _relink(dst: Connection, table: Table, links: Iterable[str], pending: list[Any]) -> None:
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("_id"))
        .values({name: sa.bindparam(f"_{name}") for name in links})
    )
    for start in range(0, len(pending), BATCH):
        dst.execute(stmt, pending[start : start + BATCH])


def _copy_meta(src: Connection, dst: Connection, source_label: str) -> None:
    """The source's facts (its creation, the demo's seed) replace the new target's, with
    where and when it was copied from."""
    meta = SQLModel.metadata.tables[META]
    facts = {key: value for key, value in src.execute(sa.select(meta.c.key, meta.c.value))}
    facts |= {"copied_from": source_label, "copied_at": utcnow().isoformat()}
    dst.execute(sa.delete(meta))
    dst.execute(meta.insert(), [{"key": key, "value": value} for key, value in facts.items()])


def _check_counts(dst: Connection, tables: list[Table], totals: dict[str, int], where: str) -> None:
    for table in tables:
        stored = _count(dst, table)
        if stored != totals[table.name]:
            raise ClientdeskError(
                f"copying into {where}: {table.name} holds {stored:,} rows, not the "
                f"{totals[table.name]:,} read; nothing was kept.",
                hint="Run `clientdesk db check` on the source, then try again.",
            )
