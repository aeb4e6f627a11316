"""Recertification campaigns: an IAM keeps, shortens or revokes the due grants in bulk with one reason,
each decision recorded per grant with the campaign named; nobody reviews their own grant; reminders
go before the deadline; the Deputy SIRO follows each campaign's progress in their areas only."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.access import recertification as service
from governance.access import selectors
from governance.access.campaign_views import CampaignView
from governance.access.grants import suspend_for_incident
from governance.access.models import AccessGrant, AccessReview, RecertificationCampaign, StatusChange
from governance.access.selectors import campaign_progress
from governance.core.access_events import record_access
from governance.core.audit import system_user
from governance.core.models.audit import seal_pending
from governance.core.plurals import date_text
from governance.register.assets import reassign_iam
from tests.factories import DataItemFactory, UserFactory, make_asset, make_grant

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _campaign(asset, count: int) -> tuple[RecertificationCampaign, list[AccessGrant]]:
    grants = [make_grant(UserFactory(business_area=asset.business_area), asset) for _ in range(count)]
    run = service.start_campaign()
    return RecertificationCampaign.objects.get(review_campaign=run.campaign, iam=asset.manager), grants


def _reviews(grants) -> list[int]:
    return list(AccessReview.objects.filter(grant__in=grants).order_by("grant").values_list("pk", flat=True))


def _bulk(client, campaign, grants, decision: str, reason: str = "", ends_on: datetime.date | None = None):
    data: dict = {"reviews": _reviews(grants), "decision": decision, "reason": reason}
    if ends_on is not None:
        data |= {"ends_on_day": ends_on.day, "ends_on_month": ends_on.month, "ends_on_year": ends_on.year}
    return client.post(reverse("access:campaign", args=[campaign.pk]), data)


def test_the_nightly_run_opens_one_campaign_per_iam(asset, iam, deputy_siro):
    _campaign(asset, 2)
    service.start_campaign()
    assert list(RecertificationCampaign.objects.values_list("iam", flat=True)) == [iam.pk]


def test_the_iam_keeps_shortens_and_revokes_in_bulk_with_one_reason(
    verified_client, asset, iam, django_capture_on_commit_callbacks
):
    campaign, grants = _campaign(asset, 6)
    client = verified_client(iam)
    page = client.get(reverse("access:campaign", args=[campaign.pk]))
    assert page.status_code == 200 and len(page.context["reviews"]) == 6
    later = TODAY + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert _bulk(client, campaign, grants[:2], "confirm").status_code == 302
        assert _bulk(client, campaign, grants[2:4], "shorten", "Project ends early", later).status_code == 302
        response = _bulk(client, campaign, grants[4:], "revoke", "Left the project")
    assert response.status_code == 302
    assert "2 grants revoked." in client.get(response.url).content.decode()
    reviews = {r.grant_id: r for r in AccessReview.objects.select_related("grant")}
    assert [reviews[g.pk].decision for g in grants] == ["confirm"] * 2 + ["shorten"] * 2 + ["revoke"] * 2
    assert {r.recertification_id for r in reviews.values()} == {campaign.pk}
    assert {r.decided_by_id for r in reviews.values()} == {iam.pk}
    assert [reviews[g.pk].grant.ends_on for g in grants[2:4]] == [later, later]
    assert [reviews[g.pk].grant.state for g in grants[4:]] == ["revoked", "revoked"]
    # One history row per grant, naming the campaign and the one reason.
    shortened = StatusChange.objects.filter(grant__in=grants[2:4], from_state="active", to_state="active")
    assert shortened.count() == 2 and all(
        "access review from" in c.reason and "Project ends early" in c.reason for c in shortened
    )
    assert all("campaign" in g.end_reason for g in AccessGrant.objects.filter(pk__in=[g.pk for g in grants[4:]]))
    # The holders are told of shortening and revoking.
    told = {m.to[0] for m in mail.outbox if "now ends on" in m.subject or "revoked" in m.subject}
    assert told == {g.holder.email for g in grants[2:]}


def test_every_mistake_is_reported_at_once_and_nothing_written(verified_client, asset, iam):
    campaign, grants = _campaign(asset, 2)
    client = verified_client(iam)
    url = reverse("access:campaign", args=[campaign.pk])
    response = client.post(url, {"decision": "shorten", "reason": ""})
    page = response.content.decode()
    assert response.status_code == 200
    for message in ("Select the grants to decide", "Enter the new end date", "Give the reason for shortening access"):
        assert message in page
    response = client.post(url, {"reviews": _reviews(grants)})
    assert "Choose whether to keep, shorten or revoke the selected grants" in response.content.decode()
    past = TODAY - datetime.timedelta(days=1)
    response = _bulk(client, campaign, grants, "shorten", "Ends early", past)
    assert "The new end date must be in the future" in response.content.decode()
    assert not AccessReview.objects.exclude(decision="").exists()


def test_every_grant_still_to_review_is_decided_across_the_pages_in_one_request(
    verified_client, asset, iam, monkeypatch
):
    monkeypatch.setattr(CampaignView, "per_page", 2)
    campaign, grants = _campaign(asset, 5)
    client = verified_client(iam)
    url = reverse("access:campaign", args=[campaign.pk])
    page = client.get(url)
    assert len(page.context["reviews"]) == 2 and page.context["is_paginated"]
    shown = page.content.decode()
    assert "All 5 grants still to review" in shown and 'name="shown" value="5"' in shown
    response = client.post(url, {"every": "on", "shown": "5", "decision": "revoke", "reason": "Project closed"})
    assert response.status_code == 302
    assert "5 grants revoked." in client.get(response.url).content.decode()
    decided = AccessReview.objects.filter(grant__in=grants)
    assert set(decided.values_list("decision", flat=True)) == {"revoke"}
    assert set(decided.values_list("recertification", flat=True)) == {campaign.pk}
    assert set(AccessGrant.objects.filter(pk__in=[g.pk for g in grants]).values_list("state", flat=True)) == {"revoked"}


def test_every_grant_is_refused_when_those_to_review_changed_since_the_page_was_shown(verified_client, asset, iam):
    campaign, grants = _campaign(asset, 3)
    client = verified_client(iam)
    url = reverse("access:campaign", args=[campaign.pk])
    assert "All 3 grants still to review" in client.get(url).content.decode()
    # Another tab keeps one grant meanwhile: "all 3" is no longer what the IAM read.
    assert _bulk(client, campaign, grants[:1], "confirm").status_code == 302
    response = client.post(url, {"every": "on", "shown": "3", "decision": "revoke", "reason": "Project closed"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The grants still to review have changed since this page was shown" in page
    # Shown again with the count it now shows, so the IAM can decide the two that are left.
    assert "All 2 grants still to review" in page and 'name="shown" value="2"' in page
    assert not AccessReview.objects.filter(decision="revoke").exists()
    response = client.post(url, {"every": "on", "shown": "2", "decision": "revoke", "reason": "Project closed"})
    assert response.status_code == 302
    assert list(AccessReview.objects.order_by("grant_id").values_list("decision", flat=True)) == [
        "confirm",
        "revoke",
        "revoke",
    ]


def test_every_grant_with_each_other_mistake_is_reported_at_once(verified_client, asset, iam):
    campaign, _ = _campaign(asset, 2)
    client = verified_client(iam)
    url = reverse("access:campaign", args=[campaign.pk])
    page = client.post(url, {"every": "on", "shown": "two", "decision": "shorten"}).content.decode()
    for message in (
        "The grants still to review have changed since this page was shown",
        "Enter the new end date",
        "Give the reason for shortening access",
    ):
        assert message in page
    assert "Error:</span> Select the grants to decide" not in page  # "all" is a choice of grants
    assert not AccessReview.objects.exclude(decision="").exists()


def test_a_closed_campaigns_page_says_it_closed_and_decides_nothing(verified_client, asset, iam):
    campaign, _ = _campaign(asset, 3)
    review_campaign = campaign.review_campaign
    review_campaign.closed_at = timezone.now()
    review_campaign.save()
    url = reverse("access:campaign", args=[campaign.pk])
    response = verified_client(iam).post(url, {"every": "on", "shown": "3", "decision": "confirm"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This access review has closed. Nothing more can be decided in it" in page
    assert "have changed since this page was shown" not in page
    assert not AccessReview.objects.exclude(decision="").exists()


def test_a_shortened_date_must_come_before_every_chosen_grants_end(verified_client, asset, iam):
    campaign, grants = _campaign(asset, 2)
    later = TODAY + datetime.timedelta(days=200)  # make_grant's grants end in 90 days
    response = _bulk(verified_client(iam), campaign, grants, "shorten", "Ends early", later)
    assert "already ending on or before that date" in response.content.decode()
    assert not AccessReview.objects.exclude(decision="").exists()


def test_nobody_reviews_their_own_grant(verified_client, asset, iam, deputy_siro, staff):
    campaign, grants = _campaign(asset, 1)
    # The IAM's successor already holds a grant on the asset: their campaign never lists it.
    successor = grants[0].holder
    reassign_iam(asset, successor, by=system_user())
    own = AccessReview.objects.get(grant=grants[0])
    theirs = service.open_campaign(campaign.review_campaign, successor)
    client = verified_client(successor)
    page = client.get(reverse("access:campaign", args=[theirs.pk]))
    assert page.status_code == 200 and page.context["reviews"] == []
    response = client.post(
        reverse("access:campaign", args=[theirs.pk]), {"reviews": [own.pk], "decision": "confirm", "reason": ""}
    )
    assert "Select only grants still to be reviewed in this campaign" in response.content.decode()
    with pytest.raises(PermissionDenied):
        service.decide_many(theirs, by=successor, review_ids=[own.pk], decision="confirm")
    own.refresh_from_db()
    assert own.decision == ""
    # The Deputy SIRO stands in, as the two-person rule has it.
    assert list(service.open_reviews_for(deputy_siro)) == [own]
    service.decide(own, by=deputy_siro, decision="confirm")
    assert AccessReview.objects.get(pk=own.pk).decided_by == deputy_siro


def test_the_siro_stands_in_when_the_iam_is_also_the_deputy(area, siro):
    from governance.register.organisation import set_deputy_siro

    holder = UserFactory(business_area=area)
    set_deputy_siro(area, holder, by=system_user())
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name="Claims")
    grant = make_grant(holder, asset)
    reassign_iam(asset, holder, by=system_user())
    service.start_campaign()
    review = AccessReview.objects.get(grant=grant)
    assert list(service.open_reviews_for(holder)) == []
    assert list(service.open_reviews_for(siro)) == [review]


def test_another_iams_campaign_and_other_deputies_are_refused(
    verified_client, asset, iam, other_iam, other_deputy_siro, deputy_siro
):
    campaign, grants = _campaign(asset, 1)
    url = reverse("access:campaign", args=[campaign.pk])
    data = {"reviews": _reviews(grants), "decision": "confirm"}
    for person in (other_iam, other_deputy_siro, deputy_siro, grants[0].holder):
        client = verified_client(person)
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    with pytest.raises(PermissionDenied):
        service.decide_many(campaign, by=other_iam, review_ids=_reviews(grants), decision="confirm")
    assert not AccessReview.objects.exclude(decision="").exists()


def test_a_review_of_another_iams_campaign_cannot_be_slipped_in(verified_client, asset, iam, other_asset, other_iam):
    campaign, _ = _campaign(asset, 1)
    elsewhere = make_grant(UserFactory(), other_asset)
    service.start_campaign()
    stranger = AccessReview.objects.get(grant=elsewhere)
    with pytest.raises(PermissionDenied):
        service.decide_many(campaign, by=iam, review_ids=[stranger.pk], decision="confirm")
    response = verified_client(iam).post(
        reverse("access:campaign", args=[campaign.pk]), {"reviews": [stranger.pk], "decision": "confirm"}
    )
    assert response.status_code == 200
    assert AccessReview.objects.get(pk=stranger.pk).decision == ""


def test_a_closed_campaign_takes_no_decisions(asset, iam):
    campaign, grants = _campaign(asset, 1)
    service.enforce_deadlines(on=campaign.deadline + datetime.timedelta(days=1))
    campaign.refresh_from_db()
    with pytest.raises(Exception, match="closed"):
        service.decide_many(campaign, by=iam, review_ids=_reviews(grants), decision="confirm")


def test_the_campaign_page_runs_constant_queries(verified_client, asset, iam, django_assert_max_num_queries):
    campaign, _ = _campaign(asset, 2)
    client = verified_client(iam)
    url = reverse("access:campaign", args=[campaign.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _ in range(10):
        make_grant(UserFactory(business_area=asset.business_area), asset)
    service.start_campaign()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["reviews"]) == 12


def test_the_compiled_pages_and_figures_read_as_the_querysets_do(asset, iam, other_area):
    moved = make_grant(UserFactory(business_area=other_area), asset)  # a holder in another area
    campaign, grants = _campaign(asset, 7)
    service.decide(AccessReview.objects.get(grant=grants[0]), by=iam, decision="confirm")
    pending = selectors.campaign_reviews(campaign).filter(decision="")
    expected = list(selectors.campaign_rows(pending))
    rows = selectors.PendingRows(campaign, pending.count())
    assert len(rows) == 7 and moved.pk in {row[1] for row in expected}
    assert rows[0:3] + rows[3:6] + rows[6:9] == expected
    assert rows[7:7] == []
    assert rows[6] == expected[6] and list(rows) == expected
    with pytest.raises(IndexError):
        rows[7]
    assert selectors.campaign_figures(campaign) == {
        "total": 8,
        "pending": 7,
        "kept": 1,
        "shortened": 0,
        "revoked": 0,
    }


def test_the_figures_and_rows_leave_out_the_iams_own_grant_and_other_iams_grants(asset, iam, other_asset):
    """The figures' statement names the campaign's grants apart from its rows' (as one list of ids):
    both keep to the IAM's assets and leave out the grant the IAM holds themselves."""
    elsewhere = make_grant(UserFactory(), other_asset)
    campaign, (held, other) = _campaign(asset, 2)
    service.decide(AccessReview.objects.get(grant=elsewhere), by=other_asset.manager, decision="revoke", reason="Left")
    successor = held.holder  # made the asset's IAM while holding a grant on it
    reassign_iam(asset, successor, by=system_user())
    theirs = service.open_campaign(campaign.review_campaign, successor)
    assert selectors.campaign_figures(theirs) == {"total": 1, "pending": 1, "kept": 0, "shortened": 0, "revoked": 0}
    assert [row[1] for row in selectors.PendingRows(theirs, 1)[0:50]] == [other.pk]


