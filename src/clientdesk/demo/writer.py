"""Bulk inserts through SQLAlchemy Core, with a fast path for SQLite.

The portable path is `connection.execute(table.insert(), list_of_dicts)`, where SQLAlchemy
binds every value through the column types. On SQLite (pysqlite) that binding costs more
than the insert itself, so the fast path sends the rows — already holding the exact text
SQLAlchemy would store, see `clock` — straight to the driver's executemany on the same
Core connection and transaction. tests/test_demo.py checks both paths store identical data.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Table

from clientdesk.demo import tables as T
from clientdesk.domain.search import rebuild_search_index
from clientdesk.domain.visits_due import refresh_last_visits

CHUNK = 20_000  # rows per executemany


def can_use_fast_path(connection: Connection) -> bool:
    dialect = connection.dialect
    return (
        dialect.name == "sqlite" and dialect.driver == "pysqlite" and dialect.paramstyle == "qmark"
    )


def check_columns(table: Table, columns: tuple[str, ...]) -> None:
    """Fail loudly when the model gained a required column the generator does not fill."""
    names = set(table.c.keys())
    unknown = [name for name in columns if name not in names]
    missing = [
        column.name
        for column in table.c
        if not column.nullable and column.server_default is None and column.name not in columns
    ]
    if unknown or missing:
        raise RuntimeError(
            f"the demo generator is out of date with table {table.name}: "
            f"unknown columns {unknown}, required columns not filled {missing}"
        )


class Writer:
    def __init__(self, connection: Connection, *, fast: bool) -> None:
        self.connection = connection
        self.fast = fast
        self.counts: dict[str, int] = dict.fromkeys(T.COLUMNS, 0)
        self._sql: dict[str, str] = {}
        self._deferred: list[str] = []
        self._triggers: list[str] = []
        quote = connection.dialect.identifier_preparer
        for name, columns in T.COLUMNS.items():
            table = T.TABLES[name]
            check_columns(table, columns)
            # Identifiers from our own metadata, quoted by the dialect; values are bound.
            self._sql[name] = (
                f"INSERT INTO {quote.format_table(table)} "  # noqa: S608
                f"({', '.join(quote.quote(column) for column in columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )

    def write(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        connection = self.connection
        columns = T.COLUMNS[name]
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            if self.fast:
                connection.exec_driver_sql(self._sql[name], chunk)
            else:
                connection.execute(
                    T.TABLES[name].insert(), [dict(zip(columns, row, strict=True)) for row in chunk]
                )
        self.counts[name] += len(rows)

    def defer_indexes(self) -> None:
        """SQLite: drop the secondary indexes now and build them once at the end (faster).

        The triggers that keep the search index in step go too: `build_indexes` fills the
        search index in one pass and puts them back. Runs inside the build transaction, so
        a failed build gets them back on rollback.
        """
        if self.connection.dialect.name != "sqlite":
            return
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
                master.c.tbl_name.in_(list(T.TABLES)),
            )
            .order_by(master.c.type, master.c.name)
        ).all()
        for kind, name, sql in found:
            self.connection.exec_driver_sql(f"DROP {kind.upper()} {quote.quote(name)}")
            if kind == "trigger":
                self._triggers.append(sql)
            else:
                self._deferred.append(sql)

    def build_indexes(self) -> None:
        for sql in self._deferred:
            self.connection.exec_driver_sql(sql)
        self._deferred.clear()
        if self._triggers:
            rebuild_search_index(self.connection)
            refresh_last_visits(self.connection)  # customers.last_visit_at, kept by triggers
        for sql in self._triggers:
            self.connection.exec_driver_sql(sql)
        self._triggers.clear()

    def reset_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids assigned here."""
        if self.connection.dialect.name != "postgresql":
            return
        for name, table in T.TABLES.items():
            if not self.counts[name]:
                continue
            highest = sa.select(sa.func.max(table.c.id)).scalar_subquery()
            sequence = sa.func.pg_get_serial_sequence(table.name, "id")
            self.connection.execute(sa.select(sa.func.setval(sequence, highest)))
