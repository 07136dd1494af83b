"""Actions on a customer file, each over a real database: what it writes, what it refuses,
and the audit entry it leaves in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain import AuditEntry, Contact, Customer, Interaction, Transaction
from clientdesk.domain.activity import log_interaction, log_transaction
from clientdesk.domain.complaint import Complaint
from clientdesk.domain.contact import ContactCreate, ContactUpdate
from clientdesk.domain.contacts import (
    add_contact,
    delete_contact,
    list_contacts,
    set_primary_contact,
    update_contact,
)
from clientdesk.domain.contract import Contract
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import (
    archive_customer,
    create_customer,
    delete_customer,
    deletion_impact,
    is_stale,
    mark_verified,
    reassign,
)
from clientdesk.domain.enums import (
    AuditAction,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    CustomerStatus,
    InteractionKind,
    TransactionKind,
)
from clientdesk.domain.interaction import InteractionCreate
from clientdesk.domain.transaction import TransactionCreate
from clientdesk.domain.visit import Visit
from clientdesk.errors import ConflictError, NotFoundError, ValidationError
from clientdesk.storage.database import Database

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make(session: Session, name: str = "北京华信科技有限公司", **kw: Any) -> Customer:
    customer = create_customer(CustomerCreate(name=name, **kw), session=session, actor="tester")
    assert customer.id is not None
    return customer


def audit_of(session: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id) == entity_id)
        .order_by(col(AuditEntry.id))
    )
    return list(session.execute(stmt).scalars())


def count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def interaction(customer_id: int, when: datetime, **kw: Any) -> InteractionCreate:
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "kind": InteractionKind.CALL,
        "occurred_at": when,
        "subject": "回访电话",
    }
    return InteractionCreate(**(values | kw))


# -- logging interactions ---------------------------------------------------------------------


def test_logging_an_interaction_moves_last_contact_and_is_audited(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        done = log_interaction(
            interaction(customer.id, NOW - timedelta(hours=2), kind=InteractionKind.DINNER),
            session=s,
            actor="王芳",
            now=NOW,
        )
        s.commit()
        s.refresh(customer)
        assert customer.last_contact_at == NOW - timedelta(hours=2)
        assert done.id is not None
        [entry] = audit_of(s, "interaction", done.id)
        assert entry.action == AuditAction.CREATE
        assert entry.actor == "王芳"
        assert entry.changes["kind"] == "dinner"
        assert entry.changes["subject"] == "回访电话"


def test_an_older_interaction_does_not_move_last_contact_back(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        log_interaction(interaction(customer.id, NOW), session=s, actor="t", now=NOW)
        log_interaction(
            interaction(customer.id, NOW - timedelta(days=30)), session=s, actor="t", now=NOW
        )
        s.commit()
        s.refresh(customer)
        assert customer.last_contact_at == NOW
        assert count(s, Interaction) == 2


def test_an_interaction_in_the_future_is_refused(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        with pytest.raises(ValidationError, match="future") as caught:
            log_interaction(
                interaction(customer.id, NOW + timedelta(days=1)), session=s, actor="t", now=NOW
            )
        assert caught.value.field == "occurred_at"
        s.rollback()
        assert count(s, Interaction) == 0


def test_an_interaction_with_another_customers_contact_is_refused(database: Database) -> None:
    with Session(database.engine) as s:
        ours, theirs = make(s), make(s, "上海东方贸易有限公司")
        assert ours.id is not None and theirs.id is not None
        stranger = add_contact(
            ContactCreate(customer_id=theirs.id, name="李四"), session=s, actor="t"
        )
        with pytest.raises(ValidationError, match="not a contact of this customer") as caught:
            log_interaction(
                interaction(ours.id, NOW, contact_id=stranger.id), session=s, actor="t", now=NOW
            )
        assert caught.value.field == "contact_id"


def test_an_interaction_for_a_missing_customer_is_refused(database: Database) -> None:
    with Session(database.engine) as s, pytest.raises(NotFoundError):
        log_interaction(interaction(999, NOW), session=s, actor="t", now=NOW)


# -- logging transactions ---------------------------------------------------------------------


def test_logging_a_transaction_is_audited(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        sale = log_transaction(
            TransactionCreate(
                customer_id=customer.id,
                kind=TransactionKind.SALE,
                amount_cents=123_456_78,
                currency="CNY",
                occurred_on=date(2025, 2, 1),
                due_on=date(2025, 3, 3),
            ),
            session=s,
            actor="张伟",
        )
        s.commit()
        assert sale.id is not None
        [entry] = audit_of(s, "transaction", sale.id)
        assert entry.changes["amount_cents"] == 123_456_78
        assert entry.changes["due_on"] == "2025-03-03"
        assert entry.actor == "张伟"


def test_a_prepayment_is_accepted_but_a_due_date_before_the_sale_is_not(
    database: Database,
) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        paid_first = TransactionCreate(
            customer_id=customer.id,
            kind=TransactionKind.SALE,
            amount_cents=100,
            occurred_on=date(2025, 2, 1),
            paid_on=date(2025, 1, 20),
        )
        log_transaction(paid_first, session=s, actor="t")
        assert count(s, Transaction) == 1
    with pytest.raises(ValueError, match="due date is before"):
        TransactionCreate(
            customer_id=1,
            kind=TransactionKind.SALE,
            amount_cents=100,
            occurred_on=date(2025, 2, 1),
            due_on=date(2025, 1, 1),
        )


# -- verify, reassign, archive ------------------------------------------------------------------


def test_mark_verified_resets_the_stale_clock(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, created_at=NOW - timedelta(days=400))
        assert customer.id is not None
        assert is_stale(customer, now=NOW, stale_after_days=180)
        mark_verified(customer.id, session=s, actor="t", now=NOW)
        s.commit()
        s.refresh(customer)
        assert customer.verified_at == NOW
        assert not is_stale(customer, now=NOW, stale_after_days=180)
        assert is_stale(customer, now=NOW + timedelta(days=181), stale_after_days=180)
        entry = audit_of(s, "customer", customer.id)[-1]
        assert entry.action == AuditAction.UPDATE
        assert entry.changes == {"verified_at": [None, str(NOW)]}


def test_a_new_file_is_not_stale_until_its_days_have_passed(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, created_at=NOW - timedelta(days=10))
        assert not is_stale(customer, now=NOW, stale_after_days=30)
        assert is_stale(customer, now=NOW, stale_after_days=5)


def test_reassign_changes_owner_and_region_with_one_audit_entry(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, owner="张伟", region="华东")
        assert customer.id is not None
        reassign(customer.id, owner="李娜", region="华北", session=s, actor="经理")
        s.commit()
        s.refresh(customer)
        assert (customer.owner, customer.region) == ("李娜", "华北")
        entry = audit_of(s, "customer", customer.id)[-1]
        assert entry.changes == {"owner": ["张伟", "李娜"], "region": ["华东", "华北"]}
        assert entry.actor == "经理"


def test_archive_sets_status_lost(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, status=CustomerStatus.ACTIVE)
        assert customer.id is not None
        archive_customer(customer.id, session=s, actor="t")
        s.commit()
        s.refresh(customer)
        assert customer.status == CustomerStatus.LOST
        assert audit_of(s, "customer", customer.id)[-1].changes == {"status": ["active", "lost"]}


# -- deleting -------------------------------------------------------------------------------


def add_contract(session: Session, customer_id: int) -> None:
    session.add(Contract(customer_id=customer_id, number="HT-1", title="年度框架协议"))
    session.flush()


def add_complaint(session: Session, customer_id: int, status: ComplaintStatus) -> None:
    session.add(
        Complaint(
            customer_id=customer_id,
            channel=ComplaintChannel.PHONE,
            category=ComplaintCategory.SERVICE,
            summary="送货延误",
            due_at=NOW,
            status=status,
        )
    )
    session.flush()


def test_delete_is_refused_while_the_customer_has_contracts(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        add_contract(s, customer.id)
        s.commit()
        impact = deletion_impact(customer.id, session=s)
        assert not impact.allowed
        assert impact.blockers == ("1 contract",)
        assert impact.reason == "it has 1 contract"
        with pytest.raises(ConflictError, match="cannot be deleted: it has 1 contract") as caught:
            delete_customer(customer.id, session=s, actor="t")
        assert "Archive it instead" in str(caught.value)
        s.rollback()
        assert count(s, Customer) == 1
        assert [e.action for e in audit_of(s, "customer", customer.id)] == [AuditAction.CREATE]


def test_delete_is_refused_while_a_complaint_is_open(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        add_complaint(s, customer.id, ComplaintStatus.IN_PROGRESS)
        add_complaint(s, customer.id, ComplaintStatus.RECEIVED)
        with pytest.raises(ConflictError, match="2 open complaints"):
            delete_customer(customer.id, session=s, actor="t")


def test_delete_is_refused_while_transactions_are_on_record(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        log_transaction(
            TransactionCreate(
                customer_id=customer.id,
                kind=TransactionKind.PAYMENT,
                amount_cents=5000,
                occurred_on=date(2025, 1, 5),
            ),
            session=s,
            actor="t",
        )
        impact = deletion_impact(customer.id, session=s)
        assert impact.blockers == ("1 transaction on record",)
        add_contract(s, customer.id)
        add_complaint(s, customer.id, ComplaintStatus.ACKNOWLEDGED)
        reason = deletion_impact(customer.id, session=s).reason
        assert reason == "it has 1 contract, 1 open complaint and 1 transaction on record"


def test_delete_takes_the_file_with_it_and_keeps_a_copy_in_the_audit(
    database: Database,
) -> None:
    with Session(database.engine) as s:
        parent = make(s, "华信集团", credit_code="91110108MA01C2QX3P")
        assert parent.id is not None
        child = make(s, "华信科技（上海）有限公司", parent_id=parent.id)
        add_contact(ContactCreate(customer_id=parent.id, name="张三"), session=s, actor="t")
        log_interaction(interaction(parent.id, NOW), session=s, actor="t", now=NOW)
        s.add(Visit(customer_id=parent.id, purpose="例行拜访", planned_at=NOW))
        add_complaint(s, parent.id, ComplaintStatus.CLOSED)
        s.commit()
        impact = deletion_impact(parent.id, session=s)
        assert impact.allowed
        assert impact.removes == {
            "contacts": 1,
            "interactions": 1,
            "visits": 1,
            "closed complaints": 1,
        }
        assert impact.subsidiaries == 1
        delete_customer(parent.id, session=s, actor="经理")
        s.commit()
        assert s.get(Customer, parent.id) is None
        assert count(s, Contact) == count(s, Interaction) == count(s, Complaint) == 0
        assert count(s, Visit) == 0
        s.refresh(child)
        assert child.parent_id is None
        entry = audit_of(s, "customer", parent.id)[-1]
        assert entry.action == AuditAction.DELETE
        assert entry.actor == "经理"
        assert entry.changes["name"] == "华信集团"
        assert entry.changes["credit_code"] == "91110108MA01C2QX3P"
        assert entry.changes["deleted_contacts"] == 1
        assert entry.changes["deleted_closed_complaints"] == 1
        assert entry.changes["subsidiaries_unlinked"] == 1


def test_delete_of_a_missing_customer_says_so(database: Database) -> None:
    with Session(database.engine) as s, pytest.raises(NotFoundError, match="does not exist"):
        delete_customer(42, session=s, actor="t")


# -- contacts -------------------------------------------------------------------------------


def test_update_contact_rederives_phone_digits_and_is_audited(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        contact = add_contact(
            ContactCreate(customer_id=customer.id, name="张三", mobile="13800138000"),
            session=s,
            actor="t",
        )
        assert contact.id is not None
        update_contact(
            contact.id,
            ContactUpdate(mobile="+86 139-0000-1111", email="zhang@example.com"),
            session=s,
            actor="李娜",
        )
        s.commit()
        s.refresh(contact)
        assert contact.mobile_digits == "13900001111"
        entry = audit_of(s, "contact", contact.id)[-1]
        assert entry.action == AuditAction.UPDATE
        assert entry.changes["mobile"] == ["13800138000", "+86 139-0000-1111"]
        assert entry.changes["email"] == [None, "zhang@example.com"]


def test_set_primary_moves_the_star_and_keeps_one_key_contact(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        first = add_contact(ContactCreate(customer_id=customer.id, name="甲"), session=s, actor="t")
        second = add_contact(
            ContactCreate(customer_id=customer.id, name="乙"), session=s, actor="t"
        )
        assert second.id is not None
        set_primary_contact(second.id, session=s, actor="t")
        s.commit()
        listed = list_contacts(customer.id, session=s)
        assert [(c.name, c.is_primary) for c in listed] == [("乙", True), ("甲", False)]
        s.refresh(first)
        assert not first.is_primary
        assert audit_of(s, "contact", second.id)[-1].changes == {"is_primary": [False, True]}


def test_deleting_the_key_contact_promotes_the_longest_standing(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        key = add_contact(ContactCreate(customer_id=customer.id, name="甲"), session=s, actor="t")
        older = add_contact(ContactCreate(customer_id=customer.id, name="乙"), session=s, actor="t")
        add_contact(ContactCreate(customer_id=customer.id, name="丙"), session=s, actor="t")
        log_interaction(
            interaction(customer.id, NOW, contact_id=key.id), session=s, actor="t", now=NOW
        )
        assert key.id is not None
        successor = delete_contact(key.id, session=s, actor="t")
        s.commit()
        assert successor is not None and successor.id == older.id
        assert [c.name for c in list_contacts(customer.id, session=s) if c.is_primary] == ["乙"]
        # The interaction stays, without its link to the deleted contact.
        logged = s.execute(select(Interaction)).scalar_one()
        assert logged.contact_id is None
        assert audit_of(s, "contact", key.id)[-1].action == AuditAction.DELETE


def test_deleting_an_ordinary_contact_leaves_the_key_contact(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s)
        assert customer.id is not None
        add_contact(ContactCreate(customer_id=customer.id, name="甲"), session=s, actor="t")
        other = add_contact(ContactCreate(customer_id=customer.id, name="乙"), session=s, actor="t")
        assert other.id is not None
        assert delete_contact(other.id, session=s, actor="t") is None
        assert [c.name for c in list_contacts(customer.id, session=s)] == ["甲"]
