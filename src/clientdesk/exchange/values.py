"""Cell values → field values: text, dates, money, phones, choices, in English or Chinese.

Every parser takes what a reader hands over (text from CSV, numbers and datetimes from
XLSX, JSON scalars) and returns the field value, None for a blank cell, or raises
ValueError with the reason a user reads next to the cell. They are plain functions: a
100,000-row import calls them millions of times, so each has a fast path for the form
exports write (checked exactly, falling back to the general path for anything else), and
the ones whose columns repeat values (dates, amounts) remember their last few thousand
results in a bounded memo.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from enum import StrEnum
from functools import cache
from typing import Any

from clientdesk.domain.contact import valid_email, valid_phone
from clientdesk.domain.creditcode import ALPHABET as CREDIT_ALPHABET
from clientdesk.domain.customer import valid_credit_code
from clientdesk.domain.enums import label_zh, parse_choice
from clientdesk.errors import ValidationError

Parser = Callable[[Any], Any]

# OWASP's formula triggers. Exports put an apostrophe before them (and before a leading
# apostrophe); imports take exactly that apostrophe off again, so values round-trip.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\0")
ESCAPED_START = FORMULA_TRIGGERS | {"'"}
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (with Lotus's 1900 leap year)
SERIAL_RANGE = (10_000, 100_000)  # 1927-05-18 .. 2173-10-14: never a plain year or a day
BLANK_NUMBERS = frozenset({"-", "--", "—", "–", "/", "无"})
MEMO_SIZE = 4096  # results a parser remembers; the memo is emptied when full
_MISSING = object()


def cell_text(value: Any) -> str | None:
    """The text of a cell, stripped; None when blank. Refuses formulas and nested data."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value:
            return None
        first = value[0]
        if first == "=":
            raise ValueError(
                "is a spreadsheet formula; clientdesk imports values, not formulas "
                "(in Excel: copy the column, then Paste Special → Values)"
            )
        if first == "'" and value[1:2] in ESCAPED_START and len(value) > 1:
            value = value[1:]  # written by a neutralising export: take the apostrophe off
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("is not a finite number")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise ValueError(f"is a {type(value).__name__}, not a single value")


def text(max_length: int | None = None, *, collapse: bool = False) -> Parser:
    def parse(value: Any) -> str | None:
        if type(value) is str and value[:1] not in ESCAPED_START:  # the common case, inline
            result: str | None = value.strip() or None
        else:
            result = cell_text(value)
        if result is None:
            return None
        if collapse:
            result = " ".join(result.split())
        if max_length is not None and len(result) > max_length:
            raise ValueError(f"is {len(result)} characters long; at most {max_length} fit")
        return result

    return parse


def long_text(value: Any) -> str | None:
    """Notes and descriptions: kept as written (line breaks too), ends stripped."""
    return cell_text(value)


@cache
def _choices(enum_cls: type[StrEnum]) -> dict[str, StrEnum]:
    table: dict[str, StrEnum] = {}
    for member in enum_cls:
        for word in (member.value, member.name, label_zh(member)):
            table[_fold(word)] = member
            table.setdefault(word, member)  # as written: found without folding
    return table


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().casefold().replace(" ", "_")


def choice(enum_cls: type[StrEnum]) -> Parser:
    """An English value, member name or Chinese label (等级 A, 供应商, supplier, ...)."""
    table = _choices(enum_cls)
    exact = {word: member.value for word, member in table.items()}

    def parse(value: Any) -> str | None:
        if type(value) is str:
            found = exact.get(value)  # written as the value, name or label: no folding
            if found is not None:
                return found
        word = cell_text(value)
        if word is None:
            return None
        member = table.get(word) or table.get(_fold(word))
        if member is None:
            try:
                return parse_choice(enum_cls, word).value
            except ValidationError as exc:
                allowed = exc.message.split("use one of:", 1)[-1].strip().rstrip(".")
                raise ValueError(f"is not one of: {allowed}") from None
        return member.value

    return parse


MAX_AMOUNT = Decimal(10**16)  # yuan: cents then fit the database's 64-bit integers
_MONEY_NOISE = re.compile(r"[¥￥$€£,\s_']|RMB|CNY|USD|EUR|人民币|元", re.IGNORECASE)
_SCALE = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "k": Decimal(1000)}


