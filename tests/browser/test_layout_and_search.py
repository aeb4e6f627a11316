"""At 1280 pixels the header keeps the person's name beside Sign out and the contract's tabs on one row;
a contract manager finds a contract by its reference from the header's search box; the search page and
the accessibility statement pass axe."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from governance.core import roles
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def _same_row(first: dict, second: dict) -> bool:
    """Two boxes share a row when each one's vertical middle lies within the other."""
    return (
        second["y"] <= first["y"] + first["height"] / 2 <= second["y"] + second["height"]
        and first["y"] <= second["y"] + second["height"] / 2 <= first["y"] + first["height"]
    )


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("LAYOUT_SCREENSHOTS")  # set to a folder to look at the pages
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_the_header_and_the_contract_page_fit_at_1280_pixels_and_search_finds_the_contract(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    manager = UserFactory(
        username="cora",
        first_name="Cordelia",
        last_name="Featherstonehaugh-Montgomery",
        business_area=area,
        groups=[roles.CONTRACT_MANAGERS, roles.AUDITORS],
    )
    device = TOTPDeviceFactory(user=manager)
    contract = make_contract(manager=manager, reference="DWP-RES-2031-014", title="Labour market outcomes")
    make_contract(reference="DWP-RES-2031-099", title="Someone else's study")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "cora", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")

    name = page.get_by_role("link", name="Cordelia Featherstonehaugh-Montgomery")
    sign_out = page.get_by_role("button", name="Sign out")
    assert _same_row(_box(name), _box(sign_out)), (_box(name), _box(sign_out))
    _screenshot(page, "home")

    search = page.get_by_role("search").first
    search.get_by_label("Search Custodian").fill("DWP-RES-2031-014")
    search.get_by_role("button", name="Search").click()
    # The contract the reference names comes first (PostgreSQL's trigram matching may also list
    # a contract whose reference is close to it; a plain match on SQLite lists that one alone).
    found = page.locator("main").get_by_role("link", name=re.compile(r"^DWP-RES-2031-\d+"))
    expect(found.first).to_have_text(re.compile(r"^DWP-RES-2031-014: Labour market outcomes"))
    _screenshot(page, "search")
    assert axe_violations(page) == []
    page.get_by_role("link", name="DWP-RES-2031-014: Labour market outcomes").click()
    page.wait_for_url(f"**{contract.get_absolute_url()}")

    tabs = page.locator(".govuk-tabs__list-item")
    expect(tabs.first).to_be_visible()
    boxes = [_box(tabs.nth(i)) for i in range(tabs.count())]  # the selected tab stands a little higher
    assert all(_same_row(boxes[0], other) for other in boxes[1:]), boxes
    actions = page.locator("main .govuk-button-group").first.locator("a")
    tops = [_box(actions.nth(i)) for i in range(actions.count())]
    assert all(_same_row(tops[0], other) for other in tops[1:]), tops
    _screenshot(page, "contract")


def test_the_accessibility_statement_opens_before_sign_in_and_passes_axe(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for Custodian")
    assert axe_violations(page) == []
