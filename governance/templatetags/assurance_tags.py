"""Display helpers for assurance returns and the SIRO's report: facts are stored as plain JSON, so their
dates are ISO text; people read them in GOV.UK style."""

from __future__ import annotations

import datetime
import html
from functools import lru_cache

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import default, join
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
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
    return _recertification_text(grant.get("recertification") or "", govuk_date(grant.get("recertification_date")))


def _recertification_text(state: str, on: str) -> str:
    """The label of recertification ``state`` with its date ``on`` (already written out), if it has one."""
    label = RECERTIFICATION.get(state, state)
    if on and state == "due":
        return f"Due by {on}"
    if on and state == "overdue":
        return f"Overdue since {on}"
    if on and state == "confirmed":
        return f"Confirmed on {on}"
    return label


@register.simple_tag(takes_context=True)
def facts_grant_rows(context, grants: list[dict]) -> SafeString:
    """The rows of a return's table of who holds access to an asset and why, one ``<tr>`` a grant.

    Built here rather than row by row in the template: the benchmark IAM's return lists some 2,000
    grants, and resolving five cells through template variables and filters for each was most of the
    time the page took. Dates, purposes and courses repeat from row to row, so each is written once."""
    written: dict = context.render_context.setdefault("facts_written", {})

    def text(value) -> str:
        """``value`` escaped as ``{{ value }}`` writes it, remembered for the rows that repeat it."""
        if type(value) is not str:
            return conditional_escape(render_value_in_context(value, context))
        if value not in written:
            written[value] = html.escape(value)
        return written[value]

    def day(value) -> str:
        key = ("day", value)
        if key not in written:
            written[key] = html.escape(govuk_date(value))
        return written[key]

    rows = []
    for g in grants:
        ends = day(g.get("ends_on", "")) + (" (past)" if g.get("past_end") else "")
        state = g.get("recertification") or ""
        on = g.get("recertification_date")
        key = ("recertification", state, on)
        if key not in written:
            written[key] = html.escape(_recertification_text(state, govuk_date(on)))
        missing = g.get("training_missing")
        if type(missing) is list and all(type(m) is str for m in missing):
            training = ", ".join(text(m) for m in missing) or "None"
        else:
            training = render_value_in_context(default(join(missing, ", ", autoescape=True), "None"), context)
        rows.append(
            f'<tr class="govuk-table__row"><td class="govuk-table__cell">{text(g.get("holder", ""))}</td>'
            f'<td class="govuk-table__cell">{text(g.get("purpose", ""))}</td>'
            f'<td class="govuk-table__cell">{ends}</td><td class="govuk-table__cell">{written[key]}</td>'
            f'<td class="govuk-table__cell">{training}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value in the rows is escaped (as Django's escape does)


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


#: The linked figures of each table of the SIRO's report, in column order: (the row's field, the list of
#: records behind it, that list's filter, what the figure counts). A figure of the returns table names its
#: area ("returns signed in Working Age Benefits"); the others do not.
REPORT_FIGURES = {
    "returns": (
        ("returns_signed", "round", "?state=signed", "returns signed"),
        ("returns_accepted", "round", "?state=accepted", "returns accepted"),
        ("returns_sent_back", "round", "?state=sent_back", "returns sent back"),
        ("returns_missing", "round", "?state=missing", "returns not signed"),
    ),
    "incidents": (
        ("incidents", "incidents", "", "incidents"),
        ("ico_reports", "incidents", "&ico=reported", "reported to the ICO"),
        ("deadlines_missed", "incidents", "&ico=missed", "ICO deadlines missed"),
    ),
    "access": (
        ("grants_past_end", "grants", "?attention=past_end", "grants past their end date"),
        ("grants_past_recertification", "grants", "?attention=past_recertification", "grants past recertification"),
        ("contracts_past_destruction", "contracts", "?attention=destruction_overdue", "contracts past destruction"),
        ("agreements_past_review", "agreements", "?status=past_review", "sharing agreements past review"),
    ),
    "risks": (
        ("risks_high", "risks", "?figure=high", "high risks"),
        ("risks_medium", "risks", "?figure=medium", "medium risks"),
        ("risks_low", "risks", "?figure=low", "low risks"),
        ("risks_tolerated", "risks", "?figure=tolerated", "risks tolerated"),
        ("risk_reviews_overdue", "risks", "?figure=review_overdue", "risk reviews overdue"),
    ),
}


