"""The accountability page's tables, built by tags rather than template loops.

Forty areas with five counts each, and three short lists of assets, each naming its IAM:
the template engine's work for each variable was most of the page's time. Each tag writes
exactly what its loop wrote.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from governance.templatetags.assurance_tags import with_pk
from governance.templatetags.compliance_tags import cell_text
from governance.templatetags.portal_tags import person, review_tag

register = template.Library()

_NUMERIC = 'td class="govuk-table__cell govuk-table__cell--numeric"'


@register.simple_tag(takes_context=True)
def accountability_area_rows(context, areas, register_url) -> SafeString:
    """Each area's Deputy SIRO and its assets counted, each count linking to the register filtered to it."""
    out = []
    for area in areas:
        deputy = person(context, area.deputy_siro) if area.deputy_siro else "Vacant"
        link = f"{cell_text(register_url)}?business_area={cell_text(area.pk)}"
        counts = "".join(
            f'      <{_NUMERIC}><a class="govuk-link" href="{link}{query}">{cell_text(count)}</a></td>\n'
            for query, count in (
                ("", area.total),
                ("&amp;iam_needed=yes", area.iam_needed),
                ("&amp;review=overdue", area.overdue),
                ("&amp;personal_data=yes", area.personal),
                ("&amp;special_category=yes", area.special),
            )
        )
        out.append(
            "\n"
            '    <tr class="govuk-table__row">\n'
            f'      <th scope="row" class="govuk-table__header">{cell_text(area.name)}</th>\n'
            f'      <td class="govuk-table__cell">{deputy}</td>\n'
            f"{counts}"
            "    </tr>\n    "
        )
    if not out:
        none = '<td class="govuk-table__cell" colspan="7">No business areas.</td>'
        out.append(f'\n    <tr class="govuk-table__row">{none}</tr>\n    ')
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text or a tag


@register.simple_tag(takes_context=True)
def asset_short_rows(context, assets) -> SafeString:
    """A short list's assets: name, area, IAM (or that one is needed) and next review.

    Each asset's URL is made from the one reversed for the id 0 (``InformationAsset.get_absolute_url`` for
    ``assets:detail``): the page lists up to 60 assets, and reversing each resolved the pattern every time."""
    url_of_zero = reverse("assets:detail", args=[0])
    out = []
    for asset in assets:
        iam = '<strong class="govuk-tag govuk-tag--red">IAM needed</strong>' if asset.needs_iam else None
        href = cell_text(with_pk(url_of_zero, asset.pk))
        out.append(
            "\n"
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell"><a class="govuk-link" href="{href}">'
            f"{cell_text(asset.name)}</a></td>\n"
            f'      <td class="govuk-table__cell">{cell_text(asset.business_area.name)}</td>\n'
            f'      <td class="govuk-table__cell">{iam if iam is not None else person(context, asset.manager)}</td>\n'
            f'      <td class="govuk-table__cell">{cell_text(date(asset.next_review_date, "j M Y"))} '
            f"{review_tag(asset)}</td>\n"
            "    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text or a tag
