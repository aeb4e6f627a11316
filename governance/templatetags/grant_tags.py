"""The rows of "Your grants", built in Python.

Each of the 50 rows resolved some twenty lookups, filters and conditions node by node in the
template engine, and reversed its grant's URL: most of the page's rendering. As for the access
review's rows (``campaign_tags``), the markup is written once here, each value escaped with
``html.escape``.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from governance.access.models import AccessGrant
from governance.access.selectors import YourGrantRow
from governance.core.plurals import day_writer

register = template.Library()

_ROW = (
    '\n    <tr class="govuk-table__row">'
    '\n      <td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a>{}{}</td>'
    '\n      <td class="govuk-table__cell">{}</td>'
    '\n      <td class="govuk-table__cell">{}</td>'
    '\n      <td class="govuk-table__cell"><strong class="govuk-tag{}">{}</strong></td>'
    '\n      <td class="govuk-table__cell">{}</td>'
    '\n      <td class="govuk-table__cell">{}</td>'
    '\n      <td class="govuk-table__cell">{}</td>'
    '\n      <td class="govuk-table__cell">{}</td>'
    "\n    </tr>\n    "
)
_AREA = '<br><span class="govuk-body-s">{}</span>'
_LEAVER = '<br><strong class="govuk-tag govuk-tag--red">Leaver</strong>'
_ELSEWHERE = '<br><strong class="govuk-tag govuk-tag--yellow">Another area</strong>'
_DUE = '<strong class="govuk-tag govuk-tag--orange">Due</strong>'
_LAPSED = '<strong class="govuk-tag govuk-tag--red">Lapsed</strong>'
_STATES = {state.value: escape(str(state.label)) for state in AccessGrant.State}
_PLACEHOLDER = 987654321  # a grant id, replaced by each row's: one reverse() for the whole table


@register.simple_tag
def your_grant_rows(grants: Iterable[YourGrantRow]) -> SafeString:
    """One row per grant of ``selectors.your_grant_rows``: the holder (their area, leaver or in another
    area), the asset, the number of items, the state, the review, the holder's training, the end date
    and the holder's last access."""
    before, after = reverse("access:grant", args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))
    day_text = day_writer()
    rows = []
    for grant in grants:
        if not grant.holder_is_active or grant.holder_leaver_date:
            status = _LEAVER
        elif grant.holder_area_id != grant.asset_area_id:
            status = _ELSEWHERE
        else:
            status = ""
        if grant.due_for_review:
            review = _DUE
        elif grant.reviewed_this_period:
            review = "Reviewed"
        else:
            review = "Not in a review"
        rows.append(
            _ROW.format(
                f"{before}{grant.pk}{after}",
                escape(grant.holder_name),
                _AREA.format(escape(grant.holder_area_name)) if grant.holder_area_name is not None else "",
                status,
                escape(grant.asset_name),
                grant.item_count,
                " govuk-tag--green" if grant.state == AccessGrant.State.ACTIVE else " govuk-tag--grey",
                _STATES.get(grant.state, escape(grant.state)),
                review,
                _LAPSED if grant.training_lapsed else "Current",
                day_text(grant.ends_on),
                day_text(grant.last_access) if grant.last_access else "Never",
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
