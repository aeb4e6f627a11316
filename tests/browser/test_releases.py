"""A statistician uploads a table with a small cell, sees it suppressed; the Chief Statistician signs off."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.register.organisation import appoint_office_holder
from governance.releases.models import ReleaseSignOff, StatisticalRelease
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLE = "region,count\nNorth,120\nSouth,3\nEast,85\nWest,64\nTotal,272\n"


def test_small_cell_is_suppressed_and_the_chief_statistician_signs_off(page, live_server, tmp_path):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    statistician = UserFactory(
        username="sara", first_name="Sara", last_name="Lewis", business_area=area, groups=[roles.STATISTICIANS]
    )
    chief = UserFactory(username="chris", first_name="Chris", last_name="Morgan", business_area=area)
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, chief, by=system_user())
    make_asset(manager=UserFactory(business_area=area), business_area=area, name="Benefit caseload extract")
    author_device, chief_device = TOTPDeviceFactory(user=statistician), TOTPDeviceFactory(user=chief)
    planned = datetime.date.today() + datetime.timedelta(days=30)

    sign_in(page, live_server, "sara", PASSWORD, author_device)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Releases").click()
    page.get_by_role("button", name="Register a release").click()
    page.get_by_label("Title").fill("Benefit caseload: quarterly")
    page.get_by_label("Day").fill(str(planned.day))
    page.get_by_label("Month").fill(str(planned.month))
    page.get_by_label("Year").fill(str(planned.year))
    page.get_by_role("button", name="Register the release").click()

    page.get_by_label("Information asset").select_option(label="Benefit caseload extract (Data as Statistics)")
    page.get_by_label("100% extract").check()
    page.get_by_role("button", name="Add the source").click()
    expect(page.get_by_text("Benefit caseload extract added as a source.")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Upload a table").click()
    page.get_by_label("Title").fill("Claimants by region")
    table_file = tmp_path / "region.csv"
    table_file.write_text(TABLE)
    page.get_by_label("Table file").set_input_files(str(table_file))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save and check").click()
    expect(page.get_by_text("the disclosure check passed")).to_be_visible()
    south = page.locator("#cells tr", has_text="South")
    expect(south).to_contain_text("[c]")
    expect(south).to_contain_text("Suppressed")
    expect(page.locator("#cells tr", has_text="West")).to_contain_text("[c]")
    expect(page.locator("#cells tr", has_text="Total")).to_contain_text("270")
    assert axe_violations(page) == []

    page.context.clear_cookies()
    sign_in(page, live_server, "chris", PASSWORD, chief_device)
    release = StatisticalRelease.objects.get()
    page.goto(f"{live_server.url}{release.get_absolute_url()}")
    page.get_by_role("button", name="Sign off").click()
    page.get_by_label("I have reviewed the disclosure control").check()
    from tests.conftest import fresh_code

    page.get_by_label("Code from your authenticator app").fill(fresh_code(chief_device))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Release signed off.")).to_be_visible()
    expect(page.locator("#sign-off + .govuk-inset-text")).to_contain_text("Chief Statistician")
    assert axe_violations(page) == []
    assert ReleaseSignOff.objects.get().signed_by == chief
    release.refresh_from_db()
    assert release.status == StatisticalRelease.Status.SIGNED_OFF


def test_disclosure_control_states_cells_a_priori_and_sees_the_table_checked_again(page, live_server, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.releases import workflow as service

    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    statistician = UserFactory(username="sara", business_area=area, groups=[roles.STATISTICIANS])
    officer = UserFactory(
        username="dina", first_name="Dina", last_name="Shah", business_area=area, groups=[roles.DISCLOSURE_CONTROL]
    )
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name="Benefit caseload extract")
    release = service.create_release(
        by=statistician,
        title="Benefit caseload: quarterly",
        planned_release_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    source = service.add_source(release, by=statistician, asset=asset, extract_type="full")
    table = service.add_table(
        release,
        by=statistician,
        title="Claimants by region",
        source=source,
        upload=SimpleUploadedFile("region.csv", TABLE.encode(), content_type="text/csv"),
    )

    sign_in(page, live_server, "dina", PASSWORD, TOTPDeviceFactory(user=officer))
    page.goto(f"{live_server.url}{table.get_absolute_url()}")
    page.get_by_role("link", name="State what is known of cells a priori").click()
    assert axe_violations(page) == []
    faulty = tmp_path / "faulty.hst"
    faulty.write_text("Nowhere;u\nEast;q\n")
    page.get_by_label("A-priori file").set_input_files(str(faulty))
    page.get_by_role("button", name="Check the table with these statements").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Line 1: the table has no cell Nowhere.")
    expect(summary).to_contain_text("Line 2: 'q' is not a statement")
    assert axe_violations(page) == []

    stated = tmp_path / "stated.hst"
    stated.write_text('"East";u\n"East";pl;2;2\n"West";p\n')
    page.get_by_label("A-priori file").set_input_files(str(stated))
    page.get_by_role("button", name="Check the table with these statements").click()
    expect(
        page.get_by_text("2 cells stated and Claimants by region checked again: the disclosure check passed.")
    ).to_be_visible()
    expect(page.locator("#cells tr", has_text="East")).to_contain_text("[c]")
    expect(page.locator("#cells tr", has_text="West")).not_to_contain_text("[c]")
    expect(page.get_by_role("link", name="A-priori statements (2 cells)")).to_be_visible()
    assert axe_violations(page) == []
