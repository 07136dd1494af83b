"""One customer's file as the detail screen shows it: the profile plus a few counted figures.

Everything here is a handful of indexed lookups for one customer; the timeline and the
contacts are read separately, page by page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain.complaint import Complaint
from clientdesk.domain.contact import Contact
from clientdesk.domain.contract import Contract
from clientdesk.domain.customer import Customer
from clientdesk.domain.customers import OPEN_COMPLAINT, get_customer
from clientdesk.domain.enums import ContractStatus, TransactionKind
from clientdesk.domain.transaction import Transaction

LIVE_CONTRACT = (ContractStatus.SIGNED, ContractStatus.ACTIVE)


@dataclass(frozen=True)
class Related:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class CustomerFile:
    customer: Customer
    parent: Related | None
    subsidiaries: int
    contacts: int
    key_contact: str | None
    live_contracts: int
    open_complaints: int
    # Trade figures by currency, over the twelve months up to today.
    sales_12m: dict[str, int] = field(default_factory=dict)
    payments_12m: dict[str, int] = field(default_factory=dict)
    # Sales past their due date and not paid (交易信用), by currency.
    overdue: dict[str, int] = field(default_factory=dict)
    overdue_count: int = 0


def _by_currency(session: Session, *where: object) -> dict[str, int]:
    stmt = (
        select(col(Transaction.currency), func.sum(Transaction.amount_cents))
        .where(*where)  # type: ignore[arg-type]
        .group_by(col(Transaction.currency))
        .order_by(col(Transaction.currency))
    )
    return {currency: int(total) for currency, total in session.execute(stmt) if total}


def _count(session: Session, model: type, *where: object) -> int:
    stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    return int(session.execute(stmt).scalar_one())


def load_file(customer_id: int, *, session: Session, today: date) -> CustomerFile:
    customer = get_customer(customer_id, session=session)
    parent = None
    if customer.parent_id is not None:
        row = session.execute(
            select(col(Customer.id), col(Customer.code), col(Customer.name)).where(
                col(Customer.id) == customer.parent_id
            )
        ).first()
        parent = Related(*row) if row else None
    key_contact = session.execute(
        select(col(Contact.name)).where(
            col(Contact.customer_id) == customer_id, col(Contact.is_primary)
        )
    ).scalar_one_or_none()
    mine = col(Transaction.customer_id) == customer_id
    kind = col(Transaction.kind)
    since = today - timedelta(days=365)
    recent = col(Transaction.occurred_on) > since
    overdue_where = (
        mine,
        kind == TransactionKind.SALE,
        col(Transaction.paid_on).is_(None),
        col(Transaction.due_on) < today,
    )
    return CustomerFile(
        customer=customer,
        parent=parent,
        subsidiaries=_count(session, Customer, col(Customer.parent_id) == customer_id),
        contacts=_count(session, Contact, col(Contact.customer_id) == customer_id),
        key_contact=key_contact,
        live_contracts=_count(
            session,
            Contract,
            col(Contract.customer_id) == customer_id,
            col(Contract.status).in_(LIVE_CONTRACT),
        ),
        open_complaints=_count(
            session,
            Complaint,
            col(Complaint.customer_id) == customer_id,
            col(Complaint.status).in_(OPEN_COMPLAINT),
        ),
        sales_12m=_by_currency(
            session, mine, recent, col(Transaction.kind) == TransactionKind.SALE
        ),
        payments_12m=_by_currency(
            session, mine, recent, col(Transaction.kind) == TransactionKind.PAYMENT
        ),
        overdue=_by_currency(session, *overdue_where),
        overdue_count=_count(session, Transaction, *overdue_where),
    )
