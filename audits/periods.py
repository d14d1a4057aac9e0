"""Period bucketing, pure: a visit falls in the period of its ``started_at`` in its location's zone.

Weeks start on Monday; months and quarters start on their first day. ``period_keys`` is computed
once, when a visit is written, and stored on the visit so that reports group by plain date columns.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

PERIODS = ("week", "month", "quarter")


@dataclass(frozen=True)
class PeriodKeys:
    local_date: dt.date
    week_start: dt.date
    month_start: dt.date
    quarter_start: dt.date


def local_date(instant: dt.datetime, tz_name: str) -> dt.date:
    """The calendar date of ``instant`` (aware) in the IANA zone ``tz_name``."""
    return instant.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown period {period!r}")


def next_period_start(start: dt.date, period: str) -> dt.date:
    if period == "week":
        return start + dt.timedelta(days=7)
    months = 1 if period == "month" else 3
    month_index = start.month - 1 + months
    return dt.date(start.year + month_index // 12, month_index % 12 + 1, 1)


def period_keys(instant: dt.datetime, tz_name: str) -> PeriodKeys:
    day = local_date(instant, tz_name)
    return PeriodKeys(
        day, period_start(day, "week"), period_start(day, "month"), period_start(day, "quarter")
    )


def period_starts(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    """Every period start from the one holding ``first`` to the one holding ``last``, no holes."""
    starts = []
    current = period_start(first, period)
    while current <= last:
        starts.append(current)
        current = next_period_start(current, period)
    return starts
