"""Recertification campaigns: IAMs confirm or revoke; missed deadlines suspend and tell the Deputy SIRO."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.access import recertification as service
from governance.access.models import AccessReview, ReviewCampaign
from governance.access.views import ReviewsView
from governance.register.models import DataItem
from tests.factories import DataItemFactory, UserFactory, make_asset, make_grant

TODAY = datetime.date.today()


@pytest.fixture
def iam(area):
    return UserFactory(username="iam", business_area=area)


@pytest.fixture
def grants(area, iam, deputy_siro):
    asset = make_asset(manager=iam, business_area=area, name="Caseload")
    DataItemFactory(asset=asset, name="claim_count", sensitivity=DataItem.Sensitivity.NON_PERSONAL)
    return [make_grant(UserFactory(business_area=area), asset) for _ in range(3)]


def test_period_starts_by_quarter():
    assert service.period_start(datetime.date(2026, 11, 24)) == datetime.date(2026, 10, 1)
    assert service.period_start(datetime.date(2026, 1, 1)) == datetime.date(2026, 1, 1)
    assert service.period_start(datetime.date(2026, 6, 30)) == datetime.date(2026, 4, 1)


def test_a_campaign_opens_once_and_asks_each_iam_once(grants, iam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = service.start_campaign()
        second = service.start_campaign()
    assert first.started and not second.started
    assert first.reviews == 3 and second.reviews == 0
    assert ReviewCampaign.objects.count() == 1 and AccessReview.objects.count() == 3
    assert [m.to for m in mail.outbox] == [[iam.email]]
    assert "confirm or revoke 3 grants" in mail.outbox[0].subject


def _counts(queries, table: str) -> list[str]:
    """The statements that counted ``table``'s rows apart (Django's paginator's own count)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count"') and table in q["sql"]
    ]


def test_the_waiting_reviews_are_paged_with_their_count_read_with_the_ids(verified_client, grants, iam, monkeypatch):
    monkeypatch.setattr(ReviewsView, "paginate_by", 2)
    service.start_campaign()
    client = verified_client(iam)
    client.get("/access/reviews/")  # the session and the role facts, read once
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/access/reviews/")
    assert _counts(queries, "governance_accessreview") == []
    second = client.get("/access/reviews/", {"page": 2})
    shown = [r.pk for r in first.context["reviews"]] + [r.pk for r in second.context["reviews"]]
    assert len(first.context["reviews"]) == 2 and first.context["is_paginated"]
    assert sorted(shown) == sorted(AccessReview.objects.values_list("pk", flat=True))
    assert first.context["paginator"].count == second.context["paginator"].count == 3
    assert client.get("/access/reviews/", {"page": 3}).status_code == 404
    assert [r.pk for r in client.get("/access/reviews/", {"page": "last"}).context["reviews"]] == shown[2:]


def test_the_waiting_reviews_run_the_same_queries_however_many_wait(verified_client, grants, iam, area):
    service.start_campaign()
    client = verified_client(iam)
    client.get("/access/reviews/")  # the session and the role facts, read once
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/access/reviews/").context["reviews"]) == 3
    asset = grants[0].asset
    more = [make_grant(UserFactory(business_area=area), asset) for _ in range(10)]
    campaign = ReviewCampaign.objects.get()
    for grant in more:
        AccessReview.objects.create(campaign=campaign, grant=grant)
    client.get("/access/reviews/")  # the figures cached for the header, read again after the new staff
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/access/reviews/").context["reviews"]) == 13
    assert len(many) == len(few)


