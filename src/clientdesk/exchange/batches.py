"""Import batches: what each import wrote, so that `import undo BATCH` can take it back.

A batch is one audit entry (entity "import", entity_id = batch number) written in the
import's own transaction. It holds the id range each table received (ids of one batch are
contiguous), and the range of the per-record audit entries that hold the old and new
value of every field an update changed. Inserted records get no audit entry of their own:
for a 100,000-row import that would double what is written, and the batch entry plus the
imported file already say where each of them came from.

Undo restores the updated fields from those entries, then deletes the inserted records, in
one transaction. It refuses, naming what is in the way, when a record of the batch was
changed afterwards or has gained records of its own (a visit logged for an imported
customer), since undoing then would destroy later work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from clientdesk.errors import ConflictError, NotFoundError, UsageError

if TYPE_CHECKING:
    import sqlite3

    from clientdesk.exchange.importer import ImportPlan, Writer
    from clientdesk.storage.database import Database

ENTITY = "import"
# Children before parents: the order inserted records are deleted in.
DELETE_ORDER = (
    "complaint_events",
    "contract_events",
    "audit_entries",
    "grade_assessments",
    "interactions",
    "transactions",
    "visits",
    "complaints",
    "contracts",
    "contacts",
    "sales_targets",
    "customers",
)
AUDIT_TABLES = {
    "customer": "customers",
    "contact": "contacts",
    "interaction": "interactions",
    "transaction": "transactions",
    "visit": "visits",
    "contract": "contracts",
    "complaint": "complaints",
}


@dataclass(frozen=True)
class Batch:
    number: int
    at: str
    actor: str | None
    entity: str
    source: str
    inserted: dict[str, list[int]]
    updated: int
    undone: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.number,
            "at": self.at,
            "actor": self.actor,
            "entity": self.entity,
            "file": self.source,
            "inserted": {
                table: self.inserted[table][1] - self.inserted[table][0] + 1
                for table in sorted(self.inserted, key=_parents_first)
            },
            "updated": self.updated,
            "undone": self.undone,
        }


def _delete_order(inserted: dict[str, list[int]]) -> list[str]:
    """Children before parents, for every table the batch wrote to."""
    from clientdesk.exchange.snapshot import tables

    order = [t.name for t in reversed(tables())]
    known = [name for name in order if name in inserted]
    return known + [name for name in inserted if name not in order]


def _parents_first(table: str) -> int:
    return -DELETE_ORDER.index(table) if table in DELETE_ORDER else 0


def _next_number(db: sqlite3.Connection) -> int:
    row = db.execute(
        "SELECT coalesce(max(entity_id), 0) FROM audit_entries WHERE entity = ?", (ENTITY,)
    ).fetchone()
    return int(row[0]) + 1


def record(writer: Writer, plan: ImportPlan) -> int:
    """Write the batch entry for the import being committed; its number."""
    number = _next_number(writer.db)
    report = plan.report
    changes = {
        "entity": report.entity,
        "file": report.source,
        "format": report.format,
        "encoding": report.encoding,
        "rows": report.rows,
        "inserted": writer.inserted,
        "updated": report.to_update,
        "skipped": report.to_skip,
        "audit_ids": [min(writer.audit_ids), max(writer.audit_ids)] if writer.audit_ids else None,
    }
    writer.audit(ENTITY, number, "create", changes)
    return number


def record_snapshot(
    db: sqlite3.Connection, *, at: str, actor: str | None, source: str, inserted: dict[str, Any]
) -> int:
    number = _next_number(db)
    changes = {"entity": "all", "file": source, "format": "json", "inserted": inserted}
    db.execute(
        "INSERT INTO audit_entries (at, actor, entity, entity_id, action, changes) "
        "VALUES (?, ?, ?, ?, 'create', ?)",
        (at, actor, ENTITY, number, json.dumps(changes)),
    )
    return number


def _load(db: sqlite3.Connection, number: int) -> tuple[int, Batch, dict[str, Any]]:
    rows = db.execute(
        "SELECT id, at, actor, action, changes FROM audit_entries "
        "WHERE entity = ? AND entity_id = ? ORDER BY id",
        (ENTITY, number),
    ).fetchall()
    if not rows:
        raise NotFoundError(
            f"there is no import batch {number}.",
            hint="`clientdesk import batches` lists them.",
        )
    entry_id, at, actor, _, text = rows[0]
    info = json.loads(text)
    undone = any(action == "delete" for *_, action, _ in rows)
    batch = Batch(
        number=number,
        at=at,
        actor=actor,
        entity=info.get("entity", "?"),
        source=info.get("file", "?"),
        inserted=info.get("inserted", {}),
        updated=int(info.get("updated") or 0),
        undone=undone,
    )
    return entry_id, batch, info


def list_batches(database: Database) -> list[Batch]:
    from clientdesk.storage.database import translate_errors

    raw = database.engine.raw_connection()
    try:
        db = cast("sqlite3.Connection", raw.driver_connection)
        with translate_errors(database.label):
            numbers = [
                n
                for (n,) in db.execute(
                    "SELECT DISTINCT entity_id FROM audit_entries WHERE entity = ? "
                    "ORDER BY entity_id",
                    (ENTITY,),
                )
            ]
            return [_load(db, n)[1] for n in numbers]
    finally:
        raw.close()


def undo_batch(database: Database, number: int, *, actor: str | None) -> Batch:
    """Take back what batch `number` wrote, in one transaction; the batch as it was."""
    from clientdesk.domain.common import utcnow
    from clientdesk.exchange.importer import storage
    from clientdesk.storage.database import translate_errors

    if database.engine.dialect.name != "sqlite":
        raise UsageError("import undo works on SQLite databases only in this version.")
    raw = database.engine.raw_connection()
    try:
        db = cast("sqlite3.Connection", raw.driver_connection)
        with translate_errors(database.label):
            db.execute("BEGIN IMMEDIATE")
            try:
                entry_id, batch, info = _load(db, number)
                if batch.undone:
                    raise ConflictError(f"import batch {number} has already been undone.")
                _refuse_later_work(db, number, entry_id, info)
                if "contacts" in batch.inserted:
                    # The batch's own key contacts step aside first, so that the ones they
                    # replaced can be key contacts again (one per customer, by unique index).
                    db.execute(
                        "UPDATE contacts SET is_primary = 0 WHERE id BETWEEN ? AND ?",
                        tuple(batch.inserted["contacts"]),
                    )
                _restore_updates(db, info)
                _refuse_dependants(db, number, info)
                for table in _delete_order(batch.inserted):
                    low, high = batch.inserted[table]
                    db.execute(
                        f"DELETE FROM {table} WHERE id BETWEEN ? AND ?",  # noqa: S608
                        (low, high),
                    )
                db.execute(
                    "INSERT INTO audit_entries (at, actor, entity, entity_id, action, changes) "
                    "VALUES (?, ?, ?, ?, 'delete', ?)",
                    (storage(utcnow()), actor, ENTITY, number, json.dumps({"undone": True})),
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return batch
    finally:
        raw.close()


def _refuse_later_work(
    db: sqlite3.Connection, number: int, entry_id: int, info: dict[str, Any]
) -> None:
    inserted: dict[str, list[int]] = info.get("inserted", {})
    # Records of the batch changed since: audit entries after the batch's own entry.
    touched: list[str] = []
    for entity, table in AUDIT_TABLES.items():
        if table not in inserted:
            continue
        low, high = inserted[table]
        found = db.execute(
            "SELECT count(DISTINCT entity_id) FROM audit_entries "
            "WHERE id > ? AND entity = ? AND entity_id BETWEEN ? AND ?",
            (entry_id, entity, low, high),
        ).fetchone()[0]
        if found:
            touched.append(f"{found} {table}")
    audit_ids = info.get("audit_ids")
    if audit_ids:
        found = db.execute(
            "SELECT count(*) FROM audit_entries a WHERE a.id > ? AND a.entity != ? AND EXISTS "
            "(SELECT 1 FROM audit_entries b WHERE b.id BETWEEN ? AND ? "
            "AND b.entity = a.entity AND b.entity_id = a.entity_id)",
            (entry_id, ENTITY, *audit_ids),
        ).fetchone()[0]
        if found:
            touched.append(f"{found} updated records")
    if touched:
        raise ConflictError(
            f"records of import batch {number} were changed after the import "
            f"({', '.join(touched)}); undoing it would lose those changes.",
            hint="Change the records back by hand instead.",
        )


def _refuse_dependants(db: sqlite3.Connection, number: int, info: dict[str, Any]) -> None:
    inserted: dict[str, list[int]] = info.get("inserted", {})
    # Records added since that hang off records of the batch.
    dependants = _dependants(db, inserted)
    if dependants:
        raise ConflictError(
            f"records added after import batch {number} belong to its records "
            f"({', '.join(dependants)}); undoing it would delete them too.",
            hint="Delete or move those records first, or change the imported ones by hand.",
        )


def _dependants(db: sqlite3.Connection, inserted: dict[str, list[int]]) -> list[str]:
    found: list[str] = []
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for child in tables:
        if child.startswith("sqlite_"):
            continue
        for fk in db.execute(f"PRAGMA foreign_key_list({child})").fetchall():
            parent, column = fk[2], fk[3]
            if parent not in inserted:
                continue
            low, high = inserted[parent]
            own = inserted.get(child)
            where = f"{column} BETWEEN ? AND ?"
            params: list[Any] = [low, high]
            if own:
                where += " AND id NOT BETWEEN ? AND ?"
                params += own
            count = db.execute(
                f"SELECT count(*) FROM {child} WHERE {where}",  # noqa: S608
                params,
            ).fetchone()[0]
            if count:
                found.append(f"{count} {child}")
    return found


def _restore_updates(db: sqlite3.Connection, info: dict[str, Any]) -> None:
    audit_ids = info.get("audit_ids")
    if not audit_ids:
        return
    rows = db.execute(
        "SELECT entity, entity_id, changes FROM audit_entries "
        "WHERE id BETWEEN ? AND ? AND action = 'update' ORDER BY id DESC",
        tuple(audit_ids),
    ).fetchall()
    for entity, entity_id, text in rows:
        table = AUDIT_TABLES.get(entity)
        if table is None:
            continue
        changes: dict[str, list[Any]] = json.loads(text)
        if not changes:
            continue
        sets = ", ".join(f'"{column}" = ?' for column in changes)
        db.execute(
            f"UPDATE {table} SET {sets} WHERE id = ?",  # noqa: S608
            (*(old for old, _ in changes.values()), entity_id),
        )
