"""Customer files (客户档案) from a spreadsheet, with the key contact each row carries.

A customer spreadsheet usually holds one key contact per company (联系人, 职务, 电话, 手机,
邮箱) and the date the file was opened (建档日期): they become the customer's primary
contact and its created date. Rows match stored customers by customer code, else by
credit code, else by normalised company name (name_key).
"""

from __future__ import annotations

import re
from datetime import UTC, tzinfo
from typing import Any

from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade, SpecialKind
from clientdesk.exchange import keys
from clientdesk.exchange import values as v
from clientdesk.exchange.columns import Field
from clientdesk.exchange.importer import (
    STAGE_TABLE,
    Checks,
    Context,
    EntityImport,
    Writer,
    set_based_insert,
)

S = STAGE_TABLE
_GENERATED = re.compile(r"^C(\d+)$")
CONTACT_KEYS = (
    "contact_title",
    "contact_phone",
    "contact_mobile",
    "contact_email",
    "contact_wechat",
)
# Customer columns a row can set, in table order; parent_id comes from parent_code.
CUSTOMER_COLUMNS = (
    "code",
    "name",
    "short_name",
    "kind",
    "special_kind",
    "industry",
    "region",
    "address",
    "website",
    "credit_code",
    "registered_capital_cents",
    "annual_revenue_cents",
    "bank_name",
    "bank_account",
    "owner",
    "status",
    "grade",
    "grade_fixed",
    "market_share_rating",
    "potential_rating",
    "credit_limit_cents",
    "notes",
    "created_at",
    "verified_at",
)
DERIVED = ("pinyin", "pinyin_initials", "name_key")
# The search index's triggers (migration 0002): a bulk insert fills the index in one
# statement derived from the customer trigger instead of firing both once per row.
SEARCH_TRIGGER = "customer_search_insert"
SEARCH_CONTACT_TRIGGER = "customer_search_contact_insert"
CONTACT_COLUMNS = {  # contacts column → staged column
    "name": "contact_name",
    "title": "contact_title",
    "phone": "contact_phone",
    "mobile": "contact_mobile",
    "email": "contact_email",
    "wechat": "contact_wechat",
}


