"""The Group tab of the customer file (集团客户): the group this customer belongs to, every
member under its parent with its credit line, what it owes and what is overdue, and the
group's credit against the concentration limit (the `[risk]` settings), with the early
warning and the members whose overdue payments put the whole group at risk (风险传导).

Enter on a member opens its file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from clientdesk.domain.group_risk import (
    STATE_LABELS_ZH,
    GroupDetail,
    Limit,
    LimitState,
    group_detail,
    group_of,
)
from clientdesk.errors import ClientdeskError
from clientdesk.tui.file_tabs import FileTab
from clientdesk.tui.formatting import money
from clientdesk.tui.messages import OpenCustomer

if TYPE_CHECKING:
    from clientdesk.config import Settings
    from clientdesk.tui.context import AppContext

HINT = "⏎ open the member's file  ·  limits: [risk] in the settings (clientdesk config show)"
NO_GROUP = (
    "Not part of a group: this customer has no parent company and no subsidiaries. "
    "Set a parent company on the profile (e) to make it part of one."
)
STATE_STYLES = {
    LimitState.OVER: "bold red",
    LimitState.WARNING: "bold yellow",
    LimitState.OK: "green",
    LimitState.NO_LIMIT: "dim",
}
BAR = 30


def limit_of(settings: Settings) -> Limit:
    risk = settings.risk
    return Limit.from_settings(risk.net_capital, risk.concentration_limit, risk.warning_level)


def summary(detail: GroupDetail, limit: Limit, currency: str) -> Text:
    """The group, its credit used against the limit with a bar, and its risk signals."""
    group = detail.group
    text = Text()
    text.append(f"{group.name}", style="bold")
    text.append(f"  {group.code} · {group.members:,} members\n")
    text.append(f"Credit used {money(group.used_cents, currency)}")
    if limit.cents is None:
        text.append(
            "\nNo concentration limit: set risk.net_capital (资本净额) in the settings to "
            "judge the group against it.",
            style="dim",
        )
    else:
        share = group.share or 0.0
        filled = min(BAR, round(share * BAR))
        style = STATE_STYLES[group.state]
        text.append(f" of the limit {money(limit.cents, currency)}\n")
        text.append("█" * filled, style=style)
        text.append("░" * (BAR - filled), style="dim")
        text.append(f" {share:.0%}  ", style=style)
        label = {
            LimitState.OVER: "over the limit",
            LimitState.WARNING: "early warning",
            LimitState.OK: "within the limit",
        }.get(group.state, "")
        text.append(f"{label} {STATE_LABELS_ZH[group.state]}", style=style)
    overdue = [m for m in detail.members if m.overdue_cents]
    if overdue:
        names = ", ".join(
            f"{m.name} {money(m.overdue_cents, currency)} since {m.oldest_overdue}"
            for m in overdue[:3]
        )
        more = f" and {len(overdue) - 3} more" if len(overdue) > 3 else ""
        text.append(
            f"\n⚠ Overdue: {names}{more}. The risk passes to the whole group (风险传导).",
            style="bold red",
        )
    return text


class GroupLoaded(Message):
    def __init__(self, serial: int, detail: GroupDetail | None) -> None:
        super().__init__()
        self.serial = serial
        self.detail = detail


class GroupLoadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


class GroupTab(FileTab):
    TAB_ID = "group"
    TITLE = "Group"
    ORDER = 80

    DEFAULT_CSS = """
    GroupTab {
        #group-summary { height: auto; margin: 0 1 1 1; }
        #group-members {
            height: 1fr; background: $surface;
            border: round $primary 40%; border-title-color: $text-muted;
            &:focus { border: round $accent; }
        }
        .status-line { margin: 0 1; }
    }
    """

    def __init__(self, ctx: AppContext, customer_id: int) -> None:
        super().__init__(ctx, customer_id)
        self.detail: GroupDetail | None = None
        self._serial = 0

    def compose(self) -> ComposeResult:
        yield Static("Reading the group…", id="group-summary")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="group-members")
        yield Static(HINT, classes="status-line", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#group-members", DataTable)
        table.border_title = "Members 成员"
        table.add_column("Member 成员", key="member")
        for key, label in (
            ("line", "Credit line 授信"),
            ("owed", "Owed 应收"),
            ("overdue", "Overdue 逾期"),
        ):
            table.add_column(label, key=key)
        table.add_column("Overdue since", key="since")
        table.display = False

    def focus_first(self) -> None:
        table = self.query_one("#group-members", DataTable)
        if table.display:
            table.focus()

    # Reading.

    def reload(self) -> None:
        self._serial += 1
        self._load(self._serial)

    @work(thread=True, exclusive=True, group="group-tab-load")
    def _load(self, serial: int) -> None:
        worker = get_current_worker()
        ctx, customer_id = self.ctx, self.customer_id
        limit, today = limit_of(ctx.settings), ctx.today()

        def job(session: Session) -> GroupDetail | None:
            root = group_of(customer_id, session=session)
            if root is None:
                return None
            return group_detail(root, session=session, limit=limit, today=today)

        try:
            detail = ctx.read(job)
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(GroupLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(GroupLoaded(serial, detail))

    @on(GroupLoaded)
    def _loaded(self, message: GroupLoaded) -> None:
        if message.serial != self._serial:
            return
        self.detail = detail = message.detail
        box = self.query_one("#group-summary", Static)
        table = self.query_one("#group-members", DataTable)
        table.clear()
        if detail is None:
            box.update(Text(NO_GROUP, style="dim"))
            table.display = False
            self.counted(None)
            return
        currency = self.ctx.settings.general.currency
        box.update(summary(detail, limit_of(self.ctx.settings), currency))
        for member in detail.members:
            mine = member.id == self.customer_id
            name = Text("  " * member.depth + ("▸ " if mine else "") + member.name)
            if mine:
                name.stylize("bold")
            owed = Text(money(member.owed_cents, None), justify="right")
            if member.over_line:
                owed.stylize("yellow")  # owes more than its credit line
            overdue = Text(
                money(member.overdue_cents, None) if member.overdue_cents else "",
                style="bold red",
                justify="right",
            )
            table.add_row(
                name,
                Text(money(member.line_cents, None), justify="right"),
                owed,
                overdue,
                str(member.oldest_overdue or ""),
                key=str(member.id),
            )
        table.display = True
        self.counted(detail.group.members)
        here = next((n for n, m in enumerate(detail.members) if m.id == self.customer_id), 0)
        table.move_cursor(row=here)
        if self.screen.focused is None and self.display and self.region:
            table.focus()  # opened on this tab: the members take the keys once they show

    @on(GroupLoadFailed)
    def _failed(self, message: GroupLoadFailed) -> None:
        if message.serial == self._serial:
            self.query_one("#group-summary", Static).update(
                Text(f"The group could not be read: {message.error}", style="red")
            )

    @on(DataTable.RowSelected, "#group-members")
    def _open(self, event: DataTable.RowSelected) -> None:
        member_id = int(str(event.row_key.value))
        if member_id != self.customer_id:
            self.post_message(OpenCustomer(member_id))


TAB = GroupTab
