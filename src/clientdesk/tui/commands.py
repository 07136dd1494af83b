"""Command palette (ctrl+p) entries, titled "area: action" so typing an area lists its commands."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from clientdesk.domain.enums import CustomerKind, CustomerStatus, Grade, label_zh
from clientdesk.domain.timeline import SOURCE_LABELS
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.registry import Command, modes
from clientdesk.tui.screens.customer_file import TAB_TITLES, TABS, CustomerFileScreen
from clientdesk.tui.screens.customers import CustomersScreen
from clientdesk.tui.widgets.customer_table import COLUMNS


def customer_commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    """Customers commands: open the list from elsewhere, or act on it while it is shown."""
    new = Command(
        "Customers: new customer",
        "Open the form for a new customer file (key n on the list)",
        partial(app.post_message, OpenCustomer(None)),
    )
    if not isinstance(screen, CustomersScreen):
        go = partial(app.switch_mode, "customers")
        return [Command("Customers: open", "Show the customer list (key c)", go), new]
    table = screen.table
    commands = [
        new,
        Command(
            "Customers: open file",
            "Open the highlighted customer's file (enter)",
            partial(_open_highlighted, screen),
        ),
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
    commands += search_and_filter_commands(screen)
    return commands


def search_and_filter_commands(screen: CustomersScreen) -> list[Command]:
    """Search and the filters beyond grades: kind, status, stale files, the dialog."""
    commands = [
        Command(
            "Customers: search",
            "Type a code, name, pinyin, contact, phone or e-mail (key /)",
            screen.focus_search,
        ),
        Command(
            "Customers: clear search", "Show every customer again (escape)", screen.clear_search
        ),
        Command(
            "Customers: filters",
            "Filter by grade, kind, status, region, owner and stale files (key f)",
            screen.open_filters,
        ),
        Command("Customers: clear filters", "Remove every filter (key x)", screen.clear_filters),
        Command(
            "Customers: filter stale files",
            "Show or hide only the files not verified within files.stale_after_days",
            screen.toggle_stale,
        ),
    ]
    commands += [
        Command(
            f"Customers: filter kind {label_zh(kind)} {kind.value}",
            f"Show or hide {label_zh(kind)} ({kind.value}) customers",
            partial(screen.toggle_kind, kind),
        )
        for kind in CustomerKind
    ]
    commands += [
        Command(
            f"Customers: filter status {label_zh(status)} {status.value}",
            f"Show or hide {label_zh(status)} ({status.value}) customers",
            partial(screen.toggle_status, status),
        )
        for status in CustomerStatus
    ]
    return commands


def _open_highlighted(screen: CustomersScreen) -> None:
    row = screen.table.current
    if row is not None:
        screen.post_message(OpenCustomer(row.id))


def file_commands(screen: Screen[Any]) -> list[Command]:
    """Customer commands: the actions of the customer file on screen."""
    if not isinstance(screen, CustomerFileScreen):
        return []
    act = screen.run_action
    commands = [
        Command("Customer: edit", "Edit the file's fields (key e)", partial(act, "edit")),
        Command(
            "Customer: log interaction",
            "Log a call, meeting, e-mail, seminar or dinner (key i)",
            partial(act, "log_interaction"),
        ),
        Command(
            "Customer: log transaction",
            "Log a sale, purchase, payment or refund (key t)",
            partial(act, "log_transaction"),
        ),
        Command(
            "Customer: add contact", "Add a contact person (key a)", partial(act, "add_contact")
        ),
        Command(
            "Customer: mark verified",
            "The file was checked with the customer; restart the stale clock (key v)",
            partial(act, "mark_verified"),
        ),
        Command(
            "Customer: change owner and region",
            "Reassign the customer to a salesperson or region (key o)",
            partial(act, "reassign"),
        ),
        Command("Customer: archive", "Set the status to lost (key x)", partial(act, "archive")),
        Command(
            "Customer: delete", "Delete the file, after confirming (key D)", partial(act, "delete")
        ),
        Command("Customer: back to the list", "Close the file (escape)", partial(act, "back")),
        Command("Customer: refresh", "Read the file again (ctrl+r)", partial(act, "reload")),
        Command(
            "Customer: timeline, everything",
            "Show every kind of record on the timeline",
            partial(screen.show_only, None),
        ),
    ]
    commands += [
        Command(
            f"Customer: show {tab}",
            f"The {TAB_TITLES[tab].split(' ', 1)[1]} tab (key {n})",
            partial(act, f"tab('{tab}')"),
        )
        for n, tab in enumerate(TABS[:9], start=1)
    ]
    for tab in screen.extra_tabs():
        commands += tab.commands()
    commands += [
        Command(
            f"Customer: timeline, only {label}",
            f"Show only {label} on the timeline (key k cycles)",
            partial(screen.show_only, source),
        )
        for source, label in SOURCE_LABELS.items()
    ]
    return commands


class _Commands(Provider):
    def _commands(self) -> list[Command]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)


class CustomerFileCommands(_Commands):
    """Commands of the customer file on screen."""

    def _commands(self) -> list[Command]:
        return file_commands(self.screen)


class CustomerCommands(_Commands):
    """Commands of the Customers area."""

    def _commands(self) -> list[Command]:
        return customer_commands(self.app, self.screen)


class AreaCommands(_Commands):
    """Commands of the other main screens: each mode's own, plus "Area: open" for each."""

    def _commands(self) -> list[Command]:
        commands = []
        for mode in modes():
            if mode.name == "customers":
                continue  # CustomerCommands has them
            if mode.commands is not None:
                commands += mode.commands(self.app, self.screen)
            commands.append(
                Command(
                    f"{mode.title}: open",
                    f"Show the {mode.title} screen (key {mode.key})",
                    partial(self.app.switch_mode, mode.name),
                )
            )
        return commands
