"""UTC → local time inside SQLite, for exports formatted by the database.

Times are stored in UTC; spreadsheets show them in the user's time zone (settings
general.timezone). SQLite knows no time zones, but it can add seconds: the zone's offset
history (a handful of changes for Asia/Shanghai, two a year where daylight saving time is
kept) becomes a CASE over the stored text, newest change first, so present-day rows are
decided by the first comparison.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache

FIRST = datetime(1900, 1, 1, tzinfo=UTC)
LAST = datetime(2200, 1, 1, tzinfo=UTC)
STEP = timedelta(days=7)


def _offset(zone: tzinfo, moment: datetime) -> int:
    delta = moment.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


@cache
def transitions(zone: tzinfo) -> tuple[tuple[str | None, int], ...]:
    """((UTC text from which the offset holds, offset in seconds), ...), oldest first."""
    result: list[tuple[str | None, int]] = [(None, _offset(zone, FIRST))]
    previous = FIRST
    current = result[0][1]
    moment = FIRST + STEP
    while moment <= LAST:
        offset = _offset(zone, moment)
        if offset != current:
            low, high = previous, moment  # the change lies in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            result.append((high.strftime("%Y-%m-%d %H:%M:%S"), offset))
            current = offset
        previous = moment
        moment += STEP
    return tuple(result)


def offset_sql(column: str, zone: tzinfo) -> str:
    """A SQLite date modifier ('+28800 seconds') for the zone's offset at `column`."""
    changes = transitions(zone)
    if len(changes) == 1:
        return f"'{changes[0][1]:+d} seconds'"
    branches = " ".join(
        f"WHEN {column} >= '{start}' THEN '{offset:+d} seconds'"
        for start, offset in reversed(changes[1:])
    )
    return f"CASE {branches} ELSE '{changes[0][1]:+d} seconds' END"


def local_time_sql(column: str, zone: tzinfo) -> str:
    """Stored UTC text → local 'YYYY-MM-DD HH:MM', with seconds and fraction only if set."""
    mod = offset_sql(column, zone)
    return (
        f"CASE WHEN {column} IS NULL THEN NULL "
        f"WHEN substr({column}, 18) IN ('00', '00.000000') "
        f"THEN strftime('%Y-%m-%d %H:%M', {column}, {mod}) "
        f"WHEN length({column}) <= 19 OR substr({column}, 21) = '000000' "
        f"THEN strftime('%Y-%m-%d %H:%M:%S', {column}, {mod}) "
        # Whole seconds from the text without its fraction: SQLite rounds times to the
        # millisecond, which would turn 38.999692 into 39 and the fraction into a second.
        f"ELSE strftime('%Y-%m-%d %H:%M:%S', substr({column}, 1, 19), {mod})"
        f" || '.' || substr({column}, 21) END"
    )
