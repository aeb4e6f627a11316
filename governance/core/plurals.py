"""Numbers, plurals and dates written as GOV.UK writes them, for templates, messages and emails alike.

"1 grant", "2 grants", "1,240 grants"; "4 December 2026" (never "04 December 2026").
One place, so a page, its email and its message never disagree; the template filters
in ``templatetags/portal_tags.py`` call these.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html import escape

from django.utils import timezone


def number(value: int | float | None) -> str:
    """A whole number with commas between thousands: 1240 -> '1,240'. ``None`` -> ''."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def plural(count: int | None, forms: str, plural_form: str | None = None) -> str:
    """'1 grant', '2 grants', '0 grants', '1,240 grants'; ``forms`` may be 'person,people' for an irregular noun."""
    singular, _, irregular = forms.partition(",")
    many = plural_form or irregular or f"{singular}s"
    count = int(count or 0)
    return f"{number(count)} {singular if count == 1 else many}"


def date_text(value: datetime.date | datetime.datetime | str | None) -> str:
    """'4 December 2026': day without a leading zero, the month in full. Times are shown in UK time.

    Also takes a date stored as text (``2027-03-04``, as signed returns keep their facts); text that
    is not a date is given back unchanged.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}"


def short_date_text(value: datetime.date | datetime.datetime | None) -> str:
    """'4 Dec 2026': as ``date_text`` with the month's first three letters (Django's "j M Y")."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%b %Y}"


def short_datetime_text(value: datetime.datetime | None) -> str:
    """'4 Dec 2026 14:30': ``short_date_text`` with the time, in UK time (Django's "j M Y H:i")."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{short_date_text(local)} {local:%H:%M}"


def datetime_text(value: datetime.datetime | None) -> str:
    """'4 December 2026 at 14:30', in UK time."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_text(local)} at {local:%H:%M}"


def day_writer() -> Callable[[datetime.date | datetime.datetime], str]:
    """``date_text``, escaped, for the rows of one table: each day written once.

    A table of hundreds of rows holds a few dozen days, and ``date_text`` looked the time zone up
    for every value; times are still shown as their day in UK time."""
    zone = timezone.get_current_timezone()
    days: dict[datetime.date, str] = {}

    def write(value: datetime.date | datetime.datetime) -> str:
        if isinstance(value, datetime.datetime):
            value = (value.astimezone(zone) if timezone.is_aware(value) else value).date()
        text = days.get(value)
        if text is None:
            text = days[value] = escape(date_text(value))
        return text

    return write
