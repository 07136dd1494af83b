"""Groups screen (集团客户): every group customer by credit used, largest first, against the
concentration limit, read from SQL a window at a time.

A group is a parent company at the top with its subsidiaries at any depth
(domain/group_risk.py). The summary says how many groups are over the limit, at the early
warning, and have a member overdue (the risk passes to the whole group, 风险传导). `f`
keeps only those flagged; Enter opens the parent's file on its Group tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from clientdesk.domain.group_risk import (
    STATE_LABELS_ZH,
    GroupCounts,
    GroupRow,
    Limit,
    LimitState,
    group_counts,
    group_rows,
)
from clientdesk.domain.money import format_cents
from clientdesk.errors import ClientdeskError
from clientdesk.tui.file_tabs.group import limit_of
from clientdesk.tui.registry import Command, Housekeeping, Mode
from clientdesk.tui.widgets.mode_bar import ModeBar
from clientdesk.tui.widgets.visit_window import (
    Column,
    Layout,
    Piece,
    Section,
    Window,
    WindowLoaded,
    WindowLoadFailed,
    WindowTable,
    clip,
    read_window,
)

if TYPE_CHECKING:
    from datetime import date

    from clientdesk.tui.context import AppContext


def _yuan(cents: int) -> str:
    return f"{round(cents / 100):,}"


class GroupTable(WindowTable):
    HELP = """\
## Groups 集团客户

Every group (a parent company and its subsidiaries) by credit used: each member's credit
line, or what it owes when that is more, added up. **over** is past the concentration
limit, **warning** past its early-warning level; **!** marks a group with a member
overdue.

