"""Customer file rules over a real database built by the app's own engine factory."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain import AuditEntry, Contact, Customer
from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import CustomerCreate, CustomerUpdate
from clientdesk.domain.customer_list import CustomerFilter, count_customers, page_customers
from clientdesk.domain.customers import add_contact, ancestors, create_customer, update_customer
from clientdesk.domain.enums import CustomerKind, Grade, SpecialKind
from clientdesk.errors import ConflictError, ValidationError
from clientdesk.storage.database import Database

VALID_CODE = "91110108MA01C2QX3P"


def make(session: Session, name: str, **kw: object) -> Customer:
    return create_customer(CustomerCreate(name=name, **kw), session=session, actor="tester")


def test_create_generates_code_and_search_keys(database: Database) -> None:
    with Session(database.engine) as s:
        first = make(s, "北京华信科技有限公司")
        second = make(s, "厦门海运集团")
        s.commit()
        assert (first.code, second.code) == ("C000001", "C000002")
        assert first.pinyin == "beijinghuaxinkejiyouxiangongsi"
        assert first.pinyin_initials == "bjhxkjyxgs"
        assert first.name_key == "北京华信科技"
        assert second.pinyin.startswith("xiamen")  # not "shamen": phrases, not characters


def test_generated_code_skips_codes_in_use(database: Database) -> None:
    with Session(database.engine) as s:
        make(s, "甲", code="C000041")
        assert make(s, "乙").code == "C000042"


def test_credit_code_checked_and_normalised(database: Database) -> None:
    assert CustomerCreate(name="x", credit_code=" 91110108ma01c2qx3p ").credit_code == VALID_CODE
    with pytest.raises(PydanticValidationError, match="check character"):
        CustomerCreate(name="x", credit_code="91110108MA01C2QX3A")
    with pytest.raises(PydanticValidationError, match="18 characters"):
        CustomerCreate(name="x", credit_code="9111010")


def test_duplicate_credit_code_refused(database: Database) -> None:
    with Session(database.engine) as s:
        make(s, "甲公司", credit_code=VALID_CODE)
        with pytest.raises(ConflictError, match="already has this code"):
            make(s, "乙公司", credit_code=VALID_CODE)


def test_money_fields_refuse_negative() -> None:
    with pytest.raises(PydanticValidationError):
        CustomerCreate(name="x", registered_capital_cents=-1)


def test_special_kind_only_for_special_bodies() -> None:
    plain = CustomerCreate(name="x", kind=CustomerKind.DIRECT, special_kind=SpecialKind.BANK)
    assert plain.special_kind is None
    bank = CustomerCreate(name="x", kind=CustomerKind.SPECIAL, special_kind=SpecialKind.BANK)
    assert bank.special_kind == SpecialKind.BANK


def test_group_hierarchy_refuses_cycles(database: Database) -> None:
    with Session(database.engine) as s:
        parent = make(s, "华信集团")
        child = make(s, "华信科技（上海）有限公司", parent_id=parent.id)
        grandchild = make(s, "华信软件（苏州）有限公司", parent_id=child.id)
        assert grandchild.id and child.id and parent.id
        assert ancestors(grandchild.id, session=s) == [child.id, parent.id]
        with pytest.raises(ValidationError, match="own parent"):
            update_customer(
                parent.id, CustomerUpdate(parent_id=grandchild.id), session=s, actor="t"
            )
        with pytest.raises(ValidationError, match="own parent"):
            update_customer(parent.id, CustomerUpdate(parent_id=parent.id), session=s, actor="t")
        with pytest.raises(ValidationError, match="does not exist"):
            update_customer(parent.id, CustomerUpdate(parent_id=9999), session=s, actor="t")


def test_update_records_audit_and_rederives_keys(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, "旧名称有限公司")
        assert customer.id
        update_customer(
            customer.id,
            CustomerUpdate(name="重庆新名称有限公司", grade=Grade.A),
            session=s,
            actor="王",
        )
        s.commit()
        assert customer.pinyin.startswith("chongqing")
        entries = s.exec(select(AuditEntry).order_by(col(AuditEntry.id))).scalars().all()  # type: ignore[call-overload]
        assert [e.action for e in entries] == ["create", "update"]
        assert entries[1].changes["name"] == ["旧名称有限公司", "重庆新名称有限公司"]
        assert entries[1].changes["grade"] == ["D", "A"]
        assert entries[1].actor == "王"


def test_unchanged_update_writes_no_audit(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, "甲")
        assert customer.id
        update_customer(customer.id, CustomerUpdate(name="甲"), session=s, actor="t")
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == 1


def test_first_contact_is_primary_and_only_one_primary(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make(s, "甲")
        assert customer.id
        a = add_contact(ContactCreate(customer_id=customer.id, name="张三"), session=s, actor="t")
        b = add_contact(
            ContactCreate(customer_id=customer.id, name="李四", mobile="+86 138-0013-8000"),
            session=s,
            actor="t",
        )
        assert a.is_primary and not b.is_primary
        assert b.mobile_digits == "13800138000"
        c = add_contact(
            ContactCreate(customer_id=customer.id, name="王五", is_primary=True),
            session=s,
            actor="t",
        )
        s.commit()
        primaries = s.execute(select(Contact.name).where(col(Contact.is_primary))).scalars().all()
        assert primaries == [c.name]


def test_contact_validation() -> None:
    with pytest.raises(PydanticValidationError, match="e-mail"):
        ContactCreate(customer_id=1, name="x", email="not-an-email")
    with pytest.raises(PydanticValidationError, match="phone"):
        ContactCreate(customer_id=1, name="x", phone="call me")


def test_page_and_count_with_filters(database: Database) -> None:
    with Session(database.engine) as s:
        for i in range(30):
            make(s, f"公司{i:02d}", grade=Grade.A if i % 3 == 0 else Grade.C, region="华东")
        s.commit()
        assert count_customers(session=s) == 30
        only_a = CustomerFilter(grades=(Grade.A,))
        assert count_customers(session=s, filters=only_a) == 10
        page = page_customers(session=s, offset=5, limit=10, sort="name")
        assert [r.name for r in page] == [f"公司{i:02d}" for i in range(5, 15)]
        last = page_customers(session=s, offset=0, limit=3, sort="name", descending=True)
        assert [r.name for r in last] == ["公司29", "公司28", "公司27"]
        graded = page_customers(session=s, limit=100, filters=only_a)
        assert {r.grade for r in graded} == {Grade.A}
        with pytest.raises(ValueError, match="unknown sort"):
            page_customers(session=s, sort="nope")
