"""The access review's table rows, built in Python.

An IAM's review lists up to 500 grants a page, each row a dozen lookups, filters and tags
that the template engine resolved node by node: more than half the page's time. As for the
incident's lists (``incident_tags``), the markup is written once here, escaped by ``format_html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from governance.access.models import AccessGrant
from governance.core.plurals import date_text

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
_SUSPENDED = mark_safe('<br><strong class="govuk-tag govuk-tag--grey">Suspended</strong>')
_LAPSED = mark_safe('<strong class="govuk-tag govuk-tag--red">Lapsed</strong>')
_CURRENT = mark_safe('<strong class="govuk-tag govuk-tag--green">Current</strong>')
_PLACEHOLDER = 987654321  # a grant id, replaced by each row's: one reverse() for the whole table


@register.simple_tag
def campaign_review_rows(reviews: Iterable[Any]) -> SafeString:
    """One row per review: the checkbox, the holder (left, leaving or in another area), the asset,
    the items held and used, the last access, the training and the end date. The reviews are
    ``selectors.campaign_reviews``' with what ``CampaignView`` adds (items held and used, chosen)."""
    grant_url = reverse("access:grant", args=[_PLACEHOLDER])
    rows = []
    for n, review in enumerate(reviews):
        grant = review.grant
        holder, asset = grant.holder, grant.asset
        name = holder.display_name
        status = ""
        if not holder.is_active or holder.leaver_date:
            left = "Left" if not holder.is_active or holder.is_leaver else f"Leaving {date_text(holder.leaver_date)}"
            status = format_html(_LEFT, left)
        elif holder.business_area_id != asset.business_area_id:
            area = holder.business_area.name if holder.business_area else ""
            status = format_html(_MOVED, area or "no business area")
        rows.append(
            format_html(
                _ROW,
                n,
                review.pk,
                mark_safe(" checked") if review.chosen else "",
                n,
                name,
                asset.name,
                grant_url.replace(str(_PLACEHOLDER), str(grant.pk)),
                name,
                status,
                asset.name,
                _SUSPENDED if grant.state == AccessGrant.State.SUSPENDED else "",
                len(review.items_held),
                len(review.items_used),
                review.items_text,
                date_text(review.last_access) if review.last_access else "Never",
                _LAPSED if review.training_lapsed else _CURRENT,
                date_text(grant.ends_on),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - each row built by format_html
