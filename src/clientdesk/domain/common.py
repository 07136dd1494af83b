"""Pieces every table shares: UTC clock, enum column type, id/timestamp mixins."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Aware UTC now; SQLModel's datetime columns refuse naive values and return UTC."""
    return datetime.now(UTC)


class StrEnumType(TypeDecorator[StrEnum]):
    """Stores a StrEnum by its value in a plain VARCHAR.

    SQLAlchemy's Enum stores member *names* and makes native types on PostgreSQL, which
    turn every new member into a migration; a string column keeps both databases simple.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 20) -> None:
        super().__init__(length=length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        return self.enum_cls(value)
