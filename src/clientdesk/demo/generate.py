"""One pass over the customers: each customer file with its contacts and dynamic records.

Rows are tuples in the column order of `tables.COLUMNS`, with ids assigned here (1, 2, ...)
so that children can point at parents without reading anything back. Times are whole
minutes since 1970-01-01 UTC until a row is built (see `clock`).
"""

from __future__ import annotations

import random
from collections import deque
from statistics import NormalDist
from typing import Any

from clientdesk.demo import activity, complaints, contracts
from clientdesk.demo import tables as T
from clientdesk.demo import vocab as V
from clientdesk.demo.clock import EPOCH, HISTORY_DAYS, Clock, business_minute, quarter_bounds
from clientdesk.demo.clock import MINUTES_PER_DAY as DAY
from clientdesk.demo.names import Identity, NameMaker, Picker, landline, mobile, person, pick
from clientdesk.demo.vocab import City
from clientdesk.domain.text import phone_digits

Row = tuple[Any, ...]

ENGLISH_SHARE = 0.15
GROUP_ROOT_SHARE = 0.04  # → about 5% of customers are group parents
MID_PARENT_SHARE = 0.04  # subsidiaries that have branches of their own (two-level groups)

# Grade cut-offs on a standard-normal score: A top 15%, B next 25%, C next 35%, D 25%.
_NORMAL = NormalDist()
GRADE_CUTS = (
    (_NORMAL.inv_cdf(0.85), "A"),
    (_NORMAL.inv_cdf(0.60), "B"),
    (_NORMAL.inv_cdf(0.25), "C"),
)
GRADE_LEVEL = {"A": 4, "B": 3, "C": 2, "D": 1}
CREDIT_SHARE = {"A": 0.06, "B": 0.04, "C": 0.025, "D": 0.01}
LOG_REVENUE_MEAN, LOG_REVENUE_SD = 7.2, 0.7  # log10 of annual revenue in yuan (≈ ¥16M)

CUSTOMER_NOTES = (
    "重点客户，需总经理级别对接。",
    "年度框架协议客户。",
    "注意回款风险。",
    "对价格敏感。",
    "决策流程较长，需提前沟通。",
    "由原客户经理移交。",
    "有扩大合作意向。",
)
CONTACT_NOTES = ("负责采购审批", "关键决策人", "喜欢电话沟通", "技术对接人", "财务对账联系人")
PUBLIC_MAIL = ("163.com", "qq.com", "126.com", "sina.com", "foxmail.com")
WECHAT_CHARS = "abcdefghijkmnpqrstuvwxyz0123456789"


class Customer:
    """What the record generators need to know about the customer they work for."""

    __slots__ = (
        "city", "contacts", "contracts", "created", "deliveries", "domain", "end", "first",
        "followups", "grade", "id", "kind", "last_contact", "owner", "payer", "status", "terms",
    )  # fmt: skip

    id: int
    city: City
    kind: str
    domain: str | None
    owner: str
    status: str
    grade: str
    created: int  # minute the file was created
    first: int  # records fall on days [first, end)
    end: int
    payer: tuple[float, float]  # share of invoices paid on time, and paid late
    terms: int  # days to pay
    contacts: list[int]  # ids, the key contact first

    def __init__(self) -> None:
        self.contracts: list[tuple[int, int, int]] = []  # (id, first day, last day) in force
        self.deliveries: list[tuple[int, int]] = []  # (contract id, delivered day)
        self.followups: list[tuple[int, int]] = []  # (complaint id, minute to follow up)
        self.last_contact = -1  # minute of the latest done visit or interaction


