"""Closed lists of the domain, each with the Chinese label users see and type.

`parse_choice` accepts the English value, the member name or the Chinese label, so that
forms and imports take what users write in either language.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import TypeVar

from clientdesk.errors import ValidationError


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class CustomerKind(StrEnum):
    SUPPLIER = "supplier"
    DISTRIBUTOR = "distributor"
    AGREEMENT = "agreement"
    DIRECT = "direct"
    SPECIAL = "special"


class SpecialKind(StrEnum):
    BANK = "bank"
    GOVERNMENT = "government"
    TAX = "tax"
    DESIGN_INSTITUTE = "design_institute"
    ADVERTISING = "advertising"
    OTHER = "other"


class CustomerStatus(StrEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    DORMANT = "dormant"
    LOST = "lost"


class InteractionKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    SEMINAR = "seminar"
    DINNER = "dinner"
    OTHER = "other"


class TransactionKind(StrEnum):
    SALE = "sale"
    PURCHASE = "purchase"
    PAYMENT = "payment"
    REFUND = "refund"


class VisitStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"


class VisitKind(StrEnum):
    REGULAR = "regular"
    RETURN = "return"
    COMPLAINT_FOLLOWUP = "complaint_followup"


class ContractStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"
    EXPIRED = "expired"


class ContractEventKind(StrEnum):
    CREATED = "created"
    SIGNED = "signed"
    ACTIVATED = "activated"
    AMENDED = "amended"
    RENEWED = "renewed"
    TERMINATED = "terminated"
    COMPLETED = "completed"
    MILESTONE = "milestone"
    EXPIRED = "expired"
    RISK = "risk"
    EDITED = "edited"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ComplaintChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    VISIT = "visit"
    WECHAT = "wechat"
    LETTER = "letter"


class ComplaintCategory(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"
    DELIVERY = "delivery"
    BILLING = "billing"
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


# Keyed by class: StrEnum members of different lists with the same value compare equal.
LABELS_ZH: dict[type[StrEnum], dict[str, str]] = {
    CustomerKind: {
        CustomerKind.SUPPLIER: "供应商",
        CustomerKind.DISTRIBUTOR: "经销商",
        CustomerKind.AGREEMENT: "协议户",
        CustomerKind.DIRECT: "直接用户",
        CustomerKind.SPECIAL: "特殊类客户",
    },
    SpecialKind: {
        SpecialKind.BANK: "银行",
        SpecialKind.GOVERNMENT: "政府",
        SpecialKind.TAX: "税务",
        SpecialKind.DESIGN_INSTITUTE: "设计院",
        SpecialKind.ADVERTISING: "广告公司",
        SpecialKind.OTHER: "其他",
    },
    CustomerStatus: {
        CustomerStatus.PROSPECT: "潜在客户",
        CustomerStatus.ACTIVE: "活跃",
        CustomerStatus.DORMANT: "休眠",
        CustomerStatus.LOST: "流失",
    },
    InteractionKind: {
        InteractionKind.CALL: "电话",
        InteractionKind.MEETING: "会议",
        InteractionKind.EMAIL: "邮件",
        InteractionKind.SEMINAR: "座谈会",
        InteractionKind.DINNER: "聚餐",
        InteractionKind.OTHER: "其他",
    },
    TransactionKind: {
        TransactionKind.SALE: "销售",
        TransactionKind.PURCHASE: "采购",
        TransactionKind.PAYMENT: "回款",
        TransactionKind.REFUND: "退款",
    },
    VisitStatus: {
        VisitStatus.PLANNED: "计划",
        VisitStatus.DONE: "已拜访",
        VisitStatus.CANCELLED: "已取消",
        VisitStatus.MISSED: "未拜访",
    },
    VisitKind: {
        VisitKind.REGULAR: "例行拜访",
        VisitKind.RETURN: "回访",
        VisitKind.COMPLAINT_FOLLOWUP: "投诉跟进",
    },
    ContractStatus: {
        ContractStatus.DRAFT: "草稿",
        ContractStatus.SIGNED: "已签订",
        ContractStatus.ACTIVE: "履行中",
        ContractStatus.COMPLETED: "已完成",
        ContractStatus.TERMINATED: "已解除",
        ContractStatus.EXPIRED: "已到期",
    },
    ContractEventKind: {
        ContractEventKind.CREATED: "创建",
        ContractEventKind.SIGNED: "签订",
        ContractEventKind.ACTIVATED: "生效",
        ContractEventKind.AMENDED: "变更",
        ContractEventKind.RENEWED: "续签",
        ContractEventKind.TERMINATED: "解除",
        ContractEventKind.COMPLETED: "完成",
        ContractEventKind.MILESTONE: "交货节点",
        ContractEventKind.EXPIRED: "到期",
        ContractEventKind.RISK: "风险评估",
        ContractEventKind.EDITED: "修改",
    },
    RiskLevel: {
        RiskLevel.LOW: "低",
        RiskLevel.MEDIUM: "中",
        RiskLevel.HIGH: "高",
    },
    ComplaintChannel: {
        ComplaintChannel.PHONE: "电话",
        ComplaintChannel.EMAIL: "邮件",
        ComplaintChannel.VISIT: "上门",
        ComplaintChannel.WECHAT: "微信",
        ComplaintChannel.LETTER: "信函",
    },
    ComplaintCategory: {
        ComplaintCategory.PRODUCT: "产品",
        ComplaintCategory.SERVICE: "服务",
        ComplaintCategory.DELIVERY: "交货",
        ComplaintCategory.BILLING: "账务",
        ComplaintCategory.OTHER: "其他",
    },
    Severity: {
        Severity.LOW: "轻微",
        Severity.MEDIUM: "一般",
        Severity.HIGH: "严重",
        Severity.CRITICAL: "紧急",
    },
    ComplaintStatus: {
        ComplaintStatus.RECEIVED: "已受理",
        ComplaintStatus.ACKNOWLEDGED: "已确认",
        ComplaintStatus.IN_PROGRESS: "处理中",
        ComplaintStatus.RESOLVED: "已解决",
        ComplaintStatus.CLOSED: "已关闭",
    },
}

E = TypeVar("E", bound=StrEnum)


def label_zh(member: StrEnum) -> str:
    """The Chinese label of a member; grades are their own label."""
    return LABELS_ZH.get(type(member), {}).get(member.value, member.value)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "_")


def parse_choice(enum_cls: type[E], text: str | StrEnum, *, field: str | None = None) -> E:
    """Accept an English value, member name or Chinese label; refuse anything else by name."""
    if isinstance(text, enum_cls):
        return text
    wanted = _fold(str(text))
    for member in enum_cls:
        candidates = {_fold(member.value), _fold(member.name), _fold(label_zh(member))}
        if wanted in candidates:
            return member
    allowed = ", ".join(f"{m.value} ({label_zh(m)})" for m in enum_cls)
    raise ValidationError(
        f"{text!r} is not a valid {field or enum_cls.__name__}; use one of: {allowed}.",
        field=field,
    )