def customer_fields(zone: tzinfo) -> tuple[Field, ...]:
    when = v.moment(zone)
    return (
        Field(
            "code", "Customer code", "客户编号", v.text(32), aliases=("客户代码", "客户号", "编号")
        ),
        Field(
            "name",
            "Company name",
            "公司名称",
            v.text(200, collapse=True),
            required=True,
            aliases=(
                "客户名称",
                "单位名称",
                "企业名称",
                "名称",
                "客户",
                "company",
                "customer name",
            ),
        ),
        Field("short_name", "Short name", "简称", v.text(60, collapse=True), aliases=("客户简称",)),
        Field(
            "kind",
            "Customer type",
            "客户类型",
            v.choice(CustomerKind),
            aliases=("客户类别", "type"),
        ),
        Field(
            "special_kind", "Special type", "特殊类别", v.choice(SpecialKind), aliases=("特殊类型",)
        ),
        Field("industry", "Industry", "行业", v.text(60, collapse=True), aliases=("所属行业",)),
        Field("region", "Region", "区域", v.text(60, collapse=True), aliases=("地区", "所属区域")),
        Field(
            "address",
            "Address",
            "地址",
            v.text(300, collapse=True),
            aliases=("公司地址", "详细地址"),
        ),
        Field("website", "Website", "网站", v.text(200), aliases=("网址", "官网", "url")),
        Field(
            "credit_code",
            "Credit code",
            "统一社会信用代码",
            v.credit_code,
            aliases=("信用代码", "社会信用代码", "unified social credit code", "uscc"),
        ),
        Field(
            "registered_capital_cents",
            "Registered capital",
            "注册资本",
            v.money(),
            aliases=("注册资金",),
        ),
        Field(
            "annual_revenue_cents",
            "Annual revenue",
            "年营业额",
            v.money(),
            aliases=("年销售额", "营业收入", "年收入", "revenue"),
        ),
        Field("bank_name", "Bank", "开户银行", v.text(100), aliases=("开户行",)),
        Field(
            "bank_account", "Bank account", "银行账号", v.text(40), aliases=("银行账户", "开户账号")
        ),
        Field(
            "owner",
            "Account manager",
            "客户经理",
            v.text(60, collapse=True),
            aliases=("负责人", "业务员", "销售人员", "owner", "salesperson"),
        ),
        Field("status", "Status", "状态", v.choice(CustomerStatus), aliases=("客户状态",)),
        Field("grade", "Grade", "等级", v.choice(Grade), aliases=("客户等级", "级别", "分级")),
        Field("grade_fixed", "Grade fixed", "等级锁定", v.boolean, aliases=("手动等级",)),
        Field("market_share_rating", "Market share (0-5)", "市场份额", v.integer(0, 5)),
        Field("potential_rating", "Growth potential (0-5)", "发展潜力", v.integer(0, 5)),
        Field(
            "parent_code",
            "Parent code",
            "上级客户编号",
            v.text(32),
            aliases=("母公司编号", "上级单位编号", "parent"),
        ),
        Field("credit_limit_cents", "Credit limit", "授信额度", v.money(), aliases=("信用额度",)),
        Field("notes", "Notes", "备注", v.long_text, aliases=("说明", "remarks")),
        Field(
            "created_at", "Opened on", "建档日期", when, aliases=("建档时间", "创建日期", "created")
        ),
        Field("verified_at", "Verified on", "核实日期", when, aliases=("最近核实日期", "verified")),
        Field(
            "contact_name",
            "Contact",
            "联系人",
            v.text(60, collapse=True),
            aliases=("主要联系人", "联系人姓名", "contact name", "key contact"),
        ),
        Field("contact_title", "Title", "职务", v.text(60), aliases=("职位", "position")),
        Field(
            "contact_phone",
            "Phone",
            "电话",
            v.phone,
            aliases=("联系电话", "办公电话", "座机", "固定电话", "tel", "telephone"),
        ),
        Field(
            "contact_mobile",
            "Mobile",
            "手机",
            v.phone,
            aliases=("手机号", "手机号码", "移动电话", "cell", "mobile phone"),
        ),
        Field(
            "contact_email", "E-mail", "邮箱", v.email, aliases=("电子邮箱", "电子邮件", "email")
        ),
        Field("contact_wechat", "WeChat", "微信", v.text(60), aliases=("微信号",)),
    )


