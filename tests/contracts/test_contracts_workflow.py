"""The contract's state machine: every precondition named, every move recorded, every refusal tested."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from governance.contracts import records as service
from governance.contracts.models import (
    AssuranceCheck,
    ContractAsset,
    ContractStatusChange,
    ReidentificationAssessment,
    ResearchContract,
)
from governance.contracts.states import (
    TRANSITIONS,
    available_transitions,
    end_due_retention,
    transition,
    unmet_for,
)
from governance.contracts.tasks import end_contract_retention
from governance.core.audit import system_user
from governance.core.models import AuditEntry
from governance.register.models import InformationAsset
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    Status,
    approved_contract,
    assess_risk,
    asset,
    complete_assurance,
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
from tests.factories import ResearchContractFactory, make_contract, screen_out_dpia

# Database tests: so marked, they run before the transactional (browser) tests.
pytestmark = pytest.mark.django_db


def refusal(exc_info) -> list[str]:
    return exc_info.value.messages


# --- the table ---------------------------------------------------------------------


def test_every_transition_guard_is_a_named_function():
    for (source, target), step in TRANSITIONS.items():
        assert source in Status.values and target in Status.values
        assert callable(step.guard)
        assert step.label or step.via, (source, target)


def test_a_new_contract_is_a_draft_with_four_assurance_items_and_a_first_status_row(contract, manager):
    assert contract.status == Status.DRAFT
    assert sorted(contract.assurance_checks.values_list("kind", flat=True)) == sorted(AssuranceCheck.Kind.values)
    row = ContractStatusChange.objects.get(contract=contract)
    assert (row.from_status, row.to_status, row.by) == ("", Status.DRAFT, system_user())
    assert [t.target for t in available_transitions(contract)] == [Status.UNDER_ASSURANCE, Status.CLOSED]


def test_moves_not_in_the_table_are_refused(contract):
    with pytest.raises(ValidationError) as exc:
        transition(contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager))
    assert refusal(exc) == ["A contract that is draft cannot move to data released."]
    with pytest.raises(ValidationError):
        transition(contract, "nonsense", by=contract.manager)
    contract.refresh_from_db()
    assert contract.status == Status.DRAFT


def test_only_the_named_manager_moves_a_contract(contract, other_manager, iam, auditor, administrator, asset):
    provide(contract, asset, "date_of_birth")
    for user in (other_manager, iam, auditor, administrator):
        with pytest.raises(PermissionDenied, match="Only the contract's named manager"):
            transition(contract, Status.UNDER_ASSURANCE, by=user)
    assert ResearchContract.objects.get(pk=contract.pk).status == Status.DRAFT


# --- preconditions, each named -------------------------------------------------------


def test_assurance_starts_only_with_data_chosen(contract, asset, iam, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as exc:
        transition(contract, Status.UNDER_ASSURANCE, by=contract.manager)
    assert refusal(exc) == ["Add at least one asset and the data items to be provided"]
    provide(contract, asset, "date_of_birth")
    with django_capture_on_commit_callbacks(execute=True):
        transition(contract, Status.UNDER_ASSURANCE, by=contract.manager)
    # The asset's IAM is asked to review what is sent.
    assert [m.to for m in mail.outbox if "Review the data from Benefit claims" in m.subject] == [[iam.email]]


def test_approval_names_every_missing_precondition(manager, asset):
    contract = make_contract(manager=manager)  # no gateway, no lawful basis, nothing assessed
    provide(contract, asset, "health_condition")
    transition(contract, Status.UNDER_ASSURANCE, by=manager)
    with pytest.raises(ValidationError) as exc:
        transition(contract, Status.APPROVED, by=manager)
    assert refusal(exc) == [
        "Choose the legal gateway that permits sharing the data",
        "Choose the lawful basis under UK GDPR Article 6",
        "Choose the UK GDPR Article 9 condition: special category data is provided (health_condition)",
        "Data handling conditions: not yet assessed",
        "Security requirements: not yet assessed",
        "Prescribed standards: not yet assessed",
        "SARA assessment: not yet assessed",
        "The DPIA screening of this research contract is not finished: answer it before this can be approved",
    ]


def test_an_assurance_item_not_met_blocks_approval(contract, asset):
    provide(contract, asset, "date_of_birth")
    complete_assurance(contract)
    sara = contract.assurance_checks.get(kind=AssuranceCheck.Kind.SARA)
    service.record_assurance(sara, by=contract.manager, outcome="not_met", assessor=contract.manager, assessed_on=TODAY)
    contract = transition(contract, Status.UNDER_ASSURANCE, by=contract.manager)
    assert unmet_for(contract, Status.APPROVED) == ["SARA assessment: assessed as not met"]


def test_release_is_refused_until_the_iam_has_reviewed(contract, asset, iam, django_capture_on_commit_callbacks):
    approved_contract(contract, asset, review=False)
    with pytest.raises(ValidationError) as exc:
        transition(contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager))
    assert refusal(exc) == ["Benefit claims: awaiting review by its IAM (Ian Roberts)"]
    row = ContractAsset.objects.get(contract=contract)
    with django_capture_on_commit_callbacks(execute=True):
        service.review_asset(row, by=iam, approved=True, notes="Minimum needed.")
    assert any("approved by IAM" in m.subject and m.to == [contract.manager.email] for m in mail.outbox)
    transition(contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager))
    contract.refresh_from_db()
    assert contract.status == Status.DATA_RELEASED
    assert contract.data_released_on == TODAY


def test_release_names_every_missing_precondition(manager, asset, other_asset):
    contract = make_contract(manager=manager, start_date=TODAY + datetime.timedelta(days=5))
    provide(contract, asset, "date_of_birth")
    row = service.add_asset(contract, other_asset, by=manager)  # no items chosen yet
    assert row.items.count() == 0
    contract = transition(contract, Status.UNDER_ASSURANCE, by=manager)
    messages = unmet_for(contract, Status.APPROVED)
    assert "Choose the legal gateway that permits sharing the data" in messages
    # Jump the table only to read the release guard: it lists everything at once.
    from governance.contracts.states import load_facts, release_unmet

    unmet = release_unmet(load_facts(contract))
    assert "Benefit claims: awaiting review by its IAM (Ian Roberts)" in unmet
    assert "Pension payments: choose the data items to be provided" in unmet
    assert "Record the re-identification risk assessment" in unmet
    assert any(line.startswith("The contract starts on") for line in unmet)


def test_changes_needed_and_items_changed_after_approval_go_back_to_the_iam(contract, asset, iam):
    row = provide(contract, asset, "date_of_birth", "nino")
    transition(contract, Status.UNDER_ASSURANCE, by=contract.manager)
    service.review_asset(row, by=iam, approved=False, notes="nino is not needed: use the pseudonymised id")
    row.refresh_from_db()
    assert row.review_state == ContractAsset.Review.CHANGES_NEEDED
    service.set_items(row, by=contract.manager, chosen={asset.items.get(name="date_of_birth").pk: "Age at claim"})
    row.refresh_from_db()
    assert row.review_state == ContractAsset.Review.PENDING
    assert row.reviewed_by is None
    service.review_asset(row, by=iam, approved=True)
    # Saving the same selection again changes nothing and keeps the approval.
    service.set_items(row, by=contract.manager, chosen={asset.items.get(name="date_of_birth").pk: "Age at claim"})
    row.refresh_from_db()
    assert row.review_state == ContractAsset.Review.APPROVED
    # Any real change (a new justification) sends it back.
    service.set_items(row, by=contract.manager, chosen={asset.items.get(name="date_of_birth").pk: "Age band"})
    row.refresh_from_db()
    assert row.review_state == ContractAsset.Review.PENDING


def test_rejecting_needs_a_comment_and_only_the_assets_iam_reviews(contract, asset, other_iam, iam, other_manager):
    row = provide(contract, asset, "date_of_birth")
    with pytest.raises(ValidationError, match="Say what must change"):
        service.review_asset(row, by=iam, approved=False)
    for user in (other_iam, contract.manager, other_manager):
        with pytest.raises(PermissionDenied, match="Only the Information Asset Manager of Benefit claims"):
            service.review_asset(row, by=user, approved=True)
    row.refresh_from_db()
    assert row.review_state == ContractAsset.Review.PENDING


def test_special_category_needs_an_article_9_condition(contract, asset, iam):
    approved = approved_contract(contract, asset)
    assert unmet_for(approved, Status.DATA_RELEASED) == []
    transition(approved, Status.UNDER_ASSURANCE, by=approved.manager, reason="Adding health data")
    row = approved.contract_assets.get()
    service.set_items(
        row,
        by=approved.manager,
        chosen={item.pk: "Needed" for item in asset.items.filter(name__in=["date_of_birth", "health_condition"])},
    )
    service.review_asset(row, by=iam, approved=True)
    with pytest.raises(ValidationError) as exc:
        transition(approved, Status.APPROVED, by=approved.manager)
    assert refusal(exc) == [
        "Choose the UK GDPR Article 9 condition: special category data is provided (health_condition)",
        "The DPIA screening of this research contract is not finished: answer it before this can be approved",
    ]
    screen_out_dpia(approved)  # the DPIA's own gate is tried in tests/privacy/test_dpias.py
    service.update_contract(
        approved, by=approved.manager, special_category_condition=ResearchContract.SpecialCategoryCondition.RESEARCH
    )
    transition(approved, Status.APPROVED, by=approved.manager)
    transition(approved, Status.DATA_RELEASED, by=approved.manager, **fresh(approved.manager))


def test_a_high_residual_risk_blocks_release(contract, asset):
    approved_contract(contract, asset)
    transition(contract, Status.UNDER_ASSURANCE, by=contract.manager, reason="Reassess")
    assess_risk(contract, level=ReidentificationAssessment.Level.HIGH)
    transition(contract, Status.APPROVED, by=contract.manager)
    with pytest.raises(ValidationError) as exc:
        transition(contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager))
    assert refusal(exc)[0].startswith("The residual re-identification risk is assessed as high")


def test_a_retired_gateway_blocks_release_and_cannot_be_chosen(contract, asset, gateway):
    approved_contract(contract, asset)
    gateway.is_active = False
    gateway.save()
    assert unmet_for(contract, Status.DATA_RELEASED) == [
        "The legal gateway Commissioned research (data processor) is no longer in use: choose another"
    ]
    other = make_contract(manager=contract.manager)
    with pytest.raises(ValidationError, match="no longer in use"):
        service.update_contract(other, by=contract.manager, legal_gateway=gateway)


def test_the_release_date_can_be_recorded_after_the_event_but_not_before_the_start(contract, asset):
    approved_contract(contract, asset)
    with pytest.raises(ValidationError) as exc:
        transition(
            contract,
            Status.DATA_RELEASED,
            by=contract.manager,
            **fresh(contract.manager),
            released_on=TODAY + datetime.timedelta(days=1),
        )
    assert refusal(exc) == ["The date the data was sent cannot be in the future"]
    with pytest.raises(ValidationError, match="before the contract starts"):
        transition(
            contract,
            Status.DATA_RELEASED,
            by=contract.manager,
            **fresh(contract.manager),
            released_on=contract.start_date - datetime.timedelta(1),
        )
    transition(
        contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager), released_on=contract.start_date
    )
    assert ResearchContract.objects.get(pk=contract.pk).data_released_on == contract.start_date


# --- after release ----------------------------------------------------------------------


def test_after_release_the_terms_and_the_data_are_fixed(contract, asset, other_asset):
    released_contract(contract, asset)
    with pytest.raises(ValidationError) as exc:
        service.update_contract(contract, by=contract.manager, retention_end_date=TODAY + datetime.timedelta(999))
    assert "request a retention extension" in str(exc.value)
    with pytest.raises(ValidationError, match="cannot change once data has been released"):
        service.add_asset(contract, other_asset, by=contract.manager)
    with pytest.raises(ValidationError, match="cannot change"):
        assess_risk(contract, level="medium")
    with pytest.raises(ValidationError, match="Reopen assurance first"):
        complete_assurance(contract)
    # The contacts may still change.
    service.update_contract(contract, by=contract.manager, contact_email="new.contact@university.example.ac.uk")
    assert ResearchContract.objects.get(pk=contract.pk).contact_email == "new.contact@university.example.ac.uk"


def test_closing_needs_the_destruction_certificate(contract, asset):
    released_contract(contract, asset)
    with pytest.raises(ValidationError) as exc:
        transition(contract, Status.CLOSED, by=contract.manager)
    assert "closes only once the destruction certificate" in refusal(exc)[0]
    with pytest.raises(ValidationError, match="Record the destruction certificate to mark destruction certified"):
        transition(contract, Status.DESTRUCTION_CERTIFIED, by=contract.manager)
    service.record_destruction(
        contract, by=contract.manager, destroyed_on=TODAY, certified_by="Dr Lee, DPO", certificate=upload("cert.pdf")
    )
    contract.refresh_from_db()
    assert contract.status == Status.DESTRUCTION_CERTIFIED
    transition(contract, Status.CLOSED, by=contract.manager)
    assert ResearchContract.objects.get(pk=contract.pk).status == Status.CLOSED
    with pytest.raises(ValidationError, match="A closed contract cannot be changed"):
        service.update_contract(contract, by=contract.manager, title="Changed")
    moves = list(ContractStatusChange.objects.filter(contract=contract).order_by("at", "pk").values_list("to_status"))
    assert [m[0] for m in moves] == [
        "draft",
        "under_assurance",
        "approved",
        "data_released",
        "destruction_certified",
        "closed",
    ]


def test_a_contract_never_released_can_be_withdrawn_with_a_reason(contract):
    with pytest.raises(ValidationError) as exc:
        transition(contract, Status.CLOSED, by=contract.manager)
    assert refusal(exc) == ["Give a reason for this change"]
    transition(contract, Status.CLOSED, by=contract.manager, reason="The university withdrew its bid.")
    row = ContractStatusChange.objects.filter(contract=contract).first()
    assert (row.from_status, row.to_status, row.reason) == ("draft", "closed", "The university withdrew its bid.")


def test_returning_to_draft_or_reopening_assurance_needs_a_reason(contract, asset):
    provide(contract, asset, "date_of_birth")
    transition(contract, Status.UNDER_ASSURANCE, by=contract.manager)
    with pytest.raises(ValidationError, match="Give a reason"):
        transition(contract, Status.DRAFT, by=contract.manager)
    transition(contract, Status.DRAFT, by=contract.manager, reason="Scope changed")
    assert ResearchContract.objects.get(pk=contract.pk).status == Status.DRAFT


# --- retention ends ------------------------------------------------------------------------


def test_the_daily_task_ends_retention_once_the_date_has_passed(contract, asset, django_capture_on_commit_callbacks):
    released_contract(contract, asset)
    assert end_due_retention(today=contract.retention_end_date) == 0  # the last day is still within retention
    with django_capture_on_commit_callbacks(execute=True):
        assert end_due_retention(today=contract.retention_end_date + datetime.timedelta(days=1)) == 1
    contract.refresh_from_db()
    assert contract.status == Status.RETENTION_ENDED
    row = ContractStatusChange.objects.filter(contract=contract).first()
    assert row.by == system_user() and "has passed" in row.reason
    recipients = sorted(address for m in mail.outbox if "retention" in m.subject.lower() for address in m.to)
    assert recipients == sorted([contract.manager.email, contract.contact_email])
    # Running again moves nothing and sends nothing more.
    sent = len(mail.outbox)
    assert end_due_retention(today=contract.retention_end_date + datetime.timedelta(days=2)) == 0
    assert len(mail.outbox) == sent


def test_the_scheduled_task_runs_as_the_system(manager, gateway, asset, django_capture_on_commit_callbacks):
    ended = make_contract(
        manager=manager,
        legal_gateway=gateway,
        lawful_basis="public_task",
        start_date=TODAY - datetime.timedelta(days=100),
        end_date=TODAY - datetime.timedelta(days=10),
        retention_end_date=TODAY - datetime.timedelta(days=1),
        destruction_due_date=TODAY + datetime.timedelta(days=20),
    )
    released_contract(ended, asset)
    with django_capture_on_commit_callbacks(execute=True):
        assert end_contract_retention.apply().get() == 1
        assert end_contract_retention.apply().get() == 0
    assert ResearchContract.objects.get(pk=ended.pk).status == Status.RETENTION_ENDED
    entry = AuditEntry.objects.filter(scope=ended.audit_scope(), changes__has_key="status").order_by("-pk").first()
    assert entry.actor == system_user()


def test_the_manager_may_end_retention_early_with_a_reason(contract, asset):
    released_contract(contract, asset)
    with pytest.raises(ValidationError, match="Give a reason"):
        transition(contract, Status.RETENTION_ENDED, by=contract.manager)
    transition(contract, Status.RETENTION_ENDED, by=contract.manager, reason="Analysis finished early")
    assert ResearchContract.objects.get(pk=contract.pk).status == Status.RETENTION_ENDED


# --- records that must never break --------------------------------------------------------


def test_status_history_is_append_only(contract):
    row = ContractStatusChange.objects.get(contract=contract)
    row.reason = "rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        row.save()
    with pytest.raises(ValidationError, match="append-only"):
        row.delete()


@pytest.mark.parametrize(
    "fields",
    [
        {"end_date": TODAY - datetime.timedelta(days=400)},
        {"destruction_due_date": TODAY},
        {"status": "lost"},
        {"status": Status.DRAFT, "data_released_on": TODAY},
    ],
)
def test_database_constraints_refuse_broken_contracts(db, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ResearchContractFactory(**fields)


def test_references_are_unique_whatever_the_case(db):
    ResearchContractFactory(reference="RC-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResearchContractFactory(reference="rc-1")


def test_a_passed_assurance_item_needs_evidence_in_the_database(contract):
    check = contract.assurance_checks.first()
    check.outcome, check.assessor, check.assessed_on = "met", contract.manager, TODAY
    with pytest.raises(IntegrityError), transaction.atomic():
        check.save()


def test_assurance_rules_hold_in_the_service(contract):
    check = contract.assurance_checks.get(kind=AssuranceCheck.Kind.SECURITY)
    with pytest.raises(ValidationError) as exc:
        service.record_assurance(
            check,
            by=contract.manager,
            outcome="met_with_conditions",
            assessor=contract.manager,
            assessed_on=TODAY + datetime.timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"assessed_on", "notes", "evidence"}
    check.refresh_from_db()
    assert check.outcome == AssuranceCheck.Outcome.PENDING


def test_only_the_manager_records_assurance_data_and_risk(contract, other_manager, asset, auditor):
    check = contract.assurance_checks.first()
    for user in (other_manager, auditor):
        with pytest.raises(PermissionDenied):
            service.record_assurance(check, by=user, outcome="met", assessor=user, assessed_on=TODAY, evidence=upload())
        with pytest.raises(PermissionDenied):
            service.add_asset(contract, asset, by=user)
        with pytest.raises(PermissionDenied):
            service.record_risk_assessment(
                contract, by=user, level="low", mitigations="x", assessor=user, assessed_on=TODAY
            )
    assert not contract.contract_assets.exists()
    assert InformationAsset.objects.filter(pk=asset.pk).exists()
