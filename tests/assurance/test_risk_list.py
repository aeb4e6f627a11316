"""The list of information risks: overdue reviews and risks above the appetite, each overseer's share."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from governance.assurance.risks import record_risk

pytestmark = pytest.mark.django_db


def _risk(asset, *, likelihood=2, impact=2, review_in=30):
    today = timezone.localdate()
    when = timezone.now() + datetime.timedelta(days=min(review_in, 0) - 1)  # recorded while its review was ahead
    with time_machine.travel(when, tick=False):
        return record_risk(
            asset,
            by=asset.manager,
            description="Extracts kept past their grant",
            likelihood=likelihood,
            impact=impact,
            owner=asset.manager,
            treatment="Monthly sweep",
            target_date=today + datetime.timedelta(days=60),
            review_date=today + datetime.timedelta(days=review_in),
        )


@pytest.fixture
def risks(asset, other_asset):
    return {
        "late": _risk(asset, review_in=-3),
        "high": _risk(asset, likelihood=5, impact=4),
        "calm": _risk(asset),
        "other late": _risk(other_asset, review_in=-3, likelihood=5, impact=5),
    }


def _listed(client, query: str = "") -> set[int]:
    response = client.get(f"{reverse('assurance:risks')}{query}")
    assert response.status_code == 200
    return {risk.pk for risk in response.context["risks"]}


def test_the_siro_sees_every_area_and_each_filter_keeps_its_own(verified_client, siro, risks):
    client = verified_client(siro)
    ids = {name: risk.pk for name, risk in risks.items()}
    assert _listed(client) == set(ids.values())
    assert _listed(client, "?status=review_overdue") == {ids["late"], ids["other late"]}
    assert _listed(client, "?status=above_appetite") == {ids["high"], ids["other late"]}


def test_a_deputy_siro_sees_their_areas_risks_only(verified_client, deputy_siro, risks):
    client = verified_client(deputy_siro)
    assert _listed(client) == {risks["late"].pk, risks["high"].pk, risks["calm"].pk}
    assert _listed(client, "?status=review_overdue&areas=overseen") == {risks["late"].pk}


def test_staff_are_refused(verified_client, staff, risks):
    assert verified_client(staff).get(reverse("assurance:risks")).status_code == 403


@pytest.mark.parametrize("extra", [1, 8])
def test_the_list_costs_the_same_whatever_its_length(
    verified_client, siro, asset, other_asset, extra, django_assert_max_num_queries
):
    for _ in range(extra):
        _risk(asset, review_in=-2)
        _risk(other_asset, likelihood=5, impact=5)
    client = verified_client(siro)
    client.get(reverse("assurance:risks"))
    with django_assert_max_num_queries(8):
        assert client.get(f"{reverse('assurance:risks')}?status=review_overdue").status_code == 200
