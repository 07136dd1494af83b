"""The Profile tab: static information (静态信息) and financial information (财务信息)."""

from __future__ import annotations

from datetime import tzinfo

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from clientdesk.domain.customer_file import CustomerFile
from clientdesk.tui.formatting import choice, local_time, money, money_totals


def _grid(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(style="dim", no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    for label, value in rows:
        table.add_row(label, Text(value or "—"))
    return table


def static_rows(file: CustomerFile, zone: tzinfo) -> list[tuple[str, str]]:
    c = file.customer
    parent = f"{file.parent.code} {file.parent.name}" if file.parent else ""
    members = f"{file.subsidiaries:,} subsidiaries" if file.subsidiaries else ""
    return [
        ("Company 公司名称", c.name),
        ("Short name 简称", c.short_name or ""),
        ("Code 客户编号", c.code),
        ("Credit code 信用代码", c.credit_code or ""),
        (
            "Kind 客户类型",
            choice(c.kind) + (f" · {choice(c.special_kind)}" if c.special_kind else ""),
        ),
        ("Industry 行业", c.industry or ""),
        ("Region 区域", c.region or ""),
        ("Address 地址", c.address or ""),
        ("Website", c.website or ""),
        ("Key contact", file.key_contact or ""),
        ("Parent 母公司", parent),
        ("Group 集团", members),
        ("Entered", local_time(c.created_at, zone)),
        ("Changed", local_time(c.updated_at, zone)),
        ("Verified 核实", local_time(c.verified_at, zone) if c.verified_at else "never"),
    ]


def finance_rows(file: CustomerFile, currency: str) -> list[tuple[str, str]]:
    c = file.customer
    overdue = (
        f"{file.overdue_count:,} unpaid past due: {money_totals(file.overdue)}"
        if file.overdue_count
        else "none"
    )
    return [
        ("Registered capital", money(c.registered_capital_cents, currency)),
        ("Annual revenue", money(c.annual_revenue_cents, currency)),
        ("Credit limit", money(c.credit_limit_cents, currency)),
        ("Bank 开户银行", c.bank_name or ""),
        ("Account 账号", c.bank_account or ""),
        ("Sales, 12 months", money_totals(file.sales_12m)),
        ("Payments, 12 months", money_totals(file.payments_12m)),
        ("Overdue 逾期", overdue),
        ("Live contracts", f"{file.live_contracts:,}"),
        ("Open complaints", f"{file.open_complaints:,}"),
    ]


class ProfileView(VerticalScroll):
    """Two panels side by side when there is room, one above the other when not."""

    HELP = """\
## Customer file 客户档案

Static information (静态信息) and financial information (财务信息), with
the trade of the last twelve months. **e** edits the file, **v** marks it
verified after checking it with the customer, **1 2 3** switch tabs.
"""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="profile-panels"):
            yield Static(id="profile-static", classes="panel")
            yield Static(id="profile-finance", classes="panel")
        yield Static(id="profile-notes", classes="panel")

    def on_mount(self) -> None:
        self.query_one("#profile-static").border_title = "Static information 静态信息"
        self.query_one("#profile-finance").border_title = "Financial information 财务信息"
        self.query_one("#profile-notes").border_title = "Notes"

    def show(self, file: CustomerFile, *, zone: tzinfo, currency: str) -> None:
        self.query_one("#profile-static", Static).update(_grid(static_rows(file, zone)))
        self.query_one("#profile-finance", Static).update(_grid(finance_rows(file, currency)))
        notes = self.query_one("#profile-notes", Static)
        notes.update(Text(file.customer.notes or ""))
        notes.display = bool(file.customer.notes)
