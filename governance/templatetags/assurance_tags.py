"""Display helpers for assurance returns and the SIRO's report: facts are stored as plain JSON, so their
dates are ISO text; people read them in GOV.UK style."""

from __future__ import annotations

import datetime

from django import template
from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from governance.core.plurals import date_text

register = template.Library()

RECERTIFICATION = {
    "confirmed": "Confirmed",
    "due": "Due",
    "overdue": "Overdue",
    "not_yet_due": "Not yet due: joins the next access review",
}


@register.filter
def govuk_date(value: str | datetime.date | None) -> str:
    """``2027-03-04`` (or a date) as ``4 March 2027``; nothing for nothing (the one helper, ``plurals.date_text``)."""
    return date_text(value)


@register.filter
def recertification_label(grant: dict) -> str:
    """A grant's place in recertification, with its date: "Due by 4 March 2027", "Overdue since …"."""
    state: str = grant.get("recertification") or ""
    on = govuk_date(grant.get("recertification_date"))
    label = RECERTIFICATION.get(state, state)
    if on and state == "due":
        return f"Due by {on}"
    if on and state == "overdue":
        return f"Overdue since {on}"
    if on and state == "confirmed":
        return f"Confirmed on {on}"
    return label


@register.filter
def signed_change(value: int | None) -> str:
    """A change since the last round as people write it: "up 3", "down 2", "no change"; nothing if unknown."""
    if value is None:
        return ""
    if value > 0:
        return f"up {value}"
    if value < 0:
        return f"down {-value}"
    return "no change"


@register.filter
def in_area(url: str, row) -> str:
    """``url`` narrowed to the row's business area (``?business_area=<id>``); the total row's stays whole."""
    area_id = row.get("area_id") if isinstance(row, dict) else getattr(row, "area_id", None)
    if not area_id:
        return url
    return f"{url}{'&' if '?' in url else '?'}business_area={area_id}"


@register.filter
def add_total(rows, total) -> list:
    """The areas' rows followed by the total row, for tables that end with it."""
    return [*rows, total]


@register.filter
def css_string(value: str) -> SafeString:
    """``value`` as the inside of a double-quoted CSS string in a ``<style>`` element (a raw text element,
    where HTML escaping would show literally): backslashes, quotes, angle brackets and line breaks escaped."""
    text = " ".join(str(value).split())
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("<", "\\3C "), (">", "\\3E ")):
        text = text.replace(char, escaped)
    return mark_safe(text)  # noqa: S308 - every character that could end the string or the element is escaped


@register.simple_tag(takes_context=True)
def report_number(context, value, href: str, what: str) -> str:
    """A figure of the SIRO's report linking to the records behind it, "Not measured" for None, "0" for none.

    A tag, not an included template: the report shows some 16 figures for each of 40 areas, and an
    include costs a template context and a node walk each time."""
    if value:
        shown = render_value_in_context(value, context)
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> {}</span></a>', href, shown, what
        )
    if value is None:
        return "Not measured"
    return "0"


@register.filter
def with_pk(url_of_zero: str, pk: int) -> str:
    """The URL reversed for the id 0 (``/assurance/returns/0/``) made the one for ``pk``: the SIRO's report
    links every return not yet signed, hundreds at scale, and ``{% url %}`` resolves the pattern each time."""
    head, zero, tail = url_of_zero.rpartition("/0/")
    if not zero:
        raise ValueError(f"{url_of_zero!r} has no id 0 to replace")
    return f"{head}/{int(pk)}/{tail}"
