"""The overseers' home pages cost the same number of queries however many exceptions lie behind their counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.assurance import risks as assurance_risks
from governance.contracts.models import ContractAsset, ResearchContract
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.incidents import records as incident_service
from governance.incidents.models import Incident
from governance.register.organisation import appoint_office_holder
from tests.factories import DataItemFactory, ResearchContractFactory, UserFactory, make_asset, make_course, make_grant

pytestmark = pytest.mark.django_db

CEILING = 40  # measured on SQLite: 32 for the SIRO, 37 for a Deputy SIRO (whose visible grants list their ids first)


def _exceptions(area, start: int, n: int) -> None:
    """``n`` more of each exception in ``area``."""
    today = datetime.date.today()
    for i in range(start, start + n):
        iam = UserFactory(business_area=area)
        asset = make_asset(
            manager=iam, business_area=area, name=f"Asset {i}", next_review_date=today - datetime.timedelta(days=3)
        )
        DataItemFactory(asset=asset, name="claim_count", sensitivity="non_personal")
        contract = ResearchContractFactory(
            status=ResearchContract.Status.RETENTION_ENDED,
            start_date=today - datetime.timedelta(days=400),
            end_date=today - datetime.timedelta(days=100),
            retention_end_date=today - datetime.timedelta(days=50),
            destruction_due_date=today - datetime.timedelta(days=20),
        )
        ContractAsset.objects.create(contract=contract, asset=asset)
        make_grant(UserFactory(business_area=area), asset=asset, decider=iam)
        incident_service.report_incident(
            by=UserFactory(business_area=area),
            title=f"Extract sent to the wrong team {i}",
            description="Sent to the wrong list.",
            kind=Incident.Kind.WRONG_RECIPIENT,
            found_at=timezone.now() - datetime.timedelta(minutes=5),
            personal_data=True,
            assets=[asset],
        )
        assurance_risks.record_risk(
            asset,
            by=iam,
            description="Extracts kept too long",
            likelihood=5,
            impact=5,
            owner=iam,
            treatment="Sweeps",
            target_date=today + datetime.timedelta(days=30),
            review_date=today + datetime.timedelta(days=30),
        )


@pytest.fixture
def siro(area):
    siro = UserFactory(business_area=area)
    appoint_office_holder(OfficeHolder.Office.SIRO, siro, by=system_user())
    return siro


@pytest.mark.parametrize("who", ["siro", "deputy_siro"])
def test_an_overseers_home_page_costs_the_same_at_two_sizes(
    who, request, verified_client, area, django_assert_max_num_queries
):
    viewer = request.getfixturevalue(who)
    make_course(title="Information security")
    client = verified_client(viewer)
    counts = []
    for added, total in ((1, 1), (6, 7)):
        _exceptions(area, total - added, added)
        client.get("/")  # warm the session
        with django_assert_max_num_queries(CEILING), CaptureQueriesContext(connection) as queries:
            page = client.get("/").content.decode()
        assert f"{total} contracts holding data past the destruction date" in page or (
            total == 1 and "1 contract holding data past the destruction date" in page
        )
        assert f"{total} information risk" in page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