class CustomerImport(EntityImport):
    name = "customers"
    audit_entity = "customer"
    table = "customers"
    extra_columns = (
        "pinyin",
        "pinyin_initials",
        "name_key",
        "contact_phone_digits",
        "contact_mobile_digits",
        "parent_id",
    )

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.fields = customer_fields(zone)
        self.highest_code = 0  # of the C000123 codes in the file
        self.by_name_rows = 0  # rows with neither a customer code nor a credit code
        self.uncoded_rows = 0  # rows without a customer code (one is generated)

    def prepare(self, values: dict[str, Any], ctx: Context) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        name = values["name"]
        values["pinyin"], values["pinyin_initials"] = keys.pinyin_keys(name)
        values["name_key"] = keys.name_key(name)
        kind = values.get("kind")
        if "special_kind" in values:
            if kind is None:
                values["kind"] = CustomerKind.SPECIAL
            elif kind != CustomerKind.SPECIAL:
                problems.append(("special_kind", "applies only to special customers (特殊类客户)"))
        if "contact_name" not in values and any(k in values for k in CONTACT_KEYS):
            problems.append(
                (
                    "contact_name",
                    "is needed when the contact's title, phone, mobile, e-mail or WeChat is given",
                )
            )
        if "contact_phone" in values:
            values["contact_phone_digits"] = keys.phone_digits(values["contact_phone"])
        if "contact_mobile" in values:
            values["contact_mobile_digits"] = keys.phone_digits(values["contact_mobile"])
        code = values.get("code")
        if code is None:
            self.uncoded_rows += 1
            if "credit_code" not in values:
                self.by_name_rows += 1
        else:
            found = _GENERATED.match(code)
            if found and int(found.group(1)) > self.highest_code:
                self.highest_code = int(found.group(1))
            if values.get("parent_code") == code:
                problems.append(("parent_code", "is the customer's own code"))
        return problems

    def describe(self, db: Any, record_id: int) -> str:
        row = db.execute("SELECT code, name FROM customers WHERE id = ?", (record_id,)).fetchone()
        return f"customer {row[0]} {row[1]}" if row else f"customer {record_id}"

    # -- checks ------------------------------------------------------------------------
    def check(self, checks: Checks) -> None:
        db = checks.db
        checks.in_file_duplicates("code", "code IS NOT NULL", "code", "customer code")
        checks.in_file_duplicates(
            "credit_code", "credit_code IS NOT NULL", "credit_code", "credit code"
        )
        # Each query below reads every staged row; skip those that cannot find anything:
        # by name only when some rows have neither code, and against stored customers
        # only when there are any (the first import into a new database has none).
        by_name = self.by_name_rows > 0
        stored = db.execute("SELECT 1 FROM customers LIMIT 1").fetchone() is not None
        if by_name:
            checks.in_file_duplicates(
                "name_key",
                "code IS NULL AND credit_code IS NULL AND name_key != ''",
                "name",
                "company name",
            )
        if by_name and stored:
            checks.flag(
                f"SELECT rowid, line, name, count FROM (SELECT rowid, line, name, "  # noqa: S608
                f"(SELECT count(*) FROM customers c WHERE c.name_key = {S}.name_key) AS count "
                f"FROM {S} WHERE action != 'invalid' AND code IS NULL AND credit_code IS NULL "
                "AND name_key != '') "
                "WHERE count > 1",
                (),
                "name",
                lambda _, count: (
                    f"matches {count} stored customers by name; add a customer code "
                    "(客户编号) or credit code column to say which"
                ),
            )
        if stored:
            db.execute(
                f"UPDATE {S} SET match_id = CASE "  # noqa: S608
                f"WHEN code IS NOT NULL THEN (SELECT id FROM customers c WHERE c.code = {S}.code) "
                "WHEN credit_code IS NOT NULL THEN "
                f"(SELECT id FROM customers c WHERE c.credit_code = {S}.credit_code) "
                f"WHEN name_key != '' "
                f"THEN (SELECT min(id) FROM customers c WHERE c.name_key = {S}.name_key) END "
                "WHERE action != 'invalid'"
            )
            checks.settle_duplicates(lambda record_id: self.describe(db, record_id))
            checks.flag(
                f"SELECT s.rowid, s.line, s.credit_code, c.code, c.name FROM {S} s "  # noqa: S608
                "JOIN customers c ON c.credit_code = s.credit_code "
                "WHERE s.action IN ('insert', 'update') AND c.id IS NOT s.match_id",
                (),
                "credit_code",
                lambda _, code, name: f"already belongs to customer {code} {name}",
            )
        self._check_parents(checks)

    def _check_parents(self, checks: Checks) -> None:
        db = checks.db
        if not db.execute(f"SELECT 1 FROM {S} WHERE parent_code IS NOT NULL LIMIT 1").fetchone():  # noqa: S608
            return
        checks.plan.stage_index("code")
        checks.flag(
            f"SELECT rowid, line, parent_code FROM {S} s WHERE action IN ('insert', 'update') "  # noqa: S608
            "AND parent_code IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {S} p WHERE p.code = s.parent_code "
            "AND p.action IN ('insert', 'update', 'skip')) "
            "AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.code = s.parent_code)",
            (),
            "parent_code",
            lambda *_: "matches no customer in the file or the database",
        )
        # Cycles: walk up from each row, the file's parents taking precedence over stored ones.
        edges: dict[str, str | None] = {}
        lines: dict[str, tuple[int, int]] = {}
        for rowid, line, code, parent in db.execute(
            f"SELECT s.rowid, s.line, coalesce(s.code, c.code), s.parent_code FROM {S} s "  # noqa: S608
            "LEFT JOIN customers c ON c.id = s.match_id "
            "WHERE s.action IN ('insert', 'update') AND s.parent_code IS NOT NULL"
        ):
            if code is not None:
                edges[code] = parent
                lines[code] = (rowid, line)
        stored: dict[str, str | None] = {}

        def parent_of(code: str) -> str | None:
            if code in edges:
                return edges[code]
            if code not in stored:
                row = db.execute(
                    "SELECT p.code FROM customers c JOIN customers p ON p.id = c.parent_id "
                    "WHERE c.code = ?",
                    (code,),
                ).fetchone()
                stored[code] = row[0] if row else None
            return stored[code]

        for code, (rowid, line) in lines.items():
            seen = {code}
            at = edges[code]
            for _ in range(100):
                if at is None:
                    break
                if at in seen:
                    checks.report.add(
                        line,
                        checks.column("parent_code"),
                        edges[code],
                        "would put the customer inside its own group (a parent cycle)",
                    )
                    checks.plan.invalidate(rowid)
                    break
                seen.add(at)
                at = parent_of(at)

    # -- writes ------------------------------------------------------------------------
    def write(self, writer: Writer) -> None:
        from sqlmodel import Session

        from clientdesk.domain.customers import next_customer_code

        db = writer.db
        with Session(writer.plan.database.engine) as session:
            # A fresh read of the highest stored code; the transaction on `db` holds the
            # write lock, so no one can add a customer in between.
            next_code = next_customer_code(session=session)
        code_start = max(int(next_code[1:]) - 1, self.highest_code)
        writer.defer_indexes("customers", "contacts")
        base = writer.next_id("customers")
        count = db.execute(f"SELECT count(*) FROM {S} WHERE action = 'insert'").fetchone()[0]  # noqa: S608
        if count:
            new_id = self._number(writer, base, count, code_start)
            if db.execute(f"SELECT 1 FROM {S} WHERE parent_code IS NOT NULL LIMIT 1").fetchone():  # noqa: S608
                writer.plan.stage_index("code")
                db.execute(
                    f"UPDATE {S} SET parent_id = coalesce("  # noqa: S608
                    f"(SELECT {new_id.format(row='p')} FROM {S} p "
                    f"WHERE p.code = {S}.parent_code AND p.action = 'insert'), "
                    f"(SELECT c.id FROM customers c WHERE c.code = {S}.parent_code)) "
                    "WHERE parent_code IS NOT NULL",
                    {"base": base},
                )
            self._insert(writer, base, count, new_id)
            writer.advance(count)
        self._update(writer)

    def _number(self, writer: Writer, base: int, count: int, code_start: int) -> str:
        """Give the rows to insert their ids (from `base`, in file order) and the codes
        they lack (after the highest C000123 code); the SQL of a row's new id, with
        {row} for the staged row's alias.
        """
        db = writer.db
        staged = db.execute(f"SELECT count(*), max(rowid) FROM {S}").fetchone()  # noqa: S608
        if staged == (count, count):
            # Every staged row is inserted and the rowids run 1..count (the usual new file):
            # a row's id follows from its rowid, with no pass over the staged rows.
            if self.uncoded_rows:
                db.execute(
                    f"UPDATE {S} SET code = printf('C%06d', :start + r.crn) "  # noqa: S608
                    "FROM (SELECT rowid AS rid, sum(code IS NULL) OVER (ORDER BY rowid) AS crn "
                    f"FROM {S}) AS r WHERE {S}.rowid = r.rid AND {S}.code IS NULL",
                    {"start": code_start},
                )
            return "(:base - 1 + {row}.rowid)"
        db.execute(
            f"UPDATE {S} SET new_id = :base - 1 + r.rn, "  # noqa: S608
            f"code = coalesce({S}.code, printf('C%06d', :start + r.crn)) "
            "FROM (SELECT rowid AS rid, row_number() OVER (ORDER BY rowid) AS rn, "
            "sum(code IS NULL) OVER (ORDER BY rowid) AS crn "
            f"FROM {S} WHERE action = 'insert') AS r WHERE {S}.rowid = r.rid",
            {"base": base, "start": code_start},
        )
        return "{row}.new_id"

    def _insert(self, writer: Writer, base: int, count: int, new_id: str) -> None:
        trigger = writer.trigger_sql(SEARCH_TRIGGER)
        fill = set_based_insert(trigger, "customers") if trigger else None
        if fill is None:  # no search index (or one this version does not know): per row
            self._insert_rows(writer, base, count, new_id)
            return
        # The new customers have no index entry yet, so the contact trigger has nothing to
        # update; the customer trigger's work is done once for the whole id range, which
        # is several times faster than a trigger per row.
        with writer.triggers_suspended(SEARCH_TRIGGER, SEARCH_CONTACT_TRIGGER):
            self._insert_rows(writer, base, count, new_id)
            writer.db.execute(fill, {"first": base, "last": base + count - 1})

    def _insert_rows(self, writer: Writer, base: int, count: int, new_id: str) -> None:
        """Insert the staged rows; `new_id` is the SQL of a row's id ({row}: its alias)."""
        row_id = new_id.format(row=S)
        db = writer.db
        # Contacts first (foreign keys are checked at commit), so that each customer's
        # search entry is built once, with its contact, when the customer goes in.
        db.execute("PRAGMA defer_foreign_keys = ON")
        contacts_base = writer.next_id("contacts")
        cursor = db.execute(
            "INSERT INTO contacts (id, customer_id, name, title, phone, mobile, email, wechat, "  # noqa: S608
            "is_primary, notes, phone_digits, mobile_digits, created_at, updated_at) "
            f"SELECT :contacts - 1 + row_number() OVER (ORDER BY rowid), {row_id}, "
            "contact_name, contact_title, contact_phone, contact_mobile, contact_email, "
            "contact_wechat, 1, NULL, coalesce(contact_phone_digits, ''), "
            "coalesce(contact_mobile_digits, ''), :now, :now "
            f"FROM {S} WHERE action = 'insert' AND contact_name IS NOT NULL ORDER BY rowid",
            {"contacts": contacts_base, "base": base, "now": writer.now},
        )
        writer.inserted_range("contacts", contacts_base, cursor.rowcount)
        db.execute(
            "INSERT INTO customers (id, code, name, short_name, kind, special_kind, industry, "  # noqa: S608
            "region, address, website, credit_code, registered_capital_cents, "
            "annual_revenue_cents, bank_name, bank_account, owner, status, grade, grade_fixed, "
            "market_share_rating, potential_rating, parent_id, credit_limit_cents, notes, "
            "pinyin, pinyin_initials, name_key, last_contact_at, created_at, updated_at, "
            "verified_at) "
            f"SELECT {row_id}, code, name, short_name, coalesce(kind, :kind), "
            "CASE WHEN coalesce(kind, :kind) = :special THEN special_kind END, industry, "
            "region, address, website, credit_code, registered_capital_cents, "
            "annual_revenue_cents, bank_name, bank_account, owner, coalesce(status, :status), "
            "coalesce(grade, :grade), coalesce(grade_fixed, 0), market_share_rating, "
            "potential_rating, parent_id, credit_limit_cents, notes, pinyin, pinyin_initials, "
            "name_key, NULL, coalesce(created_at, :now), :now, verified_at "
            f"FROM {S} WHERE action = 'insert' ORDER BY rowid",
            {
                "base": base,
                "kind": CustomerKind.DIRECT.value,
                "special": CustomerKind.SPECIAL.value,
                "status": CustomerStatus.PROSPECT.value,
                "grade": Grade.D.value,
                "now": writer.now,
            },
        )
        writer.inserted_range("customers", base, count)

    def _update(self, writer: Writer) -> None:
        plan = writer.plan
        mapped = plan.columns.keys
        columns = [c for c in CUSTOMER_COLUMNS if c in mapped]
        contact_columns = {k: s for k, s in CONTACT_COLUMNS.items() if s in mapped}
        staged = [
            "match_id",
            *columns,
            "pinyin",
            "pinyin_initials",
            "name_key",
            "parent_code",
            *contact_columns.values(),
            "contact_phone_digits",
            "contact_mobile_digits",
        ]
        next_contact = writer.next_id("contacts")
        first_contact = next_contact
        done = 0
        for row in writer.staged("update", staged):
            record = dict(zip(staged, row, strict=True))
            customer_id = record["match_id"]
            self._update_customer(writer, customer_id, record, columns)
            if record.get("contact_name") is not None and self._update_contact(
                writer, customer_id, record, contact_columns, next_contact
            ):
                next_contact += 1
            done += 1
            if done % 1000 == 0:
                writer.advance(1000)
        writer.advance(done % 1000)
        writer.inserted_range("contacts", first_contact, next_contact - first_contact)

    def _update_customer(
        self, writer: Writer, customer_id: int, record: dict[str, Any], columns: list[str]
    ) -> None:
        db = writer.db
        wanted = [*columns, "parent_id", "special_kind", "kind", *DERIVED, "updated_at"]
        names = ", ".join(dict.fromkeys(wanted))
        current = db.execute(
            f"SELECT {names} FROM customers WHERE id = ?",  # noqa: S608
            (customer_id,),
        ).fetchone()
        old = dict(zip(dict.fromkeys(wanted), current, strict=True))
        changes: dict[str, list[Any]] = {}
        for column in columns:
            new = record[column]
            if new is not None and new != old[column]:
                changes[column] = [old[column], new]
        if record.get("parent_code") is not None:
            parent = db.execute(
                "SELECT id FROM customers WHERE code = ?", (record["parent_code"],)
            ).fetchone()
            if parent and parent[0] != old["parent_id"]:
                changes["parent_id"] = [old["parent_id"], parent[0]]
        kind = changes.get("kind", [None, old["kind"]])[1]
        if kind != CustomerKind.SPECIAL.value and old["special_kind"] is not None:
            changes["special_kind"] = [old["special_kind"], None]
        if not changes:
            writer.unchanged()
            return
        if "name" in changes:  # the search keys follow the name (and come back on undo)
            for derived in DERIVED:
                changes[derived] = [old[derived], record[derived]]
        changes["updated_at"] = [old["updated_at"], writer.now]
        sets = ", ".join(f"{k} = ?" for k in changes)
        db.execute(
            f"UPDATE customers SET {sets} WHERE id = ?",  # noqa: S608
            (*(new for _, new in changes.values()), customer_id),
        )
        writer.audit("customer", customer_id, "update", changes)

    def _update_contact(
        self,
        writer: Writer,
        customer_id: int,
        record: dict[str, Any],
        contact_columns: dict[str, str],
        new_id: int,
    ) -> bool:
        """Update the same-named contact, or add one; True when one was added."""
        db = writer.db
        names = ", ".join(CONTACT_COLUMNS)
        found = db.execute(
            f"SELECT id, {names}, phone_digits, mobile_digits, updated_at FROM contacts "  # noqa: S608
            "WHERE customer_id = ? AND name = ? ORDER BY is_primary DESC, id LIMIT 1",
            (customer_id, record["contact_name"]),
        ).fetchone()
        if found is None:
            has_primary = db.execute(
                "SELECT 1 FROM contacts WHERE customer_id = ? AND is_primary = 1", (customer_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO contacts (id, customer_id, name, title, phone, mobile, email, "
                "wechat, is_primary, notes, phone_digits, mobile_digits, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                (
                    new_id,
                    customer_id,
                    record["contact_name"],
                    *(record.get(CONTACT_COLUMNS[k]) for k in ("title", "phone", "mobile")),
                    *(record.get(CONTACT_COLUMNS[k]) for k in ("email", "wechat")),
                    0 if has_primary else 1,
                    record.get("contact_phone_digits") or "",
                    record.get("contact_mobile_digits") or "",
                    writer.now,
                    writer.now,
                ),
            )
            return True
        contact_id, *current = found
        labels = [*CONTACT_COLUMNS, "phone_digits", "mobile_digits", "updated_at"]
        old = dict(zip(labels, current, strict=True))
        changes: dict[str, list[Any]] = {}
        for column, staged in contact_columns.items():
            new = record[staged]
            if new is not None and new != old[column]:
                changes[column] = [old[column], new]
        if not changes:
            return False
        for column, digits in (("phone", "phone_digits"), ("mobile", "mobile_digits")):
            if column in changes:
                changes[digits] = [old[digits], keys.phone_digits(changes[column][1])]
        changes["updated_at"] = [old["updated_at"], writer.now]
        sets = ", ".join(f"{k} = ?" for k in changes)
        db.execute(
            f"UPDATE contacts SET {sets} WHERE id = ?",  # noqa: S608
            (*(new for _, new in changes.values()), contact_id),
        )
        writer.audit("contact", contact_id, "update", changes)
        return False