def _decimal(value: Any, what: str) -> Decimal | None:
    if isinstance(value, bool):
        raise ValueError(f"is {value}, not {what}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("is not a finite number")
        return Decimal(repr(value))
    word = cell_text(value)
    if word is None or word in BLANK_NUMBERS:
        return None
    cleaned = _MONEY_NOISE.sub("", unicodedata.normalize("NFKC", word))
    scale = Decimal(1)
    if cleaned[-1:].lower() in _SCALE:
        scale = _SCALE[cleaned[-1].lower()]
        cleaned = cleaned[:-1]
    negative = cleaned.startswith("(") and cleaned.endswith(")")  # accounting negatives
    if negative:
        cleaned = "-" + cleaned[1:-1]
    try:
        number = Decimal(cleaned) * scale
    except DecimalException:  # not a number (InvalidOperation), or 1E+1000000 (Overflow)
        raise ValueError(f"is not {what}; write it like 1234.50, ¥1,234.50 or 12.5万") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    return number


_PLAIN_AMOUNT = re.compile(r"(\d{1,15})(?:\.(\d{1,2}))?$")


def money(*, negative: bool = False) -> Parser:
    """An amount in yuan (or the row's currency) → integer cents (分)."""

    memo: dict[str, int] = {}

    def parse(value: Any) -> int | None:
        if type(value) is str:
            found = memo.get(value, _MISSING)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
            plain = _PLAIN_AMOUNT.match(value)
            if plain:  # "1234.50", as exports write amounts: no Decimal needed
                whole, fraction = plain.groups()
                cents = int(whole) * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[value] = cents
                return cents
        number = _decimal(value, "an amount")
        if number is None:
            return None
        if number < 0 and not negative:
            raise ValueError("is negative; amounts here are never below zero")
        if abs(number) >= MAX_AMOUNT:  # and beyond Decimal's 28 digits, quantize would fail
            raise ValueError("is too large an amount")
        return int((number * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    return parse


def integer(low: int, high: int) -> Parser:
    def parse(value: Any) -> int | None:
        if type(value) is str and value.isdigit() and value.isascii() and len(value) < 10:
            result = int(value)
            if not low <= result <= high:
                raise ValueError(f"is outside {low}..{high}")
            return result
        number = _decimal(value, "a whole number")
        if number is None:
            return None
        if abs(number) > high + abs(low) + 1 or number != number.to_integral_value():
            raise ValueError(f"is not a whole number from {low} to {high}")
        result = int(number)
        if not low <= result <= high:
            raise ValueError(f"is outside {low}..{high}")
        return result

    return parse


_TRUE = frozenset({"1", "y", "yes", "true", "t", "是", "对", "√", "✓", "x", "primary", "主要"})
_FALSE = frozenset({"0", "n", "no", "false", "f", "否", "不是", "×", "✗"})


_BOOLEANS = {word: True for word in _TRUE} | {word: False for word in _FALSE}


def boolean(value: Any) -> bool | None:
    if type(value) is str:
        found = _BOOLEANS.get(value)
        if found is not None:
            return found
    if isinstance(value, bool):
        return value
    word = cell_text(value)
    if word is None:
        return None
    folded = word.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError("is not yes/no (是/否, true/false, 1/0)")


_DATETIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)(\d{1,2})\s*[:：时点]\s*(\d{1,2})"
    r"(?:\s*[:：分]\s*(\d{1,2})(?:[.,](\d{1,6}))?\s*秒?|\s*分)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ORDER_HINT = "write dates as 2024-03-05, 2024/3/5 or 2024年3月5日"


def _serial(number: float) -> datetime:
    low, high = SERIAL_RANGE
    if not low <= number < high:
        raise ValueError(f"is a number, not a date; {_ORDER_HINT}")
    days = int(number)
    seconds = round((number - days) * 86_400)
    moment = datetime.combine(EXCEL_EPOCH, time()) + timedelta(days=days, seconds=seconds)
    return moment


def _parse_moment(value: Any) -> tuple[datetime, bool] | None:
    """(naive or aware datetime, had a time part); None for blank."""
    if isinstance(value, datetime):
        return value, True
    if isinstance(value, date):
        return datetime.combine(value, time()), False
    if isinstance(value, bool):
        raise ValueError(f"is {value}, not a date")
    if isinstance(value, int | float):
        moment = _serial(float(value))
        return moment, moment.time() != time()
    word = cell_text(value)
    if word is None:
        return None
    word = unicodedata.normalize("NFKC", word)
    if _ISO_DATE.match(word):  # the common case first
        try:
            return datetime(int(word[:4]), int(word[5:7]), int(word[8:10])), False
        except ValueError:
            raise ValueError(f"is not a calendar date; {_ORDER_HINT}") from None
    found = _DATETIME.match(word) or _COMPACT.match(word)
    if found is None:
        if word.replace(".", "", 1).isdigit():
            moment = _serial(float(word))
            return moment, moment.time() != time()
        raise ValueError(f"is not a date; {_ORDER_HINT}")
    parts = found.groups()
    try:
        moment = datetime(int(parts[0]), int(parts[1]), int(parts[2]))
        timed = len(parts) > 3 and parts[3] is not None
        if timed:
            micro = (parts[6] or "0").ljust(6, "0")
            moment = moment.replace(
                hour=int(parts[3]),
                minute=int(parts[4]),
                second=int(parts[5] or 0),
                microsecond=int(micro),
            )
        if len(parts) > 7 and parts[7]:
            zone = parts[7].upper()
            if zone == "Z":
                moment = moment.replace(tzinfo=UTC)
            else:
                moment = datetime.fromisoformat(moment.isoformat() + zone[:3] + ":" + zone[-2:])
    except ValueError:
        raise ValueError(f"is not a calendar date and time; {_ORDER_HINT}") from None
    return moment, timed


def day(value: Any) -> str | None:
    """A calendar date, as stored ('2024-03-05'); a time of day is refused, never dropped."""
    if type(value) is str and len(value) == 10 and _ISO_DATE.match(value):
        try:
            date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            raise ValueError(f"is not a calendar date; {_ORDER_HINT}") from None
        return value
    parsed = _parse_moment(value)
    if parsed is None:
        return None
    moment, timed = parsed
    if timed and (moment.hour or moment.minute or moment.second or moment.microsecond):
        raise ValueError("has a time of day, but this column holds dates only")
    return moment.date().isoformat()


_PLAIN_MOMENT = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$")


def moment(zone: tzinfo) -> Parser:
    """A date and time; without a zone it is local time in `zone`. Returns the stored text:
    UTC as 'YYYY-MM-DD HH:MM:SS.ffffff', the form SQLAlchemy writes to SQLite."""

    memo: dict[str, str] = {}

    def parse(value: Any) -> str | None:
        if type(value) is str:
            found = memo.get(value)
            if found is not None:
                return found
            local: datetime | None = None
            if (
                len(value) == 16
                and value[4] == "-"
                and value[7] == "-"
                and value[10] == " "
                and value[13] == ":"
            ):
                # "2024-03-05 10:30", as exports write times: parsed in C; anything odd
                # (25:00, 2024-02-30) goes on to the regular expression and its message.
                try:
                    local = datetime.fromisoformat(value)
                except ValueError:
                    local = None
                if local is not None and (
                    local.tzinfo is not None or local.second or local.microsecond
                ):
                    local = None
            if local is None:
                plain = _PLAIN_MOMENT.match(value)
                if plain:  # the same with a T, seconds or no time: still the plain form
                    y, mo, d, h, mi, sec = plain.groups()
                    try:
                        local = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0))
                        if sec:
                            local = local.replace(second=int(sec))
                    except ValueError:
                        raise ValueError(
                            f"is not a calendar date and time; {_ORDER_HINT}"
                        ) from None
            if local is not None:
                offset = zone.utcoffset(local)
                utc = local - offset if offset is not None else local
                stored = utc.isoformat(" ", "microseconds")
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[value] = stored
                return stored
        parsed = _parse_moment(value)
        if parsed is None:
            return None
        result = parsed[0]
        if result.tzinfo is None:
            result = result.replace(tzinfo=zone)
        return stored_moment(result.astimezone(UTC))

    return parse


