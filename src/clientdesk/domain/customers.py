"""Customer file rules: codes, derived search keys, group hierarchy without cycles, contacts.

Every change writes an AuditEntry in the same transaction. Functions flush but never commit:
the caller owns the transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel import Session, col

from clientdesk.domain import audit
from clientdesk.domain.common import utcnow
from clientdesk.domain.contact import Contact, ContactCreate
from clientdesk.domain.customer import Customer, CustomerCreate, CustomerUpdate
from clientdesk.domain.enums import AuditAction
from clientdesk.domain.text import name_key, phone_digits, pinyin_keys
from clientdesk.errors import ConflictError, NotFoundError, ValidationError

CODE_PREFIX = "C"
_CODE_NUMBER = re.compile(rf"^{CODE_PREFIX}(\d+)$")


def next_customer_code(*, session: Session) -> str:
    """C000001, C000002, ...: one past the highest generated code in use."""
    codes = session.execute(
        select(col(Customer.code))
        .where(col(Customer.code).like(f"{CODE_PREFIX}%"))
        .order_by(func.length(Customer.code).desc(), col(Customer.code).desc())
        .limit(50)
    ).scalars()
    highest = max((int(m.group(1)) for c in codes if (m := _CODE_NUMBER.match(c))), default=0)
    return f"{CODE_PREFIX}{highest + 1:06d}"


def derive_keys(customer: Customer) -> None:
    customer.pinyin, customer.pinyin_initials = pinyin_keys(customer.name)
    customer.name_key = name_key(customer.name)


def get_customer(customer_id: int, *, session: Session) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} does not exist.")
    return customer


def ancestors(customer_id: int, *, session: Session) -> list[int]:
    """Ids from the customer's parent up to the top of its group (cycle-safe)."""
    rows = session.connection().execute(
        text(
            "WITH RECURSIVE up(id, depth) AS ("
            " SELECT parent_id, 1 FROM customers WHERE id = :id AND parent_id IS NOT NULL"
            " UNION SELECT c.parent_id, up.depth + 1 FROM customers c JOIN up ON c.id = up.id"
            " WHERE c.parent_id IS NOT NULL AND up.depth < 100"
            ") SELECT id FROM up ORDER BY depth"
        ),
        {"id": customer_id},
    )
    return [row[0] for row in rows]


def check_parent(customer_id: int | None, parent_id: int | None, *, session: Session) -> None:
    if parent_id is None:
        return
    parent = session.get(Customer, parent_id)
    if parent is None:
        raise ValidationError(f"parent customer {parent_id} does not exist.", field="parent_id")
    if customer_id is None:
        return
    if parent_id == customer_id or customer_id in ancestors(parent_id, session=session):
        raise ValidationError(
            f"{parent.name} is already inside this customer's group; a company cannot be "
            "its own parent. Choose a parent outside the group.",
            field="parent_id",
        )


def _check_unique(customer: Customer, *, session: Session) -> None:
    same_key = col(Customer.code) == customer.code
    if customer.credit_code:
        same_key = same_key | (col(Customer.credit_code) == customer.credit_code)
    clash = session.execute(
        select(col(Customer.code), col(Customer.name)).where(
            col(Customer.id) != customer.id, same_key
        )
    ).first()
    if clash:
        raise ConflictError(
            f"customer {clash.code} {clash.name} already has this code or credit code.",
            hint="Open the existing file instead of creating a second one.",
        )


def create_customer(data: CustomerCreate, *, session: Session, actor: str | None) -> Customer:
    values = data.model_dump(exclude={"code", "created_at"})
    customer = Customer(**values, code=data.code or next_customer_code(session=session))
    if data.created_at:
        customer.created_at = data.created_at
    derive_keys(customer)
    check_parent(None, customer.parent_id, session=session)
    _check_unique(customer, session=session)
    session.add(customer)
    session.flush()
    assert customer.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="customer",
        entity_id=customer.id,
        action=AuditAction.CREATE,
        changes=customer.model_dump(exclude={"id", "pinyin", "pinyin_initials", "name_key"}),
    )
    return customer


def update_customer(
    customer_id: int, data: CustomerUpdate, *, session: Session, actor: str | None
) -> Customer:
    customer = get_customer(customer_id, session=session)
    changes: dict[str, Any] = {
        key: [getattr(customer, key), value]
        for key, value in data.model_dump(exclude_unset=True).items()
        if getattr(customer, key) != value
    }
    if not changes:
        return customer
    if "parent_id" in changes:  # checked before anything is set, so nothing half-applied
        check_parent(customer_id, changes["parent_id"][1], session=session)
    for key, (_, value) in changes.items():
        setattr(customer, key, value)
    if "name" in changes:
        derive_keys(customer)
    _check_unique(customer, session=session)
    customer.updated_at = utcnow()
    session.add(customer)
    audit.record(
        session=session,
        actor=actor,
        entity="customer",
        entity_id=customer_id,
        action=AuditAction.UPDATE,
        changes=changes,
    )
    session.flush()
    return customer


def add_contact(data: ContactCreate, *, session: Session, actor: str | None) -> Contact:
    get_customer(data.customer_id, session=session)
    contact = Contact(**data.model_dump())
    contact.phone_digits = phone_digits(contact.phone)
    contact.mobile_digits = phone_digits(contact.mobile)
    has_contacts = session.execute(
        select(func.count()).where(col(Contact.customer_id) == data.customer_id)
    ).scalar_one()
    if not has_contacts:
        contact.is_primary = True  # a customer's first contact is its key contact
    elif contact.is_primary:
        session.execute(
            update(Contact)
            .where(col(Contact.customer_id) == data.customer_id)
            .values(is_primary=False)
        )
    session.add(contact)
    session.flush()
    assert contact.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="contact",
        entity_id=contact.id,
        action=AuditAction.CREATE,
        changes=contact.model_dump(exclude={"id", "phone_digits", "mobile_digits"}),
    )
    return contact
