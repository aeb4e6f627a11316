"""The Five Safes panel never shows a safe met while a control behind it is overdue, and says which."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime

import pytest

from governance.contracts.states import load_facts
from governance.five_safes import MET, NOT_MET, five_safes
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    Status,
    asset,
    contract,
    gateway,
    iam,
    manager,
    released_contract,
)

pytestmark = pytest.mark.django_db


def _twenty_days_past_destruction(contract):
    """The data released long ago: retention ended 50 days back, destruction was due 20 days back."""
    today = datetime.date.today()
    contract.start_date = today - datetime.timedelta(days=400)
    contract.end_date = today - datetime.timedelta(days=100)
    contract.retention_end_date = today - datetime.timedelta(days=50)
    contract.destruction_due_date = today - datetime.timedelta(days=20)
    contract.status = Status.RETENTION_ENDED
    contract.save()
    return contract


def test_a_contract_twenty_days_past_destruction_does_not_have_safe_data_met(verified_client, manager, contract, asset):
    released_contract(contract, asset)
    before = {line.name: line for line in five_safes(load_facts(contract))}
    assert before["Safe data"].status == MET and before["Safe data"].overdue == []

    _twenty_days_past_destruction(contract)
    safes = {line.name: line for line in five_safes(load_facts(contract))}
    due = contract.destruction_due_date
    assert safes["Safe data"].status == NOT_MET
    assert safes["Safe data"].overdue == [
        f"Destruction overdue: due {due.day} {due:%B %Y}, 20 days ago, with no certificate"
    ]
    assert safes["Safe people"].status == MET  # the contractor's assurance is not what is overdue

    page = verified_client(manager).get(f"/contracts/{contract.pk}/").content.decode()
    assert "Destruction overdue: due" in page and "20 days ago" in page
    assert 'data-testid="safe-overdue"' in page


def test_an_overdue_register_review_keeps_safe_settings_from_being_met(manager, contract, asset):
    released_contract(contract, asset)
    assert {line.name: line.status for line in five_safes(load_facts(contract))}["Safe settings"] == MET
    later = asset.next_review_date + datetime.timedelta(days=3)
    settings = {line.name: line for line in five_safes(load_facts(contract, today=later))}["Safe settings"]
    assert settings.status == NOT_MET
    assert settings.overdue == [
        f"Register review of Benefit claims overdue: due {asset.next_review_date.day} "
        f"{asset.next_review_date:%B %Y}, 3 days ago"
    ]
