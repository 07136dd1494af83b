"""Filters of the contract list, and the dialog (key f on the Contracts screen) that sets them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static

from clientdesk.domain.contract_list import ContractFilter
from clientdesk.domain.enums import ContractStatus, RiskLevel, label_zh
from clientdesk.tui.widgets.contract_cells import STATUS_ORDER

MAX_DAYS = 3650


@dataclass(frozen=True)
class ContractListFilters:
    """What the user filters the contracts by; empty sets and None mean "any"."""

    statuses: frozenset[ContractStatus] = field(default_factory=frozenset)
    expiring_within: int | None = None  # signed or active, ending within N days
    overdue: bool = False  # with a delivery past its due date
    risks: frozenset[RiskLevel] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return self == ContractListFilters()

    def to_domain(self, customer_ids: tuple[int, ...] | None = None) -> ContractFilter:
        return ContractFilter(
            statuses=tuple(s for s in STATUS_ORDER if s in self.statuses),
            expiring_within=self.expiring_within,
            customer_ids=customer_ids,
            risk_levels=tuple(r for r in RiskLevel if r in self.risks),
            overdue_only=self.overdue,
        )

    def describe(self) -> list[str]:
        """Phrases for the status line: 'status 草稿, 已签订 only', 'ending within 30 days'."""
        parts = []
        if self.statuses:
            names = ", ".join(label_zh(s) for s in STATUS_ORDER if s in self.statuses)
            parts.append(f"status {names} only")
        if self.expiring_within is not None:
            parts.append(f"ending within {self.expiring_within} days")
        if self.overdue:
            parts.append("overdue deliveries only")
        if self.risks:
            parts.append(f"risk {', '.join(label_zh(r) for r in RiskLevel if r in self.risks)}")
        return parts


def parse_days(raw: str) -> int | None:
    """'30' → 30; blank → None (no expiry filter); ValueError with the reason otherwise."""
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number of days; write a whole number like 30.")
    days = int(text)
    if days > MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days (ten years)")
    return days


class ContractFiltersScreen(ModalScreen[ContractListFilters | None]):
    """Every contract filter in one dialog: Tab moves, Space ticks, ctrl+s applies."""

    DEFAULT_CSS = """
    ContractFiltersScreen {
        align: center middle;
    }

    ContractFiltersScreen .filters-dialog {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }

    ContractFiltersScreen .filters-title {
        width: 100%;
        padding: 0 1;
        text-style: bold;
        background: $primary 25%;
    }

    ContractFiltersScreen .filters-row {
        height: auto;
        margin-top: 1;
    }

    ContractFiltersScreen .filters-column {
        width: 1fr;
        height: auto;
    }

    ContractFiltersScreen Label {
        color: $text-muted;
        padding-left: 1;
    }

    ContractFiltersScreen SelectionList {
        height: auto;
        max-height: 7;
        margin-right: 2;
        background: $boost;
    }

    ContractFiltersScreen #expiring {
        width: 8;
        margin: 0 1;
        background: $boost;
    }

    ContractFiltersScreen #days-error {
        color: $error;
        padding-left: 1;
        height: auto;
    }

    ContractFiltersScreen Checkbox {
        margin-top: 1;
    }

    ContractFiltersScreen .filters-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;

        Button {
            margin-left: 1;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", priority=True, id="contract_filters.apply"),
        Binding("ctrl+x", "clear", "Clear all", priority=True, id="contract_filters.clear"),
        Binding("escape", "cancel", "Cancel", id="contract_filters.cancel"),
    ]

    def __init__(self, current: ContractListFilters) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical(classes="filters-dialog"):
            yield Static("Filter contracts 筛选合同", classes="filters-title", markup=False)
            with Horizontal(classes="filters-row"):
                with Vertical(classes="filters-column"):
                    yield Label("Status")
                    yield SelectionList[str](
                        *(
                            (f"{label_zh(s)} {s.value}", s.value, s in current.statuses)
                            for s in STATUS_ORDER
                        ),
                        id="statuses",
                        compact=True,
                    )
                with Vertical(classes="filters-column"):
                    yield Label("Risk")
                    yield SelectionList[str](
                        *(
                            (f"{label_zh(r)} {r.value}", r.value, r in current.risks)
                            for r in RiskLevel
                        ),
                        id="risks",
                        compact=True,
                    )
            with Horizontal(classes="filters-row"):
                yield Label("Ending within")
                days = current.expiring_within
                yield Input(
                    "" if days is None else str(days),
                    placeholder="any",
                    id="expiring",
                    compact=True,
                    restrict=r"\d*",
                    max_length=4,
                )
                yield Label("days, signed or active (blank: any)")
            yield Static("", id="days-error", markup=False)
            yield Checkbox(
                "Overdue deliveries only: a milestone past its due date",
                current.overdue,
                id="overdue",
                compact=True,
            )
            with Horizontal(classes="filters-buttons"):
                yield Button("Apply  ctrl+s", id="apply", variant="primary", compact=True)
                yield Button("Clear all  ctrl+x", id="clear", compact=True)
                yield Button("Cancel  esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#days-error").display = False
        self.query_one("#statuses").focus()

    def chosen(self) -> ContractListFilters | None:
        """The filters as set, or None (with the reason shown) when the days are wrong."""
        error = self.query_one("#days-error", Static)
        try:
            days = parse_days(self.query_one("#expiring", Input).value)
        except ValueError as exc:
            error.update(f"✗ Ending within: {exc}")
            error.display = True
            self.query_one("#expiring").focus()
            return None
        error.display = False

        def selected(list_id: str) -> list[str]:
            return list(self.query_one(f"#{list_id}", SelectionList).selected)

        return ContractListFilters(
            statuses=frozenset(ContractStatus(v) for v in selected("statuses")),
            expiring_within=days,
            overdue=self.query_one("#overdue", Checkbox).value,
            risks=frozenset(RiskLevel(v) for v in selected("risks")),
        )

    def action_apply(self) -> None:
        filters = self.chosen()
        if filters is not None:
            self.dismiss(filters)

    def action_clear(self) -> None:
        self.dismiss(ContractListFilters())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {"apply": self.action_apply, "clear": self.action_clear}
        actions.get(event.button.id or "", self.action_cancel)()
