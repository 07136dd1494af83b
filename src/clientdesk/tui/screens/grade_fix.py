"""Fix a customer's grade by hand (人工定级): re-evaluation keeps it until it is released.

The reason is required and goes into the grade history with the scorecard of the day.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Input, Select

from clientdesk.domain.enums import Grade
from clientdesk.domain.grade_manual import REASON_MAX, fix_grade
from clientdesk.domain.grading import GradeAssessment
from clientdesk.domain.scoring import Scorecard
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField


class GradeFixScreen(FormScreen[GradeAssessment]):
    def __init__(
        self,
        ctx: AppContext,
        *,
        customer_id: int,
        customer_name: str,
        grade: Grade,
        scorecard: Scorecard,
    ) -> None:
        super().__init__(ctx, heading=f"Fix grade by hand 人工定级 · {customer_name}")
        self.customer_id = customer_id
        self.grade = grade
        self.scorecard = scorecard

    def compose_fields(self) -> ComposeResult:
        card = self.scorecard
        yield FormField(
            "Grade",
            Select(
                [(f"{g.value}  {self._service(g)}", g) for g in Grade],
                value=self.grade,
                allow_blank=False,
                id="grade",
                compact=True,
            ),
            hint=f"the scorecard says {card.grade} (score {card.total:.1f}); "
            "re-evaluation keeps this grade until you release it (u)",
        )
        yield FormField(
            "Reason",
            Input(placeholder="why, e.g. strategic account 战略客户", id="reason", compact=True),
            required=True,
        )

    def _service(self, grade: Grade) -> str:
        standard = self.ctx.settings.service_for(grade.value)
        return (
            f"visit every {standard.visit_every_days} d, "
            f"complaints within {standard.complaint_response_hours} h"
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "reason":
            return parse.text(raw, max_length=REASON_MAX, required=True)
        return raw

    def save_job(self, payload: Any) -> Callable[[Session], GradeAssessment]:
        customer_id, actor, now, card = (
            self.customer_id,
            self.ctx.actor,
            self.ctx.now(),
            self.scorecard,
        )
        return lambda session: fix_grade(
            customer_id,
            payload["grade"],
            reason=payload["reason"],
            scorecard=card,
            session=session,
            actor=actor,
            now=now,
        )

    def saved_message(self, result: GradeAssessment | None) -> str | None:
        if result is None:
            return None
        return f"Grade fixed at {result.grade} by hand; re-evaluation will keep it."
