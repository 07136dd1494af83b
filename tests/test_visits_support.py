"""Shared pieces of the visit tests: a fixed clock in Asia/Shanghai and customer factories.

No tests here; the other test_visits* modules import from it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain import AuditEntry
from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import Customer, CustomerCreate
from clientdesk.domain.customers import add_contact, create_customer
from clientdesk.domain.enums import Grade

ZONE = ZoneInfo("Asia/Shanghai")
# Wednesday 2026-11-25, 10:00 in Beijing.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZONE).astimezone(UTC)
TODAY = date(2026, 11, 25)
CADENCE = {Grade.A: 14, Grade.B: 30, Grade.C: 90, Grade.D: 180}


def local(day: date, hour: int = 10, minute: int = 0, zone: ZoneInfo = ZONE) -> datetime:
    """An aware moment at local `hour:minute` of `day`."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def make_customer(
    session: Session,
    name: str,
    *,
    grade: Grade = Grade.B,
    owner: str | None = "王芳",
    contact: str | None = "李明",
    created_at: datetime | None = None,
    **fields: Any,
) -> Customer:
    customer = create_customer(
        CustomerCreate(
            name=name,
            grade=grade,
            owner=owner,
            created_at=created_at or datetime(2024, 1, 2, tzinfo=UTC),
            **fields,
        ),
        session=session,
        actor="tester",
    )
    assert customer.id is not None
    if contact:
        add_contact(
            ContactCreate(customer_id=customer.id, name=contact, mobile="138 0013 8000"),
            session=session,
            actor="tester",
        )
    return customer


def audit_count(session: Session, entity: str = "visit") -> int:
    stmt = select(func.count()).where(col(AuditEntry.entity) == entity)
    return int(session.execute(stmt).scalar_one())
