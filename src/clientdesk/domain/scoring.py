"""The grading scorecard (客户分级): raw inputs → a 0-100 score per dimension → grade.

Pure functions, so a grade can be explained line by line to a manager. Each dimension maps
its raw value onto 0-100 with a fixed, documented scale; the weights and thresholds come
from settings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from clientdesk.domain.enums import Grade
from clientdesk.domain.money import format_cents

DIMENSIONS = ("revenue", "frequency", "loyalty", "growth", "credit", "market_share", "potential")

LABELS = {
    "revenue": "Revenue, last 12 months (收益贡献)",
    "frequency": "Purchases, last 12 months (购买频次)",
    "loyalty": "Years as a customer (忠诚度)",
    "growth": "Growth vs the 12 months before (历史销售额)",
    "credit": "Payments on time (交易信用)",
    "market_share": "Market share / influence (市场份额)",
    "potential": "Development potential (发展潜力)",
}

# Full marks on each scale. Revenue is logarithmic: ¥50k scores about half of ¥5M.
REVENUE_FULL_YUAN = 5_000_000
FREQUENCY_FULL = 12  # a purchase a month
LOYALTY_FULL_YEARS = 10
GROWTH_FULL = 0.5  # +50% scores 100, flat scores 50, -50% or worse scores 0
NEUTRAL = 50.0  # credit with no invoice due yet: neither good nor bad


class Inputs(NamedTuple):
    """What the scorecard reads about one customer, gathered in one set-based query.

    A named tuple: re-grading builds 100,000 of these, and tuples are cheap to make."""

    net_sales_cents: int = 0  # sales - refunds, last 12 months
    uninvoiced_contract_cents: int = 0  # contracts signed in the window with no sale booked
    sales_count: int = 0
    previous_net_sales_cents: int = 0  # the 12 months before that
    customer_since: date | None = None
    paid_on_time: int = 0
    paid_late: int = 0  # paid after the due date, or unpaid past it
    market_share_rating: int | None = None  # 0-5, set by the salesperson
    potential_rating: int | None = None  # 0-5

    @property
    def revenue_cents(self) -> int:
        return max(0, self.net_sales_cents + self.uninvoiced_contract_cents)

    @property
    def has_data(self) -> bool:
        return bool(
            self.revenue_cents
            or self.sales_count
            or self.previous_net_sales_cents
            or self.paid_on_time
            or self.paid_late
            or self.market_share_rating
            or self.potential_rating
        )


@dataclass(frozen=True)
class DimensionScore:
    name: str
    raw: str  # the raw value as shown to a person
    score: float  # 0-100
    weight: float
    note: str = ""

    @property
    def points(self) -> float:
        return self.score * self.weight

    @property
    def label(self) -> str:
        return LABELS[self.name]


@dataclass(frozen=True)
class Scorecard:
    dimensions: tuple[DimensionScore, ...]
    total: float
    grade: Grade
    thresholds: Mapping[str, float] = field(default_factory=dict)
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        """The form stored in GradeAssessment.scores and printed by `grade run --json`."""
        return {
            d.name: {"raw": d.raw, "score": round(d.score, 2), "weight": d.weight, "note": d.note}
            for d in self.dimensions
        }


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def revenue_score(cents: int) -> float:
    yuan = max(0, cents) / 100
    return _clamp(100 * math.log10(1 + yuan / 1000) / math.log10(1 + REVENUE_FULL_YUAN / 1000))


def frequency_score(count: int) -> float:
    return _clamp(100 * count / FREQUENCY_FULL)


def loyalty_score(years: float) -> float:
    return _clamp(100 * years / LOYALTY_FULL_YEARS)


def growth_value(current_cents: int, previous_cents: int) -> float:
    if previous_cents <= 0:
        return 100.0 if current_cents > 0 else 0.0
    change = (current_cents - previous_cents) / previous_cents
    return _clamp(50 + 50 * max(-GROWTH_FULL, min(GROWTH_FULL, change)) / GROWTH_FULL)


def growth_score(current_cents: int, previous_cents: int) -> tuple[float, str, str]:
    """(score, raw text, note)."""
    value = growth_value(current_cents, previous_cents)
    if previous_cents <= 0:
        if current_cents > 0:
            return value, "new business", "no sales in the 12 months before"
        return value, "no sales", "no sales in either period"
    return value, f"{(current_cents - previous_cents) / previous_cents:+.0%}", ""


def credit_value(on_time: int, late: int) -> float:
    settled = on_time + late
    return 100 * on_time / settled if settled else NEUTRAL


def credit_score(on_time: int, late: int) -> tuple[float, str, str]:
    settled = on_time + late
    if not settled:
        return NEUTRAL, "no invoices due", "neutral until an invoice falls due"
    return credit_value(on_time, late), f"{on_time}/{settled} on time", ""


def rating_value(rating: int | None) -> float:
    return 0.0 if rating is None else 20.0 * rating


def rating_score(rating: int | None) -> tuple[float, str, str]:
    if rating is None:
        return 0.0, "not rated", "set it in the customer file (0-5)"
    return rating_value(rating), f"{rating}/5", ""


def _years(inputs: Inputs, as_of: date) -> float:
    if inputs.customer_since is None:
        return 0.0
    return max(0, (as_of - inputs.customer_since).days) / 365.25


def dimension_values(inputs: Inputs, as_of: date) -> tuple[float, ...]:
    """The seven scores, in DIMENSIONS order, with no text: the bulk path of re-grading."""
    return (
        revenue_score(inputs.revenue_cents),
        frequency_score(inputs.sales_count),
        loyalty_score(_years(inputs, as_of)),
        growth_value(inputs.net_sales_cents, inputs.previous_net_sales_cents),
        credit_value(inputs.paid_on_time, inputs.paid_late),
        rating_value(inputs.market_share_rating),
        rating_value(inputs.potential_rating),
    )


def weight_sequence(weights: Mapping[str, float]) -> tuple[float, ...]:
    return tuple(weights[name] for name in DIMENSIONS)


def weighted_total(values: tuple[float, ...], weights: tuple[float, ...]) -> float:
    return round(sum(v * w for v, w in zip(values, weights, strict=True)), 2)


LOG_REVENUE_FULL = math.log10(1 + REVENUE_FULL_YUAN / 1000)
_log10 = math.log10


class QuickGrader:
    """Total and grade exactly as `score` gives them, without the scorecard's text: the
    bulk path of re-grading, with the settings looked up once."""

    def __init__(self, weights: Mapping[str, float], thresholds: Mapping[str, float]) -> None:
        self.weights = weight_sequence(weights)
        self.cuts = (
            (thresholds["A"], Grade.A),
            (thresholds["B"], Grade.B),
            (thresholds["C"], Grade.C),
        )
        self.cut_a, self.cut_b, self.cut_c = (cut for cut, _ in self.cuts)

    def __call__(self, inputs: Inputs, as_of: date) -> tuple[float, Grade]:
        since = inputs.customer_since
        graded = self.grade(
            inputs.net_sales_cents,
            inputs.uninvoiced_contract_cents,
            inputs.sales_count,
            inputs.previous_net_sales_cents,
            None if since is None else (as_of - since).days,
            inputs.paid_on_time,
            inputs.paid_late,
            inputs.market_share_rating,
            inputs.potential_rating,
        )
        return (0.0, Grade.D) if graded is None else graded

    def grade(
        self,
        net: int,
        uninvoiced: int,
        sales: int,
        previous: int,
        days: int | None,
        on_time: int,
        late: int,
        share: int | None,
        potential: int | None,
    ) -> tuple[float, Grade] | None:
        """(total, grade) from the raw inputs (`days` since the customer's start, or None);
        None when there is nothing to go on ("no data", D).

        Re-grading calls this for every customer: it is `dimension_values` and
        `weighted_total` written out, the same operations in the same order, so that the
        floats are exactly those of `score` (a property test holds it to that).
        """
        revenue = net + uninvoiced
        if revenue < 0:
            revenue = 0
        if not (revenue or sales or previous or on_time or late or share or potential):
            return None
        w_revenue, w_frequency, w_loyalty, w_growth, w_credit, w_share, w_potential = self.weights
        # Capping at 100.0 is min(100.0, x): _clamp for these scores, none of which can be
        # negative.
        revenue_value = 100 * _log10(1 + revenue / 100 / 1000) / LOG_REVENUE_FULL
        if revenue_value >= 100.0:
            revenue_value = 100.0
        frequency = 100 * sales / FREQUENCY_FULL
        if frequency >= 100.0:
            frequency = 100.0
        years = 0.0 if days is None else (days if days > 0 else 0) / 365.25
        loyalty = 100 * years / LOYALTY_FULL_YEARS
        if loyalty >= 100.0:
            loyalty = 100.0
        if previous <= 0:
            growth = 100.0 if net > 0 else 0.0
        else:
            change = (net - previous) / previous
            if change >= GROWTH_FULL:  # max(-GROWTH_FULL, min(GROWTH_FULL, change))
                change = GROWTH_FULL
            elif change <= -GROWTH_FULL:
                change = -GROWTH_FULL
            growth = 50 + 50 * change / GROWTH_FULL
        settled = on_time + late
        credit = 100 * on_time / settled if settled else NEUTRAL
        total = round(
            sum(
                (
                    revenue_value * w_revenue,
                    frequency * w_frequency,
                    loyalty * w_loyalty,
                    growth * w_growth,
                    credit * w_credit,
                    (0.0 if share is None else 20.0 * share) * w_share,
                    (0.0 if potential is None else 20.0 * potential) * w_potential,
                )
            ),
            2,
        )
        if total >= self.cut_a:
            return total, Grade.A
        if total >= self.cut_b:
            return total, Grade.B
        if total >= self.cut_c:
            return total, Grade.C
        return total, Grade.D


def quick_grade(
    inputs: Inputs, *, as_of: date, weights: Mapping[str, float], thresholds: Mapping[str, float]
) -> tuple[float, Grade]:
    return QuickGrader(weights, thresholds)(inputs, as_of)


def grade_for(total: float, thresholds: Mapping[str, float]) -> Grade:
    for grade in (Grade.A, Grade.B, Grade.C):
        if total >= thresholds[grade.value]:
            return grade
    return Grade.D


def _parts(inputs: Inputs, as_of: date, currency: str) -> tuple[tuple[str, str, float, str], ...]:
    """(dimension, raw text, score, note) for each dimension, in DIMENSIONS order."""
    years = _years(inputs, as_of)
    growth, growth_raw, growth_note = growth_score(
        inputs.net_sales_cents, inputs.previous_net_sales_cents
    )
    credit, credit_raw, credit_note = credit_score(inputs.paid_on_time, inputs.paid_late)
    share, share_raw, share_note = rating_score(inputs.market_share_rating)
    potential, potential_raw, potential_note = rating_score(inputs.potential_rating)
    revenue_note = ""
    if inputs.uninvoiced_contract_cents:
        revenue_note = f"incl. {format_cents(inputs.uninvoiced_contract_cents)} in new contracts"
    revenue = inputs.revenue_cents
    return (
        ("revenue", format_cents(revenue, currency), revenue_score(revenue), revenue_note),
        ("frequency", str(inputs.sales_count), frequency_score(inputs.sales_count), ""),
        ("loyalty", f"{years:.1f} years", loyalty_score(years), ""),
        ("growth", growth_raw, growth, growth_note),
        ("credit", credit_raw, credit, credit_note),
        ("market_share", share_raw, share, share_note),
        ("potential", potential_raw, potential, potential_note),
    )  # fmt: skip


def score(
    inputs: Inputs,
    *,
    as_of: date,
    weights: Mapping[str, float],
    thresholds: Mapping[str, float],
    currency: str = "CNY",
) -> Scorecard:
    """The scorecard of one customer; a customer with nothing to go on is D, "no data"."""
    dimensions = tuple(
        DimensionScore(name=name, raw=raw, score=value, weight=weights[name], note=note)
        for name, raw, value, note in _parts(inputs, as_of, currency)
    )
    if not inputs.has_data:
        return Scorecard(dimensions, 0.0, Grade.D, thresholds, reason="no data")
    total = weighted_total(tuple(d.score for d in dimensions), weight_sequence(weights))
    return Scorecard(dimensions, total, grade_for(total, thresholds), thresholds)


def stored_scores(
    inputs: Inputs, *, as_of: date, weights: Mapping[str, float], currency: str = "CNY"
) -> dict[str, object]:
    """`score(...).as_dict()`, what a GradeAssessment stores, without building the scorecard
    (re-grading stores one per grade that moves, tens of thousands on a first run)."""
    return {
        name: {"raw": raw, "score": round(value, 2), "weight": weights[name], "note": note}
        for name, raw, value, note in _parts(inputs, as_of, currency)
    }