class Generator:
    def __init__(self, rnd: random.Random, clock: Clock) -> None:
        self.rnd = rnd
        self.clock = clock
        self.names = NameMaker(rnd)
        self.rows: dict[str, list[Row]] = {name: [] for name in T.COLUMNS}
        self.customer_id = self.contact_id = self.contract_id = self.contract_event_id = 0
        self.complaint_id = self.complaint_event_id = self.visit_id = 0
        self.transaction_id = self.interaction_id = 0
        self.contract_numbers: dict[int, int] = {}  # year → last sequence number
        self.sales: dict[tuple[str, int], int] = {}  # (owner, quarter) → sales in cents
        self.history_start = clock.today - HISTORY_DAYS
        # Subsidiaries still to make: (parent id, parent identity, group's cities, kind, depth).
        self.slots: deque[tuple[int, Identity, set[str], str, int]] = deque()

        self.owners = [name for name, _ in V.SALESPEOPLE]
        self.owners_by_region: dict[str, list[str]] = {}
        for name, region in V.SALESPEOPLE:
            self.owners_by_region.setdefault(region, []).append(name)
        self.city = Picker(rnd, V.CITIES, [c.weight for c in V.CITIES])
        self.kind = Picker(
            rnd, ("direct", "distributor", "agreement", "supplier", "special"), (34, 25, 17, 17, 7)
        )
        self.member_kind = Picker(
            rnd, ("direct", "distributor", "agreement", "supplier"), (4, 3, 2, 1)
        )
        self.special_kind = Picker(
            rnd,
            ("bank", "government", "tax", "design_institute", "advertising", "other"),
            (25, 24, 10, 16, 15, 10),
        )
        self.status = Picker(rnd, ("active", "prospect", "dormant", "lost"), (72, 11, 11, 6))
        self.group_status = Picker(rnd, ("active", "prospect", "dormant", "lost"), (86, 4, 7, 3))
        self.payer = Picker(rnd, ((0.93, 0.06), (0.58, 0.35), (0.38, 0.32)), (70, 22, 8))
        self.terms = Picker(rnd, (30, 45, 60, 90), (35, 15, 30, 20))
        self.bank = Picker(rnd, [b for b, _ in V.BANKS], V.BANK_WEIGHTS)
        self.satisfaction = {
            grade: Picker(rnd, (1, 2, 3, 4, 5), weights)
            for grade, weights in (
                ("A", (2, 4, 16, 43, 35)),
                ("B", (2, 6, 20, 42, 30)),
                ("C", (3, 8, 24, 40, 25)),
                ("D", (4, 10, 28, 36, 22)),
            )
        }

    # -- one customer ----------------------------------------------------------------------
    def customer(self) -> None:
        rnd = self.rnd
        r = rnd.random
        clock = self.clock
        today = clock.today
        self.customer_id += 1
        cid = self.customer_id
        slot = self.slots.popleft() if self.slots else None
        special_kind: str | None = None
        parent_id: int | None = None
        identity: Identity | None = None
        children = depth = 0
        group_cities: set[str] = set()
        if slot is not None:
            parent_id, parent, group_cities, kind, depth = slot
            city, identity = self._member(parent, group_cities, branch=depth >= 2)
            if identity is None:  # no free city left for this group: a standalone company
                parent_id, depth = None, 0
            else:
                if rnd.random() < 0.15:
                    kind = self.member_kind()
                if depth == 1 and r() < MID_PARENT_SHARE:
                    children = 2 + int(r() * 2)
        else:
            city = self.city()
            kind = self.kind()
            if kind == "special":
                special_kind = self.special_kind()
                identity = self._special(city, special_kind)
                if identity is None:
                    kind, special_kind = "direct", None
        if identity is None:
            kind = "direct" if kind == "special" else kind
            group = parent_id is None and r() < GROUP_ROOT_SHARE
            identity = self.names.company(city, english=r() < ENGLISH_SHARE, group=group)
            if group:
                children = 2 + int(r() * 7)
                group_cities = {city.name}
        if children:
            entries = [(cid, identity, group_cities, kind, depth + 1)] * children
            if depth == 0:
                self.slots.extend(entries)
            else:  # branches follow their own parent at once
                self.slots.extendleft(entries)
        in_group = parent_id is not None or children > 0

        c = Customer()
        c.id = cid
        c.city = city
        c.kind = kind
        c.domain = identity.domain
        region = city.region
        c.owner = pick(rnd, self.owners_by_region[region]) if r() < 0.88 else pick(rnd, self.owners)
        c.status = status = self.group_status() if in_group else self.status()

        # Money and grade: the grade follows revenue, with noise.
        revenue: int | None = None
        capital: int | None = None
        if special_kind in ("government", "tax"):
            score = rnd.gauss(0.0, 1.0)
        else:
            log_revenue = rnd.gauss(LOG_REVENUE_MEAN, LOG_REVENUE_SD)
            if children:
                log_revenue += 0.6 if depth == 0 else 0.3
            if depth >= 2:
                log_revenue -= 0.4
            if special_kind == "bank":
                log_revenue += 0.8
            revenue = int(10**log_revenue) // 100 * 10_000  # whole hundreds of yuan, in cents
            capital_yuan = 10 ** (log_revenue - 0.8 + rnd.gauss(0.0, 0.3))
            capital = max(1, round(capital_yuan / 100_000)) * 10_000_000  # in 10万 yuan steps
            z = (log_revenue - LOG_REVENUE_MEAN) / LOG_REVENUE_SD
            score = 0.8 * z + 0.6 * rnd.gauss(0.0, 1.0)
        grade = "D"
        for cut, name in GRADE_CUTS:
            if score >= cut:
                grade = name
                break
        if status == "prospect" and grade in ("A", "B"):
            grade = "C"
        c.grade = grade
        level = GRADE_LEVEL[grade]
        market_share = potential = None
        if r() < 0.9:
            market_share = min(5, max(0, level + round(rnd.gauss(0.0, 0.8))))
            potential = min(5, max(0, level + (status == "prospect") + round(rnd.gauss(0.0, 1.0))))
        credit_limit = None
        if revenue and status in ("active", "dormant") and r() < 0.85:
            limit = revenue * CREDIT_SHARE[grade] * (1.5 if children else 1.0)
            credit_limit = max(5, round(limit / 10_000_000)) * 10_000_000

        # When the file was created, and the days its records fall in: [first, end).
        if status == "prospect":
            since = today - 20 - int(r() * 400)
        elif r() < 0.72:
            since = self.history_start - 30 - int(r() * 1400)
        else:
            since = self.history_start + int(r() * 620)
        c.created = created = since * DAY + business_minute(r())
        c.first = first = max(self.history_start, since + 1)
        if status == "dormant":
            end = today - 200 - int(r() * 300)
        elif status == "lost":
            end = today - 120 - int(r() * 450)
        else:
            end = today
        c.end = min(today, max(end, first + 20))
        c.payer = self.payer()
        c.terms = self.terms()

        self.contact_rows(c)
        contracts.contracts(self, c)
        complaints.complaints(self, c)
        activity.visits(self, c)
        activity.transactions(self, c)
        activity.interactions(self, c)

        verified: int | None = None
        if r() < 0.93:
            ago = int(r() * 175) if r() < 0.65 else 185 + int(r() * 540)
            verified = max(today - 1 - ago, since + 1) * DAY + business_minute(r())
        updated = max(created, verified or 0, c.last_contact if r() < 0.3 else 0)
        at = clock.at
        self.rows[T.CUSTOMERS].append(
            (
                cid,
                f"C{cid:06d}",
                identity.name,
                identity.short_name,
                kind,
                special_kind,
                identity.industry,
                region,
                self._address(city),
                f"www.{identity.domain}" if identity.domain else None,
                self._credit_code(city, kind, special_kind) if r() < 0.92 else None,
                capital,
                revenue,
                self._bank_name(city) if special_kind != "bank" and r() < 0.85 else None,
                self._bank_account() if r() < 0.8 else None,
                c.owner,
                status,
                grade,
                r() < 0.03,
                market_share,
                potential,
                parent_id,
                credit_limit,
                pick(rnd, CUSTOMER_NOTES) if r() < 0.12 else None,
                identity.pinyin,
                identity.initials,
                identity.name_key,
                at(c.last_contact) if c.last_contact >= 0 else None,
                at(created),
                at(updated),
                at(verified) if verified is not None else None,
            )
        )

    # -- customer helpers ------------------------------------------------------------------
    def _member(
        self, parent: Identity, group_cities: set[str], *, branch: bool
    ) -> tuple[City, Identity | None]:
        city = self.city()
        for _ in range(12):
            if city.name not in group_cities:
                identity = self.names.subsidiary(parent, city, branch=branch)
                if identity is not None:
                    group_cities.add(city.name)
                    return city, identity
            city = self.city()
        return city, None

    def _special(self, city: City, special_kind: str) -> Identity | None:
        for _ in range(12):
            identity = self.names.special(city, special_kind)
            if identity is not None:
                return identity
            city = self.city()
        return None

    def _credit_code(self, city: City, kind: str, special_kind: str | None) -> str:
        if special_kind in ("government", "tax"):
            authority = "11"  # 机构编制, 机关
        elif special_kind == "other":
            authority = "12"  # 机构编制, 事业单位
        else:
            authority = "91"  # 工商, 企业
        return self.names.credit_code(city, authority)

    def _address(self, city: City) -> str:
        rnd = self.rnd
        district = pick(rnd, city.districts if rnd.random() < 0.85 else V.GENERIC_DISTRICTS)
        number = int(rnd.random() * 999) + 1
        text = f"{city.province}{city.name}市{district}{pick(rnd, V.ROADS)}{number}号"
        x = rnd.random()
        if x < 0.45:
            text += f"{pick(rnd, V.BUILDINGS)}{int(rnd.random() * 30) + 1}层"
        elif x < 0.7:
            floor, room = int(rnd.random() * 20) + 1, int(rnd.random() * 20) + 1
            text += f"{pick(rnd, 'ABCD')}座{floor}{room:02d}室"
        return text

    def _bank_name(self, city: City) -> str:
        district = pick(self.rnd, city.districts)
        short = district.removesuffix("新区").removesuffix("区").removesuffix("街道")
        return f"{self.bank()}{city.name}{short}支行"

    def _bank_account(self) -> str:
        rnd = self.rnd
        tail = 7 + int(rnd.random() * 4)
        digits = f"{int(rnd.random() * 1e9):09d}{int(rnd.random() * 10**tail):0{tail}d}"
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))

    def contact_rows(self, c: Customer) -> None:
        """1-3 contacts, the first being the key contact (主要联系人)."""
        rnd = self.rnd
        r = rnd.random
        at = self.clock.at
        latest = (self.clock.today - 1) * DAY + 600
        x = r()
        count = 1 if x < 0.35 else 2 if x < 0.75 else 3
        append = self.rows[T.CONTACTS].append
        for index in range(count):
            self.contact_id += 1
            name, romanised, initials = person(rnd)
            title = pick(rnd, V.PRIMARY_TITLES if index == 0 else V.TITLES)
            phone = landline(rnd, c.city.area) if r() < 0.8 else None
            mobile_number = mobile(rnd) if phone is None or r() < 0.88 else None
            email = None
            if r() < 0.75:
                if c.domain and r() < 0.8:
                    email = f"{romanised}@{c.domain}"
                else:
                    email = f"{initials}{int(r() * 9000) + 1000}@{pick(rnd, PUBLIC_MAIL)}"
            wechat = None
            if r() < 0.6:
                if r() < 0.5:
                    wechat = "wxid_" + "".join(rnd.choices(WECHAT_CHARS, k=10))
                else:
                    wechat = f"{romanised.replace('.', '_')}{int(r() * 900) + 100}"
            created = min(c.created + int(r() * 30 * DAY), latest)
            stamp = at(created)
            append(
                (
                    self.contact_id,
                    c.id,
                    name,
                    title,
                    phone,
                    mobile_number,
                    email,
                    wechat,
                    index == 0,
                    pick(rnd, CONTACT_NOTES) if r() < 0.1 else None,
                    phone_digits(phone),
                    phone_digits(mobile_number),
                    stamp,
                    stamp,
                )
            )
        c.contacts = list(range(self.contact_id - count + 1, self.contact_id + 1))

    # -- sales targets ---------------------------------------------------------------------
    def sales_targets(self) -> None:
        """A target per salesperson and quarter of the two years, near what they really sold."""
        clock = self.clock
        first_q = clock.quarter[self.history_start]
        last_q = clock.quarter[clock.today]
        full = range(first_q + 1, last_q)  # quarters wholly inside the history
        append = self.rows[T.SALES_TARGETS].append
        target_id = 0
        for owner in self.owners:
            sold = [self.sales.get((owner, q), 0) for q in full]
            average = sum(sold) / len(sold) if sold else 0
            for index, quarter in enumerate(range(first_q, last_q + 1)):
                trend = 0.92 + 0.02 * index  # targets grow over time
                amount = average * trend * (0.9 + 0.25 * self.rnd.random())
                start, finish = quarter_bounds(quarter)
                target_id += 1
                append(
                    (
                        target_id,
                        owner,
                        clock.date[(start - EPOCH).days],
                        clock.date[(finish - EPOCH).days],
                        max(1, round(amount / 10_000_000)) * 10_000_000,  # whole 10万 yuan
                        "CNY",
                    )
                )
