"""Whoever a two-person rule's second step falls to finds the record in their lists and may open it.

Where the area's Deputy SIRO may not take a rule's second step, the SIRO stands in, and the
SIRO's named alternate where the SIRO may not either. The rules gave them the step, but the
lists did not hold the records: the alternate could neither find nor open a request whose second
approval fell to them (403 on its page), the SIRO's decisions missed a request whose IAM step
the Deputy SIRO took, a Deputy SIRO's review list missed the grants their IAM holds, and returns
and contract data waiting for a stand-in were on nobody's home page. For each rule, the record is
in the person's list, its page opens, and the list and the predicate agree (one rule).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from governance.access import policy as access_policy
from governance.access import selectors as access_selectors
from governance.access.models import AccessGrant, AccessRequest
from governance.access.recertification import open_reviews_for
from governance.assurance import policy as assurance_policy
from governance.assurance import selectors as assurance_selectors
from governance.assurance.models import AssuranceReturn
from governance.assurance.todo import items_for as assurance_items
from governance.contracts import policy as contracts_policy
from governance.contracts import records as contract_service
from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.selectors import data_reviews_for, visible_contracts
from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.register.assets import reassign_iam
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.access.test_access import submit
from tests.access.test_two_person_access import _approve_at_iam_step, _identifiable
from tests.assurance.conftest import open_round
from tests.assurance.test_returns import sign
from tests.conftest import sign_in_verified
from tests.factories import (
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_contract,
    make_data_protection_course,
    make_grant,
    make_review,
    make_signoff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alternate(area):
    person = UserFactory(username="siro-alternate", business_area=area)
    appoint_office_holder(OfficeHolder.Office.SIRO_ALTERNATE, person, by=system_user())
    return person


@pytest.fixture
def handler(area):
    """A data handler whose data-protection training is current."""
    user = UserFactory(username="handler", business_area=area, is_data_handler=True)
    make_signoff(user, make_data_protection_course())
    return user


@pytest.fixture
def bystander(area):
    return UserFactory(username="bystander", business_area=area)


def _one_rule(people, records, selector, predicate) -> None:
    """For each person, the selector lists exactly the records the predicate opens."""
    for person in people:
        listed = set(selector(person).values_list("pk", flat=True))
        opened = {record.pk for record in records if predicate(person, record)}
        assert listed == opened, person.username


def test_the_alternate_finds_and_opens_a_request_whose_second_approval_falls_to_them(
    area, handler, siro, alternate, bystander, client
):
    set_deputy_siro(area, siro, by=system_user())  # the SIRO is the Deputy SIRO and takes the IAM's step
    request = _approve_at_iam_step(submit(handler, _identifiable(area, None), ["nino"]), siro)
    assert access_policy.deputy_step_person(request) == alternate

    assert [r.pk for r in access_selectors.awaiting_decision(alternate)] == [request.pk]
    assert access_policy.can_view_request(alternate, request)
    page = sign_in_verified(client, alternate).get(request.get_absolute_url())
    assert page.status_code == 200 and "Approve" in page.content.decode()
    decisions = client.get(reverse("access:decisions"))
    assert decisions.status_code == 200 and request.asset.name in decisions.content.decode()

    from governance.access import requests as service

    service.decide_as_deputy(request, by=alternate, decision="approve", reason="Agreed")
    request.refresh_from_db()
    assert access_policy.can_view_request(alternate, request)  # what they approved stays in sight
    assert not access_policy.can_view_request(bystander, request)
    _one_rule(
        [alternate, siro, bystander, handler],
        list(AccessRequest.objects.select_related("asset__business_area__deputy_siro", "asset__manager")),
        access_selectors.visible_requests,
        access_policy.can_view_request,
    )


def test_the_siro_finds_a_request_whose_iam_step_the_deputy_siro_took(area, handler, deputy_siro, siro):
    request = _approve_at_iam_step(submit(handler, _identifiable(area, None), ["nino"]), deputy_siro)
    assert access_policy.deputy_step_person(request) == siro
    assert [r.pk for r in access_selectors.awaiting_decision(siro)] == [request.pk]
    assert access_selectors.awaiting_decision(deputy_siro) == []


def test_each_reviewer_finds_the_grants_they_recertify(area, deputy_siro, siro, alternate, bystander):
    # The IAM holds a grant on their own asset: the Deputy SIRO recertifies it.
    iam = UserFactory(username="holding-iam", business_area=area)
    asset = make_asset(manager=UserFactory(username="first-iam"), business_area=area, name="Claims")
    held_by_iam = make_grant(iam, asset)
    reassign_iam(asset, iam, by=system_user())
    # The SIRO holds a grant on an asset they manage in the area they oversee: the alternate recertifies it.
    set_deputy_siro(area, siro, by=system_user())
    own = make_asset(manager=UserFactory(username="second-iam"), business_area=area, name="Payments")
    held_by_siro = make_grant(siro, own)
    reassign_iam(own, siro, by=system_user())
    reviews = {make_review(grant).grant_id: grant for grant in (held_by_iam, held_by_siro)}
    held_by_iam.refresh_from_db()
    held_by_siro.refresh_from_db()

    assert access_policy.reviewer_for(held_by_iam) == siro  # the Deputy SIRO is now the SIRO too
    assert access_policy.reviewer_for(held_by_siro) == alternate
    assert [r.grant_id for r in open_reviews_for(siro)] == [held_by_iam.pk]
    assert [r.grant_id for r in open_reviews_for(alternate)] == [held_by_siro.pk]
    assert list(open_reviews_for(iam)) == []
    assert access_policy.can_view_grant(alternate, held_by_siro)
    assert not access_policy.can_view_grant(alternate, held_by_iam)
    assert len(reviews) == 2
    _one_rule(
        [alternate, siro, bystander, iam],
        list(AccessGrant.objects.select_related("asset__manager", "asset__business_area__deputy_siro")),
        access_selectors.visible_grants,
        access_policy.can_view_grant,
    )


def test_a_deputy_siro_finds_the_grant_their_iam_holds(area, deputy_siro):
    iam = UserFactory(username="holding-iam", business_area=area)
    asset = make_asset(manager=UserFactory(username="first-iam"), business_area=area, name="Claims")
    grant = make_grant(iam, asset)
    reassign_iam(asset, iam, by=system_user())
    make_review(grant)
    grant.refresh_from_db()
    assert access_policy.reviewer_for(grant) == deputy_siro
    assert [r.grant_id for r in open_reviews_for(deputy_siro)] == [grant.pk]


def test_the_alternate_finds_and_opens_a_return_they_accept(
    area, siro, alternate, bystander, django_capture_on_commit_callbacks
):
    # The SIRO is the area's Deputy SIRO and an IAM in it: their signed return falls to the alternate.
    set_deputy_siro(area, siro, by=system_user())
    make_asset(manager=siro, business_area=area, name="The SIRO's own asset")
    TOTPDeviceFactory(user=siro)
    with django_capture_on_commit_callbacks(execute=True):
        round_ = open_round(siro)
    signed = sign(AssuranceReturn.objects.get(round=round_, iam=siro), siro)
    assert assurance_policy.stand_in_decider(signed) == alternate

    assert [r.pk for r in assurance_selectors.returns_to_accept(alternate)] == [signed.pk]
    assert [item.count for item in assurance_items(alternate) if "accept" in item.label.lower()] == [1]
    assert assurance_selectors.returns_to_accept(siro) == []  # the signer: never their own
    assert not [item for item in assurance_items(siro) if "accept" in item.label.lower()]
    assert assurance_policy.can_view_return(alternate, signed)
    for person in (alternate, siro, bystander):
        listed = set(assurance_selectors.visible_returns(person, round_).values_list("pk", flat=True))
        opened = {r.pk for r in AssuranceReturn.objects.all() if assurance_policy.can_view_return(person, r)}
        assert listed == opened, person.username


def test_the_alternate_finds_and_opens_contract_data_they_approve(area, siro, alternate, bystander):
    # The SIRO manages the contract, is the IAM of the asset it provides and its area's Deputy SIRO.
    siro.groups.add(Group.objects.get(name=roles.CONTRACT_MANAGERS))
    set_deputy_siro(area, siro, by=system_user())
    contract = make_contract(manager=siro)
    row = contract_service.add_asset(contract, make_asset(manager=siro, business_area=area, name="Claims"), by=siro)
    assert contracts_policy.data_reviewer(row) == alternate

    assert [ca.pk for ca in data_reviews_for(alternate)] == [row.pk]
    assert data_reviews_for(siro) == []
    assert contracts_policy.can_view(alternate, contract)
    assert not contracts_policy.can_view(bystander, contract)
    _one_rule(
        [alternate, bystander],
        list(ResearchContract.objects.all()),
        visible_contracts,
        contracts_policy.can_view,
    )


def test_a_deputy_siro_finds_contract_data_they_approve_for_an_iam_who_manages_it(area, deputy_siro):
    manager = UserFactory(username="cm-iam", business_area=area, groups=[roles.CONTRACT_MANAGERS])
    contract = make_contract(manager=manager)
    added = contract_service.add_asset(contract, make_asset(manager=manager, business_area=area), by=manager)
    row = ContractAsset.objects.select_related("contract", "asset__business_area__deputy_siro").get(pk=added.pk)
    assert contracts_policy.data_reviewer(row) == deputy_siro
    assert [ca.pk for ca in data_reviews_for(deputy_siro)] == [row.pk]
    assert data_reviews_for(manager) == []
