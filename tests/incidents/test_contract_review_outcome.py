"""A contract flagged for review by an incident: its manager records the outcome, which clears the flag."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from governance.contracts.models import ResearchContract
from governance.contracts.records import add_asset, record_review
from governance.core.models import AuditEntry
from governance.incidents import linked
from tests.conftest import sign_in_verified
from tests.factories import make_contract
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(incident, handler, asset):
    contract = make_contract()
    add_asset(contract, asset, by=contract.manager)
    # Reported by the asset's IAM, who reads the contract providing it (a reporter names only what they see).
    linked.flag_contract(report(asset.manager, contracts=[contract]), contract, by=handler)
    contract.refresh_from_db()
    assert contract.review_flagged_at is not None
    return contract


def outcome_url(contract) -> str:
    return reverse("contracts:review-outcome", args=[contract.pk])


def test_the_manager_records_the_outcome_and_the_flag_clears(flagged):
    manager = flagged.manager
    client = sign_in_verified(Client(), manager)
    assert outcome_url(flagged) in client.get(flagged.get_absolute_url()).content.decode()

    response = client.post(outcome_url(flagged), {"outcome": "Contractor's storage checked; no data left the enclave"})

    assert response.status_code == 302 and response["Location"] == flagged.get_absolute_url()
    flagged.refresh_from_db()
    assert flagged.review_flagged_at is None and flagged.review_flag_reason == ""
    entry = (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ResearchContract), object_pk=str(flagged.pk)
        )
        .order_by("-pk")
        .first()
    )
    assert entry.actor == manager and "no data left the enclave" in entry.reason
    page = client.get(flagged.get_absolute_url()).content.decode()
    assert "Flagged for review" not in page and outcome_url(flagged) not in page


@pytest.mark.parametrize("who", ["handler", "iam", "deputy_siro", "siro", "auditor", "staff"])
def test_only_the_manager_records_the_review(request, flagged, who):
    client = sign_in_verified(Client(), request.getfixturevalue(who))
    assert client.get(outcome_url(flagged)).status_code == 403
    assert client.post(outcome_url(flagged), {"outcome": "Done"}).status_code == 403
    flagged.refresh_from_db()
    assert flagged.review_flagged_at is not None


def test_an_outcome_is_needed_and_the_flag_stays_without_one(flagged):
    page = sign_in_verified(Client(), flagged.manager).post(outcome_url(flagged), {"outcome": " "}).content.decode()
    assert "govuk-error-summary" in page and 'href="#id_outcome"' in page
    flagged.refresh_from_db()
    assert flagged.review_flagged_at is not None


def test_a_contract_not_flagged_has_nothing_to_record(flagged):
    record_review(flagged, by=flagged.manager, outcome="Checked")
    client = sign_in_verified(Client(), flagged.manager)
    assert client.get(outcome_url(flagged)).status_code == 403
    with pytest.raises(Exception, match="Only the contract's manager"):
        record_review(flagged, by=flagged.manager, outcome="Again")