def stored_moment(utc: datetime) -> str:
    return utc.replace(tzinfo=None).isoformat(" ", "microseconds")


def _wrap(check: Callable[[Any], Any]) -> Parser:
    """A domain validator (which raises ValueError with a full sentence) as a cell parser."""

    def parse(value: Any) -> Any:
        word = cell_text(value)
        if word is None:
            return None
        try:
            return check(word)
        except ValueError as exc:
            raise ValueError(_reason(str(exc), word)) from None

    return parse


def _reason(message: str, word: str) -> str:
    quoted = repr(word)
    if message.startswith(quoted):
        return message[len(quoted) :].strip()
    if message.startswith("credit code "):  # "credit code <CODE> <reason>"
        return message.split(" ", 3)[-1]
    return message


_phone = _wrap(valid_phone)
# A phone number as valid_phone leaves it (its characters, groups split by single spaces,
# at least 3 digits, at most 40 characters): nothing to normalise or check further.
_PLAIN_PHONE = re.compile(r"(?=(?:[^0-9]*[0-9]){3})[0-9+()\-.转x#]+(?: [0-9+()\-.转x#]+)*")


def phone(value: Any) -> str | None:
    if type(value) is str and len(value) <= 40 and _PLAIN_PHONE.fullmatch(value):
        return value
    return _phone(value)


email = _wrap(valid_email)
_credit_code = _wrap(valid_credit_code)
# 18 characters of the credit-code alphabet (upper case, no I, O, S, V or Z): already
# normalised, so only the check character is left to verify.
_PLAIN_CREDIT_CODE = re.compile(f"[{CREDIT_ALPHABET}]{{18}}")
_CREDIT_VALUES = {ch: index for index, ch in enumerate(CREDIT_ALPHABET)}
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # GB 32100-2015


def credit_code(value: Any) -> str | None:
    if type(value) is str and len(value) == 18 and _PLAIN_CREDIT_CODE.fullmatch(value):
        total = sum(map(operator.mul, map(_CREDIT_VALUES.__getitem__, value[:17]), _CREDIT_WEIGHTS))
        if value[17] == CREDIT_ALPHABET[(31 - total % 31) % 31]:
            return value
    return _credit_code(value)  # normalises, or says what is wrong


def currency(value: Any) -> str | None:
    word = cell_text(value)
    if word is None:
        return None
    code = {"人民币": "CNY", "RMB": "CNY", "美元": "USD", "欧元": "EUR", "港币": "HKD"}.get(
        word.upper(), word.upper()
    )
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ValueError("is not a three-letter currency code such as CNY or USD")
    return code