def test_iam_confirms_and_revokes(verified_client, grants, iam):
    service.start_campaign()
    client = verified_client(iam)
    page = client.get("/access/reviews/")
    assert len(page.context["reviews"]) == 3
    reviews = list(AccessReview.objects.order_by("pk"))
    assert client.post(f"/access/reviews/{reviews[0].pk}/", {"decision": "confirm"}).status_code == 302
    response = client.post(f"/access/reviews/{reviews[1].pk}/", {"decision": "revoke", "reason": ""})
    assert "Give the reason for revoking access" in response.content.decode()
    client.post(f"/access/reviews/{reviews[1].pk}/", {"decision": "revoke", "reason": "Left the project"})
    grants[1].refresh_from_db()
    assert grants[1].state == "revoked" and "access review" in grants[1].end_reason
    assert AccessReview.objects.get(pk=reviews[0].pk).decided_by == iam


def test_holders_and_strangers_cannot_review(verified_client, grants, staff):
    service.start_campaign()
    review = AccessReview.objects.get(grant=grants[0])
    for user in (grants[0].holder, staff):
        assert verified_client(user).post(f"/access/reviews/{review.pk}/", {"decision": "confirm"}).status_code == 403
    with pytest.raises(PermissionDenied):
        service.decide(review, by=grants[0].holder, decision="confirm")


def test_missed_deadline_suspends_and_tells_the_deputy_once(
    grants, iam, deputy_siro, django_capture_on_commit_callbacks
):
    run = service.start_campaign()
    service.decide(AccessReview.objects.get(grant=grants[0]), by=iam, decision="confirm")
    after = run.campaign.deadline + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = service.enforce_deadlines(on=after)
        second = service.enforce_deadlines(on=after)
    assert (first.suspended, first.escalated) == (2, 1)
    assert (second.suspended, second.escalated) == (0, 0)
    states = {g.pk: g.__class__.objects.get(pk=g.pk).state for g in grants}
    assert states == {grants[0].pk: "active", grants[1].pk: "suspended", grants[2].pk: "suspended"}
    told = [m for m in mail.outbox if m.to == [deputy_siro.email]]
    assert len(told) == 1 and "2 grants" in told[0].subject
    # Late confirmation brings access back.
    campaign = ReviewCampaign.objects.get()
    campaign.closed_at = None
    campaign.save()
    service.decide(AccessReview.objects.get(grant=grants[1]), by=iam, decision="confirm")
    grants[1].refresh_from_db()
    assert grants[1].state == "active"


def test_the_reviews_waiting_are_listed_fifty_a_page_with_the_count_of_all(verified_client, area, iam, grants):
    """An IAM may have thousands of grants to recertify: the list pages them and counts them all, and a
    page costs the same queries however many wait (the home page too, which only counts them)."""
    service.start_campaign()
    client = verified_client(iam)
    client.get("/access/reviews/")  # warm the session (each capture follows a request like it)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/access/reviews/").context["reviews"]) == 3
    client.get("/")
    with CaptureQueriesContext(connection) as few_at_home:
        assert "Recertify 3 grants of access" in client.get("/").content.decode()
    asset = grants[0].asset
    for _ in range(52):
        make_grant(UserFactory(business_area=area), asset)
    service.start_campaign()  # the grants given since the campaign opened join it
    client.get("/access/reviews/")
    with CaptureQueriesContext(connection) as many:
        first = client.get("/access/reviews/")
    page = first.content.decode()
    assert len(first.context["reviews"]) == 50 and first.context["page_obj"].paginator.count == 55
    assert "55 grants to review." in page and 'data-result-count="55"' in page
    assert "Page 1 of 2 (55 results)" in page and "?page=2" in page
    second = client.get("/access/reviews/?page=2")
    assert len(second.context["reviews"]) == 5
    shown = [r.pk for r in first.context["reviews"]] + [r.pk for r in second.context["reviews"]]
    assert shown == list(service.open_reviews_for(iam).values_list("pk", flat=True))
    assert len(shown) == len(set(shown)) == 55
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    client.get("/")
    with CaptureQueriesContext(connection) as many_at_home:
        assert "Recertify 55 grants of access" in client.get("/").content.decode()
    assert len(many_at_home) == len(few_at_home)
