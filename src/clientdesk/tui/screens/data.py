"""Data screen (数据): the database, its backups, imports and grading in one place.

Keys: b backs up now (SQLite files), i imports a file, g re-evaluates every grade, ctrl+r
reads everything again. What the panels show is read in a worker when the screen is shown;
a backup runs in a worker too, with its activity on screen, and the result (file, size,
check passed) or the reason it failed. At start the app warns when the last good backup is
older than backup.warn_after_days, or when there is none.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import get_current_worker

from clientdesk.config import default_backup_dir
from clientdesk.errors import ClientdeskError
from clientdesk.storage.backup import BackupResult, create_backup
from clientdesk.tui.context import AppContext
from clientdesk.tui.messages import CustomersChanged
from clientdesk.tui.registry import Command, Housekeeping, Mode
from clientdesk.tui.screens.data_panels import (
    Colours,
    backup_lines,
    backup_result,
    database_panel,
    grading_lines,
    import_lines,
)
from clientdesk.tui.screens.data_status import (
    BackupState,
    DatabaseSummary,
    backup_overdue,
    backup_reminder,
    read_backups,
    read_summary,
    shown_path,
)
from clientdesk.tui.screens.grade_run import GradeRunScreen
from clientdesk.tui.screens.import_form import ImportFormScreen, ImportRequest
from clientdesk.tui.screens.import_report import ImportReportScreen
from clientdesk.tui.widgets.backup_table import BackupTable
from clientdesk.tui.widgets.mode_bar import ModeBar

KEY = "d"
BACKUP_REMINDER_EVERY = 6 * 3600.0  # seconds: the app often stays open for days


class DataLoaded(Message):
    def __init__(self, summary: DatabaseSummary, backups: BackupState) -> None:
        super().__init__()
        self.summary = summary
        self.backups = backups


class DataLoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class BackupDone(Message):
    def __init__(self, result: BackupResult) -> None:
        super().__init__()
        self.result = result


class BackupFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class DataScreen(Screen[None]):
    DEFAULT_CSS = """
    DataScreen {
        .data-row { height: 1fr; }
        .data-panel {
            width: 1fr; height: 100%; margin: 0 1; padding: 0 1;
            border: round $primary 40%; border-title-color: $text-muted; background: $surface;
            &:focus-within { border: round $accent; border-title-color: $accent; }
        }
        #backup-panel.-overdue { border: round $error; border-title-color: $error; }
        #db-panel { width: 46; }
        &.-narrow #db-panel { width: 38; }
        #backup-last, #backup-result { height: auto; }
        #backup-activity { height: auto; margin-top: 1; }
        #backup-elapsed { color: $text-muted; }
        BackupTable { height: 1fr; margin-top: 1; background: $surface; }
        VerticalScroll { height: 1fr; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "back_up", "Back up now", id="data.back_up"),
        Binding("i", "import_file", "Import", id="data.import"),
        Binding("g", "regrade", "Re-evaluate grades", id="data.regrade"),
        Binding("ctrl+r,f5", "reload", "Refresh", id="data.refresh"),
    ]

    AUTO_FOCUS = "#backups"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.backing_up = False
        self.backups: BackupState | None = None
        self._started = 0.0
        self._serial = 0
        self._backup_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ModeBar("data")
        with Horizontal(classes="data-row"):
            with Vertical(id="db-panel", classes="data-panel"):
                yield Static("Reading the database…", id="db-facts")
            with Vertical(id="backup-panel", classes="data-panel"):
                yield Static("", id="backup-last")
                with Vertical(id="backup-activity"):
                    yield Static("", id="backup-elapsed", markup=False)
                    yield ProgressBar(total=None, show_eta=False, show_percentage=False)
                yield Static("", id="backup-result")
                yield BackupTable(zone=self.ctx.zone, id="backups")
        with Horizontal(classes="data-row"):
            with VerticalScroll(id="import-panel", classes="data-panel"):
                yield Static("", id="import-text")
            with VerticalScroll(id="grading-panel", classes="data-panel"):
                yield Static("", id="grading-text")
        yield Footer()

    def on_mount(self) -> None:
        titles = {
            "#db-panel": "Database 数据库",
            "#backup-panel": "Backups 备份",
            "#import-panel": "Import 导入",
            "#grading-panel": "Grading 分级",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self.query_one("#backup-activity").display = False
        self.query_one("#backup-result").display = False
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()  # a cron backup or an import from the command line may have run

    # Reading.

    def reload(self) -> None:
        self._serial += 1
        self._load(self._serial)

    @work(thread=True, exclusive=True, group="data-load")
    def _load(self, serial: int) -> None:
        worker = get_current_worker()
        try:
            summary = read_summary(self.ctx.database)
            backups = read_backups(self.ctx)
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(DataLoadFailed(str(exc)))
            return
        except OSError as exc:  # the backup folder cannot be read
            if not worker.is_cancelled:
                self.post_message(DataLoadFailed(f"{default_backup_dir(self.ctx.settings)}: {exc}"))
            return
        if not worker.is_cancelled:
            self.post_message(DataLoaded(summary, backups))

    @on(DataLoaded)
    def _loaded(self, message: DataLoaded) -> None:
        ctx = self.ctx
        summary, backups = message.summary, message.backups
        now = ctx.now()
        self.backups = backups
        self.query_one("#db-facts", Static).update(database_panel(summary))
        warn_days = ctx.settings.backup.warn_after_days
        self.query_one("#backup-last", Static).update(
            backup_lines(
                backups, now=now, zone=ctx.zone, warn_days=warn_days, colours=Colours.of(self.app)
            )
        )
        overdue = backups.supported and backup_overdue(backups.last_good, now, warn_days)
        self.query_one("#backup-panel").set_class(overdue, "-overdue")
        table = self.query_one(BackupTable)
        table.display = backups.supported
        table.show(backups.entries, source=backups.source)
        table.border_title = f"{len(backups.entries):,} backups" if backups.entries else ""
        self.query_one("#import-text", Static).update(import_lines(summary, ctx.zone))
        self.query_one("#grading-text", Static).update(
            grading_lines(summary, now=now, zone=ctx.zone, colours=Colours.of(self.app))
        )
        self.refresh_bindings()

    @on(DataLoadFailed)
    def _load_failed(self, message: DataLoadFailed) -> None:
        self.notify(message.error, title="Could not read the database", severity="error")

    # Backing up.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back_up":
            if self.ctx.database.path is None:
                return False  # not a SQLite file: the panel says how to back it up instead
            return None if self.backing_up else True
        return True

    def action_back_up(self) -> None:
        path = self.ctx.database.path
        if path is None:
            self.notify(
                "Only SQLite files can be backed up by clientdesk; use pg_dump for PostgreSQL.",
                severity="warning",
            )
            return
        if self.backing_up:
            return
        self.backing_up = True
        self.refresh_bindings()
        self.query_one("#backup-result").display = False
        self.query_one("#backup-activity").display = True
        folder = default_backup_dir(self.ctx.settings)
        self._started = time.monotonic()
        self._tick_elapsed(folder_text=shown_path(folder))
        self._backup_timer = self.set_interval(
            1.0, partial(self._tick_elapsed, folder_text=shown_path(folder))
        )
        self._run_backup(path, folder)

    def _tick_elapsed(self, *, folder_text: str) -> None:
        seconds = int(time.monotonic() - self._started)
        self.query_one("#backup-elapsed", Static).update(
            f"Backing up and checking the copy into {folder_text}… {seconds} s"
        )

    @work(thread=True, exclusive=True, group="data-backup")
    def _run_backup(self, path: Path, folder: Path) -> None:
        try:
            result = create_backup(path, folder, now=self.ctx.now)
        except ClientdeskError as exc:
            self.post_message(BackupFailed(str(exc)))
            return
        except OSError as exc:
            self.post_message(BackupFailed(f"{folder}: {exc.strerror or exc}"))
            return
        self.post_message(BackupDone(result))

    def _backup_finished(self) -> None:
        self.backing_up = False
        if self._backup_timer is not None:
            self._backup_timer.stop()
            self._backup_timer = None
        self.query_one("#backup-activity").display = False
        self.query_one("#backup-result").display = True
        self.refresh_bindings()
        self.reload()

    @on(BackupDone)
    def _backed_up(self, message: BackupDone) -> None:
        self._backup_finished()
        result = backup_result(message.result, Colours.of(self.app))
        self.query_one("#backup-result", Static).update(result)
        self.notify(f"Backed up to {shown_path(message.result.path)}.", title="Backup")

    @on(BackupFailed)
    def _backup_failed(self, message: BackupFailed) -> None:
        self._backup_finished()
        self.query_one("#backup-result", Static).update(
            Text(
                f"✗ No backup was made: {message.error}", style=f"bold {Colours.of(self.app).error}"
            )
        )
        self.notify(message.error, title="Backup failed", severity="error", timeout=10)

    # Import and grading: dialogs over this screen.

    def action_import_file(self, request: ImportRequest | None = None) -> None:
        self.app.push_screen(ImportFormScreen(self.ctx, request), self._import_chosen)

    def _import_chosen(self, request: ImportRequest | None) -> None:
        if request is None:
            return

        def closed(result: Any) -> None:
            if result == "options":
                self.action_import_file(request)
            elif result is not None:  # imported
                self.post_message(CustomersChanged())
                self.reload()

        self.app.push_screen(ImportReportScreen(self.ctx, request), closed)

    def action_regrade(self) -> None:
        def closed(result: Any) -> None:
            if result is not None:  # applied
                self.post_message(CustomersChanged())
            self.reload()

        self.app.push_screen(GradeRunScreen(self.ctx), closed)

    def action_reload(self) -> None:
        self.reload()


def _data_screen(ctx: AppContext) -> DataScreen:
    return DataScreen(ctx)


def _on_data(app: App[Any], action: str) -> Callable[[], Awaitable[None]]:
    """A palette command that shows the Data screen, then runs `action` on it."""

    async def run() -> None:
        if app.current_mode != "data":
            await app.switch_mode("data")
        screen = app.screen_stack[0] if app.screen_stack else None
        if isinstance(screen, DataScreen):
            await screen.run_action(action)

    return run


def _commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    commands = []
    database = getattr(app, "database", None)
    if database is None or database.path is not None:  # a server database: no backups here
        commands.append(
            Command(
                "Data: back up now",
                "Take a checked backup of the database (key b on the Data screen)",
                _on_data(app, "back_up"),
            )
        )
    return [
        *commands,
        Command(
            "Data: import a file",
            "Check a CSV, TSV, XLSX or JSON file, then import it (key i on the Data screen)",
            _on_data(app, "import_file"),
        ),
        Command(
            "Data: re-evaluate grades",
            "Dry run, then apply: every customer's grade from its scorecard (key g on Data)",
            _on_data(app, "regrade"),
        ),
        Command(
            "Data: refresh",
            "Read the database facts and the backup folder again (ctrl+r on Data)",
            _on_data(app, "reload"),
        ),
    ]


def _remind(ctx: AppContext) -> str | None:
    return backup_reminder(ctx, key=KEY)


MODE = Mode(
    name="data",
    key=KEY,
    title="Data",
    order=50,
    screen=_data_screen,
    commands=_commands,
    housekeeping=(
        Housekeeping(run=_remind, every_seconds=BACKUP_REMINDER_EVERY, severity="warning"),
    ),
)
