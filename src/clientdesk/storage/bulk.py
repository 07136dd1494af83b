"""Bulk loads inside one transaction: indexes and triggers out of the way, then back.

Loading many rows is faster when the secondary indexes are built once at the end and the
triggers that keep derived data in step (the customer search index, each customer's last
visit) do not fire per row: the derived data is then computed in one pass. Everything runs
inside the caller's transaction, so a failed load gets the indexes and triggers back on
rollback (SQLite and PostgreSQL both have transactional DDL).

    with connection.begin():
        load = BulkLoad(connection, tables)
        load.prepare()
        ...insert the rows...
        load.finish()  # indexes, derived data, triggers, id sequences

Used by the demo build and `clientdesk db copy`.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import Connection, Table

from clientdesk.domain.search import rebuild_search_index
from clientdesk.domain.visits_due import refresh_last_visits


def first_with_rows(connection: Connection, tables: Iterable[Table]) -> tuple[str, int] | None:
    """(name, row count) of the first of `tables` holding rows; None when all are empty.

    Bulk loads go into empty tables only: ids are copied or assigned from 1, and the
    derived data is recomputed over whole tables.
    """
    for table in tables:
        count = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if count:
            return table.name, int(count)
    return None


class BulkLoad:
    def __init__(self, connection: Connection, tables: Iterable[Table]) -> None:
        self.connection = connection
        self.tables = list(tables)
        self._deferred: list[str] = []  # CREATE INDEX statements to run again (SQLite)
        self._triggers: list[str] = []  # CREATE TRIGGER statements to run again (SQLite)
        self._disabled: list[Table] = []  # tables whose triggers are off (PostgreSQL)

    @property
    def dialect(self) -> str:
        return self.connection.dialect.name

    def prepare(self) -> None:
        """SQLite: drop the tables' secondary indexes and triggers. PostgreSQL: switch their
        triggers off (the indexes stay: dropping them would need their definitions)."""
        if self.dialect == "sqlite":
            self._drop_sqlite()
        elif self.dialect == "postgresql":
            for table in self.tables:
                if self._has_user_triggers(table):
                    self._alter_triggers(table, "DISABLE")
                    self._disabled.append(table)

    def finish(self) -> None:
        """Indexes back, derived data recomputed in one pass, triggers back, and on
        PostgreSQL each id sequence moved past the highest id now stored."""
        connection = self.connection
        for sql in self._deferred:
            connection.exec_driver_sql(sql)
        self._deferred.clear()
        if self._triggers or self._disabled:
            rebuild_search_index(connection)  # a no-op without the SQLite search index
            refresh_last_visits(connection)  # customers.last_visit_at, kept by triggers
        for sql in self._triggers:
            connection.exec_driver_sql(sql)
        self._triggers.clear()
        for table in self._disabled:
            self._alter_triggers(table, "ENABLE")
        self._disabled.clear()
        self.reset_sequences()

    def reset_sequences(self) -> None:
        """PostgreSQL: move each table's id sequence past its highest id."""
        if self.dialect != "postgresql":
            return
        for table in self.tables:
            if "id" not in table.c or not table.c.id.autoincrement:
                continue
            highest = sa.select(sa.func.max(table.c.id)).scalar_subquery()
            sequence = sa.func.pg_get_serial_sequence(table.name, "id")
            # setval(seq, NULL) leaves an empty table's sequence alone.
            self.connection.execute(sa.select(sa.func.setval(sequence, highest)))

    def _drop_sqlite(self) -> None:
        quote = self.connection.dialect.identifier_preparer
        master = sa.table(
            "sqlite_master",
            sa.column("type"),
            sa.column("name"),
            sa.column("tbl_name"),
            sa.column("sql"),
        )
        found = self.connection.execute(
            sa.select(master.c.type, master.c.name, master.c.sql)
            .where(
                master.c.type.in_(["index", "trigger"]),
                master.c.sql.is_not(None),  # automatic indexes of UNIQUE constraints stay
                master.c.tbl_name.in_([table.name for table in self.tables]),
            )
            .order_by(master.c.type, master.c.name)
        ).all()
        for kind, name, sql in found:
            # Names read from sqlite_master, quoted by the dialect.
            self.connection.exec_driver_sql(f"DROP {kind.upper()} {quote.quote(name)}")
            (self._triggers if kind == "trigger" else self._deferred).append(sql)

    def _has_user_triggers(self, table: Table) -> bool:
        found = self.connection.execute(
            sa.text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST(:name AS regclass) "
                "AND NOT tgisinternal"
            ),
            {"name": table.name},
        ).scalar_one()
        return bool(found)

    def _alter_triggers(self, table: Table, action: str) -> None:
        quoted = self.connection.dialect.identifier_preparer.format_table(table)
        self.connection.exec_driver_sql(f"ALTER TABLE {quoted} {action} TRIGGER USER")
