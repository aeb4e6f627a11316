"""Each role's home page lists the work waiting for them, each item counted and linked to its filtered list."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.access import requests as access
from governance.contracts.models import ResearchContract
from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.core.todo import OVERDUE, Facts, Task
from governance.home import todo as home
from governance.register.organisation import appoint_office_holder
from governance.releases import workflow as releases
from tests.factories import (
    DataItemFactory,
    ResearchContractFactory,
    UserFactory,
    contract_manager,
    make_asset,
    make_course,
    make_signoff,
)

TODAY = datetime.date.today()


def ask(requester, asset):
    return access.save_request(
        requester=requester,
        asset=asset,
        purpose="Caseload statistics",
        business_case="Quarterly publication",
        requested_end_date=TODAY + datetime.timedelta(days=60),
        items={asset.items.first(): "needed"},
        submit=True,
    )


def asset_with_item(manager, area, **kwargs):
    asset = make_asset(manager=manager, business_area=area, contains_personal_data=False, lawful_basis="", **kwargs)
    DataItemFactory(asset=asset, name="claim_count", sensitivity="non_personal")
    return asset


@pytest.fixture
def iam(area):
    return UserFactory(username="iam", business_area=area)


def labels(user) -> list[str]:
    return [task.label for task in home.task_list(user)]


def test_an_iam_sees_the_request_waiting_and_the_overdue_review_with_links(verified_client, area, iam, staff):
    asset = asset_with_item(iam, area, next_review_date=TODAY - datetime.timedelta(days=3))
    ask(staff, asset)
    page = verified_client(iam).get("/").content.decode()
    assert "Decide 1 access request" in page
    assert f'href="{reverse("access:decisions")}?as=iam"' in page
    assert "Review 1 asset past its review date" in page
    assert f"{reverse('assets:list')}?iam=iam&amp;review=overdue" in page
    assert "You have nothing to do" not in page


def test_a_deputy_siro_sees_approvals_waiting_for_them(area, deputy_siro, staff):
    iam = UserFactory(business_area=area)
    asset = make_asset(manager=iam, business_area=area, identifiability="identifiable")
    DataItemFactory(asset=asset, name="nino", sensitivity="direct_identifier")
    handler = UserFactory(business_area=area, is_data_handler=True)
    make_signoff(handler, make_course(title="Data protection", audience="data_handlers", clears=True))
    req = ask(handler, asset)
    access.decide_as_iam(req, by=iam, decision="approve", reason="Sound")
    assert "Approve or reject 1 access request as Deputy SIRO" in labels(deputy_siro)
    assert not any("Deputy SIRO" in label for label in labels(iam))


def test_a_contract_manager_sees_a_destruction_twenty_days_overdue_first(verified_client, area):
    manager = contract_manager(username="cm", business_area=area)
    ResearchContractFactory(
        manager=manager,
        status=ResearchContract.Status.RETENTION_ENDED,
        start_date=TODAY - datetime.timedelta(days=400),
        end_date=TODAY - datetime.timedelta(days=100),
        retention_end_date=TODAY - datetime.timedelta(days=50),
        destruction_due_date=TODAY - datetime.timedelta(days=20),
    )
    ResearchContractFactory(manager=UserFactory(), status=ResearchContract.Status.RETENTION_ENDED)  # not theirs
    tasks = home.task_list(manager)
    assert tasks[0].label == "Certify destruction on 1 contract: overdue" and tasks[0].priority == OVERDUE
    assert tasks[0].url == f"{reverse('contracts:calendar')}?window=overdue&scope=mine"
    page = verified_client(manager).get("/").content.decode()
    assert "Certify destruction on 1 contract: overdue" in page


def test_a_signer_sees_releases_waiting_for_sign_off_but_not_their_own(area):
    author = UserFactory(business_area=area, groups=[roles.STATISTICIANS])
    chief = UserFactory(business_area=area, groups=[roles.STATISTICIANS])
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, chief, by=system_user())
    releases.create_release(by=author, title="Benefit statistics", planned_release_date=TODAY)
    releases.create_release(by=chief, title="Chief's own", planned_release_date=TODAY)
    assert "1 release in preparation to sign off" in labels(chief)
    assert not any("sign off" in label for label in labels(author))


def test_training_due_is_listed_and_the_page_says_go_and_sign_only_then(verified_client, client, staff, area):
    make_course(title="Information security")
    page = verified_client(staff).get("/").content.decode()
    assert "Sign 1 training course" in page and "Go to My training to sign" in page
    client.logout()
    signed = UserFactory(business_area=area)
    make_signoff(signed, make_course(title="Information security"))
    page = verified_client(signed).get("/").content.decode()
    assert "Go to My training to sign" not in page
    assert "You have nothing to do" in page


def test_someone_with_nothing_to_do_is_told_so(verified_client, staff):
    page = verified_client(staff).get("/").content.decode()
    assert "You have nothing to do" in page


def test_the_home_page_stays_private(client, unverified_client, staff):
    assert client.get("/").status_code == 302  # anonymous: to the sign-in
    response = unverified_client(staff).get("/")
    assert response.status_code == 302 and "Decide" not in response.content.decode()


def test_a_new_provider_takes_a_few_lines_and_empty_items_are_dropped(staff):
    def incidents(user, facts: Facts) -> list[Task]:
        return [
            Task(label="Report to the ICO", count=1, url="/incidents/", priority=OVERDUE, section="Incidents"),
            Task(label="Nothing here", count=0, url="/x/", section="Incidents"),
        ]

    tasks = home.task_list(staff, providers=[*home.PROVIDERS, incidents])
    assert [t.label for t in tasks] == ["Report to the ICO"]
    assert [s.title for s in home.sections(tasks)] == ["Incidents"]


def _populate(iam, area, n, start=0):
    for i in range(start, start + n):
        asset = asset_with_item(iam, area, name=f"Asset {i}", next_review_date=TODAY - datetime.timedelta(days=1))
        ask(UserFactory(business_area=area), asset)
        ResearchContractFactory(
            manager=iam,
            status=ResearchContract.Status.RETENTION_ENDED,
            start_date=TODAY - datetime.timedelta(days=400),
            end_date=TODAY - datetime.timedelta(days=100),
            retention_end_date=TODAY - datetime.timedelta(days=50),
            destruction_due_date=TODAY - datetime.timedelta(days=20),
        )


def test_the_home_page_costs_the_same_queries_whatever_the_counts(verified_client, area, iam, deputy_siro):
    make_course(title="Information security")
    client = verified_client(iam)
    counts = []
    for added, total in ((1, 1), (5, 6)):
        _populate(iam, area, added, start=total - added)
        client.get("/")  # warm the session
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/").content.decode()
        assert f"Decide {total} access request" in page
        assert f"Certify destruction on {total} contract" in page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 40


def test_the_home_page_reads_the_persons_training_once(verified_client, staff):
    """The task list and the training panel show the same courses: read once, not once for each."""
    make_course(title="Information security")
    client = verified_client(staff)
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert "Information security" in page
    reads = ('FROM "governance_course"', 'FROM "governance_courseversion"')  # the courses come with their versions
    course_reads = [q for q in queries.captured_queries if any(read in q["sql"] for read in reads)]
    assert len(course_reads) == 1, [q["sql"][:80] for q in course_reads]
