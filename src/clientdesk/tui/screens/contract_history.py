"""A contract's whole recorded history (签订, 生效, 变更, 续签, 解除, ...), oldest first."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from clientdesk.domain.contract_detail import ContractDetail
from clientdesk.domain.enums import ContractEventKind
from clientdesk.tui.formatting import choice
from clientdesk.tui.widgets.contract_panels import signed_change


def event_text(kind: ContractEventKind, description: str, due: str, delivered: str) -> str:
    if kind != ContractEventKind.MILESTONE:
        return description
    state = f"delivered {delivered}" if delivered else f"due {due}"
    return f"{description} ({state})"


class ContractHistoryScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ContractHistoryScreen .history-dialog {
        width: 110;
        max-width: 100%;
        height: auto;
        max-height: 90%;
    }

    ContractHistoryScreen DataTable {
        height: auto;
        max-height: 24;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,h,q", "dismiss", "Close", id="contract_history.close"),
    ]

    def __init__(self, detail: ContractDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        k = self.detail.contract
        with Vertical(classes="dialog history-dialog"):
            yield Static(
                f"History 合同记录 · {k.number} {k.title}", classes="dialog-title", markup=False
            )
            yield DataTable(cursor_type="row", zebra_stripes=True, id="history")
            yield Static("esc closes", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Date", width=10)
        table.add_column("Event", width=18)
        table.add_column("Change", width=14)
        table.add_column("What", width=56)
        for event in self.detail.history:
            change = event.value_change_cents
            table.add_row(
                Text(event.occurred_on.isoformat()),
                Text(choice(event.kind)),
                Text(signed_change(change).rjust(14) if change else ""),
                Text(
                    event_text(
                        event.kind,
                        event.description,
                        str(event.due_on or ""),
                        str(event.delivered_on or ""),
                    ),
                    no_wrap=True,
                    overflow="ellipsis",
                ),
            )
        table.focus()
