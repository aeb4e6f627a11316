"""The Data Protection Officer's map draws the grants to staff, summarised by business area, as the record of
processing does for them; the flows do not link to grants the DPO may not open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.access.selectors import visible_grants
from governance.privacy.flows import asset_map, department_map
from governance.privacy.recipients import recipients_for
from tests.factories import ProcessingActivityFactory, UserFactory, make_grant
from tests.privacy.test_map import dpo

pytestmark = pytest.mark.django_db


def test_the_dpo_asset_map_counts_grants_by_area_without_linking_to_them(asset, other_area):
    officer = dpo()
    make_grant(UserFactory(business_area=other_area), asset=asset)
    make_grant(UserFactory(business_area=other_area), asset=asset)
    assert not visible_grants(officer).exists()  # the DPO does not open grants themselves
    [row] = asset_map(officer, asset).rows()
    assert row["to"].label == "Staff in Working Age Benefits" and row["count"] == 2
    assert row["url"] == ""


def test_the_dpo_department_map_shows_the_same_areas_as_the_record_of_processing(asset, other_area):
    officer = dpo()
    make_grant(UserFactory(business_area=other_area), asset=asset)
    activity = ProcessingActivityFactory()
    activity.assets.add(asset)
    [(area_name, people)] = recipients_for([activity])[activity.pk].internal
    [row] = department_map(officer).rows()
    assert row["to"].label == f"Staff in {area_name}" and row["count"] == people == 1


def test_oversight_still_opens_the_grant_behind_a_flow(asset, siro, other_area):
    grant = make_grant(UserFactory(business_area=other_area), asset=asset)
    [row] = asset_map(siro, asset).rows()
    assert row["url"] == reverse("access:grant", args=[grant.pk])


def test_a_member_of_staff_still_sees_only_their_own_grant(asset, staff, other_area):
    make_grant(staff, asset=asset)
    make_grant(UserFactory(business_area=other_area), asset=asset)
    [row] = asset_map(staff, asset).rows()
    assert row["count"] == 1 and row["to"].label == f"Staff in {staff.business_area.name}"
