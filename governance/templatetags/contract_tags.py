"""GOV.UK tags for research contracts: status, dates falling due, reviews, assurance outcomes, Five Safes."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from governance.core.plurals import plural

register = template.Library()

STATUS_COLOURS = {
    "draft": "govuk-tag--grey",
    "under_assurance": "govuk-tag--blue",
    "approved": "govuk-tag--turquoise",
    "data_released": "govuk-tag--purple",
    "retention_ended": "govuk-tag--orange",
    "destruction_certified": "govuk-tag--green",
    "closed": "govuk-tag--grey",
}
REVIEW_COLOURS = {"pending": "govuk-tag--yellow", "approved": "govuk-tag--green", "changes_needed": "govuk-tag--red"}
OUTCOME_COLOURS = {
    "pending": "govuk-tag--grey",
    "met": "govuk-tag--green",
    "met_with_conditions": "govuk-tag--turquoise",
    "not_met": "govuk-tag--red",
}
SAFE_COLOURS = {
    "met": "govuk-tag--green",
    "not_met": "govuk-tag--red",
    "pending": "govuk-tag--yellow",
    "not_applicable": "govuk-tag--grey",
}
EXTENSION_COLOURS = {
    "pending": "govuk-tag--yellow",
    "approved": "govuk-tag--green",
    "rejected": "govuk-tag--red",
    "withdrawn": "govuk-tag--grey",
}


def _tag(css: str, label: str):
    return format_html('<strong class="govuk-tag {}">{}</strong>', css, label)


@register.simple_tag
def contract_status_tag(contract):
    return _tag(STATUS_COLOURS.get(contract.status, "govuk-tag--grey"), contract.get_status_display())


@register.simple_tag
def review_tag(contract_asset):
    return _tag(REVIEW_COLOURS.get(contract_asset.review_state, ""), contract_asset.get_review_state_display())


@register.simple_tag
def outcome_tag(check):
    return _tag(OUTCOME_COLOURS.get(check.outcome, ""), check.get_outcome_display())


@register.simple_tag
def safe_tag(line):
    return _tag(SAFE_COLOURS.get(line.status, ""), line.status_label)


@register.simple_tag
def extension_tag(extension):
    return _tag(EXTENSION_COLOURS.get(extension.state, ""), extension.get_state_display())


@register.simple_tag
def due_tag(date: datetime.date, today: datetime.date | None = None, active: bool = True, soon_days: int = 30):
    """'Overdue' (red) or 'In N days' (yellow, within ``soon_days``) for a date still ahead of the contract."""
    if not active or date is None:
        return ""
    today = today or timezone.localdate()
    days = (date - today).days
    if days < 0:
        return _tag("govuk-tag--red", f"Overdue by {plural(-days, 'day')}")
    if days == 0:
        return _tag("govuk-tag--yellow", "Today")
    if days <= soon_days:
        return _tag("govuk-tag--yellow", f"In {plural(days, 'day')}")
    return ""
