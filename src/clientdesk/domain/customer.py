"""Customer file (客户档案): the static profile; dynamic records hang off it by customer_id."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel

from clientdesk.domain.common import StrEnumType, utcnow
from clientdesk.domain.creditcode import credit_code_problem, normalize_credit_code
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade, SpecialKind


def valid_credit_code(value: object) -> str | None:
    """Normalised credit code, None for blank; ValueError (shown beside the field) if invalid."""
    value = "" if value is None else str(value)
    if not value.strip():
        return None
    code = normalize_credit_code(value)
    problem = credit_code_problem(code)
    if problem:
        raise ValueError(f"credit code {code} {problem}")
    return code


class CustomerBase(SQLModel):
    name: str = Field(min_length=1, max_length=200, index=True, description="公司名称")
    short_name: str | None = Field(default=None, max_length=60, description="简称")
    kind: CustomerKind = Field(
        default=CustomerKind.DIRECT,
        sa_type=StrEnumType(CustomerKind),
        index=True,
        description="客户类型",
    )
    special_kind: SpecialKind | None = Field(default=None, sa_type=StrEnumType(SpecialKind))
    industry: str | None = Field(default=None, max_length=60, index=True, description="行业")
    region: str | None = Field(default=None, max_length=60, index=True, description="区域")
    address: str | None = Field(default=None, max_length=300, description="地址")
    website: str | None = Field(default=None, max_length=200)
    credit_code: str | None = Field(
        default=None, max_length=18, unique=True, description="统一社会信用代码"
    )
    registered_capital_cents: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    annual_revenue_cents: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    bank_name: str | None = Field(default=None, max_length=100, description="开户银行")
    bank_account: str | None = Field(default=None, max_length=40, description="银行账号")
    owner: str | None = Field(default=None, max_length=60, index=True, description="客户经理")
    status: CustomerStatus = Field(
        default=CustomerStatus.PROSPECT, sa_type=StrEnumType(CustomerStatus), index=True
    )
    grade: Grade = Field(default=Grade.D, sa_type=StrEnumType(Grade, 1), index=True)
    grade_fixed: bool = Field(default=False, description="grade set by hand, kept on re-grading")
    market_share_rating: int | None = Field(default=None, ge=0, le=5, description="市场份额 0-5")
    potential_rating: int | None = Field(default=None, ge=0, le=5, description="发展潜力 0-5")
    parent_id: int | None = Field(
        default=None, foreign_key="customers.id", ondelete="SET NULL", index=True
    )
    credit_limit_cents: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    notes: str | None = Field(default=None)

    @field_validator("name", "short_name", "industry", "region", "address", "owner")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        return value or None

    @field_validator("credit_code", mode="before")
    @classmethod
    def _credit_code(cls, value: object) -> str | None:
        return valid_credit_code(value)

    @model_validator(mode="after")
    def _special_kind_only_for_special(self) -> CustomerBase:
        if self.kind != CustomerKind.SPECIAL:
            self.special_kind = None
        return self


class Customer(CustomerBase, table=True):
    __tablename__ = "customers"
    # Visits due by grade (domain/visits_due.py): per grade, oldest last visit first; status
    # and owner ride along so that counting and filtering never read the rows.
    __table_args__ = (
        sa.Index(
            "ix_customers_visit_due", "grade", "last_visit_at", "created_at", "status", "owner"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, description="客户编号")
    pinyin: str = Field(default="", max_length=400, index=True)
    pinyin_initials: str = Field(default="", max_length=200, index=True)
    name_key: str = Field(default="", max_length=200, index=True)
    last_contact_at: datetime | None = Field(default=None, index=True)
    # The latest done visit; kept by database triggers on visits (migration 0003).
    last_visit_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    verified_at: datetime | None = Field(default=None, index=True)


class CustomerCreate(CustomerBase):
    code: str | None = Field(default=None, max_length=32)
    created_at: datetime | None = None


class CustomerUpdate(SQLModel):
    """Fields left unset are not changed."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    short_name: str | None = None
    kind: CustomerKind | None = None
    special_kind: SpecialKind | None = None
    industry: str | None = None
    region: str | None = None
    address: str | None = None
    website: str | None = None
    credit_code: str | None = None
    registered_capital_cents: int | None = Field(default=None, ge=0)
    annual_revenue_cents: int | None = Field(default=None, ge=0)
    bank_name: str | None = None
    bank_account: str | None = None
    owner: str | None = None
    status: CustomerStatus | None = None
    grade: Grade | None = None
    grade_fixed: bool | None = None
    market_share_rating: int | None = Field(default=None, ge=0, le=5)
    potential_rating: int | None = Field(default=None, ge=0, le=5)
    parent_id: int | None = None
    credit_limit_cents: int | None = Field(default=None, ge=0)
    notes: str | None = None

    @field_validator("credit_code", mode="before")
    @classmethod
    def _credit_code(cls, value: object) -> str | None:
        return valid_credit_code(value)
