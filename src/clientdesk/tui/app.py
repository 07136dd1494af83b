"""The clientdesk terminal app: one mode per main screen, one key per mode.

`make_app` is what the CLI runs and what the tests drive, so tests run what users run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import HelpPanel

from clientdesk.config import Settings, save_setting
from clientdesk.errors import ClientdeskError
from clientdesk.storage.database import Database
from clientdesk.tui.commands import AreaCommands, CustomerCommands, CustomerFileCommands
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import CustomersChanged, OpenCustomer
from clientdesk.tui.registry import Housekeeping, modes
from clientdesk.tui.screens.customer_file import CustomerFileScreen
from clientdesk.tui.screens.customer_form import CustomerFormScreen, CustomerSaved, OpenExisting
from clientdesk.tui.screens.customers import CustomersScreen

FALLBACK_THEME = "textual-dark"
THEME_SAVE_DELAY = 1.0  # seconds a theme must stay chosen before it is written to settings


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # no tz database on this machine: show UTC dates
        return UTC


class ClientdeskApp(App[None]):
    """Keyboard-first client management over one open database."""

    TITLE = "clientdesk"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {CustomerCommands, CustomerFileCommands, AreaCommands}
    DEFAULT_MODE = "customers"
    # Screens get -narrow below 110 columns, so dialogs and panels can stack instead.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit_anywhere"),
        Binding("question_mark,f1", "toggle_keys", "Keys", id="app.keys"),
        # The footer shows this key on its right already.
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,
            priority=True,
            id="app.command_palette",
        ),
        # One key per main screen: each module in tui/screens with a MODE (see registry.py).
        *(
            # Not in the footer: the mode bar under the header shows them.
            Binding(
                mode.key,
                f"switch_mode('{mode.name}')",
                mode.title,
                show=False,
                id=f"app.{mode.name}",
            )
            for mode in modes()
        ),
    ]

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        now: datetime | None = None,
        settings_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.database = database
        self.settings_path = settings_path
        self.zone = _zone(settings.general.timezone)
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=self.zone)
        self._fixed_now = now
        self._saved_theme = settings.ui.theme
        self._theme_timer: Timer | None = None
        self.context = AppContext(
            database=database, settings=settings, zone=self.zone, now=self.now, today=self.today
        )
        self.sub_title = database.label
        for mode in modes():
            self.add_mode(mode.name, partial(mode.screen, self.context))

    def now(self) -> datetime:
        """The time, or the fixed time given to make_app (tests, snapshots)."""
        return self._fixed_now or datetime.now(UTC)

    def today(self) -> date:
        """Today's date where the user works (settings: general.timezone)."""
        return self.now().astimezone(self.zone).date()

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
        # Subscribed after the theme above is set, so only the user's choices are saved.
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        for mode in modes():
            for job in mode.housekeeping:
                self._housekeep(job)
                if job.every_seconds:
                    self.set_interval(job.every_seconds, partial(self._housekeep, job))

    @work(thread=True, group="housekeeping")
    def _housekeep(self, job: Housekeeping) -> None:
        """Run one housekeeping job off the UI thread; show what it says, if anything."""
        try:
            said = job.run(self.context)
        except ClientdeskError as exc:
            said, severity = str(exc), "error"
        else:
            severity = job.severity
        if said:
            self.call_from_thread(self.notify, said, severity=severity)

    def _remember_theme(self, theme: Theme) -> None:
        """Keep the theme the user picked for next time (settings: ui.theme).

        The theme picker previews each theme it passes over, so the file is written once
        the choice has settled (or when the app closes), not for every preview.
        """
        if self.settings_path is None:
            return
        if self._theme_timer is not None:
            self._theme_timer.stop()
        self._theme_timer = self.set_timer(THEME_SAVE_DELAY, self._save_theme)

    def _save_theme(self) -> None:
        self._theme_timer = None
        name = self.theme
        if self.settings_path is None or name == self._saved_theme:
            return
        try:
            save_setting(self.settings_path, "ui.theme", name)
        except (ClientdeskError, OSError) as exc:
            self.notify(
                f"Theme {name} is used now but could not be saved for next time: {exc}",
                severity="warning",
            )
            return
        self._saved_theme = name

    def on_unmount(self) -> None:
        if self._theme_timer is not None:
            self._theme_timer.stop()
            self._save_theme()

    # Customer files: opened from any screen by posting OpenCustomer.

    @on(OpenCustomer)
    def _open_customer(self, message: OpenCustomer) -> None:
        self.open_customer(message.customer_id)

    def open_customer(self, customer_id: int | None, *, tab: str | None = None) -> None:
        """Show a customer's file (on `tab`, a tab id, if given), or the new-customer form
        when customer_id is None."""
        if customer_id is None:
            self.push_screen(CustomerFormScreen(self.context), self._new_customer_closed)
        else:
            screen = CustomerFileScreen(self.context, customer_id, tab=tab)
            self.push_screen(screen, self._file_closed)

    def action_new_customer(self) -> None:
        """Open the form for a new customer."""
        self.open_customer(None)

    def _new_customer_closed(self, result: Any) -> None:
        if isinstance(result, CustomerSaved):
            self.post_message(CustomersChanged())
            self.open_customer(result.id)
        elif isinstance(result, OpenExisting):
            self.open_customer(result.id)

    def _file_closed(self, changed: bool | None) -> None:
        if changed:
            self.post_message(CustomersChanged())

    @on(CustomersChanged)
    def _customers_changed(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, CustomersScreen):
                screen.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The key of the mode already shown does nothing: leave it out of the footer, which
        # the screen's own keys need.
        return not (action == "switch_mode" and parameters == (self.current_mode,))

    def action_toggle_keys(self) -> None:
        """Show the keys of the current screen, or hide them if shown."""
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def make_app(
    settings: Settings,
    database: Database,
    *,
    now: datetime | None = None,
    settings_path: Path | None = None,
) -> ClientdeskApp:
    """The app over an open database; `now` fixes the clock (tests and snapshots).

    With `settings_path`, the theme the user picks is written back to that settings file.
    """
    return ClientdeskApp(settings, database, now=now, settings_path=settings_path)
