"""Contacts and dynamic records (interactions, transactions, visits, contracts, complaints).

Each row names its customer by customer code (客户编号) or company name (公司名称); a
contact by name within that customer; a contract by its number. Natural keys, used to
find rows already stored and repeated rows within the file:

| entity       | natural key                                                          |
|--------------|----------------------------------------------------------------------|
| contacts     | customer + contact name                                              |
| interactions | customer + time + subject                                            |
| transactions | customer + date + reference (单据号); without one: + type + amount   |
| visits       | customer + planned time + purpose                                    |
| contracts    | contract number                                                      |
| complaints   | customer + received time + summary                                   |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, ClassVar

from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ContractStatus,
    InteractionKind,
    RiskLevel,
    Severity,
    TransactionKind,
    VisitKind,
    VisitStatus,
)
from clientdesk.exchange import values as v
from clientdesk.exchange.columns import Field
from clientdesk.exchange.importer import STAGE_TABLE, Checks, Context, EntityImport, Writer
from clientdesk.exchange.keys import name_key, phone_digits

# Records name their customer over and over (a million visits for 100,000 customers).
_customer_key = lru_cache(maxsize=16_384)(name_key)

S = STAGE_TABLE


def customer_ref_fields() -> tuple[Field, ...]:
    return (
        Field("customer_code", "Customer code", "客户编号", v.text(32), aliases=("客户代码",)),
        Field(
            "customer_name",
            "Company name",
            "公司名称",
            v.text(200, collapse=True),
            aliases=("客户名称", "单位名称", "客户", "customer"),
        ),
    )


def contact_ref() -> Field:
    return Field(
        "contact_name", "Contact", "联系人", v.text(60, collapse=True), aliases=("对接人",)
    )


def contract_ref() -> Field:
    return Field("contract_number", "Contract number", "合同编号", v.text(40), aliases=("合同号",))


def owner_field() -> Field:
    return Field(
        "owner", "Owner", "负责人", v.text(60, collapse=True), aliases=("客户经理", "记录人")
    )


def notes_field(zh: str = "备注", *aliases: str) -> Field:
    return Field("notes", "Notes", zh, v.long_text, aliases=("备注", "说明", *aliases))


class ChildImport(EntityImport):
    """A record that belongs to a customer; subclasses give fields, keys and columns."""

    required_any = (("customer_code", "customer_name"),)
    base_extra: tuple[str, ...] = ("customer_id", "customer_name_key")
    own_extra: tuple[str, ...] = ()
    key_columns: tuple[str, ...] = ()  # staged columns of the natural key
    key_match: str = ""  # SQL: stored row t matches staged row S
    key_field: str = ""  # the field a duplicate is reported against
    key_label: str = ""
    # target column → SQL over the staged row (defaults in coalesce)
    insert_columns: ClassVar[dict[str, str]] = {}
    # target column → staged column; updated when the staged column's field is in the file
    update_columns: ClassVar[dict[str, str]] = {}
    has_updated_at = True

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.zone = zone
        self.fields = self.make_fields(zone)

    def make_fields(self, zone: tzinfo) -> tuple[Field, ...]:
        raise NotImplementedError

    @property
    def extra_columns(self) -> tuple[str, ...]:  # type: ignore[override]
        refs = tuple(
            column
            for key, column in (("contact_name", "contact_id"), ("contract_number", "contract_id"))
            if any(f.key == key for f in self.fields)
        )
        return self.base_extra + refs + self.own_extra

    def prepare(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        if "customer_name" in values:
            values["customer_name_key"] = _customer_key(values["customer_name"])
        return self.prepare_own(values, ctx)

    def prepare_own(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        return []

    # -- checks ------------------------------------------------------------------------
    def check(self, checks: Checks) -> None:
        db = checks.db
        db.execute(
            f"UPDATE {S} SET customer_id = "  # noqa: S608
            f"(SELECT c.id FROM customers c WHERE c.code = {S}.customer_code) "
            "WHERE action != 'invalid' AND customer_code IS NOT NULL"
        )
        db.execute(
            f"UPDATE {S} SET customer_id = (SELECT CASE WHEN count(*) = 1 THEN min(c.id) END "  # noqa: S608
            f"FROM customers c WHERE c.name_key = {S}.customer_name_key) "
            "WHERE action != 'invalid' AND customer_code IS NULL"
        )
        checks.flag(
            f"SELECT rowid, line, customer_code FROM {S} "  # noqa: S608
            "WHERE action != 'invalid' AND customer_id IS NULL AND customer_code IS NOT NULL",
            (),
            "customer_code",
            lambda *_: "matches no customer; check the code, or import the customers first",
        )
        checks.flag(
            f"SELECT rowid, line, customer_name, (SELECT count(*) FROM customers c "  # noqa: S608
            f"WHERE c.name_key = {S}.customer_name_key) FROM {S} "
            "WHERE action != 'invalid' AND customer_id IS NULL AND customer_code IS NULL",
            (),
            "customer_name",
            lambda _, count: (
                f"matches {count} customers; add a customer code (客户编号) column to say which"
                if count
                else "matches no customer; check the name, or import the customers first"
            ),
        )
        if "contact_id" in self.extra_columns:
            db.execute(
                f"UPDATE {S} SET contact_id = (SELECT k.id FROM contacts k "  # noqa: S608
                f"WHERE k.customer_id = {S}.customer_id AND k.name = {S}.contact_name "
                "ORDER BY k.is_primary DESC, k.id LIMIT 1) "
                "WHERE action != 'invalid' AND contact_name IS NOT NULL"
            )
            checks.flag(
                f"SELECT rowid, line, contact_name FROM {S} WHERE action != 'invalid' "  # noqa: S608
                "AND contact_name IS NOT NULL AND contact_id IS NULL",
                (),
                "contact_name",
                lambda *_: "is not a contact of this customer; import the contacts first",
            )
        if "contract_id" in self.extra_columns:
            db.execute(
                f"UPDATE {S} SET contract_id = (SELECT k.id FROM contracts k "  # noqa: S608
                f"WHERE k.number = {S}.contract_number) "
                "WHERE action != 'invalid' AND contract_number IS NOT NULL"
            )
            checks.flag(
                f"SELECT s.rowid, s.line, s.contract_number, k.customer_id FROM {S} s "  # noqa: S608
                "LEFT JOIN contracts k ON k.id = s.contract_id "
                "WHERE s.action != 'invalid' AND s.contract_number IS NOT NULL "
                "AND (s.contract_id IS NULL OR k.customer_id != s.customer_id)",
                (),
                "contract_number",
                lambda _, owner: (
                    "is a contract of another customer"
                    if owner
                    else "matches no contract; import the contracts first"
                ),
            )
        self.check_own(checks)
        keys = ", ".join(self.key_columns)
        checks.in_file_duplicates(
            keys, "customer_id IS NOT NULL", self.key_field, self.key_label, self.key_field
        )
        db.execute(
            f"UPDATE {S} SET match_id = (SELECT t.id FROM {self.table} t "  # noqa: S608
            f"WHERE {self.key_match} ORDER BY t.id LIMIT 1) WHERE action != 'invalid'"
        )
        checks.settle_duplicates(lambda record_id: f"{self.audit_entity} {record_id}")

    def check_own(self, checks: Checks) -> None:
        return None

    # -- writes ------------------------------------------------------------------------
    def write(self, writer: Writer) -> None:
        db = writer.db
        writer.defer_indexes(self.table)
        base = writer.next_id(self.table)
        count = db.execute(f"SELECT count(*) FROM {S} WHERE action = 'insert'").fetchone()[0]  # noqa: S608
        if count:
            db.execute(
                f"UPDATE {S} SET new_id = :base - 1 + r.rn FROM (SELECT rowid AS rid, "  # noqa: S608
                f"row_number() OVER (ORDER BY rowid) AS rn FROM {S} WHERE action = 'insert') "
                f"AS r WHERE {S}.rowid = r.rid",
                {"base": base},
            )
            self.before_insert(writer)
            columns = {"id": "new_id", **self.insert_columns, "created_at": ":now"}
            if self.has_updated_at:
                columns["updated_at"] = ":now"
            db.execute(
                f"INSERT INTO {self.table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT {', '.join(columns.values())} FROM {S} "
                "WHERE action = 'insert' ORDER BY rowid",
                {"now": writer.now},
            )
            writer.inserted_range(self.table, base, count)
            self.after_insert(writer, base, count)
            writer.advance(count)
        self._update(writer)

    def before_insert(self, writer: Writer) -> None:
        return None

    def after_insert(self, writer: Writer, base: int, count: int) -> None:
        return None

    def _update(self, writer: Writer) -> None:
        mapped = writer.plan.columns.keys
        sources = {"contact_id": "contact_name", "contract_id": "contract_number"}
        columns = {
            target: staged
            for target, staged in self.update_columns.items()
            if sources.get(staged, staged) in mapped
        }
        if not columns:
            return
        db = writer.db
        stamp = ["updated_at"] if self.has_updated_at else []
        names = ", ".join([*columns, *stamp])
        staged_names = ["match_id", *columns.values()]
        done = 0
        for row in writer.staged("update", staged_names):
            record_id, *new_values = row
            current = db.execute(
                f"SELECT {names} FROM {self.table} WHERE id = ?",  # noqa: S608
                (record_id,),
            ).fetchone()
            changes: dict[str, list[Any]] = {}
            for (target, _), new, old in zip(columns.items(), new_values, current, strict=False):
                if new is not None and new != old:
                    changes[target] = [old, new]
            if changes:
                self.extra_changes(changes)
                if stamp:
                    changes["updated_at"] = [current[-1], writer.now]
                sets = ", ".join(f"{k} = ?" for k in changes)
                db.execute(
                    f"UPDATE {self.table} SET {sets} WHERE id = ?",  # noqa: S608
                    (*(new for _, new in changes.values()), record_id),
                )
                writer.audit(self.audit_entity, record_id, "update", changes)
            else:
                writer.unchanged()
            done += 1
            if done % 1000 == 0:
                writer.advance(1000)
        writer.advance(done % 1000)

    def extra_changes(self, changes: dict[str, list[Any]]) -> None:
        return None


def _same(*columns: str) -> str:
    return " AND ".join(f"t.{c} = {S}.{c}" for c in columns)


class ContactImport(ChildImport):
    name = "contacts"
    audit_entity = "contact"
    table = "contacts"
    own_extra = ("phone_digits", "mobile_digits")
    key_columns = ("customer_id", "name")
    key_match = _same("customer_id", "name")
    key_field = "name"
    key_label = "contact name for this customer"
    insert_columns: ClassVar[dict[str, str]] = {
        "customer_id": "customer_id",
        "name": "name",
        "title": "title",
        "phone": "phone",
        "mobile": "mobile",
        "email": "email",
        "wechat": "wechat",
        "is_primary": "coalesce(is_primary, 0)",
        "notes": "notes",
        "phone_digits": "coalesce(phone_digits, '')",
        "mobile_digits": "coalesce(mobile_digits, '')",
    }
    update_columns: ClassVar[dict[str, str]] = {
        k: k for k in ("title", "phone", "mobile", "email", "wechat", "notes")
    }

    def make_fields(self, zone: tzinfo) -> tuple[Field, ...]:
        return (
            *customer_ref_fields(),
            Field(
                "name",
                "Name",
                "姓名",
                v.text(60, collapse=True),
                required=True,
                aliases=("联系人", "联系人姓名", "contact", "contact name"),
            ),
            Field("title", "Title", "职务", v.text(60), aliases=("职位", "position")),
            Field(
                "phone", "Phone", "电话", v.phone, aliases=("联系电话", "办公电话", "座机", "tel")
            ),
            Field("mobile", "Mobile", "手机", v.phone, aliases=("手机号", "手机号码", "移动电话")),
            Field("email", "E-mail", "邮箱", v.email, aliases=("电子邮箱", "电子邮件", "email")),
            Field("wechat", "WeChat", "微信", v.text(60), aliases=("微信号",)),
            Field(
                "is_primary", "Key contact", "主要联系人", v.boolean, aliases=("是否主要联系人",)
            ),
            notes_field(),
        )

    def prepare_own(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        if "phone" in values:
            values["phone_digits"] = phone_digits(values["phone"])
        if "mobile" in values:
            values["mobile_digits"] = phone_digits(values["mobile"])
        return []

    def extra_changes(self, changes: dict[str, list[Any]]) -> None:
        for column, digits in (("phone", "phone_digits"), ("mobile", "mobile_digits")):
            if column in changes:
                old, new = changes[column]
                changes[digits] = [phone_digits(old), phone_digits(new)]

    def check_own(self, checks: Checks) -> None:
        checks.in_file_duplicates(
            "customer_id", "is_primary = 1 AND customer_id IS NOT NULL", "is_primary",
            "key contact (one per customer)", "is_primary",
        )  # fmt: skip

    def before_insert(self, writer: Writer) -> None:
        """New key contacts replace the customer's current one (recorded for undo)."""
        db = writer.db
        demoted = db.execute(
            f"SELECT k.id, k.updated_at FROM contacts k WHERE k.is_primary = 1 AND "  # noqa: S608
            f"k.customer_id IN (SELECT customer_id FROM {S} WHERE action = 'insert' "
            "AND is_primary = 1)"
        ).fetchall()
        for contact_id, updated_at in demoted:
            db.execute(
                "UPDATE contacts SET is_primary = 0, updated_at = ? WHERE id = ?",
                (writer.now, contact_id),
            )
            writer.audit(
                "contact",
                contact_id,
                "update",
                {"is_primary": [1, 0], "updated_at": [updated_at, writer.now]},
            )

    def after_insert(self, writer: Writer, base: int, count: int) -> None:
        """A customer's first contact is its key contact, as when added by hand."""
        writer.db.execute(
            "UPDATE contacts SET is_primary = 1 WHERE id IN (SELECT min(id) FROM contacts "
            "WHERE id BETWEEN ? AND ? GROUP BY customer_id) AND customer_id NOT IN "
            "(SELECT customer_id FROM contacts WHERE is_primary = 1)",
            (base, base + count - 1),
        )


