"""Numbers, plurals and dates as GOV.UK writes them, by one helper, and no template writing its own."""

from __future__ import annotations

import datetime
import pathlib
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from governance.core.plurals import date_text, datetime_text, day_writer, number, plural

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize(
    "count,forms,expected",
    [
        (0, "grant", "0 grants"),
        (1, "grant", "1 grant"),
        (2, "grant", "2 grants"),
        (1240, "grant", "1,240 grants"),
        (1, "person,people", "1 person"),
        (3, "person,people", "3 people"),
        (2, "entry,entries", "2 entries"),
        (1, "release", "1 release"),
        (None, "release", "0 releases"),
    ],
)
def test_plural(count, forms, expected):
    assert plural(count, forms) == expected


def test_numbers_have_commas():
    assert (number(5), number(1240), number(1234567), number(None)) == ("5", "1,240", "1,234,567", "")


def test_dates_have_no_leading_zero_and_the_month_in_full():
    fourth = datetime.date(timezone.localdate().year + 1, 12, 4)
    assert date_text(fourth) == f"4 December {fourth.year}"
    moment = timezone.make_aware(datetime.datetime(fourth.year, 3, 7, 9, 5))
    assert datetime_text(moment) == f"7 March {fourth.year} at 09:05"


def test_the_quick_date_filters_write_what_djangos_date_filter_writes():
    year = timezone.localdate().year + 1
    days = [datetime.date(year, month, day) for month in range(1, 13) for day in (1, 9, 28)]
    moments = [timezone.make_aware(datetime.datetime(year, month, 4, 23, 30)) for month in (3, 6, 10, 12)]
    for value in [*days, *moments, None]:
        context = Context({"d": value})
        assert Template("{% load portal_tags %}{{ d|govuk_date }}").render(context) == Template(
            '{{ d|date:"j F Y" }}'
        ).render(context)
        assert Template("{% load portal_tags %}{{ d|short_date }}").render(context) == Template(
            '{{ d|date:"j M Y" }}'
        ).render(context)


def test_the_template_filters_are_the_same_helper():
    fourth = datetime.date(timezone.localdate().year + 1, 12, 4)
    rendered = Template(
        '{% load portal_tags %}{{ one|plural:"grant" }}; {{ many|plural:"grant" }}; '
        "{{ big|number }}; {{ day|govuk_date }}"
    ).render(Context({"one": 1, "many": 1240, "big": 50000, "day": fourth}))
    assert rendered == f"1 grant; 1,240 grants; 50,000; 4 December {fourth.year}"


# A count written straight before a plural noun ("{{ n }} grants", "grant{{ n|pluralize }}") says
# "1 grants" or misses the commas: templates use the plural filter instead.
NOUNS = (
    "grants|releases|requests|items|assets|contracts|incidents|rows|cells|entries|months|days|hours|minutes"
    "|records|changes|tests|returns|problems|codes|results|risks|accounts|courses|actions|people"
)
HAND_WRITTEN = re.compile(r"\{\{[^}]*\}\}\s+(?:" + NOUNS + r")\b|\|pluralize")
NOT_YET: set[str] = set()


def test_no_template_writes_its_own_plurals():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".txt"):
            continue
        name = path.relative_to(TEMPLATES).as_posix()
        if name in NOT_YET:
            continue
        for number_, line in enumerate(path.read_text().splitlines(), start=1):
            if HAND_WRITTEN.search(line):
                offenders.append(f"{name}:{number_}: {line.strip()[:120]}")
    assert offenders == []


def test_no_python_writes_dates_with_a_leading_zero():
    root = pathlib.Path(__file__).resolve().parents[2] / "governance"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and re.search(r"%d %(B|b|m)", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC),  # 2 July in UK summer time
        datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 4, 9, 0),  # naive: taken as it is, as date_text takes it
        datetime.date(2026, 3, 4),
    ],
)
def test_a_day_writer_writes_what_date_text_writes(value):
    write = day_writer()
    assert write(value) == date_text(value)
    assert write(value) == date_text(value)  # and again, from what it wrote the first time
