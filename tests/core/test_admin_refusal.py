"""The admin refuses signed-in people who are not administrators with the portal's 403 page, not a sign-in form."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("url", ["/admin/", "/admin/governance/user/", "/admin/login/?next=/admin/"])
def test_a_verified_non_administrator_gets_the_portal_403(verified_client, staff, url):
    response = verified_client(staff).get(url)
    page = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in page
    assert "for portal administrators only" in page
    assert 'name="password"' not in page and "Sign in" not in page.split("</header>")[-1]


def test_the_admin_still_needs_a_second_factor_and_still_opens_for_administrators(
    client, unverified_client, verified_client, administrator
):
    assert client.get("/admin/").status_code == 302  # anonymous: to the portal's sign-in
    response = unverified_client(administrator).get("/admin/")
    assert response.status_code == 302 and "/account/" in response["Location"]
    client.logout()
    assert verified_client(administrator).get("/admin/").status_code == 200
