"""One contract (合同): its current terms, status and what can be done next, the amendments
(补充协议) in order, the delivery milestones (交货节点), the renewal chain and the risk.

Each action has a key, shown in the footer only while the state machine allows it
(contract_states.allowed_actions); a key pressed for an action not allowed now says why,
in the domain's words, naming the actions that are. Reads and writes run in workers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.contract import Contract
from clientdesk.domain.contract_detail import ContractDetail, contract_detail
from clientdesk.domain.contract_states import Action, check
from clientdesk.errors import ClientdeskError, NotFoundError
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.screens.contract_delivery import DeliverScreen, MilestoneScreen, RiskScreen
from clientdesk.tui.screens.contract_form import ContractFormScreen
from clientdesk.tui.screens.contract_history import ContractHistoryScreen
from clientdesk.tui.screens.contract_steps import (
    AmendScreen,
    CompleteScreen,
    RenewScreen,
    SignScreen,
    TerminateScreen,
)
from clientdesk.tui.widgets.contract_cells import RowStyles
from clientdesk.tui.widgets.contract_panels import (
    ACTION_KEYS,
    AmendmentTable,
    ContractSummary,
    MilestoneTable,
)

HINT = "⏎ on a milestone records its delivery  ·  h history  ·  g customer file  ·  [ ] renewals"


class DetailLoaded(Message):
    def __init__(self, detail: ContractDetail) -> None:
        super().__init__()
        self.detail = detail


class DetailLoadFailed(Message):
    def __init__(self, error: str, *, missing: bool) -> None:
        super().__init__()
        self.error = error
        self.missing = missing


def _action_bindings() -> list[BindingType]:
    bindings: list[BindingType] = []
    for action, (key, _shown, label) in ACTION_KEYS.items():
        bindings.append(Binding(key, f"act('{action.value}')", label, id=f"contract.{action}"))
        # Reached only when the action above is not allowed now: says why, hidden from the
        # footer (the keys panel lists it).
        bindings.append(
            Binding(
                key,
                f"refuse('{action.value}')",
                f"{label} (not now)",
                show=False,
                id=f"contract.{action}_refused",
            )
        )
    return bindings


class ContractDetailScreen(Screen[bool]):
    """One contract; dismissed with True when anything about it changed."""

    DEFAULT_CSS = """
    ContractDetailScreen #contract-hint { margin: 0 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="contract.back"),
        *_action_bindings(),
        Binding("h", "history", "History", show=False, id="contract.history"),
        Binding("g", "customer_file", "Customer file", show=False, id="contract.customer"),
        Binding("left_square_bracket", "chain(-1)", "Renewed from", show=False,
                id="contract.previous"),
        Binding("right_square_bracket", "chain(1)", "Renewed by", show=False, id="contract.next"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="contract.refresh"),
        Binding("q", "app.quit", "Quit", show=False, id="contract.quit"),
    ]  # fmt: skip

    AUTO_FOCUS = "#milestones"

    def __init__(self, ctx: AppContext, contract_id: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.contract_id = contract_id
        self.detail: ContractDetail | None = None
        self.changed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield ContractSummary(id="contract-summary")
        yield AmendmentTable(id="amendments")
        yield MilestoneTable(id="milestones")
        yield Static(HINT, id="contract-hint", classes="status-line", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    # Reading.

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="contract-detail")
    def _load(self) -> None:
        worker = get_current_worker()
        contract_id, today = self.contract_id, self.ctx.today()
        try:
            detail = self.ctx.read(lambda s: contract_detail(contract_id, session=s, today=today))
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                missing = isinstance(exc, NotFoundError)
                self.post_message(DetailLoadFailed(str(exc), missing=missing))
            return
        if not worker.is_cancelled:
            self.post_message(DetailLoaded(detail))

    @on(DetailLoaded)
    def _loaded(self, message: DetailLoaded) -> None:
        self.detail = detail = message.detail
        styles = RowStyles.of(self.app.current_theme)
        self.query_one(ContractSummary).show(detail, today=self.ctx.today(), styles=styles)
        self.query_one(AmendmentTable).show(detail)
        self.query_one(MilestoneTable).show(detail, styles)
        self.sub_title = f"{detail.contract.number} · {detail.customer_name}"
        self.refresh_bindings()

    @on(DetailLoadFailed)
    def _load_failed(self, message: DetailLoadFailed) -> None:
        if message.missing:
            self.notify(message.error, title="Contract not found", severity="warning")
            self.dismiss(True)
            return
        self.notify(message.error, title="Could not load the contract", severity="error")

    # The keys: what the state machine allows is shown and runs; the rest says why not.

    def allowed(self, action: Action) -> bool:
        return self.detail is not None and action in self.detail.allowed

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("act", "refuse"):
            if self.detail is None:
                return False
            allowed = self.allowed(Action(str(parameters[0])))
            return allowed if action == "act" else not allowed
        if action == "chain":
            return self.detail is not None and self._link(int(str(parameters[0]))) is not None
        return True

    def action_act(self, name: str) -> None:
        self.run_step(Action(name))

    def action_refuse(self, name: str) -> None:
        self.refuse(Action(name))

    def refuse(self, action: Action) -> None:
        """Say why `action` cannot be done now, in the domain's words."""
        if self.detail is None:
            return
        k = self.detail.contract
        try:
            check(k.status, action, number=k.number)
        except ClientdeskError as exc:
            self.notify(str(exc), title="Not allowed now", severity="warning", timeout=8)

    def run_step(self, action: Action, milestone_id: int | None = None) -> None:
        """Open the form of `action` on this contract (refused if not allowed now)."""
        detail = self.detail
        if detail is None:
            return
        if not self.allowed(action):
            self.refuse(action)
            return
        k = detail.contract
        if action is Action.SIGN and k.start_on is None:
            self.notify(
                f"{k.number} has no start date: it becomes active on that date. "
                "Press e to set it, then sign.",
                title="Not signed",
                severity="warning",
            )
            return
        screens: dict[Action, Any] = {
            Action.SIGN: lambda: SignScreen(self.ctx, detail),
            Action.AMEND: lambda: AmendScreen(self.ctx, detail),
            Action.RENEW: lambda: RenewScreen(self.ctx, detail),
            Action.TERMINATE: lambda: TerminateScreen(self.ctx, detail),
            Action.COMPLETE: lambda: CompleteScreen(self.ctx, detail),
            Action.MILESTONE: lambda: MilestoneScreen(self.ctx, detail),
            Action.DELIVER: lambda: DeliverScreen(self.ctx, detail, milestone_id),
            Action.RISK: lambda: RiskScreen(self.ctx, detail),
            Action.EDIT: lambda: ContractFormScreen(
                self.ctx,
                contract=k,
                customer_label=f"{detail.customer_code} {detail.customer_name}",
            ),
        }
        self.app.push_screen(screens[action](), self._after_step)

    def _after_step(self, result: Any) -> None:
        if result is None:
            return
        self.changed = True
        self.reload()
        if isinstance(result, Contract) and result.id not in (None, self.contract_id):
            self.open_contract(result.id)  # a renewal: the new draft, to be signed

    @on(DataTable.RowSelected, "#milestones")
    def _milestone_selected(self) -> None:
        milestone = self.query_one(MilestoneTable).current
        if milestone is None:
            return
        if milestone.delivered_on is not None:
            self.notify(f"“{milestone.what}” was delivered on {milestone.delivered_on}.")
            return
        self.run_step(Action.DELIVER, milestone.id)

    # Elsewhere: the history, the customer's file, the renewal chain.

    def action_history(self) -> None:
        if self.detail is not None:
            self.app.push_screen(ContractHistoryScreen(self.detail))

    def action_customer_file(self) -> None:
        if self.detail is None:
            return
        customer_id = self.detail.contract.customer_id
        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        if getattr(below, "customer_id", None) == customer_id:
            self.action_back()  # opened from that file: go back to it
        else:
            self.post_message(OpenCustomer(customer_id))

    def _link(self, step: int) -> int | None:
        detail = self.detail
        if detail is None:
            return None
        link = detail.renewal_of if step < 0 else detail.renewed_by
        return link.id if link is not None else None

    def action_chain(self, step: int) -> None:
        target = self._link(step)
        if target is not None:
            self.open_contract(target)

    def open_contract(self, contract_id: int) -> None:
        self.app.push_screen(ContractDetailScreen(self.ctx, contract_id), self._other_closed)

    def _other_closed(self, changed: bool | None) -> None:
        if changed:
            self.changed = True
            self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(self.changed)
