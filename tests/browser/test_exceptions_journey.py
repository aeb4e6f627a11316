"""The overseers' exceptions in a browser: every line is a count, and its link opens a list of exactly that many.

A small world with one of each control missed in each of two business areas (the helpers of
tests/home/test_task_counts.py): a contract past its destruction date and past the escalation,
an asset overdue for review and without an IAM, grants past their end date and past the
recertification deadline, training below the target, an incident past the 72 hours for the ICO
decision, assurance returns not signed, and a risk above the appetite and overdue for review.
The SIRO follows every exception line to its list (the rows, the record, axe) and back; then the
Deputy SIRO of one area sees that area's exceptions only, one of each, and follows them the same way.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.assurance import returns as assurance_returns
from governance.core.audit import system_user
from governance.core.models import BusinessArea, OfficeHolder, User
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.browser.conftest import axe_violations, sign_in
from tests.core.role_pages_world import World
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    DataItemFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_course,
    make_grant,
)
from tests.home.test_task_counts import _missed_controls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each missed control: a fragment of its link, and what its list must show of area A's (and B's) record.
EXCEPTIONS = {
    "attention=destruction_overdue": "RES-LATE-{}",
    "attention=destruction_escalated": "RES-LATE-{}",
    "review=overdue": "Legacy survey {}",
    "iam_needed=yes": "Legacy survey {}",
    "attention=past_end": "Benefit claims {}",
    "attention=past_recertification": "Benefit claims {}",
    "below=target": "{area}",
    "status=ico_overdue": "Laptop left on a train {}",
    "status=open": "Laptop left on a train {}",
    "status=outstanding": "{iam}",
    "status=above_appetite": "Benefit claims {}",
    "status=review_overdue": "Benefit claims {}",
}


def _area_records(area: BusinessArea, suffix: str) -> dict[str, int | str]:
    """What ``_missed_controls`` builds on: an area's asset with its IAM, a member of staff, an active grant."""
    today = datetime.date.today()
    iam = UserFactory(
        username=f"iam-{suffix.lower()}", first_name="Ira", last_name=f"Mann {suffix}", business_area=area
    )
    asset = make_asset(
        manager=iam,
        business_area=area,
        name=f"Benefit claims {suffix}",
        next_review_date=today + datetime.timedelta(days=200),
    )
    DataItemFactory(asset=asset, name="claim_count", sensitivity="non_personal")
    person = UserFactory(business_area=area)
    grant = make_grant(UserFactory(business_area=area), asset=asset, days=90)
    return {"asset": asset.pk, "person": person.pk, "grant": grant.pk, "iam": iam.display_name, "area": area.name}


@pytest.fixture
def world() -> World:
    system = system_user()
    own = BusinessAreaFactory(name="Data as Statistics", code="das")
    other = BusinessAreaFactory(name="Working Age Benefits", code="wab")
    siro = UserFactory(username="siobhan", first_name="Siobhan", last_name="Reid", business_area=own)
    deputy = UserFactory(username="dev", first_name="Dev", last_name="Shah", business_area=own)
    appoint_office_holder(OfficeHolder.Office.SIRO, siro, by=system)
    set_deputy_siro(own, deputy, by=system)
    set_deputy_siro(other, UserFactory(business_area=other), by=system)
    make_course(title="Information security")  # nobody has signed it: compliance is below the target everywhere
    world = World(people={"siro": siro, "deputy_siro": deputy})
    world.own, world.other = _area_records(own, "A"), _area_records(other, "B")
    _missed_controls(world, "A", own)
    _missed_controls(world, "B", other)
    today = datetime.date.today()
    assurance_round = assurance_returns.open_round(
        by=siro,
        period="This year",
        period_start=today - datetime.timedelta(days=365),
        period_end=today,
        due_date=today + datetime.timedelta(days=30),
    )
    assurance_returns.prepare_round(assurance_round.pk)  # one return per IAM, none signed
    return world


def _exception_lines(page) -> list[tuple[str, int, str]]:
    """Each exception line of the home page: its link, its count and its text."""
    links = page.locator('[data-testid="exceptions"] a[data-task-count]')
    return [
        (link.get_attribute("href"), int(link.get_attribute("data-task-count")), link.inner_text())
        for link in links.all()
    ]


def _follow_every_exception(page, records: dict[str, dict], absent: dict[str, dict] | None = None) -> dict[str, int]:
    """Open each exception from the home page: the list's rows must be its count, hold the records of
    ``records``' areas and none of ``absent``'s; axe finds nothing on the list; then go back."""
    lines = _exception_lines(page)
    followed = {}
    for href, count, text in lines:
        fragment = next((f for f in EXCEPTIONS if f in href), None)
        assert fragment, f"an exception with no expected list: {text} ({href})"
        assert text.startswith(str(count)) or f" {count} " in text, text  # the line states its number
        page.locator(f'[data-testid="exceptions"] a[href="{href}"]').click()
        page.wait_for_url(lambda url, href=href: url.endswith(href))
        table = page.locator("main table").first
        rows = table.locator("tbody tr")
        assert rows.count() == count, f"{text}: {rows.count()} rows"
        for suffix, values in records.items():
            expect(table).to_contain_text(EXCEPTIONS[fragment].format(suffix, **values))
        for suffix, values in (absent or {}).items():
            expect(table).not_to_contain_text(EXCEPTIONS[fragment].format(suffix, **values))
        assert axe_violations(page) == [], href
        page.go_back()
        expect(page.get_by_role("heading", name="Exceptions")).to_be_visible()
        followed[fragment] = count
    return followed


def test_the_siro_follows_every_exception_to_a_list_of_exactly_its_number(page, live_server, world):
    siro = world.people["siro"]
    sign_in(page, live_server, siro.username, PASSWORD, TOTPDeviceFactory(user=siro))
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Exceptions")).to_be_visible()
    assert axe_violations(page) == []
    followed = _follow_every_exception(page, {"A": world.own, "B": world.other})
    assert set(followed) == set(EXCEPTIONS)  # one line for each missed control
    assert all(count == 2 for count in followed.values()), followed  # one in each area


def test_a_deputy_siro_follows_their_areas_exceptions_only(page, live_server, world):
    deputy = User.objects.get(pk=world.people["deputy_siro"].pk)
    sign_in(page, live_server, deputy.username, PASSWORD, TOTPDeviceFactory(user=deputy))
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("in the areas you oversee")).to_be_visible()
    assert axe_violations(page) == []
    followed = _follow_every_exception(page, {"A": world.own}, absent={"B": world.other})
    assert set(followed) == set(EXCEPTIONS)
    assert all(count == 1 for count in followed.values()), followed  # their area's, not the other's
