"""The customer file's Contracts tab (合同): the customer's contracts with status, value,
dates and risk; Enter opens one, n drafts a new one for this customer."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from clientdesk.domain.contract import Contract
from clientdesk.domain.contract_list import (
    ContractFilter,
    ContractRow,
    contracts_at_risk,
    count_contracts,
    page_contracts,
)
from clientdesk.domain.enums import ContractStatus, RiskLevel
from clientdesk.errors import ClientdeskError
from clientdesk.tui.context import AppContext
from clientdesk.tui.file_tabs import FileTab
from clientdesk.tui.formatting import choice
from clientdesk.tui.registry import Command
from clientdesk.tui.screens.contract_detail import ContractDetailScreen
from clientdesk.tui.screens.contract_form import ContractFormScreen
from clientdesk.tui.widgets.contract_cells import (
    DAYS,
    END,
    LATE,
    NUMBER,
    RISK,
    START,
    STATUS,
    TITLE,
    VALUE,
    RowStyles,
    cells,
    flexible_widths,
)

TAB_COLUMNS = (NUMBER, TITLE, STATUS, VALUE, START, END, DAYS, RISK, LATE)
TAB_LIMIT = 500
"""Most contracts the tab reads (newest first): a group's head office may hold many."""
HINT = "⏎ open contract  ·  n new contract"


class TabContractsLoaded(Message):
    def __init__(
        self, rows: list[ContractRow], total: int, notes: dict[int, str], error: str = ""
    ) -> None:
        super().__init__()
        self.rows = rows
        self.total = total
        self.notes = notes
        self.error = error


class CustomerContractTable(DataTable[Text]):
    DEFAULT_CSS = """
    CustomerContractTable {
        height: 1fr;
        background: $surface;
        border: round $primary 40%;
        scrollbar-size-vertical: 1;

        &:focus { border: round $accent; }

        & > .datatable--header {
            background: $panel;
            color: $primary;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open contract", show=False, id="file.contracts.open"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.contract_rows: list[ContractRow] = []

    @property
    def current(self) -> ContractRow | None:
        rows = self.contract_rows
        if not rows or not 0 <= self.cursor_row < len(rows):
            return None
        return rows[self.cursor_row]

    def show(self, rows: list[ContractRow], *, home_currency: str) -> None:
        self.contract_rows = rows
        widths = flexible_widths(TAB_COLUMNS, self.size.width or 116, self.cell_padding, {})
        cursor = self.cursor_row
        self.clear(columns=True)
        for column in TAB_COLUMNS:
            self.add_column(column.label, width=widths[column.key], key=column.key)
        styles = RowStyles.of(self.app.current_theme)
        for row in rows:
            self.add_row(
                *cells(row, TAB_COLUMNS, widths, styles=styles, home_currency=home_currency),
                key=str(row.id),
            )
        if rows:
            self.move_cursor(row=min(cursor, len(rows) - 1))


class ContractsNone(Static, can_focus=True):
    """Stands in for the table when the customer has no contracts; keeps the tab's keys."""


