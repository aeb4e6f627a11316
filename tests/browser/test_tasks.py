"""Each person's work in front of them, in a browser: task lists, a returned request, the audit search, a confirmation.

Every page visited is checked with axe (no serious or critical violations), and
the same journeys are repeated with JavaScript switched off.
"""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from governance.contracts.models import ResearchContract
from governance.core import roles
from governance.releases import workflow as releases
from tests.browser.conftest import axe_violations, sign_in, sign_out
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    DataItemFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_contract,
    make_course,
    make_signoff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


NO_SCRIPT: set[int] = set()  # pages whose context has JavaScript off


def serious(page) -> list[dict]:
    """axe's serious and critical violations. axe is itself a script, so it runs in the JavaScript
    pass; the pass without JavaScript walks the same pages and checks they still work."""
    if id(page) in NO_SCRIPT:
        return []
    return [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def any_page(request, browser):
    context = browser.new_context(bypass_csp=True, locale="en-GB", java_script_enabled=request.param)
    page = context.new_page()
    page.set_default_timeout(15_000)
    if not request.param:
        NO_SCRIPT.add(id(page))
    yield page
    NO_SCRIPT.discard(id(page))
    context.close()


def test_a_request_returned_for_changes_and_resubmitted_through_the_task_lists(any_page, live_server):
    page = any_page
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    iam = UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)
    analyst = UserFactory(username="sam", first_name="Sam", last_name="Patel", business_area=area)
    iam_device, analyst_device = TOTPDeviceFactory(user=iam), TOTPDeviceFactory(user=analyst)
    course = make_course(title="Information security")
    make_signoff(iam, course)
    make_signoff(analyst, course)
    asset = make_asset(manager=iam, business_area=area, name="Caseload extract", identifiability="pseudonymised")
    DataItemFactory(asset=asset, name="claim_count", description="Claims in the month", sensitivity="non_personal")
    end = datetime.date.today() + datetime.timedelta(days=90)

    sign_in(page, live_server, "sam", PASSWORD, analyst_device)
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("You have nothing to do.")).to_be_visible()
    assert serious(page) == []
    page.goto(f"{live_server.url}/access/ask/{asset.pk}/")
    page.get_by_label("Purpose").fill("Regional caseload tables")
    page.get_by_label("Business case").fill("The quarterly release needs counts.")
    page.get_by_label("Day", exact=True).fill(str(end.day))
    page.get_by_label("Month", exact=True).fill(str(end.month))
    page.get_by_label("Year", exact=True).fill(str(end.year))
    page.get_by_label("claim_count: Claims in the month").check()
    page.get_by_label("Why do you need claim_count?").fill("The counts")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Request submitted.")).to_be_visible()
    sign_out(page)

    # The IAM finds it on their home page and returns it.
    sign_in(page, live_server, "ian", PASSWORD, iam_device)
    page.wait_for_url(f"{live_server.url}/")
    assert serious(page) == []
    page.get_by_role("link", name="Decide 1 access request").click()
    page.wait_for_url(f"{live_server.url}/access/decisions/?as=iam")
    assert serious(page) == []
    page.get_by_role("link", name=re.compile(r"^Request \d+$")).first.click()
    page.get_by_label("Return to the requester for changes").check()
    page.get_by_label("Reason for your decision").fill("Say which quarters you need")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded: returned for changes.")).to_be_visible()
    sign_out(page)

    # The requester sees it returned, changes it and submits it again.
    sign_in(page, live_server, "sam", PASSWORD, analyst_device)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Change and resubmit 1 access request returned to you").click()
    page.wait_for_url(f"{live_server.url}/access/requests/?state=returned&mine=yes")
    assert serious(page) == []
    page.get_by_role("link", name=re.compile(r"^Request \d+$")).first.click()
    expect(page.get_by_text("Say which quarters you need").first).to_be_visible()
    expect(page.get_by_role("table", name="Steps of this request, oldest first")).to_contain_text("Requester")
    assert serious(page) == []
    page.get_by_role("button", name="Change your request").click()
    page.get_by_label("Why do you need claim_count?").fill("The counts for Q1 to Q3")
    assert serious(page) == []
    page.get_by_role("button", name="Send the changed request").click()
    expect(page.get_by_text("Request submitted.")).to_be_visible()
    expect(page.get_by_role("table", name="Steps of this request, oldest first")).to_contain_text(
        "Changed and submitted again"
    )
    sign_out(page)

    sign_in(page, live_server, "ian", PASSWORD, iam_device)
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Decide 1 access request")).to_be_visible()