def _report_lists(round_) -> dict[str, str]:
    """The lists of records the report's figures link to, for ``round_`` (incidents: those of its period)."""
    period = f"?aware_from={round_.period_start:%Y-%m-%d}&aware_to={round_.period_end:%Y-%m-%d}"
    return {
        "round": reverse("assurance:round", args=[round_.pk]),
        "incidents": reverse("incidents:list") + period,
        "grants": reverse("access:grants"),
        "contracts": reverse("contracts:list"),
        "agreements": reverse("privacy:agreement-list"),
        "risks": reverse("assurance:risks"),
    }


def _report_cells(context) -> dict[str, list[tuple[str, str, str, str, str]]]:
    """Each table's linked figures as (the row's field, its list's link and what it counts, as written and
    escaped): worked out once a page, not once for each of the report's 650 figures."""
    cells = context.render_context.get("report_cells")
    if cells is None:
        lists = _report_lists(context["round"])
        cells = context.render_context["report_cells"] = {
            table: [
                (name, lists[records] + narrowed, html.escape(lists[records] + narrowed), what, html.escape(what))
                for name, records, narrowed, what in figures
            ]
            for table, figures in REPORT_FIGURES.items()
        }
    return cells


@lru_cache(maxsize=1024)
def escaped_name(name: str) -> str:
    """An area's name escaped for HTML: the report writes each area's name in five tables."""
    return html.escape(name)


@register.simple_tag(takes_context=True)
def report_figures(context, row, table: str) -> SafeString:
    """The cells of one row of a table of the SIRO's report (``REPORT_FIGURES``), each as ``report_number``
    shows it, one a line. Built here rather than cell by cell in the template: the report has some 650
    linked figures, and resolving each one's link and label through template filters was most of the
    time the page took to render. Links and words are escaped once a page, the area's once a row."""
    area_id = row.get("area_id") if isinstance(row, dict) else getattr(row, "area_id", None)
    named = table == "returns" and getattr(row, "area_id", None)
    in_area_escaped = f" in {escaped_name(str(row.area))}" if named else ""
    narrowing = f"business_area={int(area_id)}" if area_id else ""  # as ``in_area`` narrows; a number
    cells = []
    for name, href, href_escaped, what, what_escaped in _report_cells(context)[table]:
        value = getattr(row, name)
        if value is None and name == "agreements_past_review":
            value = 0  # shown as 0, never "Not measured"
        if type(value) is int:  # what report_number shows, without a template's formatting of an int
            if not value:
                shown = "0"
            else:
                if narrowing:
                    href_escaped += f"{'&amp;' if '?' in href else '?'}{narrowing}"
                shown = (
                    f'<a class="govuk-link" href="{href_escaped}">{value}'
                    f'<span class="govuk-visually-hidden"> {what_escaped}{in_area_escaped}</span></a>'
                )
        else:
            label = f"{what} in {row.area}" if named else what
            shown = conditional_escape(report_number(context, value, in_area(href, row), label))
        cells.append(f'<td class="govuk-table__cell govuk-table__cell--numeric">{shown}</td>')
    return mark_safe("\n    ".join(cells))  # noqa: S308 - every value in the cells is escaped (as Django's escape does)


@register.filter
def with_pk(url_of_zero: str, pk: int) -> str:
    """The URL reversed for the id 0 (``/assurance/returns/0/``) made the one for ``pk``: the SIRO's report
    links every return not yet signed, hundreds at scale, and ``{% url %}`` resolves the pattern each time."""
    head, zero, tail = url_of_zero.rpartition("/0/")
    if not zero:
        raise ValueError(f"{url_of_zero!r} has no id 0 to replace")
    return f"{head}/{int(pk)}/{tail}"


