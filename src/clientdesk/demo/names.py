"""Company identities (names, search keys, codes) and people for the demo data.

A name is built from parts; its pinyin is the concatenation of the parts' pinyin, each part
computed once by `pinyin_keys` and cached, which is what makes 100,000 names affordable
(pypinyin costs ~250 µs a call). The parts are chosen so that this equals
`pinyin_keys(name)`; tests check it on generated names.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, NamedTuple, TypeVar

from clientdesk.demo import vocab as V
from clientdesk.demo.vocab import City
from clientdesk.domain.creditcode import ALPHABET, check_character
from clientdesk.domain.text import name_key, pinyin_keys

T = TypeVar("T")


class Picker(Generic[T]):
    """Fast weighted choice driven by one random.Random (bisect over cumulative weights)."""

    __slots__ = ("_cum", "_items", "_random", "_total")

    def __init__(self, rnd: random.Random, items: Sequence[T], weights: Sequence[float]) -> None:
        self._items = list(items)
        self._cum = list(accumulate(weights))
        self._total = self._cum[-1]
        self._random = rnd.random

    def __call__(self) -> T:
        return self._items[bisect(self._cum, self._random() * self._total)]


def pick(rnd: random.Random, items: Sequence[T]) -> T:
    return items[int(rnd.random() * len(items))]


class Identity(NamedTuple):
    name: str
    short_name: str
    pinyin: str
    initials: str
    name_key: str
    industry: str
    domain: str | None  # for the website and e-mail addresses
    parts: tuple[str, ...]  # pinyin parts, for building subsidiaries' names
    brand: str  # brand (字号) of the company, shared by its group
    word: str  # industry word of the name (Chinese) or sector (English)
    english: bool


def join_pinyin(parts: Sequence[str]) -> tuple[str, str]:
    full = initials = ""
    for part in parts:
        f, i = pinyin_keys(part)
        full += f
        initials += i
    return full, initials


class NameMaker:
    """Unique (by `name_key`) company names of every kind, with their derived keys."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.used: set[str] = set()
        self.group_brands: set[str] = set()
        self.codes: set[str] = set()
        self._form = Picker(rnd, V.LEGAL_FORMS, V.LEGAL_FORM_WEIGHTS)
        self._english_form = Picker(rnd, V.ENGLISH_FORMS, V.ENGLISH_FORM_WEIGHTS)
        self._bank = Picker(rnd, V.BANKS, V.BANK_WEIGHTS)

    # -- helpers ---------------------------------------------------------------------------
    def _claim(self, name: str) -> str | None:
        key = name_key(name)
        if key in self.used:
            return None
        self.used.add(key)
        return key

    def _make(
        self,
        parts: tuple[str, ...],
        short: str,
        industry: str,
        *,
        domain: str | None,
        brand: str,
        word: str,
        english: bool,
    ) -> Identity | None:
        name = " ".join(parts) if english else "".join(parts)
        key = self._claim(name)
        if key is None:
            return None
        full, initials = join_pinyin(parts)
        return Identity(
            name, short, full, initials, key, industry, domain, parts, brand, word, english
        )

    def _brand(self) -> str:
        chars = V.BRAND_CHARS
        first = pick(self.rnd, chars)
        second = pick(self.rnd, chars)
        while second == first:
            second = pick(self.rnd, chars)
        return first + second

    def _domain(self, brand: str, word: str) -> str:
        brand_py, brand_initials = join_pinyin(brand)
        word_initials = pinyin_keys(word)[1]
        choice = int(self.rnd.random() * 4)
        if choice == 0:
            return f"{brand_py}.com.cn"
        if choice == 1:
            return f"{brand_initials}{word_initials}.com"
        if choice == 2:
            return f"{brand_py}{word_initials}.cn"
        return f"{brand_py}-group.com"

    # -- companies -------------------------------------------------------------------------
    def company(self, city: City, *, english: bool, group: bool = False) -> Identity:
        for _ in range(200):
            found = (self._english if english else self._chinese)(city, group)
            if found is not None:
                return found
        raise RuntimeError("ran out of unique company names")  # pragma: no cover

    def _chinese(self, city: City, group: bool) -> Identity | None:
        rnd = self.rnd
        brand = self._brand()
        word, industry, _ = pick(rnd, V.INDUSTRIES)
        if group:
            if brand + word in self.group_brands:
                return None
            form = V.GROUP_FORM
            with_city = rnd.random() < 0.35
        else:
            form = self._form()
            with_city = rnd.random() < 0.88
        parts = (city.name, *brand, word, form) if with_city else (*brand, word, form)
        short = brand + V.SHORT_WORDS.get(word, word[:2])
        domain = self._domain(brand, word) if rnd.random() < 0.45 else None
        found = self._make(
            parts, short, industry, domain=domain, brand=brand, word=word, english=False
        )
        if found is not None and group:
            self.group_brands.add(brand + word)
        return found

    def _english(self, city: City, group: bool) -> Identity | None:
        rnd = self.rnd
        brand = pick(rnd, V.ENGLISH_BRANDS)
        _, industry, sector = pick(rnd, V.INDUSTRIES)
        if group:
            if brand + sector in self.group_brands:
                return None
            form = "Group Co., Ltd."
            words = [*brand.split(), *sector.split(), "Group", "Co.,", "Ltd."]
        else:
            form = self._english_form()
            words = [*brand.split(), *sector.split(), *form.split()]
            if rnd.random() < 0.3:
                words.insert(0, city.english)
        slug = brand.lower().replace(" ", "")
        domain = f"{slug}{pick(rnd, ('.com', '.com.cn', '-china.com', '.cn'))}"
        found = self._make(
            tuple(words), brand, industry, domain=domain, brand=brand, word=sector, english=True
        )
        if found is not None and group:
            self.group_brands.add(brand + sector)
        return found

    def subsidiary(self, parent: Identity, city: City, *, branch: bool) -> Identity | None:
        """A subsidiary, 华信科技（上海）有限公司, or a branch of one,
        华信科技（上海）有限公司苏州分公司; None when the name is taken."""
        if parent.english:
            sector_words = parent.word.split()
            if branch:
                parts: tuple[str, ...] = (*parent.parts, city.english, "Branch")
            else:
                parts = (*parent.brand.split(), *sector_words, f"({city.english})", "Co.,", "Ltd.")
            short = f"{parent.brand} {city.english}"
        else:
            if branch:
                parts = (*parent.parts, city.name, "分公司")
            else:
                parts = (*parent.brand, parent.word, "（", city.name, "）", "有限公司")
            short = f"{parent.brand}{city.name}"
        return self._make(
            parts,
            short[:60],
            parent.industry,
            domain=parent.domain,
            brand=parent.brand,
            word=parent.word,
            english=parent.english,
        )

    # -- special customers (特殊类客户) -------------------------------------------------------
    def special(self, city: City, special_kind: str) -> Identity | None:
        rnd = self.rnd
        district = pick(rnd, city.districts)
        short_district = district.removesuffix("新区").removesuffix("区").removesuffix("街道")
        domain: str | None = None
        brand = ""
        if special_kind == "bank":
            bank, bank_short = self._bank()
            if rnd.random() < 0.4:
                # A provincial capital's branch is named by its province (中国银行陕西省分行).
                capital = city.province and city.admin.endswith("01")
                place = city.province if capital else city.name
                parts: tuple[str, ...] = (bank, place, "分行")
                short = f"{bank_short}{place.removesuffix('省')[:3]}分行"
            else:
                parts = (bank, city.name, short_district, "支行")
                short = f"{bank_short}{short_district}支行"
            industry = "金融服务"
        elif special_kind == "government":
            body = pick(rnd, V.GOVERNMENT_BODIES)
            if rnd.random() < 0.6:
                parts = (city.name, "市", body)
            else:
                parts = (city.name, "市", district, body)
            short = f"{city.name}{body}"
            industry = "政府机关"
            domain = f"{pinyin_keys(city.name)[0]}.gov.cn"
        elif special_kind == "tax":
            if rnd.random() < 0.4:
                parts = (city.name, "市税务局")
            else:
                parts = (city.name, "市", district, "税务局")
            short = f"{city.name}税务"
            industry = "政府机关"
            domain = f"{pinyin_keys(city.name)[0]}.chinatax.gov.cn"
        elif special_kind == "design_institute":
            institute = pick(rnd, V.DESIGN_INSTITUTES)
            if rnd.random() < 0.3:
                parts = (city.name, "市", institute)
                short = f"{city.name}设计院"
            else:
                brand = self._brand()
                parts = (city.name, *brand, institute)
                short = f"{brand}设计院"
            industry = "设计咨询"
        elif special_kind == "advertising":
            brand = self._brand()
            parts = (city.name, *brand, pick(rnd, V.ADVERTISING_WORDS))
            short = f"{brand}广告"
            industry = "广告传媒"
        else:
            body = pick(rnd, V.OTHER_SPECIAL)
            if body == "职业技术学院":
                brand = self._brand()
                parts = (city.name, *brand, body)
                short = f"{brand}学院"
                industry = "教育培训"
            else:
                parts = (city.name, "市", district, body)
                short = f"{city.name}{short_district}{body}"
                industry = "医药健康" if body.endswith("医院") else "公共服务"
        return self._make(
            parts, short[:60], industry, domain=domain, brand=brand, word="", english=False
        )

    # -- unified social credit codes -------------------------------------------------------
    def credit_code(self, city: City, authority: str) -> str:
        """18 characters: authority + type, division code, organisation code, check character."""
        rnd = self.rnd
        while True:
            division = f"{city.admin}{int(rnd.random() * 18) + 1:02d}"
            if rnd.random() < 0.6:
                body = "MA" + "".join(rnd.choices(ALPHABET, k=6))
            else:
                body = f"{int(rnd.random() * 100_000_000):08d}"
            org = body + _org_check(body)
            first17 = authority + division + org
            code = first17 + check_character(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check(body: str) -> str:
    """Check character of an organisation code (GB 11714): digits and letters A=10 ... Z=35."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


# -- people ----------------------------------------------------------------------------------
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "158",
    "159",
    "180",
    "181",
    "185",
    "186",
    "187",
    "188",
    "189",
)


def person(rnd: random.Random) -> tuple[str, str, str]:
    """(name, pinyin for addresses, initials): 王建国, jianguo.wang, wjg."""
    surname, surname_py = pick(rnd, V.SURNAMES)
    first, first_py = pick(rnd, V.GIVEN_CHARS)
    if rnd.random() < 0.7:
        second, second_py = pick(rnd, V.GIVEN_CHARS)
        return (
            surname + first + second,
            f"{first_py}{second_py}.{surname_py}",
            surname_py[0] + first_py[0] + second_py[0],
        )
    return surname + first, f"{first_py}.{surname_py}", surname_py[0] + first_py[0]


def landline(rnd: random.Random, area: str) -> str:
    """010-6552 3388, 0571-8765 4321, sometimes with an extension (转 812)."""
    local = f"{int(rnd.random() * 7) + 2}{int(rnd.random() * 10_000_000):07d}"
    text = f"{area}-{local[:4]} {local[4:]}"
    if rnd.random() < 0.1:
        text += f" 转{int(rnd.random() * 900) + 100}"
    return text


def mobile(rnd: random.Random) -> str:
    """138 0013 8000 or 13800138000."""
    digits = pick(rnd, MOBILE_PREFIXES) + f"{int(rnd.random() * 100_000_000):08d}"
    if rnd.random() < 0.6:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return digits
