"""The accountability page's table tags write exactly what the template loops they replace wrote."""

from __future__ import annotations

import datetime

from django.template import engines
from django.utils import timezone

from governance.core.models import BusinessArea
from tests.factories import BusinessAreaFactory, UserFactory, make_asset

AREA_LOOP = """{% load portal_tags %}
    {% for area in areas %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ area.name }}</th>
      <td class="govuk-table__cell">{% if area.deputy_siro %}{% person area.deputy_siro %}{% else %}Vacant{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ register }}?business_area={{ area.pk }}">{{ area.total }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ register }}?business_area={{ area.pk }}&amp;iam_needed=yes">{{ area.iam_needed }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ register }}?business_area={{ area.pk }}&amp;review=overdue">{{ area.overdue }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ register }}?business_area={{ area.pk }}&amp;personal_data=yes">{{ area.personal }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ register }}?business_area={{ area.pk }}&amp;special_category=yes">{{ area.special }}</a></td>
    </tr>
    {% empty %}
    <tr class="govuk-table__row"><td class="govuk-table__cell" colspan="7">No business areas.</td></tr>
    {% endfor %}
"""  # noqa: E501 - the loop as the template had it

ASSET_LOOP = """{% load portal_tags %}
    {% for asset in assets %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ asset.get_absolute_url }}">{{ asset.name }}</a></td>
      <td class="govuk-table__cell">{{ asset.business_area.name }}</td>
      <td class="govuk-table__cell">{% if asset.needs_iam %}<strong class="govuk-tag govuk-tag--red">IAM needed</strong>{% else %}{% person asset.manager %}{% endif %}</td>
      <td class="govuk-table__cell">{{ asset.next_review_date|date:"j M Y" }} {% review_tag asset %}</td>
    </tr>
    {% endfor %}
"""  # noqa: E501 - the loop as the template had it


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_area_and_asset_rows_are_the_loops_rows_escaped_alike(db):
    area = BusinessAreaFactory(name="Fraud & <Error>", deputy_siro=UserFactory(first_name="Ann", last_name="O'Neil"))
    BusinessAreaFactory(name="Vacant area", deputy_siro=None)
    leaver = UserFactory()
    today = timezone.localdate()
    assets = [
        make_asset(manager=UserFactory(), business_area=area, name="Claims <2026>", next_review_date=today),
        make_asset(manager=None, business_area=area, name="No IAM", next_review_date=today - datetime.timedelta(1)),
        make_asset(manager=leaver, business_area=area, name="Left", next_review_date=today + datetime.timedelta(99)),
    ]
    leaver.is_active = False
    leaver.save()
    assets = list(type(assets[0]).objects.select_related("business_area", "manager").order_by("name"))
    areas = BusinessArea.objects.order_by("name")
    for n, one in enumerate(areas):
        one.total, one.iam_needed, one.overdue, one.personal, one.special = n, 1, 2, 3, 1234
    areas = list(areas)
    tag = "{% load register_tags %}\n    {% accountability_area_rows areas register %}\n"
    assert render(tag, areas=areas, register="/assets/") == render(AREA_LOOP, areas=areas, register="/assets/")
    assert render(tag, areas=[], register="/assets/") == render(AREA_LOOP, areas=[], register="/assets/")
    tag = "{% load register_tags %}\n    {% asset_short_rows assets %}\n"
    assert render(tag, assets=assets) == render(ASSET_LOOP, assets=assets)
