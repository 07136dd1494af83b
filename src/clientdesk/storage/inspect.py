"""What `clientdesk db info` and `db check` report; reads only, never writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import SQLModel

import clientdesk.domain  # noqa: F401  (registers every table)
from clientdesk.storage import migrate
from clientdesk.storage.database import Database, translate_errors


@dataclass
class DatabaseInfo:
    location: str
    backend: str
    revision: str | None
    head: str
    size_bytes: int | None
    counts: dict[str, int]
    meta: dict[str, str]
    journal_mode: str | None = None

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "backend": self.backend,
            "revision": self.revision,
            "head": self.head,
            "up_to_date": self.up_to_date,
            "size_bytes": self.size_bytes,
            "journal_mode": self.journal_mode,
            "counts": self.counts,
            "meta": self.meta,
        }


def file_size(path: Path) -> int:
    """The database with its WAL: what a copy of it would take on disk."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def database_info(db: Database) -> DatabaseInfo:
    with translate_errors(db.label), db.engine.connect() as conn:
        counts = {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in sorted(SQLModel.metadata.tables.items())
        }
        rows = conn.execute(text("SELECT key, value FROM clientdesk_meta"))
        meta = {key: value for key, value in rows}
        journal = None
        size = file_size(db.path) if db.path else None
        if db.engine.dialect.name == "sqlite":
            journal = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
        elif db.engine.dialect.name == "postgresql":
            size = int(
                conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
            )
        return DatabaseInfo(
            location=db.label,
            backend=db.engine.dialect.name,
            revision=migrate.current_revision(conn),
            head=migrate.head_revision(),
            size_bytes=size,
            counts=counts,
            meta=meta,
            journal_mode=journal,
        )


@dataclass
class CheckResult:
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(db: Database) -> CheckResult:
    """Integrity, foreign keys and schema revision; each problem as one readable line."""
    result = CheckResult()
    with translate_errors(db.label), db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
            result.checks.append("integrity_check")
            if rows != ["ok"]:
                result.problems.extend(f"integrity: {row}" for row in rows[:20])
            result.checks.append("foreign_key_check")
            for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                result.problems.append(f"{table} row {rowid} points to a missing {parent} row")
                if len(result.problems) > 50:
                    break
            if _has_table(conn, SEARCH_TABLE):
                result.checks.append("search index")
                result.problems.extend(search_index_problems(conn))
        result.checks.append("schema revision")
        revision = migrate.current_revision(conn)
        if revision != migrate.head_revision():
            result.problems.append(
                f"schema is at revision {revision}, this program expects "
                f"{migrate.head_revision()}: run `clientdesk db upgrade`"
            )
    return result


SEARCH_TABLE = "customer_search"
# The search index mirrors every customer's code, names and pinyin (migration 0002).
_SEARCH_MISMATCHES = (
    (
        "customers missing from the search index",
        "SELECT count(*) FROM customers WHERE id NOT IN (SELECT rowid FROM customer_search)",
    ),
    (
        "search index rows of customers that no longer exist",
        "SELECT count(*) FROM customer_search WHERE rowid NOT IN (SELECT id FROM customers)",
    ),
    (
        "customers whose code, name or pinyin differ in the search index",
        """
        SELECT count(*) FROM customers AS c JOIN customer_search AS s ON s.rowid = c.id
        WHERE s.code IS NOT c.code || char(31)
           OR s.names IS NOT c.name || char(31) || coalesce(c.short_name, '') || char(31)
           OR s.pinyin IS NOT c.pinyin || char(31) || c.pinyin_initials || char(31)
        """,
    ),
)


def _has_table(conn: Any, name: str) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).first()
    return found is not None


def search_index_problems(conn: Any) -> list[str]:
    """Where the customer search index (SQLite FTS5) no longer mirrors the customers."""
    problems = []
    for what, sql in _SEARCH_MISMATCHES:
        count = conn.exec_driver_sql(sql).scalar_one()
        if count:
            problems.append(
                f"search: {what}: {count:,}; searching may miss or misname them. "
                "Run `clientdesk db reindex` to rebuild the index."
            )
    return problems
