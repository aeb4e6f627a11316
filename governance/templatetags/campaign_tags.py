"""The access review's table rows, built in Python.

An IAM's review lists its grants fifty a page (it was 500), each row a dozen lookups, filters and
tags that the template engine resolved node by node: more than half the page's time. As for the
incident's lists (``incident_tags``), the markup is written once here. Each row is one
``str.format`` of text escaped with ``html.escape`` (what ``format_html`` does, without its
per-argument checks: those were most of the tag's time at 500 rows of 17 values).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from governance.access.models import AccessGrant
from governance.access.selectors import items_used
from governance.core.models import person_name
from governance.core.plurals import date_text, day_writer

register = template.Library()

_ROW = (
    '\n        <tr class="govuk-table__row">'
    '\n          <td class="govuk-table__cell">'
    '\n            <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
    '<div class="govuk-checkboxes__item">'
    '\n              <input class="govuk-checkboxes__input" id="id_reviews_{}" name="reviews" type="checkbox"'
    ' value="{}"{}>'
    '\n              <label class="govuk-label govuk-checkboxes__label" for="id_reviews_{}">'
    '<span class="govuk-visually-hidden">{}: {}</span></label>'
    "\n            </div></div>"
    "\n          </td>"
    '\n          <td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a>'
    "\n            {}</td>"
    '\n          <td class="govuk-table__cell">{}{}</td>'
    '\n          <td class="govuk-table__cell">{} held, {} used at last access'
    '\n            <details class="govuk-details govuk-!-margin-bottom-0"><summary class="govuk-details__summary">'
    '<span class="govuk-details__summary-text">Items</span></summary>'
    '<div class="govuk-details__text">{}</div></details></td>'
    '\n          <td class="govuk-table__cell">{}</td>'
    '\n          <td class="govuk-table__cell">{}</td>'
    '\n          <td class="govuk-table__cell">{}</td>'
    "\n        </tr>\n        "
)
_LEFT = '<br><strong class="govuk-tag govuk-tag--red">{}</strong>\n            '
_MOVED = '<br><strong class="govuk-tag govuk-tag--yellow">In {}</strong>'
_SUSPENDED = '<br><strong class="govuk-tag govuk-tag--grey">Suspended</strong>'
_LAPSED = '<strong class="govuk-tag govuk-tag--red">Lapsed</strong>'
_CURRENT = '<strong class="govuk-tag govuk-tag--green">Current</strong>'
_PLACEHOLDER = 987654321  # a grant id, replaced by each row's: one reverse() for the whole table


@register.simple_tag
def campaign_review_rows(reviews: Iterable[tuple], items: dict[int, list[str]], chosen: set[str]) -> SafeString:
    """One row per review: the checkbox, the holder (left, leaving or in another area), the asset,
    the items held and used, the last access, the training and the end date. The reviews are
    ``selectors.campaign_rows``' tuples; ``items`` names each grant's items (``selectors.items_held``);
    ``chosen`` holds the ids of the reviews ticked when the form came back with an error."""
    grant_url = reverse("access:grant", args=[_PLACEHOLDER])
    before, after = grant_url.split(str(_PLACEHOLDER))
    today = timezone.localdate()
    day_text = day_writer()  # a page's rows hold a few end dates and last-access days, each written once
    rows = []
    for n, row in enumerate(reviews):
        (
            pk,
            grant_id,
            state,
            ends_on,
            asset_name,
            asset_area_id,
            username,
            first_name,
            last_name,
            is_active,
            leaver_date,
            area_id,
            area_name,
            last_access,
            last_detail,
            training_lapsed,
        ) = row
        name = escape(person_name(first_name, last_name, username))
        asset = escape(asset_name)
        status = ""
        if not is_active or leaver_date:
            left = "Left" if not is_active or leaver_date <= today else f"Leaving {date_text(leaver_date)}"
            status = _LEFT.format(escape(left))
        elif area_id != asset_area_id:
            status = _MOVED.format(escape(area_name or "no business area"))
        held = items[grant_id]
        used = set(items_used(last_detail, held))
        rows.append(
            _ROW.format(
                n,
                pk,
                " checked" if str(pk) in chosen else "",
                n,
                name,
                asset,
                f"{before}{grant_id}{after}",
                name,
                status,
                asset,
                _SUSPENDED if state == AccessGrant.State.SUSPENDED else "",
                len(held),
                len(used),
                # Written here rather than item by item in the template: the page lists hundreds of rows.
                escape(", ".join(f"{item} (used)" if item in used else item for item in held)),
                day_text(last_access) if last_access else "Never",
                _LAPSED if training_lapsed else _CURRENT,
                day_text(ends_on),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
