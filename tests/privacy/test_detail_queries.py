"""The privacy records' detail pages and the record's export run the same queries whatever their size."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.privacy.models import ProcessingActivity
from governance.register.models import InformationAsset
from governance.register.organisation import appoint_office_holder
from tests.factories import DataItemFactory, SharingAgreementFactory, UserFactory, make_asset, make_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(area):
    person = UserFactory(username="dpo", business_area=area, email="dpo@example.gov.uk")
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, person, by=system_user())
    return person


def _assets(count, area, iam):
    made = []
    for n in range(count):
        asset = make_asset(
            manager=iam,
            business_area=area,
            name=f"Claims {InformationAsset.objects.count()}",
            contains_personal_data=True,
            lawful_basis="public_task",
        )
        DataItemFactory(asset=asset, name=f"nino_{n}", sensitivity="identifier")
        DataItemFactory(asset=asset, name=f"region_{n}", sensitivity="non_personal")
        make_grant(UserFactory(business_area=area), asset=asset)
        made.append(asset)
    return made


def _activity(area, iam, assets):
    activity = ProcessingActivity.objects.create(
        name=f"Paying claims {ProcessingActivity.objects.count()}",
        purposes="To pay claims.",
        business_area=area,
        owner=iam,
        lawful_basis="public_task",
        data_subjects="Claimants",
        next_review_date=timezone.localdate() + datetime.timedelta(days=100),
    )
    activity.assets.add(*assets)
    return activity


def _read(client, url):
    """The response, read to the end (an export streams its rows, querying as it goes)."""
    response = client.get(url)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _queries(client, url) -> int:
    _read(client, url)
    with CaptureQueriesContext(connection) as captured:
        _read(client, url)
    return len(captured.captured_queries)


def test_an_activity_with_more_assets_takes_no_more_queries(
    verified_client, iam, area, deputy_siro, django_assert_max_num_queries
):
    client = verified_client(iam)
    small = _activity(area, iam, _assets(1, area, iam))
    large = _activity(area, iam, _assets(6, area, iam))
    few = _queries(client, small.get_absolute_url())
    with django_assert_max_num_queries(few):
        assert client.get(large.get_absolute_url()).status_code == 200


def test_the_record_export_takes_the_same_queries_at_two_sizes(
    verified_client, dpo, iam, area, deputy_siro, django_assert_max_num_queries
):
    client = verified_client(dpo)
    url = reverse("privacy:activity-export")
    _activity(area, iam, _assets(1, area, iam))
    few = _queries(client, url)
    for assets in (_assets(2, area, iam) for _ in range(5)):
        _activity(area, iam, assets)
    with django_assert_max_num_queries(few):
        _read(client, url)


def test_an_agreement_with_more_data_takes_no_more_queries(
    verified_client, dpo, iam, area, deputy_siro, django_assert_max_num_queries
):
    client = verified_client(dpo)
    small, large = SharingAgreementFactory(business_area=area), SharingAgreementFactory(business_area=area)
    for agreement, count in ((small, 1), (large, 6)):
        for asset in _assets(count, area, iam):
            agreement.assets.add(asset)
            agreement.data_items.add(*asset.items.all())
    few = _queries(client, small.get_absolute_url())
    with django_assert_max_num_queries(few):
        assert client.get(large.get_absolute_url()).status_code == 200


def test_a_dpia_with_more_risks_takes_no_more_queries(verified_client, area, iam, dpo, django_assert_max_num_queries):
    from governance.privacy import dpias as dpia_service
    from governance.privacy.screening import dpia_of
    from tests.factories import ProcessingActivityFactory

    made = []
    for risks in (1, 6):
        activity = ProcessingActivityFactory(business_area=area, owner=iam, special_category_condition="research")
        dpia = dpia_of(activity)
        dpia_service.screen(dpia, by=iam, criteria=["data_matching"], outcome="needed", reasons="Health data")
        for n in range(risks):
            dpia_service.save_risk(
                dpia,
                by=iam,
                description=f"Risk {n}",
                likelihood="possible",
                severity="significant",
                measures="Measures",
                residual_risk="low",
            )
        made.append(dpia)
    client = verified_client(dpo)
    few = _queries(client, made[0].get_absolute_url())
    with django_assert_max_num_queries(few):
        page = _read(client, made[1].get_absolute_url())
    assert page.context["dpia"].screened_by == iam and page.context["dpia"].subject == made[1].subject
