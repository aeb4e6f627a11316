"""History as business events: one line per action, the recorded changes behind it, the plumbing on request."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.access import requests as access
from governance.access.models import AccessRequest
from governance.core.audit import acting_as, correlation
from governance.core.history import govuk_date, readable
from governance.core.history_events import history_for
from governance.core.models import AuditEntry, Notification
from governance.register.models import DataItem
from tests.factories import DataItemFactory, UserFactory, make_asset, make_data_protection_course, make_signoff

TODAY = datetime.date.today()
S = DataItem.Sensitivity

# What a reader must never meet in a history: code names of records, internal keys, raw timestamps.
RAW_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")
MODEL_NAMES = (
    "AccessRequest",
    "AccessGrant",
    "InformationAsset",
    "UserObjectPermission",
    "permission of a person",
    "access_informationasset",
    "Dedupe key",
    "dedupe key",
    "access-decided:",
    "Object pk",
    "Content type",
)


@pytest.fixture
def requester(area):
    """Dana Okafor, a data handler cleared for personal data."""
    user = UserFactory(username="dana", first_name="Dana", last_name="Okafor", business_area=area, is_data_handler=True)
    make_signoff(user, make_data_protection_course())
    return user


@pytest.fixture
def decider(area):
    return UserFactory(username="priya", first_name="Priya", last_name="Nair", business_area=area)


@pytest.fixture
def fuel(area, decider, deputy_siro):
    asset = make_asset(
        manager=decider, business_area=area, name="Winter Fuel Payments", identifiability="pseudonymised"
    )
    for name in ("claim_count", "benefit_type", "region", "payment_week"):
        DataItemFactory(asset=asset, name=name, sensitivity=S.NON_PERSONAL)
    return asset


@pytest.fixture
def submitted(requester, fuel):
    with correlation(), acting_as(requester):
        return access.save_request(
            requester=requester,
            asset=fuel,
            purpose="Winter payments statistics",
            business_case="The quarterly publication",
            requested_end_date=TODAY + datetime.timedelta(days=90),
            items={item: "Needed for the tables" for item in fuel.items.all()},
            submit=True,
        )


def approve(verified_client, decider, req, fuel, end):
    granted = list(fuel.items.filter(name__in=["claim_count", "benefit_type", "region"]))
    data = {
        "decision": "approve",
        "reason": "The business case is sound",
        "granted_items": [i.pk for i in granted],
        "end_date_day": end.day,
        "end_date_month": end.month,
        "end_date_year": end.year,
    }
    response = verified_client(decider).post(f"/access/requests/{req.pk}/decide/", data)
    assert response.status_code == 302
    return response["X-Correlation-ID"]


def test_one_iam_approval_reads_as_one_event_not_sixteen_entries(
    verified_client, requester, decider, fuel, submitted, django_capture_on_commit_callbacks
):
    end = TODAY + datetime.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        cid = approve(verified_client, decider, submitted, fuel, end)
    recorded = AuditEntry.objects.filter(cid=cid).count()
    assert recorded >= 8  # the request, its items, the grant, its items, status rows, rights, the email

    response = verified_client(requester).get(f"/access/requests/{submitted.pk}/")
    events = response.context["history"]
    approval = [event for event in events if event.cid == cid]
    assert len(approval) == 1
    assert len(approval[0].rows) > 1  # the entries are behind the one line, not lines of their own
    sentence = (
        f"Priya Nair approved request {submitted.pk} for Dana Okafor: 3 of 4 data items, until {govuk_date(end)}."
    )
    page = response.content.decode()
    assert sentence in page
    assert "Reason: The business case is sound" in page
    assert "Show the recorded changes" in page
    # The requester reads no plumbing and is not offered it.
    assert not approval[0].system_rows
    assert "Show system entries" not in page and "System entries" not in page


def test_the_system_entries_are_shown_to_an_auditor_on_request_only(
    verified_client, auditor, requester, decider, fuel, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cid = approve(verified_client, decider, submitted, fuel, TODAY + datetime.timedelta(days=60))
    client = verified_client(auditor)

    plain = client.get(f"/audit/?cid={cid}")
    assert len(plain.context["rows"]) == 1  # one event for the whole action
    event = plain.context["rows"][0]
    assert not event.system_rows
    assert not any(row.model is Notification for row in event.rows)
    assert "approved request" in event.text

    shown = client.get(f"/audit/?cid={cid}&system=1")
    event = shown.context["rows"][0]
    kinds = {row.noun for row in event.system_rows}
    assert {"email", "access right"} <= kinds
    page = shown.content.decode()
    assert "System entries" in page and "Dana Okafor on Winter Fuel Payments" in page

    # The asset's panel: the rights row given on approval, for the auditor who asks for it.
    asset_page = client.get(f"/assets/{fuel.pk}/").content.decode()
    assert "Show system entries" in asset_page and "access right" not in asset_page
    asked = client.get(f"/assets/{fuel.pk}/?system=1")
    assert any(row.noun == "access right" for event in asked.context["history"] for row in event.system_rows)

    # Asking is not enough without the right to read the trail.
    refused = verified_client(requester).get(f"/access/requests/{submitted.pk}/?system=1")
    assert not any(event.system_rows for event in refused.context["history"])


def test_the_panel_shows_no_raw_timestamps_model_names_or_internal_keys(
    verified_client, auditor, requester, decider, fuel, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve(verified_client, decider, submitted, fuel, TODAY + datetime.timedelta(days=60))
    pages = [
        verified_client(requester).get(f"/access/requests/{submitted.pk}/"),
        verified_client(decider).get(f"/assets/{fuel.pk}/"),
        verified_client(decider).get(f"/assets/{fuel.pk}/history/"),
        verified_client(auditor).get("/audit/"),
    ]
    for response in pages:
        assert response.status_code == 200
        page = response.content.decode()
        # The history panel, or the explorer's table of events (its filters list the kinds of record).
        start = page.find('id="history"') if 'id="history"' in page else page.find("Events, newest first")
        assert start > 0
        history = page[start:]
        assert not RAW_TIMESTAMP.search(history), RAW_TIMESTAMP.search(history)
        for name in MODEL_NAMES:
            assert name not in history, name


def test_the_fallback_names_the_record_and_the_fields_changed(decider, fuel):
    with correlation(), acting_as(decider):
        fuel.next_review_date = TODAY + datetime.timedelta(days=200)
        fuel.classification = "OFFICIAL"
        fuel.save()
    event = history_for(fuel)[0]
    assert event.text.startswith("changed the asset Winter Fuel Payments: ")
    assert "next review date" in event.text.lower()
    assert not RAW_TIMESTAMP.search(event.text)


def test_recorded_values_read_as_dates_never_iso_or_microseconds():
    assert readable("2026-12-04 21:59:41.713215") == "4 December 2026 at 9:59pm"
    assert readable("2025-03-04") == "4 March 2025"
    assert readable("Vault") == "Vault"


def _events_page_queries(client, url) -> int:
    client.get(url)  # warm: content types, the session's first save
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _decide_many(requester, fuel, decider, count):
    for n in range(count):
        with correlation(), acting_as(requester):
            req = access.save_request(
                requester=requester,
                asset=fuel,
                purpose=f"Statistics {n}",
                business_case="The quarterly publication",
                requested_end_date=TODAY + datetime.timedelta(days=90),
                items={item: "Needed" for item in fuel.items.all()[:2]},
                submit=True,
            )
        with correlation(), acting_as(decider):
            access.decide_as_iam(req, by=decider, decision="reject", reason=f"Not now {n}")


def test_the_history_panel_and_the_explorer_keep_a_constant_number_of_queries(
    verified_client, auditor, requester, decider, fuel
):
    client = verified_client(auditor)
    urls = [f"/assets/{fuel.pk}/", f"/assets/{fuel.pk}/history/", "/audit/", "/audit/?system=1"]
    _decide_many(requester, fuel, decider, 2)
    small = [_events_page_queries(client, url) for url in urls]
    _decide_many(requester, fuel, decider, 12)
    large = [_events_page_queries(client, url) for url in urls]
    assert large == small


def test_incident_history_names_grants_without_a_query_each(verified_client, auditor, area, fuel, decider):
    """Each grant an incident names is read with the incident's other links, not with two queries of its own."""
    from governance.incidents.models import Incident
    from governance.incidents.records import report_incident
    from tests.factories import make_grant

    grants = [make_grant(UserFactory(business_area=area), asset=fuel, decider=decider) for _ in range(5)]

    def reported(named):
        with correlation():
            return report_incident(
                by=decider,
                title="Extract emailed to the wrong team",
                description="A claimant extract was sent to the wrong distribution list.",
                kind=Incident.Kind.WRONG_RECIPIENT,
                found_at=timezone.now() - datetime.timedelta(minutes=30),
                personal_data=False,
                grants=named,
            )

    client = verified_client(auditor)
    small = _events_page_queries(client, f"/incidents/{reported(grants[:1]).pk}/")
    large = _events_page_queries(client, f"/incidents/{reported(grants[1:]).pk}/")
    assert large == small


