"""Filters of the customer list, and the dialog (key f) that sets them all at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select, SelectionList, Static

from clientdesk.domain.customer_list import CustomerFilter, FilterChoices
from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade, label_zh
from clientdesk.domain.stale import stale_cutoff


@dataclass(frozen=True)
class ListFilters:
    """What the user filters the list by; empty sets and None mean "any"."""

    grades: frozenset[Grade] = field(default_factory=frozenset)
    kinds: frozenset[CustomerKind] = field(default_factory=frozenset)
    statuses: frozenset[CustomerStatus] = field(default_factory=frozenset)
    region: str | None = None
    owner: str | None = None
    stale: bool = False  # only files not verified within files.stale_after_days

    @property
    def empty(self) -> bool:
        return self == ListFilters()

    def to_domain(self, *, now: datetime, stale_after_days: int) -> CustomerFilter:
        return CustomerFilter(
            grades=tuple(sorted(self.grades)),
            kinds=tuple(kind for kind in CustomerKind if kind in self.kinds),
            statuses=tuple(status for status in CustomerStatus if status in self.statuses),
            region=self.region,
            owner=self.owner,
            stale_before=stale_cutoff(now, stale_after_days) if self.stale else None,
        )

    def describe(self) -> list[str]:
        """Phrases for the status line: 'grade A, B only', 'kind 供应商 only', ..."""
        parts = []
        if self.grades:
            parts.append(f"grade {', '.join(sorted(self.grades))}")
        if self.kinds:
            parts.append(f"kind {', '.join(label_zh(k) for k in CustomerKind if k in self.kinds)}")
        if self.statuses:
            statuses = (label_zh(s) for s in CustomerStatus if s in self.statuses)
            parts.append(f"status {', '.join(statuses)}")
        if self.region:
            parts.append(f"region {self.region}")
        if self.owner:
            parts.append(f"owner {self.owner}")
        if self.stale:
            parts.append("stale files")
        return [f"{part} only" for part in parts]


class FiltersScreen(ModalScreen[ListFilters | None]):
    """Every filter in one dialog: Tab moves, Space ticks, ctrl+s applies, Esc cancels."""

    DEFAULT_CSS = """
    FiltersScreen {
        align: center middle;
    }

    FiltersScreen .filters-dialog {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }

    FiltersScreen .filters-title {
        width: 100%;
        padding: 0 1;
        text-style: bold;
        background: $primary 25%;
    }

    FiltersScreen .filters-row {
        height: auto;
        margin-top: 1;
    }

    FiltersScreen .filters-column {
        width: 1fr;
        height: auto;
    }

    FiltersScreen Label {
        color: $text-muted;
        padding-left: 1;
    }

    FiltersScreen SelectionList {
        height: auto;
        max-height: 7;
        margin-right: 2;
        background: $boost;
    }

    FiltersScreen Select {
        margin-right: 2;
    }

    FiltersScreen Checkbox {
        margin-top: 1;
    }

    FiltersScreen .filters-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;

        Button {
            margin-left: 1;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", priority=True, id="filters.apply"),
        Binding("ctrl+x", "clear", "Clear all", priority=True, id="filters.clear"),
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
    ]

    def __init__(self, current: ListFilters, choices: FilterChoices, stale_after_days: int) -> None:
        super().__init__()
        self.current = current
        self.choices = choices
        self.stale_after_days = stale_after_days

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical(classes="filters-dialog"):
            yield Static("Filter customers 筛选客户", classes="filters-title", markup=False)
            with Horizontal(classes="filters-row"):
                with Vertical(classes="filters-column"):
                    yield Label("Grade")
                    yield SelectionList[str](
                        *((g.value, g.value, g in current.grades) for g in Grade),
                        id="grades",
                        compact=True,
                    )
                with Vertical(classes="filters-column"):
                    yield Label("Kind")
                    yield SelectionList[str](
                        *((label_zh(k), k.value, k in current.kinds) for k in CustomerKind),
                        id="kinds",
                        compact=True,
                    )
                with Vertical(classes="filters-column"):
                    yield Label("Status")
                    yield SelectionList[str](
                        *((label_zh(s), s.value, s in current.statuses) for s in CustomerStatus),
                        id="statuses",
                        compact=True,
                    )
            with Horizontal(classes="filters-row"):
                with Vertical(classes="filters-column"):
                    yield Label("Region")
                    yield _choice("region", self.choices.regions, current.region, "Any region")
                with Vertical(classes="filters-column"):
                    yield Label("Owner")
                    yield _choice("owner", self.choices.owners, current.owner, "Any owner")
            yield Checkbox(
                f"Stale files only: not verified in {self.stale_after_days} days",
                current.stale,
                id="stale",
                compact=True,
            )
            with Horizontal(classes="filters-buttons"):
                yield Button("Apply  ctrl+s", id="apply", variant="primary", compact=True)
                yield Button("Clear all  ctrl+x", id="clear", compact=True)
                yield Button("Cancel  esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#grades").focus()

    def chosen(self) -> ListFilters:
        def selected(list_id: str) -> list[str]:
            return list(self.query_one(f"#{list_id}", SelectionList).selected)

        def value(select_id: str) -> str | None:
            picked = self.query_one(f"#{select_id}", Select).value
            return picked if isinstance(picked, str) else None

        return ListFilters(
            grades=frozenset(Grade(v) for v in selected("grades")),
            kinds=frozenset(CustomerKind(v) for v in selected("kinds")),
            statuses=frozenset(CustomerStatus(v) for v in selected("statuses")),
            region=value("region"),
            owner=value("owner"),
            stale=self.query_one("#stale", Checkbox).value,
        )

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def action_clear(self) -> None:
        self.dismiss(ListFilters())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {"apply": self.action_apply, "clear": self.action_clear}
        actions.get(event.button.id or "", self.action_cancel)()


def _choice(select_id: str, values: list[str], current: str | None, prompt: str) -> Select[str]:
    options = list(values)
    if current and current not in options:  # chosen before, since gone from every customer
        options.append(current)
    return Select[str](
        ((value, value) for value in options),
        prompt=prompt,
        value=current if current else Select.NULL,
        id=select_id,
        compact=True,
    )
