"""Bulk inserts through SQLAlchemy Core, with a fast path for SQLite.

The portable path is `connection.execute(table.insert(), list_of_dicts)`, where SQLAlchemy
binds every value through the column types. On SQLite (pysqlite) that binding costs more
than the insert itself, so the fast path sends the rows — already holding the exact text
SQLAlchemy would store, see `clock` — straight to the driver's executemany on the same
Core connection and transaction. tests/test_demo.py checks both paths store identical data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table

from clientdesk.demo import tables as T

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
