"""Command palette (ctrl+p) entries, titled "area: action" so typing an area lists its commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from clientdesk.domain.enums import Grade
from clientdesk.tui.screens.customers import CustomersScreen
from clientdesk.tui.widgets.customer_table import COLUMNS


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], Any]


def customer_commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    """Customers commands: open the list from elsewhere, or act on it while it is shown."""
    if not isinstance(screen, CustomersScreen):
        go = partial(app.switch_mode, "customers")
        return [Command("Customers: open", "Show the customer list (key c)", go)]
    table = screen.table
    commands = [
        Command("Customers: refresh", "Read the list again from the database", screen.reload),
        Command("Customers: first customer", "Go to the top of the list", table.action_first),
        Command("Customers: last customer", "Go to the end of the list", table.action_last),
        Command("Customers: reverse sort", "Flip the sort order (key r)", screen.reverse_sort),
    ]
    commands += [
        Command(
            f"Customers: sort by {spec.phrase}",
            f"Sort the list by {spec.phrase}, ascending",
            partial(screen.sort_by, spec.key),
        )
        for spec in COLUMNS
        if spec.sortable
    ]
    commands += [
        Command(
            f"Customers: filter grade {grade}",
            f"Show or hide grade {grade} customers (key {number})",
            partial(screen.toggle_grade, grade),
        )
        for number, grade in enumerate(Grade, start=1)
    ]
    commands.append(
        Command("Customers: all grades", "Remove the grade filter (key 0)", screen.all_grades)
    )
    return commands


class CustomerCommands(Provider):
    """Commands of the Customers area."""

    def _commands(self) -> list[Command]:
        return customer_commands(self.app, self.screen)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
