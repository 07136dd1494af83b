"""What the Visits screen, the day list and the customer file's Visits tab do with a visit.

Each action opens its form over the current screen and calls `done()` once something was
written. Steps the rules do not allow (rescheduling or cancelling a done visit, logging one
twice) are refused at once with a message that says what to do instead; the domain refuses
them too, should the visit have changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, tzinfo
from typing import Any

from textual.app import App

from clientdesk.domain.enums import VisitStatus
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import CustomersChanged
from clientdesk.tui.screens.visit_cancel import CancelVisitScreen
from clientdesk.tui.screens.visit_detail import VisitDetailScreen
from clientdesk.tui.screens.visit_log import LogVisitScreen
from clientdesk.tui.screens.visit_plan import PlanVisitScreen, RescheduleVisitScreen
from clientdesk.tui.widgets.visit_format import Chosen, VisitRef

Done = Callable[[], None]
NO_VISIT = "Highlight a visit first (the headings name the groups)."


def _after(app: App[Any], done: Done) -> Callable[[Any], None]:
    def closed(result: Any) -> None:
        if result is not None:
            done()
            app.post_message(CustomersChanged())  # the list's next-visit and contact dates

    return closed


def _refuse(app: App[Any], text: str) -> None:
    app.notify(text, title="Not done", severity="error", timeout=8)


def _done_on(ref: VisitRef, zone: tzinfo) -> str:
    return f" on {ref.done_at.astimezone(zone):%Y-%m-%d}" if ref.done_at else ""


def _name(ref: VisitRef) -> str:
    return f"visit {ref.visit_id} to {ref.customer[1]} {ref.customer[2]}"


def plan(
    app: App[Any],
    ctx: AppContext,
    done: Done,
    *,
    customer: Chosen | None = None,
    day: date | None = None,
    purpose: str = "",
) -> None:
    """Plan a visit: for `customer` if known, on `day` if given (else the next working day)."""
    screen = PlanVisitScreen(ctx, customer=customer, day=day, purpose=purpose)
    app.push_screen(screen, _after(app, done))


def log(app: App[Any], ctx: AppContext, done: Done, ref: VisitRef) -> None:
    """Log a planned (or missed) visit as done."""
    if ref.status == VisitStatus.DONE:
        _refuse(
            app,
            f"The {_name(ref)} was already logged{_done_on(ref, ctx.zone)}. Enter shows its log; "
            "u logs another visit.",
        )
        return
    if ref.status == VisitStatus.CANCELLED:
        _refuse(
            app,
            f"The {_name(ref)} was cancelled: reschedule it first (r), or log an unplanned "
            "visit (u).",
        )
        return
    app.push_screen(LogVisitScreen(ctx, ref=ref), _after(app, done))


def log_unplanned(
    app: App[Any], ctx: AppContext, done: Done, *, customer: Chosen | None = None
) -> None:
    """Log a visit that was never planned (the customer chosen in the form if not given)."""
    app.push_screen(LogVisitScreen(ctx, customer=customer), _after(app, done))


def reschedule(app: App[Any], ctx: AppContext, done: Done, ref: VisitRef) -> None:
    """Move a visit not yet done to a new time ahead."""
    if ref.status == VisitStatus.DONE:
        _refuse(
            app,
            f"The {_name(ref)} was done{_done_on(ref, ctx.zone)}: a done visit cannot be "
            "rescheduled. Press n to plan a new visit.",
        )
        return
    app.push_screen(RescheduleVisitScreen(ctx, ref), _after(app, done))


def cancel(app: App[Any], ctx: AppContext, done: Done, ref: VisitRef) -> None:
    """Call off a planned (or missed) visit, with a reason."""
    if ref.status == VisitStatus.DONE:
        _refuse(
            app,
            f"The {_name(ref)} was done{_done_on(ref, ctx.zone)}: a done visit cannot be "
            "cancelled.",
        )
        return
    if ref.status == VisitStatus.CANCELLED:
        _refuse(app, f"The {_name(ref)} is already cancelled; r plans it again.")
        return
    app.push_screen(CancelVisitScreen(ctx, ref), _after(app, done))


def details(app: App[Any], ctx: AppContext, ref: VisitRef) -> None:
    """Show the visit in full, with its log."""
    app.push_screen(VisitDetailScreen(ctx, ref))