class InteractionImport(ChildImport):
    name = "interactions"
    audit_entity = "interaction"
    table = "interactions"
    key_columns = ("customer_id", "occurred_at", "subject")
    key_match = _same("customer_id", "occurred_at", "subject")
    key_field = "subject"
    key_label = "customer, time and subject"
    has_updated_at = False
    insert_columns: ClassVar[dict[str, str]] = {
        "customer_id": "customer_id",
        "contact_id": "contact_id",
        "kind": "kind",
        "occurred_at": "occurred_at",
        "subject": "subject",
        "notes": "notes",
        "owner": "owner",
    }
    update_columns: ClassVar[dict[str, str]] = {
        "contact_id": "contact_id",
        "kind": "kind",
        "notes": "notes",
        "owner": "owner",
    }

    def make_fields(self, zone: tzinfo) -> tuple[Field, ...]:
        return (
            *customer_ref_fields(),
            contact_ref(),
            Field(
                "kind",
                "Type",
                "类型",
                v.choice(InteractionKind),
                required=True,
                aliases=("方式", "联系方式"),
            ),
            Field(
                "occurred_at",
                "Time",
                "时间",
                v.moment(zone),
                required=True,
                aliases=("日期", "发生时间", "联系时间", "date"),
            ),
            Field(
                "subject",
                "Subject",
                "主题",
                v.text(200, collapse=True),
                required=True,
                aliases=("事由", "标题"),
            ),
            notes_field("内容", "记录", "详情"),
            owner_field(),
        )


