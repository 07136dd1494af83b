"""The small forms of a complaint's steps: resolve, close, reopen, escalate, dispute (纠纷),
note and follow-up visit. Acknowledging and starting work need no form (one key each).

Each form writes through the domain function of its step, in one transaction; a refused
step keeps the form open with the reason, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, TextArea

from clientdesk.domain.complaint_queue import ComplaintDetail
from clientdesk.domain.complaints import (
    ConfirmationNeeded,
    Step,
    add_note,
    close,
    escalate,
    plan_followup,
    record_dispute,
    reopen,
    resolve,
)
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.formatting import local_time
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.form import FormSaveFailed, FormScreen
from clientdesk.tui.widgets.complaint_choices import SATISFACTION_OPTIONS, ChoiceBar
from clientdesk.tui.widgets.form_field import FormField

FOLLOWUP_HOUR = time(10, 0)  # a follow-up visit is planned for 10:00 the next day


class StepForm(FormScreen[Any]):
    """A form for one step of the complaint `detail`; subclasses give fields and the write."""

    STEP_TITLE = ""
    DONE = ""

    def __init__(self, ctx: AppContext, detail: ComplaintDetail) -> None:
        row = detail.row
        super().__init__(ctx, heading=f"{self.STEP_TITLE} · complaint {row.id}: {row.summary}")
        self.detail = detail
        self.complaint_id = row.id

    def on_mount(self) -> None:
        super().on_mount()
        first = next(iter(self.fields().values()), None)
        if first is not None:
            first.control.focus()

    def saved_message(self, result: Any) -> str | None:
        return f"Complaint {self.complaint_id} {self.DONE}."


class ResolveForm(StepForm):
    """Resolve; one never acknowledged asks first (the domain says ConfirmationNeeded)."""

    STEP_TITLE = "Resolve 解决"
    DONE = "resolved"

    def __init__(self, ctx: AppContext, detail: ComplaintDetail) -> None:
        super().__init__(ctx, detail)
        self.confirmed = False
        self._payload: Any = None

    def compose_fields(self) -> ComposeResult:
        yield FormField(
            "Resolution",
            TextArea(self.detail.resolution or "", id="resolution", compact=True),
            hint="what was done; closing needs it",
        )

    def parse(self, name: str, raw: Any) -> Any:
        return parse.long_text(raw)

    def start_save(self, payload: Any) -> None:
        self._payload = payload
        super().start_save(payload)

    def save_job(self, payload: Any) -> Callable[[Session], Any]:
        complaint_id, actor, now, confirm = (
            self.complaint_id,
            self.ctx.actor,
            self.ctx.now(),
            self.confirmed,
        )
        return lambda s: resolve(
            complaint_id,
            session=s,
            actor=actor,
            resolution=payload["resolution"],
            confirm=confirm,
            at=now,
        )

    @on(FormSaveFailed)
    def _needs_confirmation(self, message: FormSaveFailed) -> None:
        error = message.error
        if not isinstance(error, ConfirmationNeeded) or self.confirmed:
            return  # the form's own handler shows the error
        message.prevent_default()
        self.saving = False
        self.set_notice("")

        def answered(yes: bool | None) -> None:
            if yes:
                self.confirmed = True
                self.start_save(self._payload)
            else:
                self.set_notice("Not resolved: acknowledge it first (a), or confirm.")

        self.app.push_screen(
            ConfirmScreen(
                f"Resolve complaint {self.complaint_id} without an answer?",
                f"{error.message}\n\nResolve it anyway?",
                confirm="Resolve",
            ),
            answered,
        )


class CloseForm(StepForm):
    """Close with the customer's satisfaction (1-5) and the resolution text, both required."""

    STEP_TITLE = "Close 关闭"
    DONE = "closed"

    def compose_fields(self) -> ComposeResult:
        yield FormField(
            "Satisfaction",
            ChoiceBar(SATISFACTION_OPTIONS, allow_blank=True, id="satisfaction"),
            required=True,
            hint="the customer's score: press 1 (very unhappy) to 5 (very happy)",
        )
        yield FormField(
            "Resolution",
            TextArea(self.detail.resolution or "", id="resolution", compact=True),
            required=True,
        )

    @on(ChoiceBar.Changed)
    def _scored(self, message: ChoiceBar.Changed) -> None:
        self.check("satisfaction")

    def parse(self, name: str, raw: Any) -> Any:
        if name == "satisfaction":
            if raw is None:
                raise FieldError("required: the customer's satisfaction, 1 to 5")
            return raw
        text = parse.long_text(raw)
        if text is None:
            raise FieldError("required: what was done to resolve it")
        return text

    def save_job(self, payload: Any) -> Callable[[Session], Any]:
        complaint_id, actor, now = self.complaint_id, self.ctx.actor, self.ctx.now()
        return lambda s: close(complaint_id, session=s, actor=actor, at=now, **payload)


