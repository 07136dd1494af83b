"""Contacts of a customer (联系人): edit, choose the key contact (主要联系人), delete.

Adding a contact lives with the customer rules (`customers.add_contact`) and is re-exported
here. A customer with contacts always has exactly one key contact: the first one added, the
one chosen, or — when the key contact is deleted — the longest-standing one left.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from clientdesk.domain import audit
from clientdesk.domain.common import utcnow
from clientdesk.domain.contact import Contact, ContactUpdate
from clientdesk.domain.customers import add_contact
from clientdesk.domain.enums import AuditAction
from clientdesk.domain.text import phone_digits
from clientdesk.errors import NotFoundError

__all__ = [
    "add_contact",
    "delete_contact",
    "get_contact",
    "list_contacts",
    "set_primary_contact",
    "update_contact",
]

MAX_CONTACTS_SHOWN = 500
"""A customer's contacts are read in one go; no real customer has more than a few dozen."""


def get_contact(contact_id: int, *, session: Session) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"contact {contact_id} does not exist (deleted meanwhile?).")
    return contact


def list_contacts(customer_id: int, *, session: Session) -> list[Contact]:
    """The key contact first, then by name."""
    stmt = (
        select(Contact)
        .where(col(Contact.customer_id) == customer_id)
        .order_by(col(Contact.is_primary).desc(), col(Contact.name), col(Contact.id))
        .limit(MAX_CONTACTS_SHOWN)
    )
    return list(session.execute(stmt).scalars())


def _make_primary(contact: Contact, *, session: Session) -> None:
    # Unset first: the unique index allows one key contact per customer at any moment.
    session.execute(
        update(Contact)
        .where(col(Contact.customer_id) == contact.customer_id, col(Contact.id) != contact.id)
        .values(is_primary=False)
    )
    contact.is_primary = True


def update_contact(
    contact_id: int, data: ContactUpdate, *, session: Session, actor: str | None
) -> Contact:
    """Change the fields set in `data`; setting is_primary=True makes it the key contact.

    Unsetting is_primary is ignored: choose another key contact instead.
    """
    contact = get_contact(contact_id, session=session)
    wanted = data.model_dump(exclude_unset=True)
    if wanted.get("is_primary") is False:
        del wanted["is_primary"]
    changes: dict[str, Any] = {
        key: [getattr(contact, key), value]
        for key, value in wanted.items()
        if getattr(contact, key) != value
    }
    if not changes:
        return contact
    for key, (_, value) in changes.items():
        if key != "is_primary":
            setattr(contact, key, value)
    if "is_primary" in changes:
        _make_primary(contact, session=session)
    contact.phone_digits = phone_digits(contact.phone)
    contact.mobile_digits = phone_digits(contact.mobile)
    contact.updated_at = utcnow()
    session.add(contact)
    audit.record(
        session=session,
        actor=actor,
        entity="contact",
        entity_id=contact_id,
        action=AuditAction.UPDATE,
        changes=changes,
    )
    session.flush()
    return contact


def set_primary_contact(contact_id: int, *, session: Session, actor: str | None) -> Contact:
    return update_contact(contact_id, ContactUpdate(is_primary=True), session=session, actor=actor)


def delete_contact(contact_id: int, *, session: Session, actor: str | None) -> Contact | None:
    """Delete a contact; records that named it keep their text but lose the link.

    Returns the contact that became the key contact in its place, if any.
    """
    contact = get_contact(contact_id, session=session)
    was_primary = contact.is_primary
    snapshot = contact.model_dump(exclude={"id", "phone_digits", "mobile_digits"})
    session.delete(contact)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="contact",
        entity_id=contact_id,
        action=AuditAction.DELETE,
        changes=snapshot,
    )
    if not was_primary:
        return None
    successor = session.execute(
        select(Contact)
        .where(col(Contact.customer_id) == contact.customer_id)
        .order_by(col(Contact.created_at), col(Contact.id))
        .limit(1)
    ).scalar_one_or_none()
    if successor is None:
        return None
    successor.is_primary = True
    session.add(successor)
    assert successor.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="contact",
        entity_id=successor.id,
        action=AuditAction.UPDATE,
        changes={"is_primary": [False, True]},
    )
    session.flush()
    return successor
