"""Retention extensions: asked by the contract manager, decided by every IAM of the data provided."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from governance.contracts.extensions import (
    decide_extension,
    request_extension,
    withdraw_extension,
)
from governance.contracts.models import ContractStatusChange, ExtensionDecision, ResearchContract, RetentionDateChange
from governance.contracts.records import record_destruction
from governance.contracts.states import end_due_retention
from governance.core.audit import system_user
from governance.register.assets import reassign_iam
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    Status,
    approved_contract,
    asset,
    contract,
    fresh,
    gateway,
    iam,
    manager,
    other_asset,
    other_iam,
    other_manager,
    provide,
    released_contract,
    upload,
)

# Database tests: so marked, they run before the transactional (browser) tests.
pytestmark = pytest.mark.django_db


DAY = datetime.timedelta(days=1)


@pytest.fixture
def two_assets(contract, asset, other_asset, iam, other_iam):
    """A released contract with data from two assets, so two IAMs must decide."""
    from governance.contracts import records as service
    from governance.contracts.states import transition
    from tests.contract_fixtures import assess_risk, complete_assurance

    first = provide(contract, asset, "date_of_birth")
    second = provide(contract, other_asset, "award_amount")
    complete_assurance(contract)
    assess_risk(contract)
    transition(contract, Status.UNDER_ASSURANCE, by=contract.manager)
    transition(contract, Status.APPROVED, by=contract.manager)
    service.review_asset(first, by=iam, approved=True)
    service.review_asset(second, by=other_iam, approved=True)
    transition(contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager))
    contract.refresh_from_db()
    return contract


def ask(contract, days=60, **kwargs):
    return request_extension(
        contract,
        by=contract.manager,
        new_retention_end_date=contract.retention_end_date + days * DAY,
        new_destruction_due_date=contract.destruction_due_date + days * DAY,
        reason=kwargs.get("reason", "Fieldwork delayed by two months"),
    )


def test_every_iam_must_approve_and_then_the_dates_move(two_assets, iam, other_iam, django_capture_on_commit_callbacks):
    contract = two_assets
    before = (contract.retention_end_date, contract.destruction_due_date)
    with django_capture_on_commit_callbacks(execute=True):
        extension = ask(contract)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([iam.email, other_iam.email])
    decide_extension(extension, by=iam, approved=True)
    extension.refresh_from_db()
    assert extension.state == "pending"
    assert ResearchContract.objects.get(pk=contract.pk).retention_end_date == before[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide_extension(extension, by=other_iam, approved=True, comment="Fine")
    extension.refresh_from_db()
    contract.refresh_from_db()
    assert extension.state == "approved" and extension.decided_at is not None
    assert (contract.retention_end_date, contract.destruction_due_date) == (before[0] + 60 * DAY, before[1] + 60 * DAY)
    change = RetentionDateChange.objects.filter(contract=contract).first()
    assert change.extension == extension and change.changed_by == other_iam
    assert [(e.current_retention_end_date, e.new_retention_end_date) for e in [extension]] == [
        (before[0], before[0] + 60 * DAY)
    ]
    assert [m.to for m in mail.outbox] == [[contract.manager.email]]
    assert "approved" in mail.outbox[0].subject


def test_any_rejection_rejects_and_needs_a_reason(two_assets, iam, other_iam):
    extension = ask(two_assets)
    with pytest.raises(ValidationError, match="Explain why you reject"):
        decide_extension(extension, by=iam, approved=False)
    decide_extension(extension, by=iam, approved=False, comment="The analysis plan does not need it")
    extension.refresh_from_db()
    assert extension.state == "rejected"
    with pytest.raises(ValidationError, match="already been rejected"):
        decide_extension(extension, by=other_iam, approved=True)
    before = ResearchContract.objects.get(pk=two_assets.pk).retention_end_date
    assert before == two_assets.retention_end_date


def test_only_the_iams_of_the_contracts_assets_decide(two_assets, manager, other_manager, auditor, deputy_siro, iam):
    extension = ask(two_assets)
    for user in (manager, other_manager, auditor, deputy_siro):
        with pytest.raises(PermissionDenied, match="Only the Information Asset Managers"):
            decide_extension(extension, by=user, approved=True)
    decide_extension(extension, by=iam, approved=True)
    with pytest.raises(ValidationError, match="already decided"):
        decide_extension(extension, by=iam, approved=True)
    assert ExtensionDecision.objects.count() == 1


def test_requests_are_checked(contract, asset, other_manager):
    with pytest.raises(ValidationError, match="Before release, change the dates directly"):
        ask(contract)
    released_contract(contract, asset)
    with pytest.raises(PermissionDenied):
        request_extension(
            contract,
            by=other_manager,
            new_retention_end_date=contract.retention_end_date + DAY,
            new_destruction_due_date=contract.destruction_due_date + DAY,
            reason="x",
        )
    with pytest.raises(ValidationError) as exc:
        request_extension(
            contract,
            by=contract.manager,
            new_retention_end_date=contract.retention_end_date,
            new_destruction_due_date=contract.retention_end_date - DAY,
            reason="",
        )
    assert set(exc.value.message_dict) == {"new_retention_end_date", "new_destruction_due_date", "reason"}
    ask(contract)
    with pytest.raises(ValidationError, match="already awaiting decisions"):
        ask(contract, days=90)


def test_the_manager_withdraws_a_pending_request(contract, asset, other_manager, iam):
    released_contract(contract, asset)
    extension = ask(contract)
    with pytest.raises(PermissionDenied):
        withdraw_extension(extension, by=other_manager)
    withdraw_extension(extension, by=contract.manager)
    extension.refresh_from_db()
    assert extension.state == "withdrawn"
    with pytest.raises(ValidationError):
        decide_extension(extension, by=iam, approved=True)
    ask(contract, days=30)  # a new request may follow


def test_an_asset_without_an_iam_holds_the_request(two_assets, iam, other_iam, other_asset, other_deputy_siro):
    extension = ask(two_assets)
    reassign_iam(other_asset, None, by=system_user())
    decide_extension(extension, by=iam, approved=True)
    extension.refresh_from_db()
    assert extension.state == "pending"
    reassign_iam(other_asset, other_iam, by=system_user())
    decide_extension(extension, by=other_iam, approved=True)
    extension.refresh_from_db()
    assert extension.state == "approved"


def test_an_approved_extension_after_retention_ended_restarts_retention(manager, gateway, asset, iam):
    from tests.factories import make_contract

    contract = make_contract(
        manager=manager,
        legal_gateway=gateway,
        lawful_basis="public_task",
        start_date=TODAY - 100 * DAY,
        end_date=TODAY - 10 * DAY,
        retention_end_date=TODAY - 2 * DAY,
        destruction_due_date=TODAY + 30 * DAY,
    )
    released_contract(contract, asset)
    end_due_retention()
    contract.refresh_from_db()
    assert contract.status == Status.RETENTION_ENDED
    extension = request_extension(
        contract,
        by=manager,
        new_retention_end_date=TODAY + 30 * DAY,
        new_destruction_due_date=TODAY + 60 * DAY,
        reason="Peer review asked for a re-run",
    )
    decide_extension(extension, by=iam, approved=True)
    contract.refresh_from_db()
    assert contract.status == Status.DATA_RELEASED
    last = ContractStatusChange.objects.filter(contract=contract).first()
    assert (last.from_status, last.to_status, last.by) == ("retention_ended", "data_released", iam)
    assert "Retention extended to" in last.reason


def test_recording_destruction_withdraws_a_pending_request(contract, asset):
    released_contract(contract, asset)
    extension = ask(contract)
    record_destruction(contract, by=contract.manager, destroyed_on=TODAY, certified_by="DPO", certificate=upload())
    extension.refresh_from_db()
    assert extension.state == "withdrawn"


# --- pages -------------------------------------------------------------------------------------


def test_the_extension_pages(verified_client, two_assets, iam, other_iam, staff, other_manager):
    contract = two_assets
    client = verified_client(contract.manager)
    new = contract.retention_end_date + 30 * DAY
    response = client.post(
        f"/contracts/{contract.pk}/extensions/new/",
        {
            "new_retention_end_date_day": new.day,
            "new_retention_end_date_month": new.month,
            "new_retention_end_date_year": new.year,
            "new_destruction_due_date_day": new.day,
            "new_destruction_due_date_month": new.month,
            "new_destruction_due_date_year": new.year,
            "reason": "Report delayed",
        },
    )
    assert response.status_code == 302
    extension = contract.extensions.get()
    url = f"/contracts/{contract.pk}/extensions/{extension.pk}/"
    page = client.get(url)
    assert page.context["can_withdraw"] and not page.context["can_decide"]
    assert client.post(url, {"decision": "approve"}).status_code == 403
    iam_page = verified_client(iam).get(url)
    assert iam_page.context["can_decide"]
    response = verified_client(iam).post(url, {"decision": "reject", "comment": ""})
    assert "Explain why you reject the extension" in response.content.decode()
    response = verified_client(iam).post(url, {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    assert not verified_client(iam).get(url).context["can_decide"]  # decided already
    for user in (staff, other_manager):
        assert verified_client(user).get(url).status_code == 403
        assert verified_client(user).post(url, {"decision": "approve"}).status_code == 403
    response = verified_client(other_iam).post(url, {"decision": "approve"}, follow=True)
    assert "The request is approved" in response.content.decode()
    assert ResearchContract.objects.get(pk=contract.pk).retention_end_date == new
