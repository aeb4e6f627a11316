"""The incident pages end to end: the report form, the list's query count, handling forms, the export,
the home task list and the compliance dashboard's figures."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.core import history
from governance.core.history_events import history_for
from governance.core.models import AccessEvent
from governance.incidents import records
from governance.incidents.models import Incident, IncidentAction, IncidentLink
from governance.incidents.policy import can_update_action, updatable_actions
from governance.incidents.todo import items_for as tasks_for
from governance.incidents.views import HISTORY_SHOWN
from governance.register.models import InformationAsset
from tests.factories import UserFactory, make_contract, make_grant
from tests.incidents.conftest import report, triage

pytestmark = pytest.mark.django_db


def report_form(asset, **overrides):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = {
        "title": "Laptop left on a train",
        "kind": "loss_or_theft",
        "description": "An encrypted laptop with an extract on it was left on the 17:04.",
        "found_on_day": yesterday.day,
        "found_on_month": yesterday.month,
        "found_on_year": yesterday.year,
        "found_time_hour": "18",
        "found_time_minute": "15",
        "personal_data": "True",
        "special_category": "False",
        "people_affected": "300",
        "assets": [asset.pk],
    }
    data.update(overrides)
    return data


def test_staff_report_an_incident_and_see_it(verified_client, reporter, asset):
    client = verified_client(reporter)
    assert client.get(reverse("incidents:report")).status_code == 200
    response = client.post(reverse("incidents:report"), report_form(asset))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.reported_by == reporter and incident.people_affected == 300
    assert timezone.localtime(incident.found_at).hour == 18
    assert IncidentLink.objects.filter(incident=incident, asset=asset).exists()
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "72-hour clock" in page and "Laptop left on a train" in page


def test_bad_input_is_shown_in_the_error_summary_and_kept(verified_client, reporter, asset):
    response = verified_client(reporter).post(
        reverse("incidents:report"),
        report_form(asset, title="", found_time_hour="25", found_time_minute="99", people_affected="-5"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and Incident.objects.count() == 0
    assert "govuk-error-summary" in page
    assert 'href="#id_title"' in page and 'href="#id_found_time_hour"' in page and 'href="#id_people_affected"' in page
    assert "Ensure this value" not in page
    assert "An encrypted laptop" in page  # nothing typed is lost


def test_an_empty_report_says_what_is_missing(verified_client, reporter):
    page = verified_client(reporter).post(reverse("incidents:report"), {}).content.decode()
    assert "Enter a short summary of what happened" in page and "Select yes if personal data is involved" in page
    assert "This field is required" not in page


def test_a_date_in_the_future_is_refused(verified_client, reporter, asset):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = report_form(asset, found_on_day=tomorrow.day, found_on_month=tomorrow.month, found_on_year=tomorrow.year)
    page = verified_client(reporter).post(reverse("incidents:report"), data).content.decode()
    assert "must be in the past" in page and 'href="#id_found_on_day"' in page


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_runs_a_constant_number_of_queries(
    verified_client, auditor, asset, count, django_assert_max_num_queries
):
    reporter = UserFactory()
    for _ in range(count):
        report(reporter, assets=[asset])
    client = verified_client(auditor)
    client.get(reverse("incidents:list"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("incidents:list"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(count, 25)


def test_the_incident_page_runs_the_same_queries_however_long_its_log(verified_client, incident, deputy_siro, iam):
    """Whether each action may be updated is asked for the whole log at once, not once per action."""
    triage(incident, deputy_siro)
    client = verified_client(deputy_siro)

    def page_queries(actions: int) -> int:
        while incident.actions.count() < actions:
            records.add_action(incident, by=deputy_siro, description="Recall the email", owner=iam)
        client.get(incident.get_absolute_url())  # warm: session and role facts
        with CaptureQueriesContext(connection) as queries:
            response = client.get(incident.get_absolute_url())
        assert response.status_code == 200 and len(response.context["actions"]) == actions
        return len(queries)

    assert page_queries(1) == page_queries(8)


def test_the_incident_page_runs_the_same_queries_however_many_grants_it_names(
    verified_client, reporter, asset, deputy_siro
):
    """The grants named are read in one query with their holders and assets, the links in another, the
    actions with their owners in a third: one grant named or six, on one asset or on six."""
    client = verified_client(deputy_siro)

    def page_queries(grants: int) -> int:
        named = [make_grant(UserFactory(business_area=asset.business_area), asset) for _ in range(grants)]
        incident = triage(report(deputy_siro, assets=[asset], grants=named), deputy_siro)
        records.add_action(incident, by=deputy_siro, description="Recall the email", owner=reporter)
        client.get(incident.get_absolute_url())  # warm: session and role facts
        with CaptureQueriesContext(connection) as queries:
            response = client.get(incident.get_absolute_url())
        assert response.status_code == 200 and len(response.context["named_grants"]) == grants
        assert all(f"Grant {grant.pk}: " in response.content.decode() for grant in named)
        return len(queries)

    assert page_queries(1) == page_queries(6)


def test_the_history_names_what_the_page_has_loaded_without_reading_it_again(
    verified_client, incident, deputy_siro, monkeypatch
):
    triage(incident, deputy_siro)
    client = verified_client(deputy_siro)
    asked = []
    read_names = history._names
    monkeypatch.setattr(history, "_names", lambda model, pks: asked.append(model) or read_names(model, pks))
    response = client.get(incident.get_absolute_url())
    by_page = list(asked)
    shown, fresh = response.context["history"], history_for(incident, request=response.wsgi_request)
    assert [event.text for event in shown] == [event.text for event in fresh]
    assert [[row.values for row in event.rows] for event in shown] == [[row.values for row in e.rows] for e in fresh]
    assert any(row.after("asset") == incident.links.get().asset.name for event in shown for row in event.rows)
    assert InformationAsset in asked[len(by_page) :]  # read for a history asked without them ...
    assert InformationAsset not in by_page and Incident not in by_page  # ... not for the page's


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("who", ["deputy_siro", "iam", "staff", "handler"])
def test_the_rights_on_a_whole_log_are_the_rights_on_each_action(request, incident, deputy_siro, iam, who, closed):
    triage(incident, deputy_siro)
    records.add_action(incident, by=deputy_siro, description="Recall the email", owner=iam)
    records.add_action(incident, by=deputy_siro, description="Sweep the drive", owner=deputy_siro)
    if closed:
        incident.state = Incident.State.CLOSED  # in memory: the rule reads the state it is given
    user = request.getfixturevalue(who)
    actions = list(IncidentAction.objects.filter(incident=incident))
    for action in actions:
        action.incident = incident
    expected = [(action, can_update_action(user, action)) for action in actions]
    assert updatable_actions(user, incident, actions) == expected
    assert any(allowed for _, allowed in expected) == (who in ("deputy_siro", "iam", "handler") and not closed)


def test_the_ico_decision_after_the_deadline_asks_for_the_delay(verified_client, incident, deputy_siro):
    triage(incident, deputy_siro)
    url = reverse("incidents:ico", args=[incident.pk])
    with time_machine.travel(incident.ico_deadline + datetime.timedelta(hours=2)):
        client = verified_client(deputy_siro)
        page = client.post(url, {"decision": "report", "reason": "Risk of fraud"}).content.decode()
        assert "give the reason for the delay" in page and 'href="#id_delay_reason"' in page
        response = client.post(url, {"decision": "report", "reason": "Risk of fraud", "delay_reason": "Weekend"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.decided_late and incident.delay_reason == "Weekend"


def test_the_action_owner_updates_their_action(verified_client, incident, deputy_siro, iam, staff):
    triage(incident, deputy_siro)
    action = records.add_action(incident, by=deputy_siro, description="Recall the email", owner=iam)
    url = reverse("incidents:action-update", args=[incident.pk, action.pk])
    assert verified_client(staff).post(url, {"state": "done", "outcome": "x"}).status_code == 403
    response = verified_client(iam).post(url, {"state": "done", "outcome": "Recalled"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == IncidentAction.State.DONE and action.completed_at is not None


def test_the_deputy_suspends_a_grant_from_the_page(verified_client, incident, deputy_siro, asset):
    grant = make_grant(UserFactory(), asset)
    client = verified_client(deputy_siro)
    page = client.get(incident.get_absolute_url()).content.decode()
    url = reverse("incidents:suspend-grant", args=[incident.pk, grant.pk])
    assert url in page
    confirm = client.get(url).content.decode()
    assert "Are you sure you want to suspend" in confirm and "Why are you suspending this access?" in confirm
    client.post(url, {"reason": "The extract went to the wrong team"})
    grant.refresh_from_db()
    assert grant.state == "suspended"


def test_the_export_follows_the_ico_questions_and_neutralises_formulas(verified_client, auditor, reporter, asset):
    report(reporter, assets=[asset], title='=HYPERLINK("http://evil.example")', description="+SUM(A1:A9)")
    client = verified_client(auditor)
    response = client.get(reverse("incidents:export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Disposition"].endswith('.csv"')
    assert "When the organisation became aware" in text and "Reason for reporting after 72 hours" in text
    assert "'=HYPERLINK" in text and "'+SUM" in text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("incidents:export") + "?format=xlsx").content))
    values = [cell.value for cell in workbook.active[2]]
    assert '\'=HYPERLINK("http://evil.example")' in values
    assert AccessEvent.objects.filter(user=auditor, kind="export", detail__startswith="Incident log").count() == 2


def test_home_shows_the_handlers_tasks(verified_client, incident, deputy_siro, iam, staff):
    items = tasks_for(deputy_siro)
    assert [(i.count, i.overdue) for i in items] == [(1, False)]
    assert items[0].due == incident.ico_deadline
    with time_machine.travel(incident.ico_deadline + datetime.timedelta(minutes=1)):
        assert tasks_for(deputy_siro)[0].overdue
    assert tasks_for(staff) == []
    page = verified_client(deputy_siro).get(reverse("home")).content.decode()
    assert "Decide on reporting 1 incident to the ICO" in page
    triage(incident, deputy_siro)
    records.add_action(incident, by=deputy_siro, description="Recall", owner=iam)
    assert [i.label for i in tasks_for(iam)] == ["Complete your actions on 1 incident"]


def test_the_compliance_dashboard_counts_incidents_by_area_and_month(
    verified_client, siro, reporter, asset, deputy_siro
):
    first = report(reporter, assets=[asset])
    triage(first, deputy_siro)
    records.decide_ico(first, by=deputy_siro, decision="report", reason="Risk")
    late = report(reporter, assets=[asset])
    # ``late`` stays undecided: it counts as missed once its deadline passes.
    with time_machine.travel(late.ico_deadline + datetime.timedelta(hours=1)):
        response = verified_client(siro).get(reverse("training:compliance"))
    rows = response.context["incident_rows"]
    assert [(r.area, r.reported, r.open, r.ico_reports, r.deadlines_missed) for r in rows] == [
        (asset.business_area.name, 2, 2, 1, 1)
    ]
    assert "Information security incidents" in response.content.decode()


def test_deputy_sees_only_their_area_on_the_dashboard(verified_client, other_deputy_siro, reporter, asset):
    report(reporter, assets=[asset])
    response = verified_client(other_deputy_siro).get(reverse("training:compliance"))
    assert response.context["incident_rows"] == []


def test_the_history_of_the_incident_is_shown(verified_client, incident, deputy_siro):
    triage(incident, deputy_siro)
    page = verified_client(deputy_siro).get(incident.get_absolute_url()).content.decode()
    assert "Change history" in page and "Severity" in page


def test_the_page_shows_the_newest_events_and_the_whole_history_is_one_link_away(
    verified_client, incident, deputy_siro, reporter
):
    triage(incident, deputy_siro)
    for n in range(HISTORY_SHOWN + 4):
        records.add_action(incident, by=deputy_siro, description=f"Recall copy {n}", owner=deputy_siro)
    client = verified_client(deputy_siro)
    page = client.get(incident.get_absolute_url())
    history_url = reverse("incidents:history", args=[incident.pk])
    assert len(page.context["history"]) == HISTORY_SHOWN
    assert f'href="{history_url}"' in page.content.decode()
    full = client.get(history_url)
    text = full.content.decode()
    assert full.status_code == 200 and "Full change history" in text
    # Every event, the report itself and the triage among them, newest first.
    events = full.context["history"]
    assert len(events) > HISTORY_SHOWN + 4
    assert "Recall copy 23" in text and "Recall copy 0" in text and "triaged" in text
    assert [e.timestamp for e in events] == sorted((e.timestamp for e in events), reverse=True)
    # Not for someone who sees the incident only because they reported it, as on its page.
    assert verified_client(reporter).get(history_url).status_code == 403


def test_the_history_page_runs_the_same_queries_however_long_the_history(verified_client, incident, deputy_siro):
    triage(incident, deputy_siro)
    records.add_action(incident, by=deputy_siro, description="Recall the first copy", owner=deputy_siro)
    client = verified_client(deputy_siro)
    url = reverse("incidents:history", args=[incident.pk])
    client.get(url)  # the session and the role facts, read once
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        records.add_action(incident, by=deputy_siro, description=f"Recall copy {n}", owner=deputy_siro)
    client.get(url)  # anything cached for the page, read again after the writes
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["history"]) > 30
    assert len(many) <= len(few)


def test_the_report_form_takes_no_grant_or_contract_numbers(verified_client, reporter, asset):
    """Reporters are never asked for numbers, so the form is no oracle for which grants and contracts exist.

    Anything posted under those names is ignored; handlers link them during triage (``incidents:link``).
    """
    own = make_grant(reporter, asset=asset)
    someone_elses = make_grant(UserFactory(), asset=asset)
    contract = make_contract(reference="RES-SECRET-1")
    client = verified_client(reporter)
    fields = {"grants": f"{own.pk}, {someone_elses.pk}", "contracts": contract.reference, "data_items": "nino"}
    response = client.post(reverse("incidents:report"), report_form(asset, **fields))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert not IncidentLink.objects.filter(incident=incident, grant__isnull=False).exists()
    assert not IncidentLink.objects.filter(incident=incident, contract__isnull=False).exists()
    assert "RES-SECRET-1" not in client.get(incident.get_absolute_url()).content.decode()


def test_the_incident_page_names_holders_only_of_the_grants_the_viewer_may_open(
    verified_client, deputy_siro, handler, siro, asset, other_asset
):
    """A Deputy SIRO sees an incident touching their area; a grant it names in another area stays a number."""
    tom = UserFactory(first_name="Tom", last_name="Baker", business_area=other_asset.business_area)
    elsewhere = make_grant(tom, asset=other_asset)
    here = make_grant(UserFactory(first_name="Ada", last_name="Lovelace", business_area=asset.business_area), asset)
    incident = report(handler, assets=[asset])
    # Linked by those handling it (a reporter may name only grants they see).
    for grant in (elsewhere, here):
        IncidentLink.objects.create(incident=incident, grant=grant, added_by=siro)
    client = verified_client(deputy_siro)
    assert client.get(reverse("access:grant", args=[elsewhere.pk])).status_code == 403
    assert client.get(reverse("access:grant", args=[here.pk])).status_code == 200

    page = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<li>Grant {elsewhere.pk}</li>" in html
    assert "Tom Baker" not in html
    assert f"Grant {here.pk}: Ada Lovelace on {asset.name}" in html

    # Organisation-wide oversight still names both.
    overseer = verified_client(siro).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f"Grant {elsewhere.pk}: Tom Baker" in overseer
