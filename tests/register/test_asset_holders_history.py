"""Who holds access to an asset is shown only to those who oversee it: in the page and in its history."""

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


def _pages(client, asset):
    return [client.get(f"/assets/{asset.pk}/"), client.get(f"/assets/{asset.pk}/history/")]


@pytest.mark.parametrize("who", ["iam", "deputy_siro", "siro", "auditor", "administrator"])
def test_overseers_see_the_holders_in_the_page_and_its_history(request, verified_client, asset, who):
    client = verified_client(request.getfixturevalue(who))
    page, history = _pages(client, asset)
    assert page.status_code == history.status_code == 200
    assert page.context["holders"]
    for response in (page, history):
        assert any("permission" in row.subject.lower() for row in response.context["history"])
        assert "Harriet Holder" in response.content.decode() or "holder" in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "other_deputy_siro", "other_iam"])
def test_others_read_no_holder_in_the_page_or_its_history(request, verified_client, asset, who):
    if who == "other_iam":
        user = UserFactory(username="otheriam")
        make_asset(manager=user, name="Pension payments")
    else:
        user = request.getfixturevalue(who)
    page, history = _pages(verified_client(user), asset)
    assert page.status_code == history.status_code == 200
    assert page.context["holders"] is None
    for response in (page, history):
        body = response.content.decode()
        assert "Harriet" not in body and "| holder |" not in body
        assert not any("permission" in row.subject.lower() for row in response.context["history"])
        assert response.context["history"]  # the asset's own changes are still shown


def test_the_holder_does_not_read_other_holders_either(verified_client, asset):
    other = UserFactory(username="second", first_name="Simon", last_name="Second")
    make_grant(other, asset)
    page, history = _pages(verified_client(other), asset)
    for response in (page, history):
        assert "Harriet" not in response.content.decode()


def test_the_history_service_hides_holders_when_no_viewer_is_named(asset, iam):
    from governance.core.history import history_for

    assert not any("permission" in row.subject.lower() for row in history_for(asset))
    assert any("permission" in row.subject.lower() for row in history_for(asset, viewer=iam))


def test_refusals_before_any_history(client, unverified_client, asset, staff):
    assert client.get(f"/assets/{asset.pk}/history/").status_code == 302
    assert unverified_client(staff).get(f"/assets/{asset.pk}/history/").status_code == 302
