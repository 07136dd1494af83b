"""Normalisers and value parsers: pinyin, names, phones, money, credit codes, choices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientdesk.domain.creditcode import ALPHABET, check_character, credit_code_problem
from clientdesk.domain.enums import ContractStatus, CustomerKind, Grade, parse_choice
from clientdesk.domain.money import format_cents, to_cents
from clientdesk.domain.text import fold, name_key, phone_digits, pinyin_keys
from clientdesk.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("010-6552 3388", "01065523388"),
        ("（010）６５５２３３８８", "01065523388"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_digits(raw: str | None, digits: str) -> None:
    assert phone_digits(raw) == digits


@given(st.text(alphabet="0123456789 -+()", max_size=30))
def test_phone_digits_only_digits_and_idempotent(raw: str) -> None:
    digits = phone_digits(raw)
    assert digits.isdigit() or digits == ""
    assert phone_digits(digits) == digits


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_width_insensitive(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_full_width_and_half_width_names_match() -> None:
    assert name_key("ＡＢＣ　Ｔｒａｄｉｎｇ Co., Ltd.") == name_key("abc trading")
    assert name_key("北京华信科技有限公司") == name_key("北京华信科技股份有限公司")


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("北京华信科技有限公司", "beijinghuaxinkejiyouxiangongsi", "bjhxkjyxgs"),
        ("厦门", "xiamen", "xm"),
        ("重庆银行", "chongqingyinhang", "cqyh"),
        ("ABC Tech 2号", "abctech2hao", "at2h"),
    ],
)
def test_pinyin_keys(name: str, full: str, initials: str) -> None:
    assert pinyin_keys(name) == (full, initials)


@given(st.text(max_size=20))
def test_pinyin_keys_are_lowercase_ascii_or_cjk_free(name: str) -> None:
    full, initials = pinyin_keys(name)
    assert full == full.lower()
    assert len(initials) <= len(full)


@pytest.mark.parametrize(
    ("raw", "cents"),
    [("¥1,234.50", 123450), ("1234", 123400), ("0.005", 1), (" 12元 ", 1200), (7, 700)],
)
def test_to_cents(raw: str | int, cents: int) -> None:
    assert to_cents(raw) == cents


def test_to_cents_refuses_text() -> None:
    with pytest.raises(ValidationError, match="not an amount"):
        to_cents("twelve", field="value")


@given(st.integers(min_value=0, max_value=10**15))
def test_money_round_trip(cents: int) -> None:
    assert to_cents(format_cents(cents)) == cents
    assert to_cents(Decimal(cents) / 100) == cents


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_generated_credit_codes_validate(first17: str) -> None:
    code = first17 + check_character(first17)
    assert credit_code_problem(code) is None
    wrong = ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]
    assert credit_code_problem(code[:-1] + wrong) is not None


def test_parse_choice_english_chinese_and_refusal() -> None:
    assert parse_choice(CustomerKind, "经销商") is CustomerKind.DISTRIBUTOR
    assert parse_choice(CustomerKind, "Distributor") is CustomerKind.DISTRIBUTOR
    assert parse_choice(ContractStatus, "已解除") is ContractStatus.TERMINATED
    assert parse_choice(Grade, "ａ") is Grade.A
    with pytest.raises(ValidationError, match="supplier"):
        parse_choice(CustomerKind, "friend", field="kind")
