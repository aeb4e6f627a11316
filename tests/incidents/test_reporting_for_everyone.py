"""Reporting an incident is open to all staff and asks only what they know; the handler links the rest.

The report is reached from every asset page (the asset ticked), the header and the home page;
assets are checkboxes; no grant or contract numbers or data item names are asked; the time may
be not known; people affected may be an estimate or a range. The incident page puts the 72-hour
clock and the handler's steps at the top, suspending asks for a confirmation with a reason, and
its queries do not grow with the grants it names.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.contracts.models import ContractAsset
from governance.incidents import linked
from governance.incidents.forms import parse_people_affected
from governance.incidents.models import Incident, IncidentAction, IncidentLink
from tests.factories import UserFactory, make_contract, make_grant
from tests.incidents.conftest import report, triage
from tests.incidents.test_incident_pages import report_form

pytestmark = pytest.mark.django_db


def test_every_asset_page_the_header_and_home_offer_to_report(verified_client, staff, asset):
    client = verified_client(staff)
    report_url = reverse("incidents:report")
    asset_page = client.get(asset.get_absolute_url()).content.decode()
    assert f'href="{report_url}?asset={asset.pk}"' in asset_page
    home = client.get(reverse("home")).content.decode()
    assert home.count(f'href="{report_url}"') >= 2  # the header's account area and the page itself
    history = client.get(reverse("assets:history", args=[asset.pk])).content.decode()
    assert f'href="{report_url}?asset={asset.pk}"' in history


def test_the_asset_from_its_page_is_ticked_and_the_form_asks_only_what_staff_know(verified_client, staff, asset):
    page = verified_client(staff).get(reverse("incidents:report") + f"?asset={asset.pk}").content.decode()
    assert f'type="checkbox" name="assets" value="{asset.pk}"' in page
    ticked = page.split(f'value="{asset.pk}"', 1)[1].split(">", 1)[0]
    assert "checked" in ticked
    assert "Hold Ctrl" not in page and "<select" not in page.split('name="assets"')[0][-2000:]
    for asked_before in ('name="grants"', 'name="contracts"', 'name="data_items"', "Grant numbers"):
        assert asked_before not in page
    assert 'name="found_time_hour"' in page and 'name="found_time_minute"' in page
    assert 'name="people_affected" ' in page and 'type="number"' not in page


def test_a_report_without_a_time_is_shown_as_time_not_known(verified_client, reporter, asset):
    client = verified_client(reporter)
    response = client.post(reverse("incidents:report"), report_form(asset, found_time_hour="", found_time_minute=""))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert not incident.found_time_known
    page = client.get(incident.get_absolute_url()).content.decode()
    found = timezone.localdate() - datetime.timedelta(days=1)
    assert f"{found.day} {found:%B %Y}, time not known" in page
    assert "at 00:00" not in page


def test_a_report_with_a_time_shows_it(verified_client, reporter, asset):
    client = verified_client(reporter)
    client.post(reverse("incidents:report"), report_form(asset))
    incident = Incident.objects.get()
    assert incident.found_time_known and timezone.localtime(incident.found_at).strftime("%H:%M") == "18:15"
    assert "at 18:15" in client.get(incident.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("200", (200, None)),
        ("about 200", (200, None)),
        ("About 1,200", (1200, None)),
        ("100-500", (100, 500)),
        ("100\u2013500", (100, 500)),
        ("100 to 500", (100, 500)),
        ("between 100 and 500", (100, 500)),
        ("", (None, None)),
    ],
)
def test_people_affected_takes_a_number_or_a_range(typed, expected):
    assert parse_people_affected(typed) == expected


@pytest.mark.parametrize("typed", ["-5", "lots", "500-100", "1.5"])
def test_people_affected_refuses_anything_else_with_a_govuk_message(verified_client, reporter, asset, typed):
    page = verified_client(reporter).post(reverse("incidents:report"), report_form(asset, people_affected=typed))
    text = page.content.decode()
    assert page.status_code == 200 and not Incident.objects.exists()
    assert 'href="#id_people_affected"' in text and "Ensure this value" not in text
    assert "such as 200, or a range, such as 100 to 500" in text or "smaller number of the range first" in text


def test_a_range_is_kept_and_shown(verified_client, reporter, asset):
    client = verified_client(reporter)
    client.post(reverse("incidents:report"), report_form(asset, people_affected="1000\u20135000"))
    incident = Incident.objects.get()
    assert (incident.people_affected, incident.people_affected_max) == (1000, 5000)
    assert "1,000 to 5,000" in client.get(incident.get_absolute_url()).content.decode()


def test_the_clock_and_the_steps_lead_the_page(verified_client, incident, deputy_siro):
    page = verified_client(deputy_siro).get(incident.get_absolute_url()).content.decode()
    clock, steps, summary = page.index('id="clock"'), page.index("govuk-task-list"), page.index("What happened")
    assert clock < steps < summary
    deadline = timezone.localtime(incident.ico_deadline)
    assert f"{deadline.day} {deadline:%B %Y} at {deadline:%H:%M}" in page and "(UK time)" in page
    assert "left" in page[clock:steps]
    for step in ("Triage the incident", "Decide whether to report it to the ICO", "Close the incident"):
        assert step in page
    assert "Cannot start yet" in page and "Not yet started" in page


def test_an_overdue_clock_is_red(verified_client, incident, deputy_siro):
    with time_machine.travel(incident.ico_deadline + datetime.timedelta(hours=3)):
        page = verified_client(deputy_siro).get(incident.get_absolute_url()).content.decode()
    clock = page[page.index('id="clock"') : page.index("govuk-task-list")]
    assert "govuk-tag--red" in clock and "overdue" in clock and "govuk-error-message" in clock


def test_the_handler_links_the_assets_grants_and_contracts_during_triage(verified_client, incident, deputy_siro, asset):
    holder = UserFactory(first_name="Noor", last_name="Holder")
    grant = make_grant(holder, asset)
    elsewhere = make_grant(UserFactory(), make_grant(UserFactory()).asset)
    contract = make_contract()
    ContractAsset.objects.create(contract=contract, asset=asset)
    client = verified_client(deputy_siro)
    url = reverse("incidents:link", args=[incident.pk])
    page = client.get(url).content.decode()
    assert "Noor Holder" in page and contract.reference in page
    assert f'value="{elsewhere.pk}"' not in page
    refused = client.post(url, {"grants": [elsewhere.pk]})
    assert refused.status_code == 200 and not IncidentLink.objects.filter(grant=elsewhere).exists()
    response = client.post(url, {"grants": [grant.pk], "contracts": [contract.pk]})
    assert response.status_code == 302
    assert IncidentLink.objects.filter(incident=incident, grant=grant).exists()
    assert IncidentLink.objects.filter(incident=incident, contract=contract).exists()


def test_suspending_asks_for_confirmation_and_a_reason(verified_client, incident, deputy_siro, asset):
    grant = make_grant(UserFactory(), asset)
    client = verified_client(deputy_siro)
    url = reverse("incidents:suspend-grant", args=[incident.pk, grant.pk])
    page = client.get(url).content.decode()
    assert "Are you sure" in page and 'name="reason"' in page
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE  # looking at the confirmation changes nothing
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 200 and "Enter why you are suspending this access" in empty.content.decode()
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE
    assert client.post(url, {"reason": "Extract sent to the wrong team"}).status_code == 302
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.SUSPENDED
    action = IncidentAction.objects.get(incident=incident, kind=IncidentAction.Kind.SUSPEND_GRANT)
    assert "Extract sent to the wrong team" in action.outcome


def test_the_service_refuses_a_suspension_without_a_reason(incident, deputy_siro, asset):
    from django.core.exceptions import ValidationError

    grant = make_grant(UserFactory(), asset)
    with pytest.raises(ValidationError):
        linked.suspend_grant(incident, grant, by=deputy_siro, reason="")
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE


def _page_queries(client, incident) -> int:
    client.get(incident.get_absolute_url())  # warm: session and role facts
    with CaptureQueriesContext(connection) as queries:
        response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_the_incident_page_queries_do_not_grow_with_its_grants(verified_client, deputy_siro, asset):
    """1 grant named, then 50: the same number of queries (it was 14 plus 2 for every grant)."""
    grants = [make_grant(UserFactory(business_area=asset.business_area), asset) for _ in range(51)]
    one = report(deputy_siro, assets=[asset], grants=grants[:1])
    many = report(deputy_siro, assets=[asset], grants=grants[1:])
    for incident in (one, many):
        triage(incident, deputy_siro)
    client = verified_client(deputy_siro)
    few_queries, many_queries = _page_queries(client, one), _page_queries(client, many)
    assert len(many.links.filter(grant__isnull=False)) == 50
    # Not one more with 50 grants. (Fewer, even: the history shows the newest 20 entries, so the
    # incident's first entries, naming its asset and area, have left it.)
    assert many_queries <= few_queries <= 30