PER_GRANT_KEEP = 6  # the review's update, its audit entry and the audit chain's own writes


def test_bulk_queries_grow_only_by_each_grants_own_writes(asset, iam):
    """Reading and locking is one query however many grants; per grant only its writes and audit remain."""

    def measure(count: int) -> int:
        campaign, grants = _campaign(asset, count)
        ids = list(AccessReview.objects.filter(grant__in=grants, decision="").values_list("pk", flat=True))
        seal_pending()  # as each earlier request's commit did: the chain's head is sealed
        with CaptureQueriesContext(connection) as queries:
            service.decide_many(campaign, by=iam, review_ids=ids, decision="confirm")
        return len(queries.captured_queries)

    two, twelve = measure(2), measure(12)
    assert (twelve - two) / 10 <= PER_GRANT_KEEP, (two, twelve)


def test_unreviewed_grants_stay_live_when_the_rule_is_none(asset, iam, deputy_siro, settings):
    settings.RECERTIFICATION_UNREVIEWED_ACTION = "none"
    campaign, grants = _campaign(asset, 2)
    run = service.enforce_deadlines(on=campaign.deadline + datetime.timedelta(days=1))
    assert run.suspended == 0
    assert set(AccessGrant.objects.filter(pk__in=[g.pk for g in grants]).values_list("state", flat=True)) == {"active"}


