"""The compliance dashboard's long tables, built by tags rather than template loops.

The SIRO's dashboard lists every area and course, every area's incidents by month and each
trend's daily figures: some 600 table rows, where the template engine's work for each variable
(looking it up, localising it, escaping it) was most of the page's time. Each tag writes exactly
what its loop wrote, cell by cell, with the same filters.
"""

from __future__ import annotations

import datetime
import functools
from html import escape as _html_escape

from django import template
from django.conf import settings
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


def cell_text(value) -> str:
    """``{{ value }}``: localised (a number with the separators in force) and escaped."""
    if isinstance(value, int) and not isinstance(value, bool) and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    as_html = getattr(value, "__html__", None)
    if as_html is not None:
        return str(as_html())
    return _html_escape(str(localize(value)))


@functools.lru_cache(maxsize=1024)
def _date_text(day: datetime.date, fmt: str, language: str | None) -> str:
    """``{{ day|date:fmt }}``, escaped, in ``language``: the same few dates recur down a long table (each
    area's months of incidents; the charts' days, in every chart's table), and formatting one looks the
    month's name up in the translations."""
    return cell_text(date(day, fmt))


@register.simple_tag
def training_compliance_rows(rows) -> SafeString:
    """The training table's rows, as its loop over ``rows`` wrote them (a row saying so when there are none)."""
    if not rows:
        return mark_safe(
            '\n    <tr class="govuk-table__row"><td class="govuk-table__cell" colspan="7">'
            "No published courses or business areas.</td></tr>\n    "
        )
    numeric = 'td class="govuk-table__cell govuk-table__cell--numeric"'
    # Each row's people URL from the one reversed for area 0 and course 0: the SIRO's table has some 100 rows,
    # and reversing each URL resolved the pattern every time.
    head, zeros, tail = reverse("training:compliance-people", args=[0, 0]).rpartition("/0/0/")
    if not zeros:
        raise ValueError("the people's URL has no area and course ids to replace")
    out = []
    for row in rows:
        people = cell_text(f"{head}/{int(row.area.pk)}/{int(row.course.pk)}/{tail}")
        percent = f"{cell_text(row.percent)}%" if row.percent is not None else "\u2013"  # an en dash: no figure
        out.append(
            "\n    \n"
            '    <tr class="govuk-table__row">\n'
            f'      <th scope="row" class="govuk-table__header">{cell_text(row.area.name)}</th>\n'
            f'      <td class="govuk-table__cell">{cell_text(row.course.title)}</td>\n'
            f'      <{numeric}><a class="govuk-link" href="{people}">{cell_text(row.total)}</a></td>\n'
            f"      <{numeric}>{percent}</td>\n"
            f'      <{numeric}><a class="govuk-link" href="{people}?status=due_soon">'
            f"{cell_text(row.due_soon)}</a></td>\n"
            f'      <{numeric}><a class="govuk-link" href="{people}?status=overdue">{cell_text(row.overdue)}</a></td>\n'
            f'      <{numeric}><a class="govuk-link" href="{people}?status=never_signed">'
            f"{cell_text(row.never_signed)}</a></td>\n"
            "    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text


@register.simple_tag
def incident_month_rows(rows) -> SafeString:
    """The incidents table's rows: per area and month, reported, still open, reported to the ICO, missed."""
    numeric = 'td class="govuk-table__cell govuk-table__cell--numeric"'
    language = get_language()
    out = []
    for row in rows:
        missed = (
            f'<strong class="govuk-tag govuk-tag--red">{cell_text(row.deadlines_missed)}</strong>'
            if row.deadlines_missed
            else "0"
        )
        out.append(
            "\n"
            '    <tr class="govuk-table__row">\n'
            f'      <th scope="row" class="govuk-table__header">{cell_text(row.area)}</th>\n'
            f'      <td class="govuk-table__cell">{_date_text(row.month, "F Y", language)}</td>\n'
            f"      <{numeric}>{cell_text(row.reported)}</td>\n"
            f"      <{numeric}>{cell_text(row.open)}</td>\n"
            f"      <{numeric}>{cell_text(row.ico_reports)}</td>\n"
            f"      <{numeric}>{missed}</td>\n"
            "    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text


def coordinate(value: float) -> str:
    """A point's coordinate in the SVG, never localised (a decimal comma would break the drawing): what
    ``{{ value }}`` writes inside the charts' ``{% localize off %}``. Localising each of the 240 coordinates
    of a page's charts (looking up the language's number formats every time) was most of the charts' time."""
    return str(value)


@register.simple_tag
def chart_dots(chart) -> SafeString:
    """A chart's points as circles, each titled with its day and figure."""
    return mark_safe(  # noqa: S308 - the coordinates are numbers; the titles are escaped by cell_text
        "".join(
            f'<circle cx="{coordinate(x)}" cy="{coordinate(y)}" r="4" fill="#1d70b8">'
            f"<title>{cell_text(label)}</title></circle>"
            for x, y, label in chart.dots
        )
    )


@register.simple_tag
def chart_figure_rows(chart) -> SafeString:
    """A chart's figures as table rows, day by day: the same figures as the picture."""
    unit = cell_text(chart.unit)
    language = get_language()
    return mark_safe(  # noqa: S308 - every value escaped by cell_text
        "".join(
            '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
            f'{_date_text(day, "j F Y", language)}</th><td class="govuk-table__cell govuk-table__cell--numeric">'
            f"{'Not recorded' if value is None else cell_text(value) + unit}</td></tr>"
            for day, value in chart.series.points
        )
    )


@register.simple_tag
def chart_scale(chart) -> SafeString:
    """A chart's labelled lines of its vertical scale, each line with its figure, as the loop over
    ``chart.y_ticks`` inside the charts' ``{% localize off %}`` wrote them."""
    unit = cell_text(chart.unit)
    return mark_safe(  # noqa: S308 - the coordinates and figures are numbers; the unit is escaped by cell_text
        "".join(
            f'\n    <line x1="40" x2="{chart.width}" y1="{coordinate(y)}" y2="{coordinate(y)}" stroke="#b1b4b6"'
            ' stroke-width="1"/>\n'
            f'    <text x="34" y="{coordinate(y)}" text-anchor="end" dominant-baseline="middle" font-size="12"'
            f' fill="#0b0c0c">{coordinate(value)}{unit}</text>\n    '
            for y, value in chart.y_ticks
        )
    )


@register.simple_tag
def chart_days(chart) -> SafeString:
    """A chart's day labels along the bottom, as the loop over ``chart.x_labels`` wrote them."""
    bottom = int(chart.height) - 8  # ``chart.height|add:'-8'``
    return mark_safe(  # noqa: S308 - the coordinates are numbers; the labels are escaped by cell_text
        "".join(
            f'<text x="{coordinate(x)}" y="{bottom}" text-anchor="middle" font-size="12" fill="#0b0c0c">'
            f"{cell_text(label)}</text>"
            for x, label in chart.x_labels
        )
    )
