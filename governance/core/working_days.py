"""Working days in England and Wales: weekdays that are not bank holidays.

Bank holidays come from the maintained ``holidays`` package (its ``GB`` calendar
for the ``ENG`` subdivision, which England and Wales share), so substitute days
and one-off holidays are right without a list kept here.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end``: a step done the same day took 0.

    Counted this way, something received on a Friday and answered on the Monday
    took one working day, whatever fell between.
    """
    if end <= start:
        return 0
    days, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        days += is_working_day(day)
    return days
