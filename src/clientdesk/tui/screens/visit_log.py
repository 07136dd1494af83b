"""Log a visit (拜访记录): what was discussed, needs and pain points, feedback, satisfaction
and the next step. A next step with a date plans the follow-up visit; logging moves the
customer's last contact forward (both done by domain.visits in the same transaction).

The highlighted planned visit is logged as done; without one, an unplanned visit (a call-in,
a meeting at a fair) is logged with its customer and purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Input, TextArea

from clientdesk.domain.visits import (
    FUTURE_GRACE,
    PURPOSE_MAX,
    SATISFACTION_RANGE,
    LoggedVisit,
    VisitLog,
    log_unplanned_visit,
    log_visit,
)
from clientdesk.tui import fields as parse
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.formatting import local_time
from clientdesk.tui.screens.visit_plan import CustomerVisitForm
from clientdesk.tui.widgets.form_field import FormField
from clientdesk.tui.widgets.visit_format import Chosen, VisitRef

SATISFACTION_HINT = "1 very unhappy … 5 very happy; blank if not asked"
LOG_FIELDS = ("discussion", "needs", "feedback", "satisfaction", "next_step", "next_step_on")


def satisfaction(raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) not in SATISFACTION_RANGE:
        raise FieldError(
            f"{value!r} is outside 1-5: use 1 (very unhappy) to 5 (very happy), or leave it blank"
        )
    return int(value)


class LogVisitScreen(CustomerVisitForm[LoggedVisit]):
    """The log of a planned visit (`ref`), or of an unplanned one (`ref` None)."""

    def __init__(
        self, ctx: AppContext, *, ref: VisitRef | None = None, customer: Chosen | None = None
    ) -> None:
        if ref is not None:
            heading = f"Log visit 拜访记录 · {ref.describe(ctx.zone)}"
            customer = ref.customer
        else:
            heading = "Log an unplanned visit 拜访记录"
        super().__init__(ctx, heading=heading, customer=customer)
        self.ref = ref

    def compose_fields(self) -> ComposeResult:
        ctx, ref = self.ctx, self.ref
        if ref is None:
            yield self.customer_field()
            yield FormField(
                "Purpose",
                Input(placeholder="拜访目的: what the visit was for", id="purpose", compact=True),
                required=True,
            )
            yield self.contact_field()
        # A visit planned earlier is logged at its planned time; otherwise as of now.
        done = ref.planned_at if ref is not None and ref.planned_at <= ctx.now() else ctx.now()
        yield FormField(
            "Done at",
            Input(local_time(done, ctx.zone), id="done_at", compact=True),
            required=True,
            hint="local time, YYYY-MM-DD HH:MM",
        )
        yield FormField("Discussed 洽谈", TextArea(id="discussion", compact=True), required=True)
        yield FormField("Needs 需求/痛点", TextArea(id="needs", compact=True))
        yield FormField("Feedback 反馈", TextArea(id="feedback", compact=True))
        yield FormField(
            "Satisfaction",
            Input(placeholder="1-5", id="satisfaction", compact=True, max_length=3),
            hint=SATISFACTION_HINT,
        )
        yield FormField("Next step", Input(id="next_step", compact=True))
        yield FormField(
            "Next step on",
            Input(placeholder="YYYY-MM-DD", id="next_step_on", compact=True),
            hint="a date plans the follow-up visit that day at 10:00",
        )

    def on_mount(self) -> None:
        super().on_mount()
        start = "#discussion" if self.ref is not None else "#customer"
        if self.ref is None and self.customer is not None:
            start = "#purpose"
        self.query_one(start).focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "done_at":
            moment = parse.moment(raw, self.ctx.zone)
            if moment > self.ctx.now() + FUTURE_GRACE:
                raise FieldError(
                    "is in the future: a visit is logged once it has happened; plan it instead"
                )
            return moment
        if name == "discussion":
            if not raw.strip():
                raise FieldError("required: say what was discussed (洽谈内容)")
            return raw.strip()
        if name in ("needs", "feedback"):
            return parse.long_text(raw)
        if name == "satisfaction":
            return satisfaction(raw)
        if name == "next_step":
            return parse.text(raw, max_length=2000)
        if name == "next_step_on":
            day = parse.day(raw)
            if day is not None and day <= self.ctx.today():
                raise FieldError(
                    f"{day} is not after today ({self.ctx.today()}): give a later date for "
                    "the follow-up visit, or leave it blank"
                )
            return day
        if name == "purpose":
            return parse.text(raw, max_length=PURPOSE_MAX, required=True)
        return self.parse_customer(name, raw)

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["next_step_on"] is not None and not values["next_step"]:
            self.show_errors({"next_step": "say what the next step is: it has a date"})
            raise FieldError("the next step has a date but no text")
        return values

    def save_job(self, payload: Any) -> Callable[[Session], LoggedVisit]:
        ctx, ref = self.ctx, self.ref
        actor, now, zone = ctx.actor, ctx.now(), ctx.zone
        log = VisitLog(**{name: payload[name] for name in LOG_FIELDS})
        done_at = payload["done_at"]
        if ref is not None:
            visit_id = ref.visit_id
            return lambda s: log_visit(
                visit_id, log, session=s, actor=actor, zone=zone, done_at=done_at, now=now
            )
        customer_id = payload["customer"][0]

        def unplanned(session: Session) -> LoggedVisit:
            return log_unplanned_visit(
                session=session,
                customer_id=customer_id,
                purpose=payload["purpose"],
                log=log,
                actor=actor,
                zone=zone,
                done_at=done_at,
                contact_id=payload["contact_id"],
                now=now,
            )

        return unplanned

    def saved_message(self, result: LoggedVisit | None) -> str | None:
        if result is None or self.customer is None:
            return None
        text = f"Logged the visit to {self.customer[1]} {self.customer[2]}"
        if result.follow_up is not None:
            follow = result.follow_up.planned_at.astimezone(self.ctx.zone)
            text += f"; follow-up visit planned for {follow:%Y-%m-%d %H:%M}"
        return text + "."
