"""One complaint (投诉): its facts, deadline, history, dispute and follow-ups, and its steps.

Only the steps the complaint allows now (domain.complaints.allowed_steps) have keys: the
others are neither in the footer nor in the palette. Acknowledging and starting work are one
key each; the other steps open a small form (see complaint_steps.py). Every read and write
runs in a worker; the handlers below update the widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.complaint_queue import ComplaintDetail, complaint_detail
from clientdesk.domain.complaints import NextStep, Step, acknowledge, start_work
from clientdesk.errors import ClientdeskError, NotFoundError
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.registry import Command
from clientdesk.tui.screens.complaint_steps import (
    CloseForm,
    DisputeForm,
    FollowUpForm,
    NoteForm,
    ReasonForm,
    ResolveForm,
    StepForm,
)
from clientdesk.tui.widgets.complaint_view import ComplaintView

STEP_KEYS: dict[Step, str] = {
    Step.ACKNOWLEDGE: "a",
    Step.START: "s",
    Step.RESOLVE: "r",
    Step.CLOSE: "x",
    Step.REOPEN: "o",
    Step.ESCALATE: "e",
    Step.DISPUTE: "j",  # 纠纷 jiūfēn
    Step.NOTE: "n",
    Step.FOLLOW_UP: "f",
}
STEP_TITLES: dict[Step, str] = {
    Step.ACKNOWLEDGE: "Acknowledge",
    Step.START: "Start work",
    Step.RESOLVE: "Resolve",
    Step.CLOSE: "Close",
    Step.REOPEN: "Reopen",
    Step.ESCALATE: "Escalate",
    Step.DISPUTE: "Dispute",
    Step.NOTE: "Note",
    Step.FOLLOW_UP: "Follow-up",
}
STEP_HELP: dict[Step, str] = {
    Step.ACKNOWLEDGE: "The customer has had an answer: the deadline is met",
    Step.START: "Someone is working on it now",
    Step.RESOLVE: "It is solved: say what was done",
    Step.CLOSE: "The customer agrees: record the satisfaction (1-5) and the resolution",
    Step.REOPEN: "The customer is not satisfied after all: back to in progress",
    Step.ESCALATE: "Hand it to the department manager, with the reason",
    Step.DISPUTE: "Record the dispute (纠纷): positions, agreed outcome, compensation",
    Step.NOTE: "Add a line to the history",
    Step.FOLLOW_UP: "Plan a follow-up visit to the customer",
}


class DetailLoaded(Message):
    def __init__(self, detail: ComplaintDetail) -> None:
        super().__init__()
        self.detail = detail


class DetailLoadFailed(Message):
    def __init__(self, error: str, *, missing: bool) -> None:
        super().__init__()
        self.error = error
        self.missing = missing


class StepDone(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class StepFailed(Message):
    def __init__(self, error: ClientdeskError) -> None:
        super().__init__()
        self.error = error


def next_steps_text(steps: list[NextStep]) -> str:
    """'Next: a acknowledge · r resolve (asks to confirm) · ...' for the line under the page."""
    parts = []
    for step in steps:
        text = f"{STEP_KEYS[step.step]} {step.label}"
        if step.needs_confirmation:
            text += " (asks to confirm)"
        parts.append(text)
    return "Next: " + "  ·  ".join(parts)


class ComplaintDetailScreen(Screen[bool]):
    """One complaint; dismissed with True when anything in it changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="complaint.back"),
        *(
            Binding(key, f"step('{step.value}')", STEP_TITLES[step], id=f"complaint.{step.value}")
            for step, key in STEP_KEYS.items()
        ),
        Binding("ctrl+o", "open_customer", "Customer file", id="complaint.customer"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="complaint.refresh"),
        Binding("q", "app.quit", "Quit", show=False, id="complaint.quit"),
    ]

    AUTO_FOCUS = "#complaint-history"

    def __init__(self, ctx: AppContext, complaint_id: int, *, from_file: bool = False) -> None:
        super().__init__(classes="complaint-screen")
        self.ctx = ctx
        self.complaint_id = complaint_id
        self.from_file = from_file  # opened from the customer's file: esc goes back to it
        self.detail: ComplaintDetail | None = None
        self.changed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield ComplaintView(id="complaint-view")
        yield Static("", id="complaint-next", classes="status-line", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#complaint-history").can_focus = True
        self.reload()

    @property
    def allowed(self) -> dict[Step, NextStep]:
        return {s.step: s for s in self.detail.steps} if self.detail else {}

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="complaint-load")
    def _load(self) -> None:
        worker = get_current_worker()
        complaint_id = self.complaint_id
        try:
            detail = self.ctx.read(lambda s: complaint_detail(complaint_id, session=s))
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                missing = isinstance(exc, NotFoundError)
                self.post_message(DetailLoadFailed(str(exc), missing=missing))
            return
        if not worker.is_cancelled:
            self.post_message(DetailLoaded(detail))

    @on(DetailLoaded)
    def _loaded(self, message: DetailLoaded) -> None:
        self.detail = message.detail
        ctx = self.ctx
        self.query_one(ComplaintView).show(
            message.detail, now=ctx.now(), zone=ctx.zone, currency=ctx.settings.general.currency
        )
        self.query_one("#complaint-next", Static).update(next_steps_text(message.detail.steps))
        self.refresh_bindings()

    @on(DetailLoadFailed)
    def _load_failed(self, message: DetailLoadFailed) -> None:
        if message.missing:
            self.notify(message.error, title="Complaint not found", severity="warning")
            self.dismiss(True)
            return
        self.notify(message.error, title="Could not load the complaint", severity="error")

    # The steps.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            return Step(str(parameters[0])) in self.allowed
        if action == "open_customer":
            return not self.from_file
        return True

    def action_back(self) -> None:
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        self.reload()

    def action_open_customer(self) -> None:
        if self.detail is not None:
            self.post_message(OpenCustomer(self.detail.row.customer_id))

    def action_step(self, name: str) -> None:
        step = Step(name)
        detail = self.detail
        if detail is None or step not in self.allowed:
            return
        complaint_id, actor, now = self.complaint_id, self.ctx.actor, self.ctx.now()
        if step == Step.ACKNOWLEDGE:
            in_time = now <= detail.row.due_at
            self._write(
                lambda s: acknowledge(complaint_id, session=s, actor=actor, at=now),
                f"Complaint {complaint_id} acknowledged"
                + (": answered in time." if in_time else ", after its deadline."),
            )
        elif step == Step.START:
            self._write(
                lambda s: start_work(complaint_id, session=s, actor=actor, at=now),
                f"Complaint {complaint_id}: work started.",
            )
        else:
            self.app.push_screen(self._form(step, detail), self._after_form)

    def _form(self, step: Step, detail: ComplaintDetail) -> StepForm:
        forms: dict[Step, Callable[[], StepForm]] = {
            Step.RESOLVE: lambda: ResolveForm(self.ctx, detail),
            Step.CLOSE: lambda: CloseForm(self.ctx, detail),
            Step.REOPEN: lambda: ReasonForm(self.ctx, detail, Step.REOPEN),
            Step.ESCALATE: lambda: ReasonForm(self.ctx, detail, Step.ESCALATE),
            Step.DISPUTE: lambda: DisputeForm(self.ctx, detail),
            Step.NOTE: lambda: NoteForm(self.ctx, detail),
            Step.FOLLOW_UP: lambda: FollowUpForm(self.ctx, detail),
        }
        return forms[step]()

    def _after_form(self, result: Any) -> None:
        if result is not None:
            self.changed = True
            self.reload()

    def step_commands(self) -> list[Command]:
        """Palette entries for the steps allowed now ("Complaints: resolve", ...)."""
        return [
            Command(
                f"Complaints: {step.label}",
                f"{STEP_HELP[step.step]} (key {STEP_KEYS[step.step]})",
                partial(self.action_step, step.step.value),
            )
            for step in self.allowed.values()
        ]

    # One-key steps: one transaction in a worker, then the page is read again.

    def _write(self, job: Callable[[Session], Any], done: str) -> None:
        self._run_write(job, done)

    @work(thread=True, exclusive=True, group="complaint-write")
    def _run_write(self, job: Callable[[Session], Any], done: str) -> None:
        try:
            self.ctx.write(job)
        except ClientdeskError as exc:
            self.post_message(StepFailed(exc))
            return
        self.post_message(StepDone(done))

    @on(StepDone)
    def _step_done(self, message: StepDone) -> None:
        self.changed = True
        self.notify(message.text)
        self.reload()

    @on(StepFailed)
    def _step_failed(self, message: StepFailed) -> None:
        self.notify(str(message.error), title="Not done", severity="error", timeout=10)
        self.reload()  # show what the database holds now