**enter** opens the parent's file on its Group tab; **f** keeps only the flagged groups.
"""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("code", "Code", 7),
        Column("name", "Group", 0),
        Column("members", "Members", 7),
        Column("used", "Credit used", 13),
        Column("share", "Of limit", 8),
        Column("state", "State", 12),  # before the amounts: it shows on 80 columns
        Column("owed", "Owed", 11),
        Column("overdue", "Overdue", 11),
    )
    FLEX: ClassVar[tuple[int, int]] = (14, 50)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles: dict[LimitState, Style] = {}

    def prepare(self) -> None:
        theme = self.app.current_theme
        self._styles = {
            LimitState.OVER: Style(color=theme.error or "red", bold=True),
            LimitState.WARNING: Style(color=theme.warning or "yellow", bold=True),
            LimitState.OK: Style(color=theme.success or "green"),
            LimitState.NO_LIMIT: Style(dim=True),
        }

    def row_key(self, row: GroupRow) -> str:
        return f"group:{row.root_id}"

    def cells(self, row: GroupRow) -> list[Text]:
        style = self._styles.get(row.state, Style())
        share = "" if row.share is None else f"{row.share:.0%}"
        state = f"{row.state.value} {STATE_LABELS_ZH[row.state]}"
        late = self._styles.get(LimitState.OVER, Style())
        overdue = Text(
            (_yuan(row.overdue_cents) + " !") if row.at_risk else "",
            style=late,
            no_wrap=True,
            justify="right",
        )
        return [
            clip(row.code),
            clip(row.name),
            Text(f"{row.members:,}", justify="right", no_wrap=True),
            Text(_yuan(row.used_cents), justify="right", no_wrap=True),
            Text(share, style=style, justify="right", no_wrap=True),
            clip(state, str(style)) if row.state is not LimitState.NO_LIMIT else clip(""),
            Text(_yuan(row.owed_cents), justify="right", no_wrap=True),
            overdue,
        ]

    @property
    def current_group(self) -> GroupRow | None:
        row = self.current
        return row if isinstance(row, GroupRow) else None


@dataclass(frozen=True)
class GroupsRead:
    window: Window
    counts: GroupCounts


class GroupsLoaded(WindowLoaded):
    def __init__(self, serial: int, read: GroupsRead, follow: bool) -> None:
        super().__init__(serial, read.window, follow)
        self.counts = read.counts


class GroupsLoadFailed(WindowLoadFailed):
    pass


def read_groups(
    session: Session, *, limit: Limit, today: date, flagged_only: bool, target: int
) -> GroupsRead:
    """The counts of every group, then the window of the list around `target`."""
    counts = group_counts(session=session, limit=limit, today=today)
    total = counts.flagged if flagged_only else counts.total
    layout = Layout((Section("groups", total, heading=False),))

    def fetch(piece: Piece) -> list[GroupRow]:
        return group_rows(
            session=session,
            limit=limit,
            today=today,
            offset=piece.offset,
            page_size=piece.limit,
            flagged_only=flagged_only,
        )

    return GroupsRead(read_window(layout, fetch, target), counts)


class GroupsScreen(Screen[None]):
    """The groups by credit used; a window of rows at a time, whatever their number."""

    AUTO_FOCUS = "#groups"
    DEFAULT_CSS = """
    GroupsScreen {
        #groups-summary { height: auto; margin: 0 1; }
        GroupTable { margin: 0 1; }
        #groups-empty { display: none; margin: 1 2; }
        &.-empty #groups-empty { display: block; }
        &.-empty GroupTable { display: none; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "toggle_flagged", "Flagged only", id="groups.flagged"),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="groups.refresh"),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.flagged_only = False
        self.counts: GroupCounts | None = None
        self._serial = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield ModeBar("groups")
        yield Static("Reading the groups…", id="groups-summary")
        yield GroupTable(id="groups")
        yield Static("", id="groups-empty", classes="empty-note", markup=False)
        yield Static("", id="groups-status", classes="status-line", markup=False)
        yield Footer()

    @property
    def table(self) -> GroupTable:
        return self.query_one(GroupTable)

    def on_mount(self) -> None:
        self.table.border_title = "Groups 集团客户"
        self.reload(keep=False)

    def on_screen_resume(self) -> None:
        self.reload()  # back from a file: credit lines and payments may have changed

    # What the keys and the palette do.

    def reload(self, *, keep: bool = True) -> None:
        table = self.table
        table.forget_moves()
        position = table.position
        follow = keep and position is not None
        self._request(position if follow and position is not None else 0, follow)

    def toggle_flagged(self) -> None:
        self.flagged_only = not self.flagged_only
        self.reload(keep=False)

    def open_highlighted(self) -> None:
        row = self.table.current_group
        if row is not None:
            open_customer = getattr(self.app, "open_customer", None)
            if open_customer is not None:
                open_customer(row.root_id, tab="group")

    def action_toggle_flagged(self) -> None:
        self.toggle_flagged()

    def action_reload(self) -> None:
        self.reload()

    @on(WindowTable.RowSelected, "#groups")
    def _selected(self) -> None:
        self.open_highlighted()

    @on(WindowTable.WindowWanted, "#groups")
    def _window_wanted(self, event: WindowTable.WindowWanted) -> None:
        event.stop()
        self._request(event.target, event.follow)

    @on(WindowTable.RowHighlighted, "#groups")
    def _highlighted(self) -> None:
        self._show_status()

    # Loading: the worker reads SQL and posts a message; only the handlers touch widgets.

    def _request(self, target: int, follow: bool) -> None:
        self._serial += 1
        self._load(self._serial, target, follow, self.flagged_only)

    @work(thread=True, exclusive=True, group="groups")
    def _load(self, serial: int, target: int, follow: bool, flagged_only: bool) -> None:
        worker = get_current_worker()
        ctx = self.ctx
        limit, today = limit_of(ctx.settings), ctx.today()
        try:
            read = ctx.read(
                lambda s: read_groups(
                    s, limit=limit, today=today, flagged_only=flagged_only, target=target
                )
            )
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(GroupsLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(GroupsLoaded(serial, read, follow))

    @on(GroupsLoaded)
    def _loaded(self, message: GroupsLoaded) -> None:
        if message.serial != self._serial:
            return
        table = self.table
        table.show_window(message.window, follow=message.follow)
        self.counts = message.counts
        empty = message.window.total == 0
        self.set_class(empty, "-empty")
        self.query_one("#groups-empty", Static).update(self._empty_text())
        self.query_one("#groups-summary", Static).update(self._summary())
        self._show_status()

    @on(GroupsLoadFailed)
    def _failed(self, message: GroupsLoadFailed) -> None:
        if message.serial != self._serial:
            return
        self.table.forget_moves()
        self.notify(message.error, title="Could not read the groups", severity="error")

    # What the screen says about itself.

    def _summary(self) -> Text:
        counts = self.counts
        text = Text()
        if counts is None:
            return text
        limit = limit_of(self.ctx.settings)
        text.append(f"{counts.total:,} groups", style="bold")
        if limit.cents is None:
            text.append(
                "  ·  no concentration limit: set risk.net_capital (资本净额) in the settings "
                "to judge them",
                style="dim",
            )
        else:
            currency = self.ctx.settings.general.currency
            text.append(f"  ·  limit {format_cents(limit.cents, currency)} per group  ·  ")
            text.append(f"{counts.over:,} over", style="bold red" if counts.over else "")
            text.append("  ·  ")
            text.append(
                f"{counts.warning:,} at the early warning",
                style="bold yellow" if counts.warning else "",
            )
        text.append("  ·  ")
        text.append(
            f"{counts.at_risk:,} with a member overdue",
            style="bold red" if counts.at_risk else "",
        )
        return text

    def _empty_text(self) -> str:
        if self.flagged_only:
            return "No group is at the early warning or has a member overdue. Press f for all."
        return (
            "No group customers yet: a group is a parent company with subsidiaries. Set a "
            "customer's parent company on its profile (e in the file)."
        )

    def _show_status(self) -> None:
        counts = self.counts
        if counts is None:
            return
        total = counts.flagged if self.flagged_only else counts.total
        position = self.table.position
        where = f"{position + 1:,} / " if position is not None and total else ""
        what = "flagged groups" if self.flagged_only else "groups"
        parts = [f"{where}{total:,} {what}, by credit used", "⏎ open the group", "f flagged only"]
        self.query_one("#groups-status", Static).update("  ·  ".join(parts))


RISK_CHECK_EVERY = 3600.0  # seconds between two early-warning checks while the app is open


def risk_warning(ctx: AppContext) -> str | None:
    """Housekeeping: the early warning (风险预警) when groups are at or past the limit;
    nothing when net capital is not set or every group is within the warning level."""
    limit = limit_of(ctx.settings)
    if limit.cents is None:
        return None
    today = ctx.today()
    counts = ctx.read(lambda s: group_counts(session=s, limit=limit, today=today))
    parts = []
    if counts.over:
        parts.append(f"{counts.over:,} {'group is' if counts.over == 1 else 'groups are'} over")
    if counts.warning:
        parts.append(f"{counts.warning:,} at the early warning")
    if not parts:
        return None
    return f"Group risk 风险预警: {' and '.join(parts)} of the concentration limit. Press j."


def group_commands(app: App[Any], screen: Screen[Any]) -> list[Command]:
    if not isinstance(screen, GroupsScreen):
        return []
    return [
        Command(
            "Groups: flagged only",
            "Only groups at the early warning or with a member overdue, or all again (key f)",
            screen.toggle_flagged,
        ),
        Command(
            "Groups: open group", "The highlighted group's file (enter)", screen.open_highlighted
        ),
        Command("Groups: refresh", "Read the groups again (ctrl+r)", screen.reload),
    ]


MODE = Mode(
    name="groups",
    key="j",  # 集团 jítuán
    title="Groups",
    order=45,
    screen=GroupsScreen,
    commands=group_commands,
    housekeeping=(
        Housekeeping(run=risk_warning, every_seconds=RISK_CHECK_EVERY, severity="warning"),
    ),
)