class ReasonForm(StepForm):
    """One line of why: reopen (the customer is not satisfied) or escalate by hand."""

    STEPS: ClassVar[dict[Step, tuple[str, str, str]]] = {
        Step.REOPEN: ("Reopen 重新打开", "reopened", "why the customer is not satisfied"),
        Step.ESCALATE: ("Escalate 升级", "escalated", "why the department manager must step in"),
    }

    def __init__(self, ctx: AppContext, detail: ComplaintDetail, step: Step) -> None:
        self.step = step
        self.STEP_TITLE, self.DONE, self.placeholder = self.STEPS[step]
        super().__init__(ctx, detail)

    def compose_fields(self) -> ComposeResult:
        yield FormField(
            "Reason",
            Input(placeholder=self.placeholder, id="reason", compact=True),
            required=True,
        )

    def parse(self, name: str, raw: Any) -> Any:
        return parse.text(raw, max_length=500, required=True)

    def save_job(self, payload: Any) -> Callable[[Session], Any]:
        action = reopen if self.step == Step.REOPEN else escalate
        complaint_id, actor, now = self.complaint_id, self.ctx.actor, self.ctx.now()
        return lambda s: action(complaint_id, session=s, actor=actor, at=now, **payload)


class NoteForm(StepForm):
    """A line in the history: a call made, a promise given."""

    STEP_TITLE = "Note 备注"
    DONE = "noted"

    def compose_fields(self) -> ComposeResult:
        yield FormField("Note", TextArea(id="note", compact=True), required=True)

    def parse(self, name: str, raw: Any) -> Any:
        text = parse.long_text(raw)
        if text is None:
            raise FieldError("required: write what happened")
        return text

    def save_job(self, payload: Any) -> Callable[[Session], Any]:
        complaint_id, actor, now = self.complaint_id, self.ctx.actor, self.ctx.now()
        return lambda s: add_note(complaint_id, session=s, actor=actor, at=now, **payload)

    def saved_message(self, result: Any) -> str | None:
        return f"Note added to complaint {self.complaint_id}."


class DisputeForm(StepForm):
    """The dispute (纠纷): each side's position, the agreed outcome, any compensation."""

    STEP_TITLE = "Dispute 纠纷"
    DONE = "dispute recorded"

    def compose_fields(self) -> ComposeResult:
        detail = self.detail
        cents = detail.row.compensation_cents
        amount = f"{Decimal(cents) / 100:.2f}" if cents is not None else ""
        currency = self.ctx.settings.general.currency
        yield FormField(
            "Positions",
            TextArea(detail.dispute_positions or "", id="positions", compact=True),
            hint="what the customer claims, what we hold",
        )
        yield FormField(
            "Outcome",
            TextArea(detail.dispute_outcome or "", id="outcome", compact=True),
            hint="what both sides agreed",
        )
        yield FormField(
            "Compensation",
            Input(amount, placeholder="none", id="compensation", compact=True),
            hint=f"amount paid to the customer in {currency}, e.g. 5000 or ¥5,000",
        )

    def parse(self, name: str, raw: Any) -> Any:
        if name == "compensation":
            return parse.money(raw)
        return parse.long_text(raw)

    def save_job(self, payload: Any) -> Callable[[Session], Any]:
        complaint_id, actor, now = self.complaint_id, self.ctx.actor, self.ctx.now()
        currency = self.ctx.settings.general.currency
        cents = payload["compensation"]
        amount = Decimal(cents) / 100 if cents is not None else None
        return lambda s: record_dispute(
            complaint_id,
            session=s,
            actor=actor,
            positions=payload["positions"],
            outcome=payload["outcome"],
            compensation=amount,
            currency=currency,
            at=now,
        )


class FollowUpForm(StepForm):
    """Plan a follow-up visit (投诉跟进) to the customer, linked to the complaint."""

    STEP_TITLE = "Follow-up visit 跟进拜访"
    DONE = "has a follow-up visit planned"

    def compose_fields(self) -> ComposeResult:
        tomorrow = self.ctx.today() + timedelta(days=1)
        when = datetime.combine(tomorrow, FOLLOWUP_HOUR, tzinfo=self.ctx.zone)
        yield FormField(
            "When",
            Input(local_time(when, self.ctx.zone), id="planned_at", compact=True),
            required=True,
            hint="local time, YYYY-MM-DD HH:MM",
        )
        yield FormField(
            "Purpose",
            Input(placeholder=f"投诉跟进：{self.detail.row.summary}", id="purpose", compact=True),
            hint="blank: 投诉跟进 and the complaint's summary",
        )

    def parse(self, name: str, raw: Any) -> Any:
        if name == "planned_at":
            return parse.moment(raw, self.ctx.zone)
        return parse.text(raw, max_length=200)

    def save_job(self, payload: Any) -> Callable[[Session], Any]:
        complaint_id, actor, now = self.complaint_id, self.ctx.actor, self.ctx.now()
        return lambda s: plan_followup(complaint_id, session=s, actor=actor, now=now, **payload)

    def saved_message(self, result: Any) -> str | None:
        when = local_time(result.planned_at, self.ctx.zone) if result is not None else ""
        return f"Follow-up visit planned for {when} (complaint {self.complaint_id})."
