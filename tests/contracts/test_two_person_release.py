"""Data sent to a contractor needs two people: the asset's IAM approves it, the contract's manager
records its release. When the IAM manages the contract, the area's Deputy SIRO approves instead
(the SIRO when the Deputy SIRO manages it); whoever approved it never records its release."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from governance.contracts import policy
from governance.contracts import records as service
from governance.contracts.states import data_unmet, load_facts
from governance.core import roles
from tests.factories import DataItemFactory, contract_manager, make_asset, make_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(area):
    return contract_manager(username="cm-iam", business_area=area)


@pytest.fixture
def provided(area, manager, deputy_siro):
    """A contract whose manager is also the IAM of the asset it provides."""
    asset = make_asset(manager=manager, business_area=area, name="Claims")
    item = DataItemFactory(asset=asset, name="claim_count")
    contract = make_contract(manager=manager)
    row = service.add_asset(contract, asset, by=manager)
    return service.set_items(row, by=manager, chosen={item.pk: "Counts by region"})


def test_an_iam_who_manages_the_contract_does_not_approve_its_data(provided, manager, deputy_siro):
    assert policy.data_reviewer(provided) == deputy_siro
    assert not policy.can_review(manager, provided)
    with pytest.raises(PermissionDenied):
        service.review_asset(provided, by=manager, approved=True)
    reviewed = service.review_asset(provided, by=deputy_siro, approved=True)
    assert reviewed.reviewed_by == deputy_siro
    assert data_unmet(load_facts(provided.contract)) == []


def test_the_siro_approves_when_the_deputy_siro_manages_the_contract(area, deputy_siro, siro):
    deputy_siro.groups.add(*roles_group(roles.CONTRACT_MANAGERS))
    asset = make_asset(manager=deputy_siro, business_area=area, name="Deputy's asset")
    contract = make_contract(manager=deputy_siro)
    row = service.add_asset(contract, asset, by=deputy_siro)
    assert policy.data_reviewer(row) == siro
    assert policy.can_review(siro, row) and not policy.can_review(deputy_siro, row)


def test_whoever_approved_the_data_does_not_record_its_release(provided, deputy_siro, manager):
    approved = policy.contract_asset_as_approved_by(provided, manager)
    assert not policy.can_release_data_of(manager, approved)
    assert policy.can_release_data_of(manager, policy.contract_asset_as_approved_by(provided, deputy_siro))
    # An approval the manager gave (before they took the contract over) does not count.
    facts = load_facts(provided.contract)
    facts.assets[0].review_state, facts.assets[0].reviewed_by = "approved", manager
    facts.assets[0].reviewed_by_id = manager.pk
    assert any("cannot also release it" in line for line in data_unmet(facts))


def roles_group(name):
    from django.contrib.auth.models import Group

    return [Group.objects.get(name=name)]
