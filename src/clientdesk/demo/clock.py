"""Time for the generator: whole days and minutes since 1970-01-01 UTC, turned into column values.

The generator works in plain integers and turns them into values only when it builds a
row, through lookup tables. For the SQLite fast path the values are the exact text
SQLAlchemy itself stores ("2025-03-12" and "2025-03-12 01:30:00.000000"); otherwise they are
`date` objects and aware UTC `datetime`s for SQLAlchemy to bind.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

EPOCH = date(1970, 1, 1)
MINUTES_PER_DAY = 1440
HISTORY_DAYS = 730  # the demo's records cover the two years before today
# Days before and after `today` that the generator may use.
PAST_DAYS = 2600
FUTURE_DAYS = 1300


class Clock:
    """Lookup tables indexed by the absolute day number (days since 1970-01-01)."""

    def __init__(self, today: date, *, as_text: bool) -> None:
        self.today = (today - EPOCH).days
        # 10:00 in Beijing (02:00 UTC): the moment the demo data is "as of".
        self.now = self.today * MINUTES_PER_DAY + 120
        first, last = self.today - PAST_DAYS, self.today + FUTURE_DAYS
        size = last + 1
        self.date: list[Any] = [None] * size
        self.midnight: list[Any] = [None] * size
        self.compact: list[str] = [""] * size  # 20250312, for document numbers
        self.year: list[int] = [0] * size
        self.quarter: list[int] = [0] * size  # year * 4 + quarter - 1
        for number in range(first, size):
            day = EPOCH + timedelta(days=number)
            if as_text:
                text = day.isoformat()
                self.date[number] = text
                self.midnight[number] = text
            else:
                self.date[number] = day
                self.midnight[number] = datetime(day.year, day.month, day.day, tzinfo=UTC)
            self.compact[number] = f"{day.year:04d}{day.month:02d}{day.day:02d}"
            self.year[number] = day.year
            self.quarter[number] = day.year * 4 + (day.month - 1) // 3
        self.time_of_day: list[Any] = (
            [f" {m // 60:02d}:{m % 60:02d}:00.000000" for m in range(MINUTES_PER_DAY)]
            if as_text
            else [timedelta(minutes=m) for m in range(MINUTES_PER_DAY)]
        )
        self.first_day = first
        self.last_day = last

    def at(self, minute: int) -> Any:
        """A datetime column value for a minute number."""
        return self.midnight[minute // MINUTES_PER_DAY] + self.time_of_day[minute % MINUTES_PER_DAY]


def quarter_bounds(quarter: int) -> tuple[date, date]:
    """First and last day of a quarter number (year * 4 + quarter - 1)."""
    year, index = divmod(quarter, 4)
    start = date(year, index * 3 + 1, 1)
    end = date(year + 1, 1, 1) if index == 3 else date(year, index * 3 + 4, 1)
    return start, end - timedelta(days=1)


def business_minute(r: float) -> int:
    """A minute of the day between 09:00 and 17:00 Beijing time (01:00-09:00 UTC), on the half
    hour, for a random number r in [0, 1)."""
    return 60 + 30 * int(r * 17)
