"""How visits read on screen: local times with the weekday, statuses, the next working day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from clientdesk.domain.agenda import AgendaRow, CustomerVisitRow
from clientdesk.domain.enums import VisitKind, VisitStatus, label_zh
from clientdesk.domain.visit_calendar import CalendarEntry

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

Chosen = tuple[int, str, str]  # a customer: (id, code, name), as the customer picker gives it


def weekday(day: date) -> str:
    return WEEKDAYS_ZH[day.weekday()]


def when(moment: datetime, zone: tzinfo, today: date) -> str:
    """'周三 03-05 14:30' this year; '2024-03-05 14:30' in another (16 cells either way)."""
    local = moment.astimezone(zone)
    if local.year == today.year:
        return f"{weekday(local.date())} {local:%m-%d %H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def day_title(day: date) -> str:
    """'2025-03-05 周三'."""
    return f"{day.isoformat()} {weekday(day)}"


def next_working_day(today: date) -> date:
    """The next day from Monday to Friday after `today` (a Friday leads to Monday)."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def kind_label(kind: VisitKind) -> str:
    return label_zh(kind)


def status_label(status: VisitStatus) -> str:
    return label_zh(status)


def satisfaction(value: int | None) -> str:
    """4 → '★★★★☆'; nothing when not asked."""
    return "★" * value + "☆" * (5 - value) if value else ""


@dataclass(frozen=True)
class VisitRef:
    """What an action needs to know about a visit, whichever list it was picked from."""

    visit_id: int
    customer: Chosen
    status: VisitStatus
    planned_at: datetime  # UTC
    done_at: datetime | None
    purpose: str

    @property
    def customer_id(self) -> int:
        return self.customer[0]

    def describe(self, zone: tzinfo) -> str:
        """'C000123 北京华信 · 2025-03-05 14:30 · 季度业务回顾'."""
        at = (self.done_at or self.planned_at).astimezone(zone)
        return f"{self.customer[1]} {self.customer[2]} · {at:%Y-%m-%d %H:%M} · {self.purpose}"

    @classmethod
    def of_agenda(cls, row: AgendaRow) -> VisitRef:
        return cls(
            visit_id=row.visit_id,
            customer=(row.customer_id, row.customer_code, row.customer_name),
            status=VisitStatus.PLANNED,
            planned_at=row.planned_at,
            done_at=None,
            purpose=row.purpose,
        )

    @classmethod
    def of_entry(cls, entry: CalendarEntry) -> VisitRef:
        done = entry.status == VisitStatus.DONE
        return cls(
            visit_id=entry.visit_id,
            customer=(entry.customer_id, entry.customer_code, entry.customer_name),
            status=entry.status,
            planned_at=entry.at,
            done_at=entry.at if done else None,
            purpose=entry.purpose,
        )

    @classmethod
    def of_customer_row(cls, row: CustomerVisitRow, customer: Chosen) -> VisitRef:
        return cls(
            visit_id=row.visit_id,
            customer=customer,
            status=row.status,
            planned_at=row.planned_at,
            done_at=row.done_at,
            purpose=row.purpose,
        )
