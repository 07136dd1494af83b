"""The top of a customer file: who it is, its grade's service standard, and whether the file
needs re-verifying."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from clientdesk.config import Settings
from clientdesk.domain.customer_file import CustomerFile
from clientdesk.domain.customers import file_checked_at, is_stale
from clientdesk.tui.formatting import choice, days_ago, local_date


def service_line(settings: Settings, grade: str) -> str:
    standard = settings.service_for(grade)
    parts = [
        f"Grade {grade} service: visit every {standard.visit_every_days} days",
        f"answer complaints within {standard.complaint_response_hours} h",
    ]
    if standard.dedicated_manager:
        parts.append("dedicated account manager 专属客户经理")
    return " · ".join(parts)


def stale_line(file: CustomerFile, *, now: datetime, stale_after_days: int) -> str | None:
    customer = file.customer
    if not is_stale(customer, now=now, stale_after_days=stale_after_days):
        return None
    days = (now - file_checked_at(customer)).days
    since = "verified" if customer.verified_at else "entered, never verified,"
    return (
        f"⚠ Stale: {since} {days:,} days ago; due every {stale_after_days} days. "
        "Press v once checked."
    )


class FileHeader(Vertical):
    """Name, code and grade on the first line; facts, service standard, stale warning below."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="file-title"):
            yield Label("", id="file-grade", classes="grade-badge", markup=False)
            yield Label("", id="file-name", markup=False)
            yield Label("", id="file-code", markup=False)
        yield Static("", id="file-facts", markup=False)
        yield Static("", id="file-service", markup=False)
        yield Static("", id="file-stale", markup=False)

    def show(self, file: CustomerFile, *, settings: Settings, now: datetime, zone: tzinfo) -> None:
        c = file.customer
        grade = c.grade.value
        badge = self.query_one("#file-grade", Label)
        badge.update(f" {grade} ")
        for g in "ABCD":
            badge.set_class(g == grade, f"-grade-{g}")
        self.query_one("#file-name", Label).update(c.name)
        short = f" ({c.short_name})" if c.short_name else ""
        kind = choice(c.special_kind) if c.special_kind else choice(c.kind)
        self.query_one("#file-code", Label).update(f"{c.code}{short}  ·  {kind}")
        last = c.last_contact_at
        facts = Text(no_wrap=True, overflow="ellipsis")
        for label, value in (
            ("status", choice(c.status)),
            ("owner", c.owner or "—"),
            ("region", c.region or "—"),
            (
                "last contact",
                f"{local_date(last, zone)} ({days_ago(last, now)})" if last else "never",
            ),
        ):
            if facts:
                facts.append("  ·  ", style="dim")
            facts.append(f"{label} ", style="dim")
            facts.append(value)
        self.query_one("#file-facts", Static).update(facts)
        self.query_one("#file-service", Static).update(service_line(settings, grade))
        warning = stale_line(file, now=now, stale_after_days=settings.files.stale_after_days)
        stale = self.query_one("#file-stale", Static)
        stale.update(warning or "")
        stale.display = warning is not None
