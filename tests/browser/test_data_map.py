"""The map of where the data goes in a browser: the picture and its table, axe on both maps, the links work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.register.organisation import appoint_office_holder
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    ExternalOrganisationFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_grant,
)
from tests.privacy.test_map import agreement_on, contract_on, release_from

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_siro_reads_the_map_and_opens_a_flow(page, live_server):
    area = BusinessAreaFactory(name="Working Age Benefits", code="wab")
    other = BusinessAreaFactory(name="Pensions", code="pen")
    siro = UserFactory(username="sam", first_name="Sam", last_name="Price", business_area=area)
    appoint_office_holder(OfficeHolder.Office.SIRO, siro, by=system_user())
    device = TOTPDeviceFactory(user=siro)
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name="Claimant counts")
    make_grant(UserFactory(business_area=other), asset=asset)
    contract = contract_on(asset, ExternalOrganisationFactory(name="University of Leeds"))
    agreement_on(asset, direction="both", organisation=ExternalOrganisationFactory(name="Leeds City Council"))
    release_from(asset)

    sign_in(page, live_server, "sam", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/assets/{asset.pk}/")
    page.get_by_role("link", name="Where this data goes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the data of Claimant counts goes")
    expect(page.get_by_role("group", name="Where the data of Claimant counts goes")).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("University of Leeds")
    expect(table).to_contain_text("Leeds City Council")
    expect(table).to_contain_text("Staff in Pensions")
    expect(table).to_contain_text("Published statistics")
    assert axe_violations(page) == []

    contract_flow = page.locator("svg a.app-data-map__flow").filter(has=page.locator("path[stroke='#d4351c']"))
    contract_flow.locator("text").click()
    page.wait_for_url(f"**/contracts/{contract.pk}/")

    page.goto(f"{live_server.url}/privacy/map/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the department's data goes")
    page.get_by_label("Business area").select_option(label="Working Age Benefits")
    page.get_by_role("button", name="Show the map").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the data of Working Age Benefits goes")
    expect(page.get_by_role("table")).to_contain_text("Claimant counts")
    assert axe_violations(page) == []