def test_the_audit_search_and_a_confirmation_before_removing(any_page, live_server):
    page = any_page
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    auditor = UserFactory(username="aud", business_area=area, groups=[roles.AUDITORS, roles.STATISTICIANS])
    device = TOTPDeviceFactory(user=auditor)
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name="Benefit claims")
    release = releases.create_release(
        by=auditor, title="Benefit statistics", planned_release_date=datetime.date.today()
    )
    source = releases.add_source(release, by=auditor, asset=asset, extract_type="sample", sampling_weight=10)

    sign_in(page, live_server, "aud", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/audit/")
    page.locator("main").get_by_label("Search").fill("Benefit")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("planned the release Benefit statistics").first).to_be_visible()
    assert serious(page) == []
    today = datetime.date.today()
    for name, day in (("since", today - datetime.timedelta(days=1)), ("until", today - datetime.timedelta(days=10))):
        page.locator(f"#id_{name}_day").fill(str(day.day))
        page.locator(f"#id_{name}_month").fill(str(day.month))
        page.locator(f"#id_{name}_year").fill(str(day.year))
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(
        page.get_by_role("link", name="The latest date must be the same as or after the earliest date")
    ).to_be_visible()
    assert serious(page) == []

    page.goto(f"{live_server.url}{release.get_absolute_url()}")
    page.get_by_role("link", name="Remove Benefit claims").click()
    expect(
        page.get_by_role("heading", name="Are you sure you want to remove Benefit claims as a source?")
    ).to_be_visible()
    assert serious(page) == []
    page.get_by_role("link", name="No, go back").click()
    expect(page.get_by_role("link", name="Remove Benefit claims")).to_be_visible()
    page.get_by_role("link", name="Remove Benefit claims").click()
    page.get_by_role("button", name="Yes, remove the source").click()
    expect(page.get_by_text("Benefit claims removed.")).to_be_visible()
    assert not type(source).objects.filter(pk=source.pk).exists()


def test_the_admin_refuses_a_non_administrator_and_passes_axe_for_one(any_page, live_server):
    page = any_page
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    UserFactory(username="ada", business_area=area, groups=[roles.ADMINISTRATORS], is_staff=True, is_superuser=True)
    staff = UserFactory(username="sid", business_area=area)
    sign_in(page, live_server, "sid", PASSWORD, TOTPDeviceFactory(user=staff))
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    assert serious(page) == []


def test_the_admin_s_own_pages_pass_axe_for_an_administrator(any_page, live_server):
    """The admin index, a list, a change form, an add form with its errors and the user form."""
    page = any_page
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    ada = UserFactory(username="ada", business_area=area, groups=[roles.ADMINISTRATORS], is_staff=True)
    sign_in(page, live_server, "ada", PASSWORD, TOTPDeviceFactory(user=ada))
    page.wait_for_url(f"{live_server.url}/")
    visited = {}
    for path in (
        "/admin/",
        "/admin/governance/businessarea/",
        f"/admin/governance/businessarea/{area.pk}/change/",
        "/admin/governance/user/",
        f"/admin/governance/user/{ada.pk}/change/",
        "/admin/governance/course/add/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        visited[path] = serious(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    visited["/admin/governance/course/add/ (errors)"] = serious(page)
    found = {path: [(v["id"], v["nodes"]) for v in problems] for path, problems in visited.items() if problems}
    assert found == {}, "\n".join(f"{path}: {problems}" for path, problems in found.items())


def test_each_role_finds_its_work_on_its_home_task_list(any_page, live_server):
    """Staff, an IAM, a contract manager and a disclosure-control officer: the task, its count, its list."""
    page = any_page
    today = datetime.date.today()
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    course = make_course(title="Information security")
    staff = UserFactory(username="sid", first_name="Sid", business_area=area)
    iam = UserFactory(username="ian", business_area=area)
    manager = UserFactory(username="carla", business_area=area, groups=[roles.CONTRACT_MANAGERS])
    officer = UserFactory(username="dora", business_area=area, groups=[roles.DISCLOSURE_CONTROL])
    author = UserFactory(username="stan", business_area=area, groups=[roles.STATISTICIANS])
    for person in (iam, manager, officer):
        make_signoff(person, course)
    make_asset(manager=iam, business_area=area, name="Pension payments", next_review_date=today - datetime.timedelta(1))
    contract = make_contract(
        manager=manager,
        reference="RES-2025-007",
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=100),
        retention_end_date=today - datetime.timedelta(days=50),
        destruction_due_date=today - datetime.timedelta(days=20),
    )
    contract.status = ResearchContract.Status.RETENTION_ENDED  # walked through release long ago
    contract.save()
    releases.create_release(by=author, title="Pension statistics", planned_release_date=today)

    journeys = [
        (staff, "Sign 1 training course", "Information security"),
        (iam, "Review 1 asset past its review date", "Pension payments"),
        (manager, "Certify destruction on 1 contract: overdue", "RES-2025-007"),
        (officer, "1 release in preparation to sign off", "Pension statistics"),
    ]
    for person, task, found in journeys:
        sign_in(page, live_server, person.username, PASSWORD, TOTPDeviceFactory(user=person))
        page.wait_for_url(f"{live_server.url}/")
        expect(page.get_by_text("You have nothing to do.")).to_have_count(0)
        assert serious(page) == [], person.username
        page.get_by_role("link", name=task).click()
        expect(page.get_by_text(found).first).to_be_visible()
        assert serious(page) == [], f"{person.username}: {page.url}"
        sign_out(page)