class TransactionImport(ChildImport):
    name = "transactions"
    audit_entity = "transaction"
    table = "transactions"
    key_columns = ("customer_id", "occurred_on", "coalesce(reference, kind || amount_cents)")
    key_match = (
        f"t.customer_id = {S}.customer_id AND t.occurred_on = {S}.occurred_on AND "
        f"(({S}.reference IS NOT NULL AND t.reference = {S}.reference) OR "
        f"({S}.reference IS NULL AND t.reference IS NULL AND t.kind = {S}.kind "
        f"AND t.amount_cents = {S}.amount_cents))"
    )
    key_field = "reference"
    key_label = "customer, date and reference (or type and amount)"
    has_updated_at = False
    insert_columns: ClassVar[dict[str, str]] = {
        "customer_id": "customer_id",
        "contract_id": "contract_id",
        "kind": "kind",
        "amount_cents": "amount_cents",
        "currency": "coalesce(currency, 'CNY')",
        "occurred_on": "occurred_on",
        "due_on": "due_on",
        "paid_on": "paid_on",
        "reference": "reference",
        "notes": "notes",
    }
    update_columns: ClassVar[dict[str, str]] = {
        "contract_id": "contract_id",
        "amount_cents": "amount_cents",
        "currency": "currency",
        "due_on": "due_on",
        "paid_on": "paid_on",
        "notes": "notes",
    }

    def make_fields(self, zone: tzinfo) -> tuple[Field, ...]:
        return (
            *customer_ref_fields(),
            contract_ref(),
            Field(
                "kind",
                "Type",
                "类型",
                v.choice(TransactionKind),
                required=True,
                aliases=("交易类型",),
            ),
            Field(
                "amount_cents", "Amount", "金额", v.money(), required=True, aliases=("交易金额",)
            ),
            Field("currency", "Currency", "币种", v.currency, aliases=("货币",)),
            Field(
                "occurred_on",
                "Date",
                "日期",
                v.day,
                required=True,
                aliases=("交易日期", "发生日期", "单据日期"),
            ),
            Field("due_on", "Due on", "到期日", v.day, aliases=("应付日期", "账期到期日")),
            Field("paid_on", "Paid on", "付款日期", v.day, aliases=("回款日期", "实付日期")),
            Field(
                "reference",
                "Reference",
                "单据号",
                v.text(60),
                aliases=("单号", "发票号", "凭证号"),
            ),
            notes_field(),
        )

    def prepare_own(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        due, occurred = values.get("due_on"), values.get("occurred_on")
        if due is not None and occurred is not None and due < occurred:
            return [("due_on", "is before the transaction date")]
        return []


class VisitImport(ChildImport):
    name = "visits"
    audit_entity = "visit"
    table = "visits"
    key_columns = ("customer_id", "planned_at", "purpose")
    key_match = _same("customer_id", "planned_at", "purpose")
    key_field = "purpose"
    key_label = "customer, planned time and purpose"
    insert_columns: ClassVar[dict[str, str]] = {
        "customer_id": "customer_id",
        "contact_id": "contact_id",
        "kind": "coalesce(kind, 'regular')",
        "purpose": "purpose",
        "planned_at": "planned_at",
        "owner": "owner",
        "contract_id": "contract_id",
        "status": "coalesce(status, CASE WHEN done_at IS NULL THEN 'planned' ELSE 'done' END)",
        "done_at": "done_at",
        "discussion": "discussion",
        "needs": "needs",
        "feedback": "feedback",
        "satisfaction": "satisfaction",
        "next_step": "next_step",
        "next_step_on": "next_step_on",
    }
    update_columns: ClassVar[dict[str, str]] = {
        k: k
        for k in (
            "contact_id",
            "kind",
            "owner",
            "contract_id",
            "status",
            "done_at",
            "discussion",
            "needs",
            "feedback",
            "satisfaction",
            "next_step",
            "next_step_on",
        )
    }

    def make_fields(self, zone: tzinfo) -> tuple[Field, ...]:
        when = v.moment(zone)
        return (
            *customer_ref_fields(),
            contact_ref(),
            Field("kind", "Visit type", "拜访类型", v.choice(VisitKind), aliases=("类型",)),
            Field(
                "purpose",
                "Purpose",
                "拜访目的",
                v.text(200, collapse=True),
                required=True,
                aliases=("目的", "主题"),
            ),
            Field(
                "planned_at",
                "Planned at",
                "计划时间",
                when,
                required=True,
                aliases=("计划日期", "拜访日期", "日期"),
            ),
            owner_field(),
            contract_ref(),
            Field("status", "Status", "状态", v.choice(VisitStatus), aliases=("拜访状态",)),
            Field("done_at", "Visited at", "拜访时间", when, aliases=("实际拜访时间", "完成时间")),
            Field("discussion", "Discussion", "洽谈内容", v.long_text, aliases=("沟通内容",)),
            Field("needs", "Needs", "需求和痛点", v.long_text, aliases=("需求", "痛点")),
            Field("feedback", "Feedback", "反馈", v.long_text, aliases=("客户反馈",)),
            Field("satisfaction", "Satisfaction (1-5)", "满意度", v.integer(1, 5)),
            Field("next_step", "Next step", "下一步", v.long_text, aliases=("下一步计划",)),
            Field("next_step_on", "Next step on", "下一步日期", v.day),
        )

    def prepare_own(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        if values.get("status") == VisitStatus.DONE and "done_at" not in values:
            values["done_at"] = values["planned_at"]
        return []


class ContractImport(ChildImport):
    name = "contracts"
    audit_entity = "contract"
    table = "contracts"
    key_columns = ("number",)
    key_match = f"t.number = {S}.number"
    key_field = "number"
    key_label = "contract number"
    insert_columns: ClassVar[dict[str, str]] = {
        "customer_id": "customer_id",
        "number": "number",
        "title": "title",
        "start_on": "start_on",
        "end_on": "end_on",
        "value_cents": "coalesce(value_cents, 0)",
        "currency": "coalesce(currency, 'CNY')",
        "payment_terms": "payment_terms",
        "owner": "owner",
        "notes": "notes",
        "status": "coalesce(status, 'draft')",
        "signed_on": "signed_on",
        "terminated_on": "terminated_on",
        "termination_reason": "termination_reason",
        "risk_level": "risk_level",
        "risk_notes": "risk_notes",
    }
    update_columns: ClassVar[dict[str, str]] = {
        k: k
        for k in (
            "title",
            "start_on",
            "end_on",
            "value_cents",
            "currency",
            "payment_terms",
            "owner",
            "notes",
            "status",
            "signed_on",
            "terminated_on",
            "termination_reason",
            "risk_level",
            "risk_notes",
        )
    }

    def make_fields(self, zone: tzinfo) -> tuple[Field, ...]:
        return (
            *customer_ref_fields(),
            Field(
                "number",
                "Contract number",
                "合同编号",
                v.text(40),
                required=True,
                aliases=("合同号", "编号"),
            ),
            Field(
                "title",
                "Title",
                "合同名称",
                v.text(200, collapse=True),
                required=True,
                aliases=("名称", "项目名称"),
            ),
            Field("start_on", "Starts on", "开始日期", v.day, aliases=("生效日期", "起始日期")),
            Field("end_on", "Ends on", "结束日期", v.day, aliases=("到期日期", "终止日期")),
            Field("value_cents", "Value", "合同金额", v.money(), aliases=("金额", "合同额")),
            Field("currency", "Currency", "币种", v.currency, aliases=("货币",)),
            Field("payment_terms", "Payment terms", "付款条件", v.text(200), aliases=("付款方式",)),
            owner_field(),
            notes_field(),
            Field("status", "Status", "状态", v.choice(ContractStatus), aliases=("合同状态",)),
            Field("signed_on", "Signed on", "签订日期", v.day, aliases=("签约日期",)),
            Field("terminated_on", "Terminated on", "解除日期", v.day),
            Field("termination_reason", "Termination reason", "解除原因", v.long_text),
            Field("risk_level", "Risk", "风险等级", v.choice(RiskLevel), aliases=("风险评估",)),
            Field("risk_notes", "Risk notes", "风险说明", v.long_text),
        )

    def prepare_own(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        start, end = values.get("start_on"), values.get("end_on")
        if start is not None and end is not None and end < start:
            return [("end_on", "is before the start date")]
        return []

    def check_own(self, checks: Checks) -> None:
        checks.flag(
            f"SELECT s.rowid, s.line, s.number, c.code FROM {S} s "  # noqa: S608
            "JOIN contracts k ON k.number = s.number JOIN customers c ON c.id = k.customer_id "
            "WHERE s.action != 'invalid' AND k.customer_id != s.customer_id",
            (),
            "number",
            lambda _, code: f"is already the number of a contract of customer {code}",
        )


class ComplaintImport(ChildImport):
    name = "complaints"
    audit_entity = "complaint"
    table = "complaints"
    key_columns = ("customer_id", "received_at", "summary")
    key_match = _same("customer_id", "received_at", "summary")
    key_field = "summary"
    key_label = "customer, received time and summary"
    insert_columns: ClassVar[dict[str, str]] = {
        "customer_id": "customer_id",
        "contact_id": "contact_id",
        "channel": "channel",
        "category": "category",
        "severity": "coalesce(severity, 'medium')",
        "summary": "summary",
        "details": "details",
        "owner": "owner",
        "status": "coalesce(status, 'received')",
        "received_at": "received_at",
        "due_at": "due_at",
        "resolved_at": "resolved_at",
        "closed_at": "closed_at",
        "escalated": "0",
        "resolution": "resolution",
        "satisfaction": "satisfaction",
        "compensation_cents": "compensation_cents",
    }
    update_columns: ClassVar[dict[str, str]] = {
        k: k
        for k in (
            "contact_id",
            "severity",
            "details",
            "owner",
            "status",
            "due_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "satisfaction",
            "compensation_cents",
        )
    }

    def make_fields(self, zone: tzinfo) -> tuple[Field, ...]:
        when = v.moment(zone)
        return (
            *customer_ref_fields(),
            contact_ref(),
            Field(
                "channel",
                "Channel",
                "渠道",
                v.choice(ComplaintChannel),
                required=True,
                aliases=("投诉渠道", "来源"),
            ),
            Field(
                "category",
                "Category",
                "类别",
                v.choice(ComplaintCategory),
                required=True,
                aliases=("投诉类别", "类型"),
            ),
            Field("severity", "Severity", "严重程度", v.choice(Severity), aliases=("级别",)),
            Field(
                "summary",
                "Summary",
                "投诉摘要",
                v.text(200, collapse=True),
                required=True,
                aliases=("摘要", "投诉内容", "主题"),
            ),
            Field("details", "Details", "详细情况", v.long_text, aliases=("详情", "描述")),
            owner_field(),
            Field("status", "Status", "状态", v.choice(ComplaintStatus), aliases=("处理状态",)),
            Field(
                "received_at",
                "Received at",
                "受理时间",
                when,
                required=True,
                aliases=("投诉时间", "日期"),
            ),
            Field("due_at", "Answer due", "响应期限", when, aliases=("答复期限",)),
            Field("resolved_at", "Resolved at", "解决时间", when),
            Field("closed_at", "Closed at", "关闭时间", when),
            Field("resolution", "Resolution", "处理结果", v.long_text, aliases=("处理方案",)),
            Field("satisfaction", "Satisfaction (1-5)", "满意度", v.integer(1, 5)),
            Field("compensation_cents", "Compensation", "赔偿金额", v.money(), aliases=("赔偿",)),
        )

    def check_own(self, checks: Checks) -> None:
        """An answer deadline left blank comes from the grade's response time (响应时间)."""
        settings = checks.plan.context.settings
        db = checks.db
        rows = db.execute(
            f"SELECT s.rowid, s.received_at, c.grade, coalesce(s.severity, 'medium') "  # noqa: S608
            f"FROM {S} s JOIN customers c ON c.id = s.customer_id "
            "WHERE s.action != 'invalid' AND s.due_at IS NULL"
        ).fetchall()
        factors = settings.complaints.severity_factor
        updates = []
        for rowid, received, grade, severity in rows:
            hours = settings.service_for(grade).complaint_response_hours
            due = datetime.fromisoformat(received) + timedelta(
                hours=hours * getattr(factors, severity)
            )
            updates.append((due.strftime("%Y-%m-%d %H:%M:%S.%f"), rowid))
        db.executemany(f"UPDATE {S} SET due_at = ? WHERE rowid = ?", updates)  # noqa: S608
