"""The register's rows and the asset page's data items and holders tables, written by tags, read
exactly as the template loops they replace wrote them: every branch (an IAM needed, personal and
special category data; reviewed, due, never reviewed; high-risk items; an editor's links or none)
compared byte for byte."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.register.models import DataItem, InformationAsset
from governance.templatetags.register_tags import asset_holder_rows, asset_item_rows, asset_list_rows
from tests.factories import DataItemFactory, UserFactory, make_asset, make_grant

ITEM_LOOP = """{% for item in items %}
    <tr class="govuk-table__row" id="item-{{ item.pk }}">
      <td class="govuk-table__cell"><code>{{ item.name }}</code></td>
      <td class="govuk-table__cell">{{ item.description }}</td>
      <td class="govuk-table__cell">{% if item.is_high_risk %}<strong class="govuk-tag govuk-tag--orange">{{ item.get_sensitivity_display }}</strong>{% else %}{{ item.get_sensitivity_display }}{% endif %}</td>
      {% if can_edit %}
      <td class="govuk-table__cell">
        <a class="govuk-link" href="{% url 'assets:item-edit' asset.pk item.pk %}">Change<span class="govuk-visually-hidden"> {{ item.name }}</span></a>
        <a class="govuk-link" href="{% url 'assets:item-delete' asset.pk item.pk %}">Remove<span class="govuk-visually-hidden"> {{ item.name }}</span></a>
      </td>
      {% endif %}
    </tr>
    {% endfor %}"""  # noqa: E501 - the template as it was

HOLDER_LOOP = """{% load portal_tags %}{% for grant in holders|slice:holders_shown %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ grant.get_absolute_url }}">{% person grant.holder %}<span class="govuk-visually-hidden">: see the grant</span></a></td>
      <td class="govuk-table__cell">{% for item in grant.items.all %}{{ item.name }}{% if not forloop.last %}, {% endif %}{% endfor %}</td>
      <td class="govuk-table__cell">{% if grant.due_for_review %}<strong class="govuk-tag govuk-tag--orange">Due for review</strong>{% elif grant.last_reviewed %}Reviewed {{ grant.last_reviewed|date:"j F Y" }}{% else %}Not yet reviewed{% endif %}</td>
      <td class="govuk-table__cell">{{ grant.ends_on|date:"j F Y" }}</td>
    </tr>
    {% endfor %}"""  # noqa: E501 - the template as it was


@pytest.fixture
def asset(area):
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name="Benefit <claims>")
    DataItemFactory(
        asset=asset,
        name="nino & co",
        description="The <national> insurance number",
        sensitivity=DataItem.Sensitivity.DIRECT_IDENTIFIER,
    )
    DataItemFactory(asset=asset, name="claim_count", sensitivity=DataItem.Sensitivity.NON_PERSONAL)
    return asset


@pytest.mark.django_db
@pytest.mark.parametrize("can_edit", [True, False])
def test_the_items_table_reads_as_the_loop_wrote_it(asset, can_edit):
    items = list(asset.items.all())
    context = {"asset": asset, "items": items, "can_edit": can_edit}
    assert str(asset_item_rows(asset, items, can_edit)) == Template(ITEM_LOOP).render(Context(context))


@pytest.mark.django_db
def test_the_holders_table_reads_as_the_loop_wrote_it(asset):
    """The view annotates each grant with whether a review is due and when one was last made."""
    for n in range(3):
        make_grant(UserFactory(first_name=f"H{n}", last_name="O'Neill"), asset)
    grants = list(
        AccessGrant.objects.filter(asset=asset).select_related("holder").prefetch_related("items").order_by("pk")
    )
    late_evening = timezone.now().replace(hour=23, minute=30) - datetime.timedelta(days=3)  # shown as a local date
    for grant, due, reviewed in zip(grants, (True, False, False), (None, late_evening, None), strict=True):
        grant.due_for_review, grant.last_reviewed = due, reviewed
    request = RequestFactory().get("/")
    for shown in (2, 5):
        expected = Template(HOLDER_LOOP).render(
            Context({"holders": grants, "holders_shown": shown, "request": request})
        )
        assert str(asset_holder_rows(Context({"request": request}), grants, shown)) == expected
    assert "Due for review" in expected and "Reviewed " in expected and "Not yet reviewed" in expected


LIST_LOOP = """{% load portal_tags %}{% for asset in assets %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="{{ asset.get_absolute_url }}">{{ asset.name }}</a><br><span class="govuk-body-s">{{ asset.item_count|plural:"data item" }}</span></td>
          <td class="govuk-table__cell">{{ asset.business_area.name }}</td>
          <td class="govuk-table__cell">{% if asset.needs_iam %}<strong class="govuk-tag govuk-tag--red">IAM needed</strong>{% else %}{% person asset.manager %}{% endif %}</td>
          <td class="govuk-table__cell">{{ asset.get_classification_display }}</td>
          <td class="govuk-table__cell govuk-body-s">
            {{ asset.get_identifiability_display }}{% if asset.contains_personal_data %}, personal{% endif %}{% if asset.special_category %}, <strong>special category</strong>{% endif %}<br>{{ asset.get_extract_type_display }}
          </td>
          <td class="govuk-table__cell">{{ asset.next_review_date|date:"j M Y" }}<br>{% review_tag asset today %}</td>
        </tr>
        {% endfor %}"""  # noqa: E501 - the template as it was


@pytest.mark.django_db
def test_the_register_rows_read_as_the_loop_wrote_them(asset, area):
    today = datetime.date.today()
    others = [
        make_asset(
            manager=None,
            business_area=area,
            name="Orphaned & <old>",
            contains_personal_data=True,
            special_category=True,
            next_review_date=today - datetime.timedelta(days=3),
        ),
        make_asset(
            manager=UserFactory(),
            business_area=area,
            name="Plain",
            contains_personal_data=False,
            special_category=False,
            next_review_date=today + datetime.timedelta(days=20),
        ),
    ]
    assets = list(
        InformationAsset.objects.filter(pk__in=[asset.pk, *(a.pk for a in others)])
        .select_related("business_area__deputy_siro", "manager")
        .order_by("pk")
    )
    for n, row in enumerate(assets):
        row.item_count = n
    request = RequestFactory().get("/")
    expected = Template(LIST_LOOP).render(Context({"assets": assets, "today": today, "request": request}))
    assert str(asset_list_rows(Context({"request": request}), assets, today)) == expected
    assert "IAM needed" in expected and "special category" in expected and "1 data item" in expected
