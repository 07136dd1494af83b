"""Audit trail: what changed, when, by whom. Written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.enums import AuditAction


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str | None = Field(default=None, max_length=60)
    entity: str = Field(max_length=40)
    entity_id: int
    action: AuditAction = Field(sa_type=StrEnumType(AuditAction, 10))
    # {field: [old, new]} for updates, {field: value} for creates and deletes.
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value (dates and enums as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    *,
    session: Session,
    actor: str | None,
    entity: str,
    entity_id: int,
    action: AuditAction,
    changes: dict[str, Any],
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes={
            key: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v]
            for key, v in changes.items()
        },
    )
    session.add(entry)
    return entry
