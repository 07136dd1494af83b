"""Logging what happened with a customer: service records (服务记录) and trade records (购销).

Like every write, these flush but never commit, and record an AuditEntry in the caller's
transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from clientdesk.domain import audit
from clientdesk.domain.common import utcnow
from clientdesk.domain.contact import Contact
from clientdesk.domain.customers import get_customer
from clientdesk.domain.enums import AuditAction
from clientdesk.domain.interaction import Interaction, InteractionCreate
from clientdesk.domain.transaction import Transaction, TransactionCreate
from clientdesk.errors import ValidationError

# Clocks drift and forms take a while to fill in: "now" may be a little ahead of the database.
FUTURE_GRACE = timedelta(minutes=10)


def _check_contact(customer_id: int, contact_id: int | None, *, session: Session) -> None:
    if contact_id is None:
        return
    contact = session.get(Contact, contact_id)
    if contact is None or contact.customer_id != customer_id:
        raise ValidationError(
            f"contact {contact_id} is not a contact of this customer; choose one of its own.",
            field="contact_id",
        )


def log_interaction(
    data: InteractionCreate, *, session: Session, actor: str | None, now: datetime | None = None
) -> Interaction:
    """Record a call, meeting, e-mail, seminar or dinner and move the customer's last contact.

    An interaction in the future is refused: that is a visit to plan, not one to log.
    """
    now = now or utcnow()
    customer = get_customer(data.customer_id, session=session)
    _check_contact(data.customer_id, data.contact_id, session=session)
    if data.occurred_at > now + FUTURE_GRACE:
        raise ValidationError(
            "the interaction is dated in the future; log it once it has happened "
            "(or plan a visit for it).",
            field="occurred_at",
        )
    interaction = Interaction(**data.model_dump())
    session.add(interaction)
    # An older interaction logged late must not move the last contact back in time.
    if customer.last_contact_at is None or interaction.occurred_at > customer.last_contact_at:
        customer.last_contact_at = interaction.occurred_at
        session.add(customer)
    session.flush()
    assert interaction.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="interaction",
        entity_id=interaction.id,
        action=AuditAction.CREATE,
        changes=interaction.model_dump(exclude={"id"}),
    )
    return interaction


def log_transaction(data: TransactionCreate, *, session: Session, actor: str | None) -> Transaction:
    """Record a sale, purchase, payment or refund with its dates.

    A paid date before the transaction date is accepted: that is a prepayment (预付款).
    """
    get_customer(data.customer_id, session=session)
    transaction = Transaction(**data.model_dump())
    session.add(transaction)
    session.flush()
    assert transaction.id is not None
    audit.record(
        session=session,
        actor=actor,
        entity="transaction",
        entity_id=transaction.id,
        action=AuditAction.CREATE,
        changes=transaction.model_dump(exclude={"id"}),
    )
    return transaction
