"""The facts an IAM signs to are true: each is compared with an independent count on a world built for it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from governance.access.models import AccessGrant, AccessReview, ReviewCampaign
from governance.assurance.facts import compute_facts
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.risks import record_risk
from governance.contracts.models import ContractAsset, ResearchContract
from governance.register.models import InformationAsset
from tests.factories import DataItemFactory, ResearchContractFactory, UserFactory, make_asset, make_course, make_grant

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def the_round(siro):
    return AssuranceRound.objects.create(
        period="Facts",
        period_start=TODAY - datetime.timedelta(days=365),
        period_end=TODAY,
        due_date=TODAY + datetime.timedelta(days=30),
        opened_by=siro,
    )


@pytest.fixture
def two_assets(iam, asset, area):
    return asset, make_asset(manager=iam, business_area=area, name="Jobseeker flows")


def test_a_contract_drawing_on_several_assets_counts_once(iam, two_assets, the_round):
    overdue = ResearchContractFactory(
        status=ResearchContract.Status.RETENTION_ENDED,
        start_date=TODAY - datetime.timedelta(days=400),
        end_date=TODAY - datetime.timedelta(days=100),
        retention_end_date=TODAY - datetime.timedelta(days=50),
        destruction_due_date=TODAY - datetime.timedelta(days=20),
    )
    current = ResearchContractFactory()
    for asset in two_assets:
        ContractAsset.objects.create(contract=overdue, asset=asset)
    ContractAsset.objects.create(contract=current, asset=two_assets[0])
    summary = compute_facts(iam, the_round)["summary"]
    links = ContractAsset.objects.filter(asset__manager=iam)
    assert summary["contracts"] == links.values("contract").distinct().count() == 2
    assert links.count() == 3  # what the old count said
    past = links.filter(contract__destruction_due_date__lt=TODAY).values("contract").distinct().count()
    assert summary["contracts_past_destruction"] == past == 1


def test_a_grant_approved_today_is_not_yet_due_not_overdue(iam, asset, area, the_round):
    new = make_grant(UserFactory(business_area=area), asset)
    due = make_grant(UserFactory(business_area=area), asset)
    overdue = make_grant(UserFactory(business_area=area), asset)
    confirmed = make_grant(UserFactory(business_area=area), asset)
    open_campaign = ReviewCampaign.objects.create(period_start=TODAY, deadline=TODAY + datetime.timedelta(days=21))
    AccessReview.objects.create(campaign=open_campaign, grant=due)
    late = ReviewCampaign.objects.create(
        period_start=TODAY - datetime.timedelta(days=40), deadline=TODAY - datetime.timedelta(days=10)
    )
    AccessReview.objects.create(campaign=late, grant=overdue)
    AccessReview.objects.create(
        campaign=late, grant=confirmed, decision="confirm", decided_by=iam, decided_at=timezone.now()
    )
    facts = compute_facts(iam, the_round)
    summary = facts["summary"]
    reviews = AccessReview.objects.filter(grant__asset__manager=iam)
    undecided = reviews.filter(decision="", campaign__closed_at__isnull=True)
    assert summary["recertification_overdue"] == undecided.filter(campaign__deadline__lt=TODAY).count() == 1
    assert summary["recertification_due"] == undecided.filter(campaign__deadline__gte=TODAY).count() == 1
    assert summary["recertification_confirmed"] == reviews.filter(decision="confirm").count() == 1
    never_asked = AccessGrant.objects.filter(asset__manager=iam).exclude(reviews__isnull=False)
    assert summary["recertification_not_yet_due"] == never_asked.count() == 1
    by_holder = {g["holder"]: g["recertification"] for a in facts["assets"] for g in a["grants"]}
    assert by_holder[new.holder.display_name] == "not_yet_due"


def test_register_reviews_and_risk_reviews_overdue_are_each_stated(iam, two_assets, the_round):
    first, second = two_assets
    InformationAsset.objects.filter(pk=first.pk).update(next_review_date=TODAY - datetime.timedelta(days=3))
    InformationAsset.objects.filter(pk=second.pk).update(next_review_date=TODAY - datetime.timedelta(days=1))
    record_risk(
        first,
        by=iam,
        description="Copies on a shared drive",
        likelihood=2,
        impact=2,
        owner=iam,
        treatment="Scan",
        target_date=TODAY,
        review_date=TODAY + datetime.timedelta(days=10),
    )
    summary = compute_facts(iam, the_round)["summary"]
    assert (
        summary["register_reviews_overdue"]
        == InformationAsset.objects.filter(manager=iam, next_review_date__lt=TODAY).count()
        == 2
    )
    assert summary["risk_reviews_overdue"] == 0  # the old "reviews overdue" said 0 with two register reviews late


def test_people_missing_training_are_counted_once_each(iam, two_assets, area, the_round):
    make_course(title="Information security")  # nobody here has signed it
    holder = UserFactory(business_area=area, first_name="Sam", last_name="Patel")
    namesake = UserFactory(business_area=area, first_name="Sam", last_name="Patel")
    for asset in two_assets:
        make_grant(holder, asset)
    make_grant(namesake, two_assets[0])
    summary = compute_facts(iam, the_round)["summary"]
    holders = AccessGrant.objects.filter(asset__manager=iam).values("holder").distinct().count()
    assert summary["holders"] == holders == 2
    # Two people who share a name are two people; one person with two grants is one.
    assert summary["holders_missing_training"] == holders == 2
    assert summary["grants"] == AccessGrant.objects.filter(asset__manager=iam).count() == 3


def test_people_assets_and_items_are_named_as_people_read_them(verified_client, iam, asset, area, the_round):
    DataItemFactory(asset=asset, name="claim_count", description="Number of claims", sensitivity="non_personal")
    DataItemFactory(asset=asset, name="nino", description="National Insurance number", sensitivity="identifier")
    holder = UserFactory(business_area=area, first_name="Dana", last_name="Okafor")
    make_grant(holder, asset)
    the_round.state = AssuranceRound.State.OPEN
    the_round.save()
    ret = AssuranceReturn.objects.create(
        round=the_round, iam=iam, business_area=area, facts=compute_facts(iam, the_round)
    )
    item_names = [i["name"] for a in ret.facts["assets"] for i in a["items"]]
    assert "National Insurance number" in item_names and "nino" not in item_names
    page = verified_client(iam).get(reverse("assurance:return", args=[ret.pk])).content.decode()
    assert "Dana Okafor" in page and "Claimant counts" in page and "National Insurance number" in page
    assert format_date(TODAY, "j F Y") in page  # computed on, in GOV.UK style
    assert TODAY.isoformat() not in page
    assert "not_yet_due" not in page and "Not yet due" in page
