"""Every two-person rule, for every person of the role world: nobody takes both steps.

The rules are the list the policy traceability page shows (``governance/assurance/two_person.py``).
For each rule, each record and each person: if the person may take the first step, then on the
record as it is once they took it, they are refused the second. Besides the role world's own
records, the world gets the records where the roles fold into one person: an asset whose IAM is
the area's Deputy SIRO, an asset with no IAM, a request by the asset's own IAM, a return whose
IAM is the Deputy SIRO, a contract whose manager is the IAM of an asset it provides, and DPIAs whose IAM is
the Deputy SIRO or that have none.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from guardian.shortcuts import assign_perm

from governance.access.models import AccessRequest, AccessReview
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.two_person import PROPERTY_TEST, RULES
from governance.contracts import records as contract_service
from governance.contracts.models import ContractAsset, ResearchContract
from governance.core.models import BusinessArea
from governance.core.policy import OVERSEE_AREA_PERM
from governance.outputs.models import OutputSubmission
from governance.privacy.models import DPIA
from governance.releases.models import StatisticalRelease
from tests.core.role_pages_world import build_world
from tests.factories import DataItemFactory, ProcessingActivityFactory, UserFactory, make_asset

pytestmark = pytest.mark.django_db

RECORDS = {
    "access-high-risk": lambda: AccessRequest.objects.select_related("asset__business_area__deputy_siro"),
    "assurance-return": lambda: AssuranceReturn.objects.select_related("round", "business_area__deputy_siro"),
    "release-sign-off": lambda: StatisticalRelease.objects.all(),
    "contract-data-release": lambda: ContractAsset.objects.select_related(
        "contract", "asset__manager", "asset__business_area__deputy_siro"
    ),
    "recertification": lambda: AccessReview.objects.select_related("grant__asset__business_area__deputy_siro"),
    "output-clearance": lambda: OutputSubmission.objects.all(),
    "dpia-sign-off": lambda: DPIA.objects.select_related("business_area__deputy_siro", "iam"),
}


def _submitted(requester, asset) -> AccessRequest:
    item = DataItemFactory(asset=asset, name=f"nino_{asset.pk}", sensitivity="special_category")
    request = AccessRequest.objects.create(
        requester=requester,
        asset=asset,
        purpose="Caseload tables",
        business_case="Needed for the published tables.",
        requested_end_date=datetime.date.today() + datetime.timedelta(days=60),
        needs_deputy_approval=True,
    )
    request.items.create(data_item=item, justification="Needed")
    request.state = AccessRequest.State.SUBMITTED
    request.save()
    return request


@pytest.fixture
def people():
    world = build_world()
    p = dict(world.people)
    area = BusinessArea.objects.get(code="das")
    deputy, iam, staff, manager = p["deputy_siro"], p["iam"], p["staff"], p["contract_manager"]
    # The roles folded into one person.
    _submitted(staff, make_asset(manager=deputy, business_area=area, name="Managed by the Deputy SIRO"))
    _submitted(staff, make_asset(manager=None, business_area=area, name="No IAM"))
    _submitted(iam, make_asset(manager=iam, business_area=area, name="Asked for by its own IAM"))
    round_ = AssuranceRound.objects.get()
    AssuranceReturn.objects.create(round=round_, iam=deputy, business_area=area, facts={})
    contract = ResearchContract.objects.get(reference="RES-A")
    contract_service.add_asset(
        contract, make_asset(manager=manager, business_area=area, name="Managed by the contract manager"), by=manager
    )
    # A DPIA whose IAM is the area's Deputy SIRO, and one with no IAM.
    ProcessingActivityFactory(business_area=area, owner=deputy, special_category_condition="research")
    DPIA.objects.create(
        title="No IAM",
        processing_activity=ProcessingActivityFactory(business_area=area, owner=staff),
        business_area=area,
    )
    # Oversight held through a group, and a superuser, as in the one-rule test.
    overseers = Group.objects.create(name="Overseers of Data as Statistics")
    assign_perm(OVERSEE_AREA_PERM, overseers, area)
    p["oversight through a group"] = UserFactory(username="r-group-deputy", groups=[overseers])
    p["superuser"] = UserFactory(username="r-root", is_superuser=True)
    return p


def test_every_rule_is_checked_here():
    assert {rule.key for rule in RULES} == set(RECORDS)


def test_nobody_takes_both_steps_of_a_two_person_rule(people):
    failures, firsts = [], {rule.key: 0 for rule in RULES}
    for rule in RULES:
        for record in RECORDS[rule.key]():
            for role, person in people.items():
                if not rule.may_first(person, record):
                    continue
                firsts[rule.key] += 1
                if rule.may_second(person, rule.as_done_first(record, person)):
                    failures.append(f"{rule.key}: {role} takes both steps on {record!r}")
    assert failures == []
    assert all(firsts.values()), f"a rule whose first step nobody in the world may take proves nothing: {firsts}"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.key)
def test_each_rule_names_a_test_that_exists(rule):
    import importlib

    for node in (rule.test, PROPERTY_TEST):
        path, _, name = node.partition("::")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name, None)), f"{node} does not exist"


def test_the_policy_page_lists_every_two_person_rule(verified_client, staff):
    page = verified_client(staff).get(reverse("policy")).content.decode()
    for rule in RULES:
        assert f'id="two-person-{rule.key}"' in page and rule.test in page
