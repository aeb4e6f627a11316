"""Who holds access to an asset is shown only to those who oversee it: in the page and in its history.

The rights rows are the portal's plumbing: a history shows them only to those who read the audit
trail, when they ask for the system entries, and never to someone who may not see the holders."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, make_asset, make_grant


@pytest.fixture
def iam(area):
    return UserFactory(username="iam", business_area=area)


@pytest.fixture
def asset(area, iam):
    asset = make_asset(manager=iam, business_area=area, name="Benefit claims")
    make_grant(UserFactory(username="holder", first_name="Harriet", last_name="Holder"), asset)
    return asset


def _pages(client, asset, query=""):
    return [client.get(f"/assets/{asset.pk}/{query}"), client.get(f"/assets/{asset.pk}/history/{query}")]


def rights_rows(history):
    return [row for event in history for row in (*event.rows, *event.system_rows) if row.noun == "access right"]


@pytest.mark.parametrize("who", ["iam", "deputy_siro", "siro", "auditor", "administrator"])
def test_overseers_see_the_holders_in_the_page_and_its_history(request, verified_client, asset, who):
    client = verified_client(request.getfixturevalue(who))
    page, history = _pages(client, asset)
    assert page.status_code == history.status_code == 200
    assert page.context["holders"]
    for response in (page, history):
        assert not rights_rows(response.context["history"])  # plumbing, not shown unasked
    asked = _pages(client, asset, "?system=1")
    for response in asked:
        if who in ("iam", "deputy_siro"):  # they see the holders on the page, not the trail's rows
            assert not rights_rows(response.context["history"])
        else:
            assert rights_rows(response.context["history"])
            assert "Harriet Holder on Benefit claims" in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "other_deputy_siro", "other_iam"])
def test_others_read_no_holder_in_the_page_or_its_history(request, verified_client, asset, who):
    if who == "other_iam":
        user = UserFactory(username="otheriam")
        make_asset(manager=user, name="Pension payments")
    else:
        user = request.getfixturevalue(who)
    page, history = _pages(verified_client(user), asset, "?system=1")
    assert page.status_code == history.status_code == 200
    assert page.context["holders"] is None
    for response in (page, history):
        body = response.content.decode()
        assert "Harriet" not in body and "| holder |" not in body
        assert not rights_rows(response.context["history"])
        assert response.context["history"]  # the asset's own changes are still shown


def test_the_holder_does_not_read_other_holders_either(verified_client, asset):
    other = UserFactory(username="second", first_name="Simon", last_name="Second")
    make_grant(other, asset)
    page, history = _pages(verified_client(other), asset)
    for response in (page, history):
        assert "Harriet" not in response.content.decode()


def test_the_history_service_hides_holders_when_no_viewer_is_named(asset, auditor, staff, rf):
    from governance.core.history_events import history_for

    assert not rights_rows(history_for(asset))
    for user, shown in ((auditor, True), (staff, False)):
        request = rf.get("/", {"system": "1"})
        request.user = user
        assert bool(rights_rows(history_for(asset, request=request))) is shown


def test_refusals_before_any_history(client, unverified_client, asset, staff):
    assert client.get(f"/assets/{asset.pk}/history/").status_code == 302
    assert unverified_client(staff).get(f"/assets/{asset.pk}/history/").status_code == 302
