"""Customer file rules: codes, derived search keys, group hierarchy without cycles, contacts.

Every change writes an AuditEntry in the same transaction. Functions flush but never commit:
the caller owns the transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlmodel import Session, col

from clientdesk.domain import audit
from clientdesk.domain.common import utcnow
from clientdesk.domain.complaint import Complaint
from clientdesk.domain.contact import Contact, ContactCreate
from clientdesk.domain.contract import Contract
from clientdesk.domain.customer import Customer, CustomerCreate, CustomerUpdate
from clientdesk.domain.enums import AuditAction, ComplaintStatus, CustomerStatus
from clientdesk.domain.grading import GradeAssessment
from clientdesk.domain.interaction import Interaction
from clientdesk.domain.text import name_key, phone_digits, pinyin_keys
from clientdesk.domain.transaction import Transaction
from clientdesk.domain.visit import Visit
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


# -- the file's life: verified, reassigned, archived, deleted ------------------------------------


def file_checked_at(customer: Customer) -> datetime:
    """When the file was last known to be right: verified, or else entered."""
    return customer.verified_at or customer.created_at


def is_stale(customer: Customer, *, now: datetime, stale_after_days: int) -> bool:
    """Not verified (nor entered) within `stale_after_days` (settings: files.stale_after_days)."""
    return file_checked_at(customer) < now - timedelta(days=stale_after_days)


def mark_verified(
    customer_id: int, *, session: Session, actor: str | None, now: datetime | None = None
) -> Customer:
    """The salesperson checked the file with the customer: the stale clock starts again."""
    customer = get_customer(customer_id, session=session)
    now = now or utcnow()
    old = customer.verified_at
    customer.verified_at = now
    session.add(customer)
    audit.record(
        session=session,
        actor=actor,
        entity="customer",
        entity_id=customer_id,
        action=AuditAction.UPDATE,
        changes={"verified_at": [old, now]},
    )
    session.flush()
    return customer


def reassign(
    customer_id: int,
    *,
    owner: str | None,
    region: str | None,
    session: Session,
    actor: str | None,
) -> Customer:
    """Hand the customer to another salesperson and/or region (按区域划分)."""
    return update_customer(
        customer_id, CustomerUpdate(owner=owner, region=region), session=session, actor=actor
    )


def archive_customer(customer_id: int, *, session: Session, actor: str | None) -> Customer:
    """Mark the customer lost (流失): it stays on file with its whole history."""
    return update_customer(
        customer_id, CustomerUpdate(status=CustomerStatus.LOST), session=session, actor=actor
    )


OPEN_COMPLAINT = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.IN_PROGRESS,
)


@dataclass(frozen=True)
class DeletionImpact:
    """What deleting a customer would do, or why it cannot be done."""

    blockers: tuple[str, ...]  # what keeps the customer on file; empty when it may go

    removes: dict[str, int]  # records deleted along with the customer, by kind (only > 0)
    subsidiaries: int  # customers whose parent this is; they keep their files, without parent

    @property
    def allowed(self) -> bool:
        return not self.blockers

    @property
    def reason(self) -> str:
        """'it has 1 contract and 4 transactions on record'."""
        items = list(self.blockers)
        listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
        return f"it has {listed}" if items else ""


def _count(session: Session, model: Any, *where: Any) -> int:
    return int(session.execute(select(func.count()).select_from(model).where(*where)).scalar_one())


def deletion_impact(customer_id: int, *, session: Session) -> DeletionImpact:
    """Why deleting would be refused, and what would go with the customer otherwise.

    Contracts, open complaints and transactions keep a customer on file: contracts and
    trade records are the company's books, an open complaint is unfinished work. The
    database enforces the same (ON DELETE RESTRICT); checking first names the reason.
    """
    get_customer(customer_id, session=session)
    contracts = _count(session, Contract, col(Contract.customer_id) == customer_id)
    open_complaints = _count(
        session,
        Complaint,
        col(Complaint.customer_id) == customer_id,
        col(Complaint.status).in_(OPEN_COMPLAINT),
    )
    transactions = _count(session, Transaction, col(Transaction.customer_id) == customer_id)
    blockers = []
    if contracts:
        blockers.append(_plural(contracts, "contract"))
    if open_complaints:
        blockers.append(_plural(open_complaints, "open complaint"))
    if transactions:
        blockers.append(f"{_plural(transactions, 'transaction')} on record")
    removes = {
        "contacts": _count(session, Contact, col(Contact.customer_id) == customer_id),
        "interactions": _count(session, Interaction, col(Interaction.customer_id) == customer_id),
        "visits": _count(session, Visit, col(Visit.customer_id) == customer_id),
        "closed complaints": _count(
            session,
            Complaint,
            col(Complaint.customer_id) == customer_id,
            col(Complaint.status).not_in(OPEN_COMPLAINT),
        ),
        "grade assessments": _count(
            session, GradeAssessment, col(GradeAssessment.customer_id) == customer_id
        ),
    }
    subsidiaries = _count(session, Customer, col(Customer.parent_id) == customer_id)
    return DeletionImpact(
        blockers=tuple(blockers),
        removes={kind: n for kind, n in removes.items() if n},
        subsidiaries=subsidiaries,
    )


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def delete_customer(customer_id: int, *, session: Session, actor: str | None) -> DeletionImpact:
    """Delete the customer and its file, or raise ConflictError naming why it must stay.

    Contacts, interactions, visits and grade assessments go with it (ON DELETE CASCADE);
    closed complaints are deleted here, since their table restricts deletion; subsidiaries
    lose their parent link. The audit entry keeps a copy of the customer's fields.
    """
    customer = get_customer(customer_id, session=session)
    impact = deletion_impact(customer_id, session=session)
    if not impact.allowed:
        raise ConflictError(
            f"{customer.code} {customer.name} cannot be deleted: {impact.reason}.",
            hint="Archive it instead (status lost): it leaves the active lists and keeps "
            "its history.",
        )
    snapshot = customer.model_dump(exclude={"id", "pinyin", "pinyin_initials", "name_key"})
    session.execute(delete(Complaint).where(col(Complaint.customer_id) == customer_id))
    session.delete(customer)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="customer",
        entity_id=customer_id,
        action=AuditAction.DELETE,
        changes=snapshot
        | {f"deleted_{kind.replace(' ', '_')}": n for kind, n in impact.removes.items()}
        | {"subsidiaries_unlinked": impact.subsidiaries},
    )
    return impact
