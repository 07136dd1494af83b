"""The parts of a contract's detail screen: its current terms, its amendments (补充协议) and
its delivery milestones (交货节点), each filled from a ContractDetail."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Static

from clientdesk.domain.contract_detail import ContractDetail, Milestone
from clientdesk.domain.contract_states import Action
from clientdesk.domain.enums import ContractStatus, label_zh
from clientdesk.domain.money import format_cents
from clientdesk.tui.formatting import choice
from clientdesk.tui.widgets.contract_cells import RowStyles, ends_soon

ACTION_KEYS: dict[Action, tuple[str, str, str]] = {
    Action.SIGN: ("s", "s", "Sign"),
    Action.EDIT: ("e", "e", "Edit"),
    Action.AMEND: ("a", "a", "Amend"),
    Action.MILESTONE: ("m", "m", "Milestone"),
    Action.DELIVER: ("l", "l", "Delivery"),
    Action.RISK: ("exclamation_mark", "!", "Risk"),
    Action.RENEW: ("r", "r", "Renew"),
    Action.COMPLETE: ("o", "o", "Complete"),
    Action.TERMINATE: ("t", "t", "Terminate"),
}
"""Each user action on a contract: (binding key, key as shown, footer label)."""

ACTION_WORDS: dict[Action, str] = {
    Action.SIGN: "sign 签订",
    Action.EDIT: "edit the draft",
    Action.AMEND: "amend 补充协议",
    Action.MILESTONE: "add a delivery milestone",
    Action.DELIVER: "record a delivery 交货",
    Action.RISK: "assess risk 风险评估",
    Action.RENEW: "renew 续签",
    Action.COMPLETE: "complete 完成",
    Action.TERMINATE: "terminate 解除",
}


ACTION_SHORT: dict[Action, str] = {
    Action.SIGN: "sign 签订",
    Action.EDIT: "edit",
    Action.AMEND: "amend 变更",
    Action.MILESTONE: "milestone",
    Action.DELIVER: "delivery",
    Action.RISK: "risk",
    Action.RENEW: "renew 续签",
    Action.COMPLETE: "complete",
    Action.TERMINATE: "terminate 解除",
}
"""The same, as short as the line of next steps needs them."""


def days_words(days: int) -> str:
    if days == 0:
        return "ends today"
    if days < 0:
        return f"ended {-days:,} day{'s' if days < -1 else ''} ago"
    return f"{days:,} day{'s' if days > 1 else ''} to expiry"


def signed_change(cents: int) -> str:
    """+5,000.00 / -2,000.00 / 0.00."""
    return f"{'+' if cents > 0 else ''}{format_cents(cents)}"


def status_text(detail: ContractDetail, today: date, styles: RowStyles) -> Text:
    k = detail.contract
    text = Text(choice(k.status), style="bold")
    days = detail.days_to_expiry
    if k.status == ContractStatus.SIGNED and k.start_on:
        text.append(
            f"  ·  becomes active on {k.start_on}"
            + (f" (in {(k.start_on - today).days} days)" if k.start_on > today else "")
        )
    if days is not None:
        soon = ends_soon(k.status, days)
        text.append("  ·  ")
        style = styles.soon if soon else styles.late if days < 0 else ""
        text.append(days_words(days), style=style)
    if detail.overdue_deliveries:
        n = detail.overdue_deliveries
        text.append("  ·  ")
        text.append(f"⚠ {n} deliver{'y' if n == 1 else 'ies'} overdue", style=styles.late)
    return text


def next_text(detail: ContractDetail) -> Text:
    """What can be done now, with the keys: 'a amend · r renew · t terminate'."""
    if not detail.allowed:
        return Text("nothing: the contract is closed", style="dim")
    text = Text()
    for action in detail.allowed:
        if text:
            text.append(" · ", style="dim")
        text.append(ACTION_KEYS[action][1], style="bold")
        text.append(f" {ACTION_SHORT[action]}")
    return text


def chain_text(detail: ContractDetail) -> Text:
    text = Text()
    for link in detail.chain:
        if text:
            text.append(" → ", style="dim")
        here = link.id == detail.contract.id
        text.append(f"{link.number} {label_zh(link.status)}", style="bold reverse" if here else "")
    return text


SUMMARY_ROWS = (
    ("customer", "Customer"),
    ("status", "Status"),
    ("next", "Next"),
    ("value", "Value"),
    ("term", "Term"),
    ("ended", "Ended"),
    ("payment", "Payment"),
    ("risk", "Risk"),
    ("renewals", "Renewals"),
    ("notes", "Notes"),
)


class ContractSummary(Vertical):
    """The contract as it stands now: customer, status, next steps, terms, risk, renewals."""

    DEFAULT_CSS = """
    ContractSummary {
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $primary 40%;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;

        .summary-row { height: auto; }
        .summary-label { width: 10; color: $text-muted; }
        .summary-value { width: 1fr; height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        for key, label in SUMMARY_ROWS:
            with Horizontal(id=f"summary-{key}", classes="summary-row"):
                yield Label(label, classes="summary-label", markup=False)
                yield Static("", id=f"summary-{key}-value", classes="summary-value", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Loading the contract…"
        for key, _ in SUMMARY_ROWS:
            self.query_one(f"#summary-{key}").display = False

    def _row(self, key: str, value: Text | None) -> None:
        self.query_one(f"#summary-{key}").display = value is not None
        if value is not None:
            self.query_one(f"#summary-{key}-value", Static).update(value)

    def show(self, detail: ContractDetail, *, today: date, styles: RowStyles) -> None:
        k = detail.contract
        self.border_title = f"{k.number}  {k.title}"
        self.border_subtitle = f"contract 合同 #{k.id}"
        owner = f"  ·  owner {k.owner}" if k.owner else ""
        self._row("customer", Text(f"{detail.customer_code} {detail.customer_name}{owner}"))
        self._row("status", status_text(detail, today, styles))
        self._row("next", next_text(detail))
        value = Text(format_cents(k.value_cents, k.currency), style="bold")
        if detail.amendments:
            n = len(detail.amendments)
            value.append(
                f"  (signed at {format_cents(detail.original_value_cents)}; "
                f"{n} amendment{'s' if n > 1 else ''})",
                style="dim",
            )
        self._row("value", value)
        term = f"{k.start_on or '?'} → {k.end_on or 'open'}"
        if k.signed_on:
            term += f"  ·  signed {k.signed_on}"
        self._row("term", Text(term))
        ended = None
        if k.terminated_on:
            ended = Text(f"terminated 解除 {k.terminated_on}: {k.termination_reason or ''}")
        elif detail.completed_on:
            ended = Text(f"completed 完成 {detail.completed_on}")
        self._row("ended", ended)
        self._row("payment", Text(k.payment_terms or "—"))
        if k.risk_level:
            risk = Text(choice(k.risk_level), style=styles.risk[k.risk_level])
            if k.risk_notes:
                risk.append(f": {k.risk_notes}")
        else:
            risk = Text("not assessed", style="dim")
        self._row("risk", risk)
        self._row("renewals", chain_text(detail) if len(detail.chain) > 1 else None)
        self._row("notes", Text(k.notes) if k.notes else None)


class _PanelTable(DataTable[Text]):
    DEFAULT_CSS = """
    _PanelTable {
        height: 1fr;
        margin: 0 1;
        background: $surface;
        border: round $primary 40%;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        scrollbar-size-vertical: 1;

        &:focus {
            border: round $accent;
            border-title-color: $accent;
        }

        & > .datatable--header {
            background: $panel;
            color: $primary;
        }
    }
    """

    COLUMNS: ClassVar[tuple[tuple[str, str, int], ...]] = ()
    FLEX = ""  # the column that takes the room left

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)

    def on_mount(self) -> None:
        for key, label, width in self.COLUMNS:
            self.add_column(label, key=key, width=width or 20)

    def on_resize(self) -> None:
        fixed = sum(w + 2 * self.cell_padding for _, _, w in self.COLUMNS if w)
        width = max(self.size.width - fixed - 2 * self.cell_padding - 1, 12)
        for key, column in self.columns.items():
            if key.value == self.FLEX and column.width != width:
                column.width = width
                self._require_update_dimensions = True
                self.refresh()


class AmendmentTable(_PanelTable):
    """The amendments (补充协议) in date order: what changed and the value after each."""

    COLUMNS = (
        ("on", "Date", 10),
        ("change", "Change", 14),
        ("after", "Value after", 14),
        ("what", "What changed", 0),
    )
    FLEX = "what"

    def show(self, detail: ContractDetail) -> None:
        self.clear()
        self.border_title = f"Amendments 补充协议 ({len(detail.amendments)})"
        if not detail.amendments:
            self.add_row(Text(""), Text(""), Text(""), Text("none", style="dim"))
            return
        for a in detail.amendments:
            self.add_row(
                Text(a.on.isoformat()),
                Text(signed_change(a.value_change_cents).rjust(14) if a.value_change_cents else ""),
                Text(format_cents(a.value_after_cents).rjust(14)),
                Text(a.description, no_wrap=True, overflow="ellipsis"),
                key=str(a.id),
            )


class MilestoneTable(_PanelTable):
    """Delivery milestones (交货节点) by due date; an overdue one in the error colour.

    Enter records the highlighted milestone's delivery."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Record delivery", show=False, id="milestones.deliver"),
    ]

    COLUMNS = (
        ("what", "What 交货内容", 0),
        ("due", "Due", 10),
        ("delivered", "Delivered", 10),
        ("state", "", 16),
    )
    FLEX = "what"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.milestones: list[Milestone] = []

    @property
    def current(self) -> Milestone | None:
        if not self.milestones or not 0 <= self.cursor_row < len(self.milestones):
            return None
        return self.milestones[self.cursor_row]

    def show(self, detail: ContractDetail, styles: RowStyles) -> None:
        self.clear()
        self.milestones = list(detail.milestones)
        overdue = detail.overdue_deliveries
        title = f"Milestones 交货节点 ({len(self.milestones)}"
        self.border_title = title + (f", {overdue} overdue)" if overdue else ")")
        if not self.milestones:
            self.add_row(Text("none", style="dim"), Text(""), Text(""), Text(""))
            return
        for m in self.milestones:
            style: Style | str
            if m.overdue:
                state, style = "overdue", styles.late
            elif m.late_days:
                state, style = f"{m.late_days} days late", styles.soon
            elif m.delivered_on:
                state, style = "delivered", styles.muted
            else:
                state, style = "open", ""
            self.add_row(
                Text(m.what, no_wrap=True, overflow="ellipsis", style=style if m.overdue else ""),
                Text(m.due_on.isoformat() if m.due_on else "", style=style if m.overdue else ""),
                Text(m.delivered_on.isoformat() if m.delivered_on else ""),
                Text(state, style=style),
                key=str(m.id),
            )
