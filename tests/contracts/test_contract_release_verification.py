"""Releasing data to a research contractor is a high-risk step: fresh verification, key first."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_otp_webauthn.models import WebAuthnCredential

from governance.contracts.states import transition
from governance.core.models import SecurityEvent
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    Status,
    approved_contract,
    asset,
    contract,
    fresh,
    gateway,
    iam,
    manager,
)


def test_data_is_not_released_without_a_fresh_code(contract, asset):  # noqa: F811 - fixtures
    approved_contract(contract, asset)
    with pytest.raises(ValidationError) as refused:
        transition(contract, Status.DATA_RELEASED, by=contract.manager)
    assert "otp_token" in refused.value.error_dict
    with pytest.raises(ValidationError):
        transition(contract, Status.DATA_RELEASED, by=contract.manager, token="000000")
    contract.refresh_from_db()
    assert contract.status == Status.APPROVED


def test_a_manager_with_a_key_cannot_release_with_a_code(contract, asset):  # noqa: F811 - fixtures
    approved_contract(contract, asset)
    WebAuthnCredential.objects.create(
        user=contract.manager, name="Key", credential_id=b"k", public_key=b"p", confirmed=True
    )
    with pytest.raises(ValidationError) as refused:
        transition(contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager))
    assert "key_assertion" in refused.value.error_dict
    contract.refresh_from_db()
    assert contract.status == Status.APPROVED
    assert SecurityEvent.objects.filter(user=contract.manager, kind=SecurityEvent.Kind.KEY_FAILED).exists()


def test_the_release_page_asks_the_manager_for_a_code(verified_client, contract, asset):  # noqa: F811 - fixtures
    approved_contract(contract, asset)
    page = verified_client(contract.manager).get(f"/contracts/{contract.pk}/status/data_released/")
    assert "Code from your authenticator app" in page.content.decode()
    other_move = verified_client(contract.manager).get(f"/contracts/{contract.pk}/status/closed/")
    assert "Code from your authenticator app" not in other_move.content.decode()