class ContractsTab(FileTab):
    TAB_ID = "contracts"
    TITLE = "Contracts"
    SHORT_TITLE = "Contr."
    ORDER = 60

    DEFAULT_CSS = """
    ContractsTab .contracts-empty {
        height: 1fr;
        content-align: center middle;
        text-align: center;
        color: $text-muted;
        border: round $primary 40%;
        background: $surface;
    }

    ContractsTab .status-line { margin: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_contract", "New contract", id="file.contracts.new"),
    ]

    def __init__(self, ctx: AppContext, customer_id: int) -> None:
        super().__init__(ctx, customer_id)
        self.total = 0
        self.notes: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield CustomerContractTable(id="customer-contracts")
        yield ContractsNone("", id="contracts-empty", classes="contracts-empty", markup=False)
        yield Static(HINT, id="contracts-status", classes="status-line", markup=False)

    def on_mount(self) -> None:
        self.query_one("#contracts-empty").display = False

    @property
    def table(self) -> CustomerContractTable:
        return self.query_one(CustomerContractTable)

    def focus_first(self) -> None:
        empty = self.query_one(ContractsNone)
        (empty if empty.display else self.table).focus()

    # Reading.

    def reload(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="file-contracts")
    def _read(self) -> None:
        worker = get_current_worker()
        customer_id, today = self.customer_id, self.ctx.today()
        filters = ContractFilter(customer_ids=(customer_id,))

        def job(session: Session) -> TabContractsLoaded:
            total = count_contracts(session=session, today=today, filters=filters)
            rows = page_contracts(session=session, today=today, filters=filters, limit=TAB_LIMIT)
            risky = contracts_at_risk(
                session=session,
                customer_ids=(customer_id,),
                min_level=RiskLevel.LOW,
                statuses=tuple(ContractStatus),
            )
            notes = {r.id: r.risk_notes for r in risky if r.risk_notes}
            return TabContractsLoaded(rows, total, notes)

        try:
            loaded = self.ctx.read(job)
        except ClientdeskError as exc:
            loaded = TabContractsLoaded([], 0, {}, str(exc))
        if not worker.is_cancelled:
            self.post_message(loaded)

    @on(TabContractsLoaded)
    def _loaded(self, message: TabContractsLoaded) -> None:
        message.stop()
        if message.error:
            self.notify(message.error, title="Could not load the contracts", severity="error")
            return
        self.total, self.notes = message.total, message.notes
        table = self.table
        table.show(message.rows, home_currency=self.ctx.settings.general.currency)
        empty = self.query_one(ContractsNone)
        empty.update("No contracts yet. Press n to draft one.")
        if table.has_focus and not message.rows:
            empty.focus()
        elif empty.has_focus and message.rows:
            table.focus()
        empty.display = not message.rows
        table.display = bool(message.rows)
        self.counted(message.total)
        self._show_status()

    @on(DataTable.RowHighlighted, "#customer-contracts")
    def _highlighted(self) -> None:
        self._show_status()

    def _show_status(self) -> None:
        row = self.table.current
        parts: list[str | Text] = []
        if self.total > len(self.table.contract_rows):
            parts.append(f"the {len(self.table.contract_rows):,} latest of {self.total:,}")
        live = sum(1 for r in self.table.contract_rows if r.status == ContractStatus.ACTIVE)
        if self.total:
            parts.append(f"{live} active")
        if row is not None and row.risk_level is not None:
            note = self.notes.get(row.id, "")
            parts.append(f"{row.number} risk {choice(row.risk_level)}{': ' + note if note else ''}")
        parts.append(HINT)
        self.query_one("#contracts-status", Static).update("  ·  ".join(map(str, parts)))

    # Acting.

    @on(DataTable.RowSelected, "#customer-contracts")
    def _selected(self) -> None:
        self.open_current()

    def open_current(self) -> None:
        row = self.table.current
        if row is not None:
            self.app.push_screen(ContractDetailScreen(self.ctx, row.id), self._detail_closed)

    def _detail_closed(self, changed: bool | None) -> None:
        if changed:
            self.changed()

    def action_new_contract(self) -> None:
        self.new_contract()

    def new_contract(self) -> None:
        if self.file is None:
            return
        customer = self.file.customer
        assert customer.id is not None
        chosen = (customer.id, customer.code, customer.name)
        self.app.push_screen(ContractFormScreen(self.ctx, customer=chosen), self._created)

    def _created(self, contract: Any) -> None:
        if isinstance(contract, Contract) and contract.id is not None:
            self.changed()
            self.app.push_screen(ContractDetailScreen(self.ctx, contract.id), self._detail_closed)

    def commands(self) -> list[Command]:
        return [
            Command(
                "Customer: new contract",
                "Draft a contract for this customer (key n in the Contracts tab)",
                self.new_contract,
            ),
            Command(
                "Customer: open contract",
                "Open the contract highlighted in the Contracts tab (enter)",
                self.open_current,
            ),
        ]


TAB = ContractsTab
