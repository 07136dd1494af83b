"""Palette commands of the Contracts area: "Contracts: ..." for the list (and from anywhere),
"Contract: ..." for the contract on screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from textual.app import App
from textual.screen import Screen

from clientdesk.domain.contract import Contract
from clientdesk.domain.enums import label_zh
from clientdesk.tui.context import AppContext
from clientdesk.tui.registry import Command
from clientdesk.tui.screens.contract_detail import ContractDetailScreen
from clientdesk.tui.screens.contract_form import ContractFormScreen
from clientdesk.tui.screens.contracts import ContractsScreen
from clientdesk.tui.widgets.contract_cells import NEAR_EXPIRY_DAYS, SORT_WORDS, STATUS_ORDER
from clientdesk.tui.widgets.contract_panels import ACTION_KEYS, ACTION_WORDS


def contract_commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    if isinstance(screen, ContractDetailScreen):
        return detail_commands(screen)
    if isinstance(screen, ContractsScreen):
        return list_commands(screen)
    return [
        Command(
            "Contracts: new contract",
            "Draft a contract for a customer you pick (key n on the Contracts screen)",
            partial(new_contract, app),
        ),
        Command(
            f"Contracts: ending within {NEAR_EXPIRY_DAYS} days",
            "Signed and active contracts that need renewal attention, soonest first",
            partial(_on_list, app, lambda s: s.toggle_expiring()),
        ),
        Command(
            "Contracts: overdue deliveries",
            "Contracts with a delivery milestone past its due date",
            partial(_on_list, app, lambda s: s.toggle_overdue()),
        ),
    ]


def new_contract(app: App[Any]) -> None:
    """The new-contract form over any screen; the contract opens once saved."""
    ctx = cast(AppContext, app.context)  # type: ignore[attr-defined]

    def created(contract: Any) -> None:
        if isinstance(contract, Contract) and contract.id is not None:
            app.push_screen(ContractDetailScreen(ctx, contract.id))

    app.push_screen(ContractFormScreen(ctx), created)


async def _on_list(app: App[Any], do: Callable[[ContractsScreen], None]) -> None:
    await app.switch_mode("contracts")
    if isinstance(app.screen, ContractsScreen):
        do(app.screen)


def list_commands(screen: ContractsScreen) -> list[Command]:
    table = screen.table
    commands = [
        Command("Contracts: new contract", "Draft a contract (key n)", screen.new_contract),
        Command(
            "Contracts: open contract",
            "Open the highlighted contract (enter)",
            screen.open_current,
        ),
        Command(
            "Contracts: search",
            "Type a contract number, or a customer's code, name or pinyin (key /)",
            screen.focus_search,
        ),
        Command("Contracts: clear search", "Show every contract (escape)", screen.clear_search),
        Command(
            "Contracts: filters",
            "Filter by status, risk, end date and overdue deliveries (key f)",
            screen.open_filters,
        ),
        Command("Contracts: clear filters", "Remove every filter (key x)", screen.clear_filters),
        Command(
            f"Contracts: ending within {NEAR_EXPIRY_DAYS} days",
            f"Only signed and active contracts ending within {NEAR_EXPIRY_DAYS} days (key e)",
            screen.toggle_expiring,
        ),
        Command(
            "Contracts: overdue deliveries",
            "Only contracts with a delivery past its due date (key o)",
            screen.toggle_overdue,
        ),
        Command("Contracts: all statuses", "Remove the status filter (key 0)", screen.all_statuses),
        Command("Contracts: reverse sort", "Flip the sort order (key r)", screen.reverse_sort),
        Command("Contracts: refresh", "Read the list again (ctrl+r)", screen.reload),
        Command(
            "Contracts: bring statuses up to date",
            "Signed contracts whose start date came become active; ended ones expire",
            screen.sweep_now,
        ),
        Command("Contracts: first contract", "Go to the top of the list", table.action_first),
        Command("Contracts: last contract", "Go to the end of the list", table.action_last),
    ]
    commands += [
        Command(
            f"Contracts: filter status {label_zh(status)} {status.value}",
            f"Show or hide {status.value} contracts (key {n})",
            partial(screen.toggle_status, status),
        )
        for n, status in enumerate(STATUS_ORDER, start=1)
    ]
    commands += [
        Command(
            f"Contracts: sort by {words}",
            f"Sort the list by {words}",
            partial(screen.sort_by, key, key in ("start", "end", "value", "risk")),
        )
        for key, words in SORT_WORDS.items()
    ]
    return commands


def detail_commands(screen: ContractDetailScreen) -> list[Command]:
    detail = screen.detail
    if detail is None:
        return []
    number = detail.contract.number
    commands = [
        Command(
            f"Contract: {ACTION_WORDS[action]}",
            f"{number} (key {ACTION_KEYS[action][1]})",
            partial(screen.run_step, action),
        )
        for action in detail.allowed
    ]
    commands += [
        Command("Contract: history", "Everything recorded on this contract (key h)",
                screen.action_history),
        Command("Contract: customer file",
                f"Open the file of {detail.customer_code} {detail.customer_name} (key g)",
                screen.action_customer_file),
        Command("Contract: back", "Close the contract (escape)", screen.action_back),
        Command("Contract: refresh", "Read the contract again (ctrl+r)", screen.reload),
    ]  # fmt: skip
    if detail.renewal_of is not None:
        commands.append(
            Command(
                f"Contract: open {detail.renewal_of.number} (renewed from)",
                "The contract this one renews (key [)",
                partial(screen.action_chain, -1),
            )
        )
    if detail.renewed_by is not None:
        commands.append(
            Command(
                f"Contract: open {detail.renewed_by.number} (its renewal)",
                "The contract that renews this one (key ])",
                partial(screen.action_chain, 1),
            )
        )
    return commands
