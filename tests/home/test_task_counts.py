"""Every number on every home page is the number of rows its link opens, for every role of the role world.

The role table's world (tests/core/role_pages_world.py) is given one more of each thing a
control can miss, in both business areas: a contract 20 days past its destruction date, an
asset without an IAM and past its review, an incident past the 72 hours, access past its end
date and past its recertification deadline, a risk overdue and above the appetite, and a
contract manager's contract whose retention ends soon beside another whose destruction falls
due soon. Each role signs in, reads its home page, follows every task and exception, and the
list must show exactly the number the home page gave (the paginator's total, or the page's
``data-result-count`` where a list is not paginated).
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.access.models import AccessGrant, AccessReview, ReviewCampaign
from governance.assurance import returns
from governance.assurance import risks as assurance_risks
from governance.assurance.models import AssuranceReturn
from governance.contracts.models import ContractAsset, ResearchContract
from governance.core.models import BusinessArea, User
from governance.incidents import records as incident_service
from governance.incidents.models import Incident
from governance.register.models import InformationAsset
from tests.conftest import fresh_code, sign_in_verified
from tests.core.role_pages_world import ROLES, World, build_world
from tests.factories import LegalGatewayFactory, UserFactory, contract_manager, make_asset, make_contract, make_grant

pytestmark = pytest.mark.django_db

TASK_LINK = re.compile(r'href="([^"]+)" data-task-count="(\d+)"')
RESULT_COUNT = re.compile(r'data-result-count="(\d+)"')
Status = ResearchContract.Status


def _contract(manager: User, reference: str, *, status: str, retention_in: int, destruction_in: int):
    """A contract recorded through the service (its manager holds its rights), then moved to ``status``
    with its dates ``retention_in`` and ``destruction_in`` days from today."""
    today = datetime.date.today()
    contract = make_contract(
        manager=manager,
        reference=reference,
        legal_gateway=LegalGatewayFactory(name="Commissioned research"),
        lawful_basis="public_task",
        start_date=today - datetime.timedelta(days=400),
        end_date=min(today, today + datetime.timedelta(days=retention_in)) - datetime.timedelta(days=30),
        retention_end_date=today + datetime.timedelta(days=retention_in),
        destruction_due_date=today + datetime.timedelta(days=destruction_in),
    )
    contract.status = status  # the release itself is tried in tests/contracts; its dates are what matter here
    contract.save()
    return contract


def _missed_controls(world: World, suffix: str, area: BusinessArea) -> None:
    """One of each thing a control can miss, in ``area``."""
    records = world.own if suffix == "A" else world.other
    asset = InformationAsset.objects.get(pk=records["asset"])
    today = datetime.date.today()
    now = timezone.now()

    late = _contract(
        contract_manager(business_area=area),
        f"RES-LATE-{suffix}",
        status=Status.RETENTION_ENDED,
        retention_in=-50,
        destruction_in=-20,
    )
    ContractAsset.objects.create(contract=late, asset=asset)

    make_asset(
        manager=None,
        business_area=area,
        name=f"Legacy survey {suffix}",
        next_review_date=today - datetime.timedelta(days=10),
    )

    reporter = User.objects.get(pk=records["person"])
    with time_machine.travel(now - datetime.timedelta(days=4), tick=False):
        incident_service.report_incident(
            by=reporter,
            title=f"Laptop left on a train {suffix}",
            description="An unencrypted laptop was left on a train.",
            kind=Incident.Kind.WRONG_RECIPIENT,
            found_at=timezone.now() - datetime.timedelta(minutes=30),
            personal_data=True,
            assets=[asset],
        )
        assurance_risks.record_risk(
            asset,
            by=asset.manager,
            description="Extracts copied to personal drives",
            likelihood=5,
            impact=4,
            owner=asset.manager,
            treatment="Data loss prevention rules",
            target_date=today + datetime.timedelta(days=30),
            review_date=today - datetime.timedelta(days=10),
        )
    with time_machine.travel(now - datetime.timedelta(days=100), tick=False):
        make_grant(UserFactory(business_area=area), asset=asset, items=list(asset.items.all()), days=30)

    campaign, _ = ReviewCampaign.objects.get_or_create(
        period_start=today - datetime.timedelta(days=60), defaults={"deadline": today - datetime.timedelta(days=5)}
    )
    AccessReview.objects.create(campaign=campaign, grant=AccessGrant.objects.get(pk=records["grant"]))


@pytest.fixture
def world() -> World:
    world = build_world()
    _missed_controls(world, "A", BusinessArea.objects.get(code="das"))
    _missed_controls(world, "B", BusinessArea.objects.get(code="wab"))
    manager = world.people["contract_manager"]
    _contract(manager, "RES-RETAIN", status=Status.DATA_RELEASED, retention_in=10, destruction_in=40)
    _contract(manager, "RES-DESTROY", status=Status.RETENTION_ENDED, retention_in=-20, destruction_in=10)
    # The IAM signs their return: it waits for the Deputy SIRO; the other area's stays outstanding.
    own_return = AssuranceReturn.objects.get(pk=world.own["return"])
    iam = world.people["iam"]
    returns.sign_return(
        own_return,
        by=iam,
        code=fresh_code(TOTPDevice.objects.filter(user=iam, confirmed=True).first()),
        register_accurate=True,
        changes="",
        incidents_reported=True,
        risks_managed=True,
        access_still_needed=True,
        comments="All in order.",
    )
    return world


def rows_on(response) -> int:
    """The number of records a list page holds: its paginator's total, the admin's, or its stated count."""
    context = response.context
    if "paginator" in context and context["paginator"] is not None:
        return context["paginator"].count
    if "cl" in context:
        return context["cl"].result_count
    found = RESULT_COUNT.search(response.content.decode())
    assert found, f"{response.request['PATH_INFO']} states no count of its rows"
    return int(found.group(1))


def links_on_home(client) -> list[tuple[str, int]]:
    page = client.get("/").content.decode()
    return [(html.unescape(url), int(count)) for url, count in TASK_LINK.findall(page)]


def test_every_task_and_exception_opens_a_list_of_exactly_its_number(world, client):
    followed, wrong = {}, []
    for role in ROLES:
        client.logout()
        sign_in_verified(client, world.people[role])
        links = links_on_home(client)
        followed[role] = links
        for url, shown in links:
            response = client.get(url)
            if response.status_code != 200:
                wrong.append((role, url, shown, f"answered {response.status_code}"))
                continue
            listed = rows_on(response)
            if listed != shown:
                wrong.append((role, url, shown, listed))
    assert not wrong, wrong
    # Every overseer has its exceptions; the Deputy SIRO's are its area's.
    siro, deputy = dict(followed["siro"]), dict(followed["deputy_siro"])
    assert siro["/contracts/?attention=destruction_overdue"] == 2
    assert siro["/contracts/?attention=destruction_escalated"] == 2
    assert deputy["/contracts/?attention=destruction_overdue&areas=overseen"] == 1
    auditor = dict(followed["auditor"])
    for fragment in (
        "attention=destruction_overdue",
        "review=overdue",
        "iam_needed=yes",
        "status=ico_overdue",
        "attention=past_end",
        "attention=past_recertification",
        "status=outstanding",
        "status=review_overdue",
        "status=above_appetite",
        "below=target",
    ):
        assert any(fragment in url for url in siro), fragment
        assert fragment == "status=outstanding" or any(fragment in url for url in deputy), fragment  # theirs: signed
        assert [auditor[url] for url in siro if fragment in url] == [siro[url] for url in siro if fragment in url]
    # The Deputy SIRO's returns to accept open the returns waiting, not the list of rounds; numbered and dated.
    round_id = world.own["round"]
    assert deputy[f"/assurance/rounds/{round_id}/?status=to_accept&waiting=me"] == 1
    client.logout()
    page = sign_in_verified(client, world.people["deputy_siro"]).get("/").content.decode()
    due = AssuranceReturn.objects.get(pk=world.own["return"]).round.due_date
    assert "Accept or send back 1 assurance return" in page and f"Due {due.day} {due:%B %Y}" in page
    # The contract manager's two dates each open their own contract, not both.
    manager = dict(followed["contract_manager"])
    assert manager["/contracts/calendar/?window=retention_30&scope=mine"] == 1
    assert manager["/contracts/calendar/?window=destruction_30&scope=mine"] == 1
    # Those without oversight see no exceptions.
    for role in ("staff", "iam", "contract_manager", "administrator"):
        assert not any("attention=destruction_overdue" in url for url, _ in followed[role]), role
    assert len([url for role in followed for url, _ in followed[role]]) > 40
