"""The destruction certificate form reports its date rule together with its other fields, on the first submit."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime

from governance.contracts.models import (
    AssuranceCheck,
    DestructionCertificate,
    ReidentificationAssessment,
    RetentionExtension,
)
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    asset,
    contract,
    gateway,
    iam,
    manager,
    released_contract,
)


def test_a_future_destruction_date_is_reported_with_the_missing_fields(verified_client, manager, contract, asset):
    released_contract(contract, asset)
    future = TODAY + datetime.timedelta(days=5)
    response = verified_client(manager).post(
        f"/contracts/{contract.pk}/destruction/",
        {"destroyed_on_day": future.day, "destroyed_on_month": future.month, "destroyed_on_year": future.year},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The date of destruction must be today or in the past" in page
    assert "Enter who certified the destruction" in page
    assert "Select the signed destruction certificate" in page
    assert "This field is required" not in page
    assert not DestructionCertificate.objects.exists()


def _date(name: str, day: datetime.date) -> dict[str, int]:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def test_an_extension_not_later_than_now_is_reported_with_the_missing_reason(verified_client, manager, contract, asset):
    released_contract(contract, asset)
    contract.refresh_from_db()
    response = verified_client(manager).post(
        f"/contracts/{contract.pk}/extensions/new/",
        {
            **_date("new_retention_end_date", contract.retention_end_date),
            **_date("new_destruction_due_date", contract.destruction_due_date),
            "reason": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The new retention end date must be after the current one" in page
    assert "Answer “Why does the contractor need the data for longer?”" in page
    assert not RetentionExtension.objects.exists()


def test_a_future_assessment_date_is_reported_with_the_missing_assessor(verified_client, manager, contract):
    response = verified_client(manager).post(
        f"/contracts/{contract.pk}/assurance/sara/",
        {"outcome": "met", "assessor": "", **_date("assessed_on", TODAY + datetime.timedelta(days=3))},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The date of the assessment must be today or in the past" in page
    assert "Enter assessor" in page
    assert AssuranceCheck.objects.get(contract=contract, kind="sara").outcome == AssuranceCheck.Outcome.PENDING


def test_a_future_risk_assessment_date_is_reported_with_the_missing_level(verified_client, manager, contract):
    response = verified_client(manager).post(
        f"/contracts/{contract.pk}/risk/",
        {
            "mitigations": "Pseudonymised",
            "assessor": manager.username,
            **_date("assessed_on", TODAY + datetime.timedelta(days=3)),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The date of the assessment must be today or in the past" in page
    assert "Select residual risk" in page
    assert not ReidentificationAssessment.objects.exists()
