"""How one contract looks in a table row: the Contracts screen and a customer's Contracts tab
share it, so a contract that needs attention stands out the same way in both.

A row stands out when a delivery is overdue (its number and the Late column in the error
colour) or when it ends soon (its number, end date and days in the warning colour); an
expired contract shows its days past the end in the error colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.theme import Theme

from clientdesk.domain.contract_list import CLOSED, ContractRow
from clientdesk.domain.contract_states import LIVE
from clientdesk.domain.enums import ContractStatus, RiskLevel, label_zh
from clientdesk.domain.money import format_cents

NEAR_EXPIRY_DAYS = 30
"""A live contract ending within this many days stands out (and `e` filters on it)."""


@dataclass(frozen=True)
class ContractColumn:
    key: str
    label: str
    width: int  # in cells; 0 = flexible (customer, title)
    sort: str | None = None  # the domain's sort key (contract_list.SORT_COLUMNS)
    words: str = ""  # how sentences name it ("sorted by end date")
    right: bool = False  # numbers line up on the right

    @property
    def phrase(self) -> str:
        return self.words or self.label.lower()


NUMBER = ContractColumn("number", "Number", 14, "number")
CUSTOMER = ContractColumn("customer", "Customer", 0, "customer")
TITLE = ContractColumn("title", "Title", 0, "title")
STATUS = ContractColumn("status", "Status", 6, "status")
VALUE = ContractColumn("value", "Value", 13, "value", right=True)
START = ContractColumn("start", "Start", 10, "start", "start date")
END = ContractColumn("end", "End", 10, "end", "end date")
DAYS = ContractColumn("days", "Days", 5, "end", "days to expiry", right=True)
RISK = ContractColumn("risk", "Risk", 4, "risk", "risk level")
LATE = ContractColumn("late", "Late", 4, None, "overdue deliveries", right=True)
RISK_NOTES = ContractColumn("risk_notes", "Risk notes", 0)

LIST_COLUMNS = (NUMBER, CUSTOMER, TITLE, STATUS, VALUE, START, END, DAYS, RISK, LATE)
"""The Contracts screen: every contract of every customer."""

STATUS_ORDER = (
    ContractStatus.DRAFT,
    ContractStatus.SIGNED,
    ContractStatus.ACTIVE,
    ContractStatus.EXPIRED,
    ContractStatus.COMPLETED,
    ContractStatus.TERMINATED,
)
"""Statuses in the order of a contract's life: status keys 1-6 and the filter dialog."""

SORTS = ("start", "end", "number", "customer", "value", "status", "risk", "title")
"""The sort orders `s` cycles through, and their words."""
SORT_WORDS = {
    "start": "start date",
    "end": "end date",
    "number": "number",
    "customer": "customer",
    "value": "value",
    "status": "status",
    "risk": "risk level",
    "title": "title",
}


@dataclass(frozen=True)
class RowStyles:
    late: Style
    soon: Style
    muted: Style
    risk: dict[RiskLevel, Style]

    @classmethod
    def of(cls, theme: Theme) -> RowStyles:
        error = Style(color=theme.error or "red", bold=True)
        warning = Style(color=theme.warning or "yellow", bold=True)
        return cls(
            late=error,
            soon=warning,
            muted=Style(dim=True),
            risk={RiskLevel.HIGH: error, RiskLevel.MEDIUM: warning, RiskLevel.LOW: Style(dim=True)},
        )


def ends_soon(status: ContractStatus, days: int | None) -> bool:
    """Live and ending within NEAR_EXPIRY_DAYS days (today included)."""
    return status in LIVE and days is not None and 0 <= days <= NEAR_EXPIRY_DAYS


def value_text(cents: int, currency: str, home_currency: str) -> str:
    """The amount alone in the user's own currency; with its code in any other."""
    return format_cents(cents, None if currency == home_currency else currency)


def header(column: ContractColumn, *, sort: str, descending: bool) -> Text:
    """The column's label; the sorted column underlined, with an arrow when it fits."""
    if column.sort is None or column.sort != sort or column.key == "days":
        return Text(column.label)
    arrow = f" {'▼' if descending else '▲'}"
    fits = not column.width or len(column.label) + len(arrow) <= column.width
    return Text(column.label + (arrow if fits else ""), style="underline")


def cells(
    row: ContractRow,
    columns: tuple[ContractColumn, ...],
    widths: dict[str, int],
    *,
    styles: RowStyles,
    home_currency: str,
    risk_notes: dict[int, str] | None = None,
) -> list[Text]:
    """The row's cells for `columns`, numbers right-aligned to `widths`."""
    late = row.overdue_deliveries > 0
    soon = ends_soon(row.status, row.days_to_expiry)
    days = row.days_to_expiry
    values: dict[str, tuple[str, Style | str]] = {
        "number": (row.number, styles.late if late else styles.soon if soon else ""),
        "customer": (row.customer_name, ""),
        "title": (row.title, ""),
        "status": (label_zh(row.status), styles.muted if row.status in CLOSED else ""),
        "value": (value_text(row.value_cents, row.currency, home_currency), ""),
        "start": (row.start_on.isoformat() if row.start_on else "", ""),
        "end": (row.end_on.isoformat() if row.end_on else "", styles.soon if soon else ""),
        "days": (
            f"{days:,}" if days is not None else "",
            styles.soon if soon else styles.late if days is not None and days < 0 else "",
        ),
        "risk": (
            label_zh(row.risk_level) if row.risk_level else "",
            styles.risk[row.risk_level] if row.risk_level else "",
        ),
        "late": (str(row.overdue_deliveries) if late else "", styles.late if late else ""),
        "risk_notes": ((risk_notes or {}).get(row.id, ""), ""),
    }
    out = []
    for column in columns:
        text, style = values[column.key]
        if column.right:
            text = text.rjust(widths.get(column.key, column.width))
        out.append(Text(text, style=style, no_wrap=True, overflow="ellipsis"))
    return out


def flexible_widths(
    columns: tuple[ContractColumn, ...], width: int, padding: int, shares: dict[str, float]
) -> dict[str, int]:
    """Widths of every column when the table is `width` cells wide: the flexible columns
    share what the fixed ones leave, in the proportions of `shares` (at least 10 each)."""
    fixed = sum(c.width + 2 * padding for c in columns if c.width)
    flexible = [c for c in columns if not c.width]
    spare = width - fixed - 2 * padding * len(flexible) - 1  # the scrollbar
    total = sum(shares.get(c.key, 1.0) for c in flexible) or 1.0
    widths = {c.key: c.width for c in columns if c.width}
    for column in flexible:
        widths[column.key] = max(int(spare * shares.get(column.key, 1.0) / total), 10)
    return widths
