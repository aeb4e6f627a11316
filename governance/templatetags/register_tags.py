"""The register's longer tables, built by tags rather than template loops.

Forty areas with five counts each, and three short lists of assets, each naming its IAM, on the
accountability page; a page of the register; an asset's data items and the first fifty holders of
its access on its own page: the template engine's work for each variable was most of those pages' time. Each tag writes
exactly what its loop wrote.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from governance.core.plurals import date_text, plural, short_date_text
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


_PLACEHOLDER = 987654321  # a record's id, replaced by each row's: one reverse() for the whole table
_DUE = '<strong class="govuk-tag govuk-tag--orange">Due for review</strong>'


@register.simple_tag(takes_context=True)
def asset_holder_rows(context, grants, shown: int) -> SafeString:
    """The first ``shown`` holders of an asset's access: who (linking to the grant), the items held
    (prefetched), whether their review is due or when it was last made, and when the grant ends."""
    grant_url = reverse("access:grant", args=[_PLACEHOLDER])
    out = []
    for grant in list(grants)[:shown]:
        url = grant_url.replace(str(_PLACEHOLDER), str(grant.pk))
        items = ", ".join(cell_text(item.name) for item in grant.items.all())
        if grant.due_for_review:
            review = _DUE
        elif grant.last_reviewed:
            review = f"Reviewed {date_text(grant.last_reviewed)}"
        else:
            review = "Not yet reviewed"
        out.append(
            "\n"
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell"><a class="govuk-link" href="{cell_text(url)}">'
            f'{person(context, grant.holder)}<span class="govuk-visually-hidden">: see the grant</span></a></td>\n'
            f'      <td class="govuk-table__cell">{items}</td>\n'
            f'      <td class="govuk-table__cell">{review}</td>\n'
            f'      <td class="govuk-table__cell">{date_text(grant.ends_on)}</td>\n'
            "    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text or a tag


@register.simple_tag
def asset_item_rows(asset, items, can_edit: bool) -> SafeString:
    """An asset's data dictionary: each item's name, description and sensitivity (high-risk ones
    tagged), with links to change or remove it for those who may edit the asset."""
    edit_url = reverse("assets:item-edit", args=[asset.pk, _PLACEHOLDER])
    delete_url = reverse("assets:item-delete", args=[asset.pk, _PLACEHOLDER])
    out = []
    for item in items:
        name = cell_text(item.name)
        sensitivity = cell_text(item.get_sensitivity_display())
        if item.is_high_risk:
            sensitivity = f'<strong class="govuk-tag govuk-tag--orange">{sensitivity}</strong>'
        actions = ""
        if can_edit:
            key = str(item.pk)
            edit = cell_text(edit_url.replace(str(_PLACEHOLDER), key))
            delete = cell_text(delete_url.replace(str(_PLACEHOLDER), key))
            hidden = f'<span class="govuk-visually-hidden"> {name}</span>'
            actions = (
                "\n"
                '      <td class="govuk-table__cell">\n'
                f'        <a class="govuk-link" href="{edit}">Change{hidden}</a>\n'
                f'        <a class="govuk-link" href="{delete}">Remove{hidden}</a>\n'
                "      </td>\n      "
            )
        out.append(
            "\n"
            f'    <tr class="govuk-table__row" id="item-{cell_text(item.pk)}">\n'
            f'      <td class="govuk-table__cell"><code>{name}</code></td>\n'
            f'      <td class="govuk-table__cell">{cell_text(item.description)}</td>\n'
            f'      <td class="govuk-table__cell">{sensitivity}</td>\n'
            f"      {actions}\n"
            "    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text or a tag


_IAM_NEEDED = '<strong class="govuk-tag govuk-tag--red">IAM needed</strong>'


@register.simple_tag(takes_context=True)
def asset_list_rows(context, assets, today) -> SafeString:
    """A page of the register: name and item count, area, IAM (or that one is needed), classification,
    identifiability and extract, next review; the assets select their area and IAM."""
    asset_url = reverse("assets:detail", args=[_PLACEHOLDER])
    out = []
    for asset in assets:
        url = cell_text(asset_url.replace(str(_PLACEHOLDER), str(asset.pk)))
        name = cell_text(asset.name)
        area = cell_text(asset.business_area.name) if asset.business_area is not None else ""
        iam = _IAM_NEEDED if asset.needs_iam else person(context, asset.manager)
        data = cell_text(asset.get_identifiability_display())
        if asset.contains_personal_data:
            data += ", personal"
        if asset.special_category:
            data += ", <strong>special category</strong>"
        out.append(
            "\n"
            '        <tr class="govuk-table__row">\n'
            f'          <td class="govuk-table__cell"><a class="govuk-link" href="{url}">{name}</a><br>'
            f'<span class="govuk-body-s">{cell_text(plural(asset.item_count, "data item"))}</span></td>\n'
            f'          <td class="govuk-table__cell">{area}</td>\n'
            f'          <td class="govuk-table__cell">{iam}</td>\n'
            f'          <td class="govuk-table__cell">{cell_text(asset.get_classification_display())}</td>\n'
            '          <td class="govuk-table__cell govuk-body-s">\n'
            f"            {data}<br>{cell_text(asset.get_extract_type_display())}\n"
            "          </td>\n"
            f'          <td class="govuk-table__cell">{short_date_text(asset.next_review_date)}<br>'
            f"{review_tag(asset, today)}</td>\n"
            "        </tr>\n        "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by cell_text or a tag
