"""Your grants: an IAM's live grants on their assets, refused to everyone else, in constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.access.grants import revoke
from governance.access.models import AccessGrant
from governance.access.selectors import grants_on_managed_assets
from governance.core.access_events import record_access
from tests.factories import UserFactory, make_grant

pytestmark = pytest.mark.django_db

URL = reverse("access:your-grants")


def _grant(asset, holder, **fields) -> AccessGrant:
    grant = make_grant(holder, asset)
    if fields.get("state") == AccessGrant.State.REVOKED:
        revoke(grant, by=asset.manager, reason="No longer needed")
    return grant


def test_an_iam_sees_the_live_grants_on_their_assets_only(verified_client, iam, asset, other_asset, staff):
    mine = _grant(asset, staff)
    _grant(asset, UserFactory(business_area=asset.business_area), state=AccessGrant.State.REVOKED)
    _grant(other_asset, staff)
    page = verified_client(iam).get(URL)
    assert page.status_code == 200
    assert list(page.context["grants"]) == [mine]
    assert "1 live grant" in page.content.decode()
    assert "Never" in page.content.decode()


def test_last_access_is_the_holders_own_on_that_asset(iam, asset, staff, rf):
    grant = _grant(asset, staff)
    request = rf.get("/")
    request.user = staff
    record_access(request, asset, "download")
    assert grants_on_managed_assets(iam).get(pk=grant.pk).last_access is not None


@pytest.mark.parametrize("who", ["staff", "deputy_siro", "auditor", "administrator"])
def test_people_who_manage_no_asset_are_refused(verified_client, request, asset, who):
    assert verified_client(request.getfixturevalue(who)).get(URL).status_code == 403


def test_the_asset_filter_offers_only_ones_own_assets(verified_client, iam, asset, other_asset):
    page = verified_client(iam).get(URL, {"asset": other_asset.pk})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()


def test_queries_do_not_grow_with_the_grants(verified_client, iam, asset, django_assert_max_num_queries):
    client = verified_client(iam)
    _grant(asset, UserFactory())
    client.get(URL)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for _ in range(10):
        _grant(asset, UserFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).context["grants"]) == 11


def test_the_iams_home_counts_the_live_grants_that_the_list_shows(verified_client, iam, asset, staff):
    _grant(asset, staff)
    _grant(asset, UserFactory(business_area=asset.business_area))
    home = verified_client(iam).get("/")
    assert "Your grants: 2 live" in home.content.decode()
    listed = verified_client(iam).get(URL)
    assert listed.context["page_obj"].paginator.count == 2


def test_staff_who_manage_nothing_have_no_grants_item(verified_client, staff, asset):
    assert "Your grants" not in verified_client(staff).get("/").content.decode()
