"""Set the two judgement inputs of the scorecard: market share / influence (市场份额) and
development potential (发展潜力), each 0-5, or not rated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Select

from clientdesk.domain.customer import Customer, CustomerUpdate
from clientdesk.domain.customers import update_customer
from clientdesk.tui.context import AppContext
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField

RATINGS = (
    (0, "0 none 无"),
    (1, "1 very low 很低"),
    (2, "2 low 低"),
    (3, "3 average 中等"),
    (4, "4 high 高"),
    (5, "5 very high 很高"),
)


def rating_text(value: int | None) -> str:
    return "not rated" if value is None else f"{value}/5"


class GradeInputsScreen(FormScreen[Customer]):
    """The salesperson's ratings; re-evaluating the grade (r) puts them to work."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        customer_id: int,
        customer_name: str,
        market_share: int | None,
        potential: int | None,
    ) -> None:
        super().__init__(ctx, heading=f"Judgement inputs 评估输入 · {customer_name}")
        self.customer_id = customer_id
        self.market_share = market_share
        self.potential = potential

    def compose_fields(self) -> ComposeResult:
        weights = self.ctx.settings.grading.weights
        for name, label, value, weight in (
            ("market_share_rating", "Market share", self.market_share, weights.market_share),
            ("potential_rating", "Potential", self.potential, weights.potential),
        ):
            yield FormField(
                label,
                Select(
                    [(text, number) for number, text in RATINGS],
                    value=value if value is not None else Select.NULL,
                    prompt="(not rated)",
                    id=name,
                    compact=True,
                ),
                hint=f"{'市场份额 / 影响力' if name.startswith('market') else '发展潜力'}, "
                f"your judgement; weight {weight:.2f}",
            )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#market_share_rating").focus()

    def parse(self, name: str, raw: Any) -> Any:
        return raw  # a choice from the list, or None for not rated

    def build(self, values: dict[str, Any]) -> CustomerUpdate:
        return CustomerUpdate(**values)

    def save_job(self, payload: Any) -> Callable[[Session], Customer]:
        customer_id, actor = self.customer_id, self.ctx.actor
        return lambda session: update_customer(customer_id, payload, session=session, actor=actor)

    def saved_message(self, result: Customer | None) -> str | None:
        if result is None:
            return None
        return (
            f"Market share {rating_text(result.market_share_rating)}, potential "
            f"{rating_text(result.potential_rating)}. Press r to re-evaluate the grade."
        )
