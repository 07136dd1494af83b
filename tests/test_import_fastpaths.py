"""The parsers' fast paths (the forms exports write) give exactly what the general paths
give. A leading space sends any cell down the general path (every parser strips it), so
`parse(cell)` must equal `parse(" " + cell)`, or both must refuse it with the same reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from clientdesk.domain import text as domain_text
from clientdesk.domain.creditcode import ALPHABET, check_character
from clientdesk.domain.enums import CustomerKind, Grade
from clientdesk.exchange import keys
from clientdesk.exchange import values as v

ZONES = [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("UTC")]


def outcome(parse: Callable[[Any], Any], cell: str) -> tuple[str, Any]:
    try:
        return "value", parse(cell)
    except ValueError as exc:
        return "refused", str(exc)


def same_both_ways(parse: Callable[[Any], Any], cell: str) -> None:
    fast = outcome(parse, cell)
    # A formula (=...) or an escaped cell ('...) is told by its first character, so the
    # space would change its meaning; no fast path takes such a cell anyway.
    if not cell.startswith(("=", "'")):
        assert fast == outcome(parse, " " + cell), cell
    assert fast == outcome(parse, cell), cell  # and again, now from the memo


digits = st.text(alphabet="0123456789", min_size=1, max_size=2)


@st.composite
def moments(draw: st.DrawFn) -> str:
    year = draw(st.integers(1, 9999))
    parts = [draw(digits) for _ in range(4)]
    sep = draw(st.sampled_from([" ", "T", "  "]))
    colon = draw(st.sampled_from([":", "：", ",", "."]))
    return f"{year:04d}-{parts[0]:0>2}-{parts[1]:0>2}{sep}{parts[2]:0>2}{colon}{parts[3]:0>2}"


@settings(max_examples=400, deadline=None)
@given(moments() | st.text(alphabet="0123456789-: T.", max_size=19), st.sampled_from(ZONES))
@example("2024-03-10 02:30", ZoneInfo("America/New_York"))  # in the spring-forward gap
@example("2024-11-03 01:30", ZoneInfo("America/New_York"))  # in the autumn fold
@example("2024-02-30 10:00", ZoneInfo("UTC"))
@example("2024-03-05 16,00", ZoneInfo("UTC"))  # ISO's decimal hours, not a time we read
@example("2024-03-05 16.00", ZoneInfo("UTC"))
@example("2024-03-05 24:00", ZoneInfo("UTC"))
def test_moment_fast_path(cell: str, zone: ZoneInfo) -> None:
    same_both_ways(v.moment(zone), cell)


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="0123456789+-() .转x#", max_size=44)
    | st.from_regex(r"\+?[0-9]{2,4}[ -]?[0-9]{3,4}[ -]?[0-9]{4}", fullmatch=True)
)
@example("010-1234 5678")
@example("12")
@example("1 2 3")
@example("1  2 3")
@example("+86 138 0013 8000 " + "1" * 30)
def test_phone_fast_path(cell: str) -> None:
    same_both_ways(v.phone, cell)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    first = draw(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
    last = draw(st.sampled_from([check_character(first), *ALPHABET, "I", "o"]))
    return first + last


@settings(max_examples=400, deadline=None)
@given(credit_codes() | st.text(alphabet=ALPHABET + "IOSVZ io", max_size=20))
@example("91110108MA01XJ0Y5X")
def test_credit_code_fast_path(cell: str) -> None:
    same_both_ways(v.credit_code, cell)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[0-9]{1,17}(\.[0-9]{0,3})?", fullmatch=True) | st.text(max_size=12))
@example("1E1000000")  # once an uncaught decimal.Overflow
@example("-1E1000000")
def test_money_fast_path_and_memo(cell: str) -> None:
    same_both_ways(v.money(), cell)
    same_both_ways(v.money(negative=True), cell)


@pytest.mark.parametrize("cell", ["1E1000000", "9E999999", "1e+9999999万"])
def test_huge_exponents_are_refused_with_a_reason(cell: str) -> None:
    with pytest.raises(ValueError, match=r"too large|not"):
        v.money()(cell)
    with pytest.raises(ValueError, match=r"whole number|outside"):
        v.integer(0, 5)(cell)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["A", "a", "b", "供应商", "supplier", "SUPPLIER", "Direct", "经销商", "x"])
    | st.text(max_size=6)
)
def test_choice_and_boolean_fast_paths(cell: str) -> None:
    for parse in (v.choice(Grade), v.choice(CustomerKind), v.boolean):
        same_both_ways(parse, cell)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["有限公司", "公司", "股份", "集团", "责任", "北京", "co", "ltd", "limited", "company",
             "inc", "corp", "gmbh", "llc", " ", ".", "-", "Ａ", "x"]
        ),
        max_size=7,
    ).map("".join)
    | st.text(max_size=20)
)  # fmt: skip
def test_name_key_equals_the_domain_one(name: str) -> None:
    assert keys.name_key(name) == domain_text.name_key(name)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789+-() 86０１２３", max_size=24) | st.text(max_size=10))
@example("+86 138-0013-8000")
@example("0086 10 1234 5678")
def test_phone_digits_equal_the_domain_ones(phone: str) -> None:
    assert keys.phone_digits(phone) == domain_text.phone_digits(phone)
    assert keys.phone_digits(None) == domain_text.phone_digits(None) == ""
