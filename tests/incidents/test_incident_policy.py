"""Who sees and handles which incident, tested per role on the pages themselves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.incidents.models import Incident, IncidentLink
from governance.incidents.selectors import visible_incidents
from tests.factories import UserFactory
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def detail(incident):
    return reverse("incidents:detail", args=[incident.pk])


def test_anonymous_is_sent_to_sign_in(client, incident):
    response = client.get(detail(incident))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_without_a_second_factor_is_sent_to_sign_in(unverified_client, incident, reporter):
    response = unverified_client(reporter).get(detail(incident))
    assert response.status_code == 302
    assert detail(incident) not in response["Location"]


@pytest.mark.parametrize("who", ["reporter", "iam", "deputy_siro", "siro", "handler", "auditor"])
def test_those_responsible_see_the_incident(request, verified_client, incident, who):
    user = request.getfixturevalue(who)
    response = verified_client(user).get(detail(incident))
    assert response.status_code == 200
    assert incident.title in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "other_iam", "other_deputy_siro"])
def test_others_are_refused(request, verified_client, incident, other_asset, who):
    user = request.getfixturevalue(who)
    assert verified_client(user).get(detail(incident)).status_code == 403


def test_staff_list_only_their_own_reports(verified_client, reporter, staff, asset):
    mine = report(reporter, assets=[asset], title="Mine")
    theirs = report(staff, assets=[asset], title="Someone else's")
    listed = list(visible_incidents(reporter))
    assert mine in listed and theirs not in listed
    page = verified_client(reporter).get(reverse("incidents:list")).content.decode()
    assert "Mine" in page and "Someone else" not in page


def test_deputy_sees_incidents_touching_their_area_only(deputy_siro, reporter, asset, other_asset):
    ours = report(reporter, assets=[asset])
    elsewhere = report(UserFactory(), assets=[other_asset])
    assert set(visible_incidents(deputy_siro)) == {ours}
    assert elsewhere in visible_incidents(UserFactory(groups=["Auditors"]))


def test_iam_sees_through_a_grant_on_their_asset(iam, asset):
    from tests.factories import make_grant

    holder = UserFactory()
    touched = report(holder, grants=[make_grant(holder, asset)])
    assert touched in visible_incidents(iam)


@pytest.mark.parametrize("who", ["reporter", "iam", "auditor", "staff"])
def test_only_handlers_may_triage(request, verified_client, incident, who):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    url = reverse("incidents:triage", args=[incident.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"severity": "low", "risk_level": "unlikely", "risk_assessment": "x"})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.state == Incident.State.REPORTED


@pytest.mark.parametrize("who", ["deputy_siro", "handler", "siro"])
def test_handlers_triage(request, verified_client, incident, who):
    user = request.getfixturevalue(who)
    response = verified_client(user).post(
        reverse("incidents:triage", args=[incident.pk]),
        {"severity": "high", "risk_level": "risk", "risk_assessment": "Names seen by 12 staff"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == Incident.State.TRIAGED and incident.triaged_by == user


def test_other_deputy_cannot_triage(verified_client, incident, other_deputy_siro):
    response = verified_client(other_deputy_siro).post(
        reverse("incidents:triage", args=[incident.pk]),
        {"severity": "high", "risk_level": "risk", "risk_assessment": "x"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("who,status", [("staff", 403), ("deputy_siro", 403), ("auditor", 200), ("handler", 200)])
def test_export_is_for_handlers_and_auditors(request, verified_client, incident, who, status):
    user = request.getfixturevalue(who)
    assert verified_client(user).get(reverse("incidents:export")).status_code == status


def test_linked_action_refused_to_the_iam(verified_client, incident, iam, asset):
    from tests.factories import make_grant

    grant = make_grant(UserFactory(), asset)
    response = verified_client(iam).post(reverse("incidents:suspend-grant", args=[incident.pk, grant.pk]))
    assert response.status_code == 403
    grant.refresh_from_db()
    assert grant.state == "active"


def test_the_reporter_does_not_learn_who_holds_a_grant_they_named(verified_client, reporter, asset, iam):
    from tests.factories import make_grant

    holder = UserFactory(first_name="Hidden", last_name="Holder")
    grant = make_grant(holder, asset)
    named = report(reporter, assets=[asset])
    # Linked by those handling it (a reporter may name only grants they see).
    IncidentLink.objects.create(incident=named, grant=grant, added_by=iam)
    assert "Hidden Holder" not in verified_client(reporter).get(detail(named)).content.decode()
    assert "Hidden Holder" in verified_client(iam).get(detail(named)).content.decode()
    assert "history" not in verified_client(reporter).get(detail(named)).context  # not even read for them
    assert "history" in verified_client(iam).get(detail(named)).context
