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
def your_grant_rows(grants: Iterable[AccessGrant]) -> SafeString:
    """One row per grant of ``selectors.grants_on_managed_assets``: the holder (their area, leaver or
    in another area), the asset, the number of items, the state, the review, the holder's training,
    the end date and the holder's last access."""
    before, after = reverse("access:grant", args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))
    day_text = day_writer()
    rows = []
    for grant in grants:
        holder = grant.holder
        area = holder.business_area
        if not holder.is_active or holder.leaver_date:
            status = _LEAVER
        elif holder.business_area_id != grant.asset.business_area_id:
            status = _ELSEWHERE
        else:
            status = ""
        if grant.due_for_review:  # type: ignore[attr-defined]  # annotated by the selector
            review = _DUE
        elif grant.reviewed_this_period:  # type: ignore[attr-defined]
            review = "Reviewed"
        else:
            review = "Not in a review"
        last_access = grant.last_access  # type: ignore[attr-defined]
        rows.append(
            _ROW.format(
                f"{before}{grant.pk}{after}",
                escape(holder.display_name),
                _AREA.format(escape(area.name)) if area else "",
                status,
                escape(grant.asset.name),
                grant.item_count,  # type: ignore[attr-defined]
                " govuk-tag--green" if grant.state == AccessGrant.State.ACTIVE else " govuk-tag--grey",
                _STATES.get(grant.state, escape(grant.state)),
                review,
                _LAPSED if grant.training_lapsed else "Current",  # type: ignore[attr-defined]
                day_text(grant.ends_on),
                day_text(last_access) if last_access else "Never",
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
