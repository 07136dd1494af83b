"""Cell parsers (dates, money, phones, choices, formulas), header matching, encodings, and the
fast pinyin keys, which must equal domain.text.pinyin_keys exactly."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientdesk.domain.enums import CustomerKind, Grade
from clientdesk.domain.text import pinyin_keys as domain_pinyin
from clientdesk.errors import UsageError
from clientdesk.exchange import encoding as enc
from clientdesk.exchange import values as v
from clientdesk.exchange.columns import map_columns, normalise, parse_overrides
from clientdesk.exchange.customers import customer_fields
from clientdesk.exchange.keys import pinyin_keys
from clientdesk.exchange.safety import neutralise
from clientdesk.exchange.sources import sniff_delimiter

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("2024.3.5", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("2024 年 3 月 5 日", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("２０２４－０３－０５", "2024-03-05"),  # full-width digits from a Chinese IME
        (45356, "2024-03-05"),  # Excel serial
        (45356.0, "2024-03-05"),
        ("45356", "2024-03-05"),
        (datetime(2024, 3, 5), "2024-03-05"),
        (date(2024, 3, 5), "2024-03-05"),
        ("2024-03-05 00:00:00", "2024-03-05"),
        ("", None),
        (None, None),
    ],
)
def test_dates_in_common_forms(cell: object, expected: str | None) -> None:
    assert v.day(cell) == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("05/03/2024", "write dates as 2024-03-05"),
        ("2024-02-30", "not a calendar date"),
        ("2024-03-05 14:30", "has a time of day"),
        (2024, "is a number, not a date"),
        ("tomorrow", "is not a date"),
        (True, "not a date"),
    ],
)
def test_bad_dates_say_why(cell: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        v.day(cell)


def test_times_are_local_and_stored_as_utc() -> None:
    parse = v.moment(SHANGHAI)
    assert parse("2024-03-05 10:30") == "2024-03-05 02:30:00.000000"
    assert parse("2024年3月5日 10时30分") == "2024-03-05 02:30:00.000000"
    assert parse("2024-03-05T10:30:00Z") == "2024-03-05 10:30:00.000000"
    assert parse("2024-03-05T10:30:00+01:00") == "2024-03-05 09:30:00.000000"
    assert parse("2024-03-05") == "2024-03-04 16:00:00.000000"
    assert parse("1988-06-01 12:00") == "1988-06-01 03:00:00.000000"  # China kept DST then
    assert parse(45356.5) == "2024-03-05 04:00:00.000000"  # serial with half a day
    with pytest.raises(ValueError, match="not a calendar date and time"):
        parse("2024-02-30 10:00")


@pytest.mark.parametrize(
    ("cell", "cents"),
    [
        ("1234.5", 123450),
        ("¥1,234.50", 123450),
        ("￥ 1 234,00".replace(",", "."), 123400),
        ("RMB 2,000", 200000),
        ("1,000元", 100000),
        ("12.5万", 12500000),
        ("1.2亿", 12000000000),
        ("0.005", 1),  # half up
        (1234.56, 123456),
        (1000, 100000),
        ("-", None),
        ("", None),
    ],
)
def test_money_with_separators_and_signs(cell: object, cents: int | None) -> None:
    assert v.money()(cell) == cents


def test_money_refusals() -> None:
    with pytest.raises(ValueError, match="is negative"):
        v.money()("-12.50")
    assert v.money(negative=True)("(12.50)") == -1250
    with pytest.raises(ValueError, match="not an amount"):
        v.money()("twelve")


def test_phones_stay_text_and_keep_leading_zeros() -> None:
    assert v.phone("010-12345678") == "010-12345678"
    assert v.phone(13800138000) == "13800138000"
    assert v.phone(13800138000.0) == "13800138000"
    assert v.phone("+86 138 0013 8000") == "+86 138 0013 8000"
    with pytest.raises(ValueError, match="is not a phone number"):
        v.phone("call me")


def test_choices_in_english_or_chinese() -> None:
    kind = v.choice(CustomerKind)
    assert kind("供应商") == "supplier"
    assert kind("Supplier") == "supplier"
    assert kind("DISTRIBUTOR") == "distributor"
    assert v.choice(Grade)("b") == "B"
    with pytest.raises(ValueError, match=r"is not one of: supplier \(供应商\)"):
        kind("客户")


def test_booleans() -> None:
    assert v.boolean("是") is True
    assert v.boolean("否") is False
    assert v.boolean("Yes") is True
    assert v.boolean(0) is False
    with pytest.raises(ValueError, match="yes/no"):
        v.boolean("maybe")


def test_text_limits_and_collapse() -> None:
    name = v.text(5, collapse=True)
    assert name("  a   b  ") == "a b"
    with pytest.raises(ValueError, match="is 6 characters long; at most 5 fit"):
        name("abcdef")


def test_formulas_are_refused_but_escaped_text_comes_back() -> None:
    with pytest.raises(ValueError, match="spreadsheet formula"):
        v.cell_text("=SUM(A1:A3)")
    for text in ("=1+2", "+86 138", "-5", "@here", "'quoted", "\ttab"):
        assert v.long_text(neutralise(text)) == text.strip()
    assert v.cell_text("'plain") == "'plain"  # an apostrophe before a letter is content


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_neutralise_then_import_round_trips(text: str) -> None:
    if text.startswith("="):
        return  # unescaped, this is a formula: refused; escaped it round-trips (below)
    escaped = neutralise(text)
    assert escaped[:1] not in v.FORMULA_TRIGGERS
    assert v.cell_text(escaped) == (text.strip() or None)


def test_headers_match_in_english_and_chinese_ignoring_case_and_punctuation() -> None:
    fields = customer_fields(SHANGHAI)
    headers = ["公司名称*", "  Customer Code ", "手机号码", "E-MAIL", "等级（A-D）", "Firma"]
    mapped = map_columns(headers, fields, {})
    assert {h: f.key for h, f in ((headers[i], f) for i, f in mapped.fields)} == {
        "公司名称*": "name",
        "  Customer Code ": "code",
        "手机号码": "contact_mobile",
        "E-MAIL": "contact_email",
    }
    assert [h for _, h in mapped.unknown] == ["等级（A-D）", "Firma"]
    overrides = parse_overrides(["Firma=name", "公司名称*=", "等级（A-D）=grade"], fields)
    mapped = map_columns(headers, fields, overrides)
    assert {f.key for _, f in mapped.fields} == {"name", "code", "contact_mobile",
                                                  "contact_email", "grade"}  # fmt: skip
    assert normalise("客户 编号") == "客户编号"


def test_two_columns_for_one_field_and_missing_required() -> None:
    fields = customer_fields(SHANGHAI)
    mapped = map_columns(["手机", "手机号", "等级"], fields, {})
    assert any("both hold Mobile" in p for p in mapped.problems)
    assert any("公司名称 (Company name) is missing" in p for p in mapped.problems)


def test_map_option_errors() -> None:
    fields = customer_fields(SHANGHAI)
    with pytest.raises(UsageError, match="no field 'nonsense'"):
        parse_overrides(["A=nonsense"], fields)
    with pytest.raises(UsageError, match="is not HEADER=FIELD"):
        parse_overrides(["name"], fields)


def test_delimiter_sniffing() -> None:
    assert sniff_delimiter("a,b,c\n") == ","
    assert sniff_delimiter("a;b;c\n") == ";"
    assert sniff_delimiter("a\tb\tc\n") == "\t"
    assert sniff_delimiter('"a;b",c\n') == ","
    assert sniff_delimiter("公司名称\n") == ","


def test_encoding_detection() -> None:
    assert enc.sniff_bom(b"\xef\xbb\xbfabc") == ("utf-8-sig", 3)
    assert enc.sniff_bom(b"\xff\xfea\x00") == ("utf-16", 2)
    assert enc.detect("公司".encode()) == "utf-8"
    assert enc.detect("公司".encode("gb18030")) == "gb18030"
    # A sample cut inside a character is still UTF-8.
    assert enc.detect("公司".encode()[:-1]) == "utf-8"
    assert enc.canonical("GBK") == "gb18030"
    with pytest.raises(ValueError, match="unknown encoding"):
        enc.canonical("klingon")


DEMO_NAMES = [
    "北京华信科技有限公司",
    "中国工商银行长沙支行",
    "长沙市长安区建设局",
    "重庆重型机械有限责任公司",
    "Shanghai Bluestone Auto Parts Co., Ltd.",
    "上海 ABC 贸易 2 号",
    "厦门行业协会长春分行",
    "",
    "ＡＢＣ有限公司",
]


def test_fast_pinyin_equals_domain_pinyin_on_company_names() -> None:
    from clientdesk.demo import vocab

    names = list(DEMO_NAMES)
    for city in vocab.CITIES:
        names += [f"{city.name}{word}有限公司" for word in ("华信科技", "长城银行", "重工")]
    for name in names:
        assert pinyin_keys(name) == domain_pinyin(name), name


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("北京华信科技有限公司长沙银行行业重庆乐都会了 aB1-·（）"),
        max_size=30,
    )
)
def test_fast_pinyin_equals_domain_pinyin_on_random_text(name: str) -> None:
    assert pinyin_keys(name) == domain_pinyin(name)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_fast_pinyin_equals_domain_pinyin_on_any_text(name: str) -> None:
    assert pinyin_keys(name) == domain_pinyin(name)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.sampled_from("0123456789.,-+eE ¥万亿()元k"), max_size=40),
        st.text(max_size=20),
        st.floats(),
        st.integers(),
    )
)
def test_number_parsers_refuse_only_with_reasons(cell: object) -> None:
    for parse in (v.money(), v.money(negative=True), v.integer(0, 5), v.day, v.moment(SHANGHAI)):
        try:
            parse(cell)
        except ValueError as exc:
            assert str(exc).startswith(("is ", "has ")), exc  # read after the cell's value