@register.simple_tag
def outstanding_items(outstanding: list[dict], url_of_zero: str, due: str) -> SafeString:
    """One area's returns not signed or sent back, one list item a line, each linking to the return.

    Built here rather than item by item in the template: at scale the report lists hundreds of them."""
    items = []
    url_of_zero, due = html.escape(url_of_zero), html.escape(due)  # once, not once an item: ids are numbers
    for o in outstanding:
        state = "sent back, to be corrected" if o["state"] == "sent_back" else "not signed"
        items.append(
            f'\n  <li><a class="govuk-link" href="{with_pk(url_of_zero, o["return_id"])}">'
            f"{html.escape(o['iam'])}</a>: {state}, due {due}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - every value in the items is escaped


#: The tag of each return's state in a list of returns (any other state is grey).
STATE_TAG_COLOURS = {"accepted": "green", "sent_back": "red", "signed": "blue"}


@register.simple_tag
def return_rows(returns, show_round) -> SafeString:
    """A list of returns' rows (``assurance/_returns_table.html``), as its loop over ``returns`` wrote them.

    Built here rather than cell by cell: a round lists 50 returns a page, and the template engine's work
    for each variable (looking it up, localising it, escaping it) and each return's URL reversed in turn
    were most of the round page's time."""
    if not returns:
        return mark_safe(
            '\n    <tr class="govuk-table__row"><td class="govuk-table__cell" colspan="4">No returns.</td></tr>\n  '
        )
    url_of_zero = reverse("assurance:return", args=[0])
    rows = []
    for ret in returns:
        name = ret.round.period if show_round else ret.iam.display_name
        area = conditional_escape(ret.business_area) if ret.business_area else "None"
        colour = STATE_TAG_COLOURS.get(ret.state, "grey")
        href = html.escape(with_pk(url_of_zero, ret.pk))
        rows.append(
            "\n"
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell"><a class="govuk-link" href="{href}">'
            f"{conditional_escape(name)}</a></td>\n"
            f'      <td class="govuk-table__cell">{area}</td>\n'
            f'      <td class="govuk-table__cell">{conditional_escape(ret.version)}</td>\n'
            f'      <td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--{colour}">'
            f"{conditional_escape(ret.get_state_display())}</strong></td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value in the rows is escaped


def _change_or(value: int | None) -> str:
    """``{{ value|signed_change|default:"not compared" }}``."""
    return signed_change(value) or "not compared"


@register.simple_tag(takes_context=True)
def report_access_row(context, row, training_url: str) -> SafeString:
    """One row of the SIRO's report's table of training, access and contracts today: the area, its training
    compliance linking to the dashboard, its figures (``report_figures``) and their change since the last
    round. Built here rather than in the template: the row's eight variables, each through its filters, for
    41 rows, were the slowest of the report's tables."""
    area = escaped_name(str(row.area))
    if row.training is None:
        training = "Not measured"
    else:
        training = (
            f'<a class="govuk-link" href="{html.escape(training_url)}">{row.training}%'
            f'<span class="govuk-visually-hidden"> training compliance in {area}</span></a>'
        )
    change = row.change
    if change["contracts_past_destruction"] is not None or change["training"] is not None:
        changed = (
            f"Training {html.escape(_change_or(change['training']))}{' points' if change['training'] else ''}; "
            f"recertification {html.escape(_change_or(change['grants_past_recertification']))}; "
            f"contracts {html.escape(_change_or(change['contracts_past_destruction']))}"
        )
    else:
        changed = "No earlier figures"
    return mark_safe(  # noqa: S308 - every value in the row is escaped
        f'<th scope="row" class="govuk-table__header">{area}</th>\n'
        f'    <td class="govuk-table__cell govuk-table__cell--numeric">{training}</td>\n'
        f"    {report_figures(context, row, 'access')}\n"
        f'    <td class="govuk-table__cell">{changed}</td>'
    )
