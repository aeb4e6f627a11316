"""The rows of the SIRO's report's tables (``assurance/_report_tables.html``), written in Python.

Each tag writes what the template's loop over the areas wrote, byte for byte. The report has 41 rows in each
of five tables and hundreds of returns not signed; walking the template's nodes for each row, and resolving
each variable through its filters, was most of the time the page took to render.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from governance.templatetags.assurance_tags import (
    escaped_name,
    outstanding_items,
    report_access_row,
    report_figures,
    signed_change,
)

register = template.Library()

ROW = '<tr class="govuk-table__row">\n    '
END = "\n  </tr>"


def _area(row) -> str:
    return f'<th scope="row" class="govuk-table__header">{escaped_name(str(row.area))}</th>'


#: The two changes since the last round the returns and incidents tables show, and their words.
CHANGES = {
    "returns": ("returns_signed", "returns_missing", ("Signed", "not signed")),
    "incidents": ("incidents", "deadlines_missed", ("Incidents", "deadlines missed")),
}


def _change_cell(row, table: str) -> str:
    first, second, words = CHANGES[table]
    change = row.change
    if change.get(first) is None:
        return '<td class="govuk-table__cell">No earlier round</td>'
    text = f"{words[0]} {signed_change(change.get(first))}; {words[1]} {signed_change(change.get(second))}"
    return f'<td class="govuk-table__cell">{text}</td>'


def _row(context, row, table: str, training_url: str) -> str:
    if table in ("returns", "incidents"):
        return f"{ROW}{_area(row)}\n    {report_figures(context, row, table)}\n    {_change_cell(row, table)}{END}"
    if table == "access":
        return f"{ROW}{report_access_row(context, row, training_url)}{END}"
    if table == "risks":
        return f"{ROW}{_area(row)}\n    {report_figures(context, row, 'risks')}{END}"
    if table == "dpias":
        cell = '<td class="govuk-table__cell govuk-table__cell--numeric">'
        signed, outstanding = row.dpias_signed or 0, row.dpias_outstanding or 0  # ``|default:0``
        return f"{ROW}{_area(row)}\n    {cell}{signed}</td>\n    {cell}{outstanding}</td>{END}"
    raise ValueError(f"no table {table!r} in the SIRO's report")


@register.simple_tag(takes_context=True)
def report_rows(context, rows: Iterable, table: str, total=None, training_url: str = "") -> SafeString:
    """The rows of one table of the SIRO's report (``returns``, ``incidents``, ``access``, ``dpias`` or
    ``risks``), one after the other; with ``total``, its row after them on a line of its own."""
    written = "".join(_row(context, row, table, training_url) for row in rows)
    if total is not None:
        written += "\n  " + _row(context, total, table, training_url)
    return mark_safe(written)  # noqa: S308 - every value in the rows is escaped (as Django's escape does)


@register.simple_tag
def report_outstanding(rows: Iterable, url_of_zero: str, due: str) -> SafeString:
    """Each area's returns not signed or sent back, under the area's name; nothing for an area with none."""
    written = "".join(
        f'\n<h3 class="govuk-heading-s">{escaped_name(str(row.area))}</h3>\n<ul class="govuk-list govuk-list--bullet">'
        f"{outstanding_items(row.outstanding, url_of_zero, due)}\n</ul>\n"
        for row in rows
        if row.outstanding
    )
    return mark_safe(written)  # noqa: S308 - every value in the lists is escaped