def test_every_request_decision_reads_in_plain_english(requester, decider, fuel):
    with correlation(), acting_as(requester):
        req = access.save_request(
            requester=requester,
            asset=fuel,
            purpose="Statistics",
            business_case="The quarterly publication",
            requested_end_date=TODAY + datetime.timedelta(days=90),
            items={item: "Needed" for item in fuel.items.all()[:1]},
            submit=True,
        )
    with correlation(), acting_as(decider):
        access.decide_as_iam(req, by=decider, decision="reject", reason="Use the published tables")
    texts = [event.text for event in history_for(AccessRequest.objects.get(pk=req.pk))]
    assert f"rejected request {req.pk} (Winter Fuel Payments for Dana Okafor)" in texts
    assert any(text.startswith(f"submitted request {req.pk}") or text.startswith("started") for text in texts)


def test_a_very_large_action_shows_its_newest_entries_and_says_there_are_more(decider, fuel, monkeypatch):
    from governance.core import history_events

    monkeypatch.setattr(history_events, "ENTRIES_SHOWN", 3)
    with correlation(), acting_as(decider):
        for n in range(5):
            DataItemFactory(asset=fuel, name=f"extra_{n}", sensitivity=S.NON_PERSONAL)
    (event,) = [e for e in history_for(fuel) if any("extra_" in row.name for row in e.rows)]
    assert [row.name for row in event.rows] == ["extra_2", "extra_3", "extra_4"]
    assert event.more == 2


def test_each_entry_of_an_event_names_its_own_actor_in_a_fixed_number_of_queries(
    decider, requester, fuel, django_assert_max_num_queries
):
    # One correlation, two people: the newest entry's actor is not every entry's.
    with correlation():
        with acting_as(decider):
            fuel.classification = "OFFICIAL"
            fuel.save()
        with acting_as(requester):
            fuel.storage_location = "Vault"
            fuel.save()
    history_for(fuel)  # warm: content types
    with django_assert_max_num_queries(6):
        events = history_for(fuel)
        actors = {row.entry.actor for row in events[0].rows}
    assert actors == {decider, requester}
