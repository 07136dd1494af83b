"""Order follow-up on a contract (订单跟进): plan a delivery milestone, record a delivery
(which plans the return visit, 回访), and assess the contract's risk (风险评估)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col
from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.contract_detail import ContractDetail
from clientdesk.domain.contracts import add_milestone, record_delivery, set_risk
from clientdesk.domain.enums import RiskLevel, VisitKind, VisitStatus
from clientdesk.domain.visit import Visit
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.formatting import choice, local_time
from clientdesk.tui.screens.contract_steps import ContractStepForm
from clientdesk.tui.widgets.form_field import FormField

UNPLANNED = -1  # the milestone choice for a delivery nobody planned


class MilestoneScreen(ContractStepForm[ContractEvent]):
    STEP = "Delivery milestone 交货节点"

    def compose_fields(self) -> ComposeResult:
        yield FormField(
            "What 交货内容",
            Input(placeholder="e.g. 第一批设备 20 台", id="what", compact=True, max_length=200),
            required=True,
        )
        yield FormField(
            "Due 交货日期",
            Input(placeholder="YYYY-MM-DD", id="due_on", compact=True),
            required=True,
            hint="overdue (shown in red) once past without a delivery",
        )

    def parse(self, name: str, raw: Any) -> Any:
        if name == "what":
            return parse.text(raw, max_length=200, required=True)
        return parse.day(raw, required=True)

    def save_job(self, payload: Any) -> Callable[[Session], ContractEvent]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()
        return lambda s: add_milestone(
            k_id, what=payload["what"], due_on=payload["due_on"], session=s, actor=actor,
            today=today,
        )  # fmt: skip

    def saved_message(self, result: ContractEvent | None) -> str | None:
        if result is None:
            return None
        number = self.contract.number
        return f"Milestone “{result.description}” due {result.due_on} added to {number}."


@dataclass(frozen=True)
class Delivered:
    """What the delivery form saved: the milestone, and the return visit that follows it."""

    milestone: ContractEvent
    visit: Visit
    planned_now: bool  # False: a return visit already planned covers this delivery too


class DeliverScreen(ContractStepForm[Delivered]):
    """交货: which milestone was delivered (or what, when nobody planned it) and when."""

    STEP = "Record delivery 交货"

    def __init__(self, ctx: AppContext, detail: ContractDetail, milestone_id: int | None = None):
        super().__init__(ctx, detail)
        self.open = [m for m in detail.milestones if m.delivered_on is None]
        ids = [m.id for m in self.open]
        self.milestone_id = milestone_id if milestone_id in ids else (ids[0] if ids else UNPLANNED)

    def compose_fields(self) -> ComposeResult:
        options = [
            (f"{m.what} (due {m.due_on}{', overdue' if m.overdue else ''})", m.id)
            for m in self.open
        ]
        options.append(("(a delivery nobody planned: say what below)", UNPLANNED))
        yield FormField(
            "Milestone",
            Select(options, value=self.milestone_id, allow_blank=False, id="milestone",
                   compact=True),
        )  # fmt: skip
        yield FormField(
            "What 交货内容",
            Input(placeholder="only for a delivery nobody planned", id="what", compact=True,
                  max_length=200),
        )  # fmt: skip
        days = self.ctx.settings.visits.return_visit_within_days
        yield self.date_field(
            "Delivered on",
            "delivered_on",
            hint=f"today or earlier; a return visit (回访) is planned {days} days later",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#delivered_on" if self.open else "#what").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "milestone":
            return raw
        if name == "what":
            return parse.text(raw, max_length=200)
        return parse.day(raw, required=True)

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["milestone"] == UNPLANNED and not values["what"]:
            self.show_errors({"what": "required for a delivery nobody planned: say what it was"})
            raise FieldError("say what was delivered, or choose the milestone.")
        return values

    def save_job(self, payload: Any) -> Callable[[Session], Delivered]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()
        ctx, customer_id = self.ctx, self.contract.customer_id
        planned = payload["milestone"] != UNPLANNED

        def job(session: Session) -> Delivered:
            waiting = set(_planned_return_visits(session, k_id))
            delivery = record_delivery(
                k_id,
                delivered_on=payload["delivered_on"],
                milestone_id=payload["milestone"] if planned else None,
                what=None if planned else payload["what"],
                session=session,
                actor=actor,
                today=today,
                within_days=ctx.settings.visits.return_visit_within_days,
                zone=ctx.zone,
                now=ctx.now(),
            )
            assert delivery.visit.customer_id == customer_id
            return Delivered(delivery.milestone, delivery.visit, delivery.visit.id not in waiting)

        return job

    def saved_message(self, result: Delivered | None) -> str | None:
        if result is None:
            return None
        when = local_time(result.visit.planned_at, self.ctx.zone)
        visit = (
            f"return visit (回访) planned for {when}"
            if result.planned_now
            else f"the return visit (回访) already planned for {when} covers it"
        )
        m, number = result.milestone, self.contract.number
        return f"Delivered “{m.description}” of {number} on {m.delivered_on}; {visit}."


def _planned_return_visits(session: Session, contract_id: int) -> list[int]:
    """Return visits of the contract still planned (to tell a new one from an old one)."""
    stmt = select(col(Visit.id)).where(
        col(Visit.contract_id) == contract_id,
        col(Visit.kind) == VisitKind.RETURN,
        col(Visit.status) == VisitStatus.PLANNED,
    )
    return [int(i) for i in session.execute(stmt).scalars()]


class RiskScreen(ContractStepForm[Contract]):
    STEP = "Risk 风险评估"

    def compose_fields(self) -> ComposeResult:
        k = self.contract
        yield FormField(
            "Level 风险等级",
            Select(
                [(choice(level), level) for level in RiskLevel],
                value=k.risk_level if k.risk_level else Select.NULL,
                prompt="(not assessed: clears it)",
                id="level",
                compact=True,
            ),
        )
        yield FormField(
            "Notes 说明",
            TextArea(k.risk_notes or "", id="notes", compact=True),
            hint="what the risk is: credit, delivery, payment, market…",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#level").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "level":
            return RiskLevel(raw) if raw else None
        text = parse.long_text(raw)
        if text and len(text) > 1000:
            raise FieldError(f"at most 1000 characters (this is {len(text)})")
        return text

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["level"] is None and values["notes"]:
            self.show_errors({"level": "a risk note needs a level: low, medium or high"})
            raise FieldError("choose a risk level for the note, or clear the note.")
        return values

    def save_job(self, payload: Any) -> Callable[[Session], Contract]:
        k_id, actor, today = self.contract_id, self.ctx.actor, self.ctx.today()
        return lambda s: set_risk(
            k_id, level=payload["level"], notes=payload["notes"], session=s, actor=actor,
            today=today,
        )  # fmt: skip

    def saved_message(self, result: Contract | None) -> str | None:
        if result is None:
            return None
        if result.risk_level is None:
            return f"{result.number}: risk assessment cleared."
        return f"{result.number}: risk {choice(result.risk_level)}."
