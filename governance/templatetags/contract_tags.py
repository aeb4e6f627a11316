"""GOV.UK tags for research contracts: status, dates falling due, reviews, assurance outcomes, Five Safes;
and the rows of the contract list and the retention calendar, written here rather than by template
loops (fifty rows of a dozen lookups, filters and tags each were most of those pages' time)."""

from __future__ import annotations

import datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from governance.core.plurals import plural, short_date_text
from governance.templatetags.compliance_tags import cell_text

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


# --- the lists' rows -----------------------------------------------------------------------

_PLACEHOLDER = 987654321  # a contract's id, replaced by each row's: one reverse() for the whole table
_DATA_RELEASED = "data_released"


def _contract_url() -> str:
    return reverse("contracts:detail", args=[_PLACEHOLDER])


def _retention_cell(contract, today) -> str:
    """The retention end date, and how soon it falls while the data is out."""
    due = f"<br>{due_tag(contract.retention_end_date, today)}" if contract.status == _DATA_RELEASED else ""
    return f"{short_date_text(contract.retention_end_date)}{due}"


@register.simple_tag
def contract_list_rows(contracts, today) -> SafeString:
    """The contract list's rows: reference and title, contractor, manager (and whether they have left),
    status, retention and destruction dates; the contracts select their organisation and manager."""
    url = _contract_url()
    out = []
    for contract in contracts:
        manager = contract.manager
        left = "" if manager.is_active else '<br><strong class="govuk-tag govuk-tag--red">Has left</strong>'
        destruction = short_date_text(contract.destruction_due_date)
        if contract.holds_data:
            destruction += f"<br>{due_tag(contract.destruction_due_date, today)}"
        link = cell_text(url.replace(str(_PLACEHOLDER), str(contract.pk)))
        reference = cell_text(contract.reference)
        out.append(
            "\n"
            '        <tr class="govuk-table__row">\n'
            f'          <td class="govuk-table__cell"><a class="govuk-link" href="{link}">{reference}'
            f'</a><br><span class="govuk-body-s">{cell_text(contract.title)}<br>'
            f"{cell_text(plural(contract.asset_count, 'asset'))} provided</span></td>\n"
            f'          <td class="govuk-table__cell">{cell_text(contract.organisation.name)}</td>\n'
            f'          <td class="govuk-table__cell">{cell_text(manager.display_name)}{left}</td>\n'
            f'          <td class="govuk-table__cell">{contract_status_tag(contract)}</td>\n'
            f'          <td class="govuk-table__cell">{_retention_cell(contract, today)}</td>\n'
            f'          <td class="govuk-table__cell">{destruction}</td>\n'
            "        </tr>\n        "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text or a tag


@register.simple_tag
def calendar_rows(contracts, today) -> SafeString:
    """The retention calendar's rows: reference, contractor and manager, status, retention end and
    destruction due (in bold when overdue), each with how soon it falls."""
    url = _contract_url()
    out = []
    for contract in contracts:
        overdue = contract.destruction_is_overdue
        destruction = short_date_text(contract.destruction_due_date)
        if overdue:
            destruction = f"<strong>{destruction}</strong>"
        if contract.holds_data:
            destruction += f"<br>{due_tag(contract.destruction_due_date, today)}"
        link = cell_text(url.replace(str(_PLACEHOLDER), str(contract.pk)))
        reference = cell_text(contract.reference)
        people = f"{cell_text(contract.organisation.name)} · {cell_text(contract.manager.display_name)}"
        out.append(
            "\n"
            f'        <tr class="govuk-table__row{" app-table__row--overdue" if overdue else ""}">\n'
            f'          <td class="govuk-table__cell"><a class="govuk-link" href="{link}">{reference}'
            f'</a><br><span class="govuk-body-s">{people}</span></td>\n'
            f'          <td class="govuk-table__cell">{contract_status_tag(contract)}</td>\n'
            f'          <td class="govuk-table__cell">{_retention_cell(contract, today)}</td>\n'
            f'          <td class="govuk-table__cell">{destruction}</td>\n'
            "        </tr>\n        "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text or a tag
