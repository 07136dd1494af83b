"""The clientdesk terminal app: one mode per main screen, one key per mode.

`make_app` is what the CLI runs and what the tests drive, so tests run what users run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import HelpPanel

from clientdesk.config import Settings
from clientdesk.storage.database import Database
from clientdesk.tui.commands import CustomerCommands
from clientdesk.tui.screens.customers import CustomersScreen

FALLBACK_THEME = "textual-dark"


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # no tz database on this machine: show UTC dates
        return UTC


class ClientdeskApp(App[None]):
    """Keyboard-first client management over one open database."""

    TITLE = "clientdesk"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {CustomerCommands}
    DEFAULT_MODE = "customers"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit_anywhere"),
        Binding("question_mark,f1", "toggle_keys", "Keys", id="app.keys"),
        Binding("ctrl+p", "command_palette", "Commands", priority=True, id="app.command_palette"),
        # One key per main screen; later screens add theirs here and a mode in __init__.
        Binding("c", "switch_mode('customers')", "Customers", id="app.customers"),
    ]

    def __init__(
        self, settings: Settings, database: Database, *, now: datetime | None = None
    ) -> None:
        super().__init__()
        self.settings = settings
        self.database = database
        self.zone = _zone(settings.general.timezone)
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=self.zone)
        self._fixed_now = now
        self.sub_title = database.label
        self.add_mode("customers", self._customers_screen)

    def now(self) -> datetime:
        """The time, or the fixed time given to make_app (tests, snapshots)."""
        return self._fixed_now or datetime.now(UTC)

    def today(self) -> date:
        """Today's date where the user works (settings: general.timezone)."""
        return self.now().astimezone(self.zone).date()

    def _customers_screen(self) -> CustomersScreen:
        return CustomersScreen(self.database, zone=self.zone, today=self.today)

    def on_mount(self) -> None:
        wanted = self.settings.ui.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.theme = FALLBACK_THEME
            self.notify(
                f"Unknown theme {wanted!r}; using {FALLBACK_THEME}. "
                "Pick another with ctrl+p, then Theme.",
                severity="warning",
            )

    def action_toggle_keys(self) -> None:
        """Show the keys of the current screen, or hide them if shown."""
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def make_app(
    settings: Settings, database: Database, *, now: datetime | None = None
) -> ClientdeskApp:
    """The app over an open database; `now` fixes the clock (tests and snapshots)."""
    return ClientdeskApp(settings, database, now=now)