def test_unreviewed_grants_are_suspended_when_the_rule_is_suspend(asset, iam, deputy_siro, settings):
    settings.RECERTIFICATION_UNREVIEWED_ACTION = "suspend"
    campaign, _ = _campaign(asset, 2)
    run = service.enforce_deadlines(on=campaign.deadline + datetime.timedelta(days=1))
    assert run.suspended == 2


def test_the_iam_and_holders_are_told_once_before_the_deadline(
    asset, iam, deputy_siro, settings, django_capture_on_commit_callbacks
):
    settings.RECERTIFICATION_REMINDER_DAYS = 5
    campaign, grants = _campaign(asset, 2)
    service.decide(AccessReview.objects.get(grant=grants[0]), by=iam, decision="confirm")
    mail.outbox.clear()
    early = campaign.deadline - datetime.timedelta(days=6)
    assert service.remind_before_deadline(on=early).reviews == 0
    near = campaign.deadline - datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        first = service.remind_before_deadline(on=near)
        second = service.remind_before_deadline(on=near)
    assert (first.reviews, first.escalated) == (1, 1)
    assert (second.reviews, second.escalated) == (0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([iam.email, grants[1].holder.email])
    campaign.refresh_from_db()
    assert campaign.reminded_at is not None


def test_the_deputy_siro_follows_progress_in_their_areas_only(
    verified_client, asset, iam, deputy_siro, other_asset, other_iam, other_deputy_siro
):
    campaign, grants = _campaign(asset, 3)
    make_grant(UserFactory(), other_asset)
    service.start_campaign()
    service.decide_many(campaign, by=iam, review_ids=_reviews(grants[:1]), decision="confirm")
    service.decide_many(campaign, by=iam, review_ids=_reviews(grants[1:2]), decision="revoke", reason="Not needed")
    mine = campaign_progress(deputy_siro)
    assert [(p.campaign.iam, p.figures["pending"], p.figures["kept"], p.figures["revoked"]) for p in mine] == [
        (iam, 1, 1, 1)
    ]
    assert [p.campaign.iam for p in campaign_progress(other_deputy_siro)] == [other_iam]
    page = verified_client(other_deputy_siro).get(reverse("access:campaign-progress"))
    assert page.status_code == 200 and iam.display_name not in page.content.decode()
    assert verified_client(iam).get(reverse("access:campaign-progress")).status_code == 403


def test_the_progress_page_links_each_iam_the_viewer_may_open(verified_client, asset, iam, deputy_siro, other_area):
    """A Deputy SIRO chasing an overdue review reaches the IAM's page; an IAM who sits in
    another area (whose page the Deputy SIRO may not open) is named without a link."""
    _campaign(asset, 1)
    outsider = UserFactory(business_area=other_area, first_name="Remy", last_name="Outside")
    make_grant(
        UserFactory(business_area=asset.business_area), make_asset(manager=outsider, business_area=asset.business_area)
    )
    service.start_campaign()
    page = verified_client(deputy_siro).get(reverse("access:campaign-progress")).content.decode()
    assert f'href="{iam.get_absolute_url()}"' in page
    assert outsider.display_name in page and f'href="{outsider.get_absolute_url()}"' not in page


def test_the_iams_list_of_campaigns_opens_the_current_one(verified_client, asset, iam):
    make_grant(UserFactory(business_area=asset.business_area), asset)
    service.start_campaign()
    RecertificationCampaign.objects.all().delete()  # as if the nightly run had not opened it yet
    page = verified_client(iam).get(reverse("access:campaigns"))
    assert page.status_code == 200
    assert [pending for _, pending in page.context["campaigns"]] == [1]


def test_the_asset_page_lists_holders_as_a_table(verified_client, asset, iam):
    grant = make_grant(UserFactory(business_area=asset.business_area, first_name="Dana", last_name="Okafor"), asset)
    service.start_campaign()
    page = verified_client(iam).get(asset.get_absolute_url()).content.decode()
    assert f'href="{grant.get_absolute_url()}"' in page
    assert "Due for review" in page and "claim_count" in page
    assert grant.ends_on.strftime("%B %Y") in page


def test_each_row_names_the_items_held_and_those_used_and_keeps_the_ticks_after_an_error(
    verified_client, asset, iam, rf
):
    items = [DataItemFactory(asset=asset, name=name, sensitivity="non_personal") for name in ("region", "sex")]
    campaign, (grant,) = _campaign_with_items(asset, items)
    request = rf.get("/")
    request.user = grant.holder
    record_access(request, asset, "granted data viewed", f"grant {grant.pk}; columns: sex")
    client = verified_client(iam)
    url = reverse("access:campaign", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert "2 held, 1 used at last access" in page
    assert "region, sex (used)</div>" in page
    review = AccessReview.objects.get(grant=grant)
    assert f'value="{review.pk}" checked' not in page
    # Posted without a decision: the page comes back with the same grant still ticked.
    again = client.post(url, {"reviews": [review.pk]}).content.decode()
    assert f'value="{review.pk}" checked' in again


def _campaign_with_items(asset, items) -> tuple[RecertificationCampaign, list[AccessGrant]]:
    grant = make_grant(UserFactory(business_area=asset.business_area), asset, items=items)
    run = service.start_campaign()
    return RecertificationCampaign.objects.get(review_campaign=run.campaign, iam=asset.manager), [grant]


def test_each_row_tags_holders_who_left_are_leaving_or_moved_and_suspended_grants(
    verified_client, asset, iam, other_area
):
    """The rows are written from the reviews' columns: each holder's status, the grant's state and
    the names escaped, as the template wrote them from the models."""
    soon = TODAY + datetime.timedelta(days=20)
    people = {
        "left": UserFactory(business_area=asset.business_area, first_name="Lee", last_name="Gone"),
        "leaving": UserFactory(business_area=asset.business_area, first_name="Lou", last_name="Going"),
        "moved": UserFactory(business_area=other_area, first_name="Max", last_name="Moved"),
        "no area": UserFactory(business_area=asset.business_area, first_name="Noa", last_name="Nowhere"),
        "odd name": UserFactory(business_area=asset.business_area, first_name="<b>Ola", last_name="O'Neil"),
    }
    grants = {key: make_grant(person, asset) for key, person in people.items()}
    campaign = RecertificationCampaign.objects.get(review_campaign=service.start_campaign().campaign, iam=iam)
    left, leaving, nowhere = people["left"], people["leaving"], people["no area"]
    left.is_active = False
    left.save()
    leaving.leaver_date = soon
    leaving.save()
    nowhere.business_area = None
    nowhere.save()
    suspend_for_incident(grants["moved"], by=iam, reason="Incident 12")
    page = verified_client(iam).get(reverse("access:campaign", args=[campaign.pk])).content.decode()
    link = f'<a class="govuk-link" href="{grants["left"].get_absolute_url()}">Lee Gone</a>'
    assert f'{link}\n            <br><strong class="govuk-tag govuk-tag--red">Left</strong>' in page
    assert f"Leaving {date_text(soon)}</strong>" in page
    assert '<strong class="govuk-tag govuk-tag--yellow">In Working Age Benefits</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--yellow">In no business area</strong>' in page
    assert f'{asset.name}<br><strong class="govuk-tag govuk-tag--grey">Suspended</strong>' in page
    assert "&lt;b&gt;Ola O&#x27;Neil" in page and "<b>Ola" not in page
    assert page.count("Never</td>") == 5
    assert page.count(f"{date_text(grants['left'].ends_on)}</td>") == 5


@pytest.mark.parametrize(
    "at",
    [
        datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC),  # 2 July in UK summer time
        datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC),  # still 31 December in winter
        datetime.datetime(2026, 3, 4, 9, 0),  # a naive time, as ``date_text`` takes it
        datetime.date(2026, 3, 4),
    ],
)
def test_the_rows_write_each_last_access_and_end_date_as_date_text_does(at):
    """The tag writes each day once for all its rows; the text is ``date_text``'s, in UK time."""
    from governance.templatetags.campaign_tags import campaign_review_rows

    ends_on = datetime.date(2027, 1, 5)
    row = (1, 2, "active", ends_on, "Asset", 1, "u", "Ann", "Lee", True, None, 1, "Area", at, "", False)
    html = campaign_review_rows([row, (3, 4, *row[2:])], {2: [], 4: []}, set())
    assert html.count(f'<td class="govuk-table__cell">{date_text(at)}</td>') == 2
    assert html.count(f'<td class="govuk-table__cell">{date_text(ends_on)}</td>') == 2


def test_a_campaign_that_does_not_exist_answers_not_found(verified_client, asset, iam):
    campaign, _grants = _campaign(asset, 1)
    client = verified_client(iam)
    assert client.get(reverse("access:campaign", args=[campaign.pk])).status_code == 200
    missing = reverse("access:campaign", args=[campaign.pk + 1000])
    assert client.get(missing).status_code == 404
    assert client.post(missing, {"decision": "confirm"}).status_code == 404
