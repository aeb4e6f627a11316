"""Retention and destruction reminders: each step once per contract, weekly when overdue, then escalated."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from governance.contracts.models import ResearchContract
from governance.contracts.reminders import send_contract_reminders
from governance.contracts.tasks import send_contract_reminders as reminder_task
from governance.core.audit import system_user
from governance.core.models import Notification, OfficeHolder
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    Status,
    asset,
    contract,
    gateway,
    iam,
    manager,
    other_asset,
    other_iam,
    provide,
    released_contract,
)
from tests.factories import UserFactory, make_contract

# Database tests: so marked, they run before the transactional (browser) tests.
pytestmark = pytest.mark.django_db


DAY = datetime.timedelta(days=1)


@pytest.fixture
def released(contract, asset):
    """A released contract with a security contact: three recipients for each reminder."""
    from governance.contracts.records import update_contract

    update_contract(
        contract,
        by=contract.manager,
        security_contact_name="Sam Secure",
        security_contact_email="security@university.example.ac.uk",
    )
    return released_contract(contract, asset)


def run(day: datetime.date, capture) -> dict:
    with capture(execute=True):
        return send_contract_reminders(today=day).as_dict()


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_retention_reminders_at_30_and_7_days_each_once(released, django_capture_on_commit_callbacks):
    retention = released.retention_end_date
    assert run(retention - 31 * DAY, django_capture_on_commit_callbacks)["retention_due"] == 0
    first = run(retention - 30 * DAY, django_capture_on_commit_callbacks)
    assert first["retention_due"] == 3
    assert sent_to() == sorted([released.manager.email, released.contact_email, "security@university.example.ac.uk"])
    assert all(m.subject == f"Retention ends in 30 days: {released.reference}" for m in mail.outbox)
    # Idempotent: the same day again, and the days until the next step, send nothing.
    assert run(retention - 30 * DAY, django_capture_on_commit_callbacks)["retention_due"] == 0
    assert run(retention - 20 * DAY, django_capture_on_commit_callbacks)["retention_due"] == 0
    assert run(retention - 7 * DAY, django_capture_on_commit_callbacks)["retention_due"] == 3
    assert run(retention - 3 * DAY, django_capture_on_commit_callbacks)["retention_due"] == 0
    assert len(mail.outbox) == 6


def test_a_late_start_gets_only_the_nearest_step(released, django_capture_on_commit_callbacks):
    run(released.retention_end_date - 5 * DAY, django_capture_on_commit_callbacks)
    assert {m.subject for m in mail.outbox} == {f"Retention ends in 5 days: {released.reference}"}
    keys = set(
        Notification.objects.filter(dedupe_key__startswith="contract-retention-due:").values_list(
            "dedupe_key", flat=True
        )
    )
    assert len(keys) == 3 and all(":7d:" in key for key in keys)


def test_contractor_messages_carry_no_portal_links(released, django_capture_on_commit_callbacks):
    run(released.retention_end_date - 7 * DAY, django_capture_on_commit_callbacks)
    by_address = {message.to[0]: message for message in mail.outbox}
    manager_mail = by_address[released.manager.email]
    contractor_mail = by_address[released.contact_email]
    assert f"/contracts/{released.pk}/" in manager_mail.body
    assert "/contracts/" not in contractor_mail.body
    assert f"Dear {released.contact_name}," in contractor_mail.body
    assert "Dear Sam Secure," in by_address["security@university.example.ac.uk"].body
    notification = Notification.objects.get(to_email=released.contact_email)
    assert notification.recipient is None


def test_destruction_reminders_then_weekly_while_overdue(released, django_capture_on_commit_callbacks):
    due = released.destruction_due_date
    assert run(due - 30 * DAY, django_capture_on_commit_callbacks)["destruction_due"] == 3
    assert run(due - 7 * DAY, django_capture_on_commit_callbacks)["destruction_due"] == 3
    mail.outbox.clear()
    monday = due + DAY + datetime.timedelta(days=(7 - (due + DAY).weekday()) % 7)  # a Monday after the due date
    first = run(monday, django_capture_on_commit_callbacks)
    assert first["destruction_overdue"] == 3
    assert run(monday + 2 * DAY, django_capture_on_commit_callbacks)["destruction_overdue"] == 0  # same ISO week
    assert run(monday + 7 * DAY, django_capture_on_commit_callbacks)["destruction_overdue"] == 3  # next week
    assert all("Destruction overdue by" in m.subject for m in mail.outbox)
    assert "sent every week until the certificate is recorded" in mail.outbox[0].body


def test_overdue_destruction_is_escalated_to_the_deputy_siros_of_the_assets_areas(
    released, other_asset, deputy_siro, other_deputy_siro, django_capture_on_commit_callbacks, settings
):
    settings.CONTRACT_ESCALATION_DAYS = 14
    # A second asset from another area was provided too (added before release would be usual: set it up directly).
    from governance.contracts.models import ContractAsset

    ContractAsset.objects.create(contract=released, asset=other_asset)
    due = released.destruction_due_date
    assert run(due + 13 * DAY, django_capture_on_commit_callbacks)["escalated"] == 0
    mail.outbox.clear()
    assert run(due + 14 * DAY, django_capture_on_commit_callbacks)["escalated"] == 2
    escalations = [m for m in mail.outbox if m.subject.startswith("Escalation")]
    assert sorted(m.to[0] for m in escalations) == sorted([deputy_siro.email, other_deputy_siro.email])
    assert "As Deputy SIRO for Data as Statistics" in next(m.body for m in escalations if m.to == [deputy_siro.email])
    # Once per contract, due date and Deputy SIRO.
    assert run(due + 21 * DAY, django_capture_on_commit_callbacks)["escalated"] == 0


def test_with_no_deputy_siro_the_siro_is_told(released, django_capture_on_commit_callbacks, area):
    siro = UserFactory(username="thesiro")
    appoint_office_holder(OfficeHolder.Office.SIRO, siro, by=system_user())
    set_deputy_siro(area, None, by=system_user())
    run(released.destruction_due_date + 30 * DAY, django_capture_on_commit_callbacks)
    escalations = [m for m in mail.outbox if m.subject.startswith("Escalation")]
    assert [m.to for m in escalations] == [[siro.email]]
    assert "As SIRO" in escalations[0].body


def test_the_task_is_idempotent_when_run_twice(released, django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to(datetime.datetime.combine(released.retention_end_date - 7 * DAY, datetime.time(7, 15)))
    with django_capture_on_commit_callbacks(execute=True):
        first = reminder_task.apply().get()
        second = reminder_task.apply().get()
    assert first["retention_due"] == 3
    assert second == {"retention_due": 0, "destruction_due": 0, "destruction_overdue": 0, "escalated": 0}
    assert len(mail.outbox) == 3


def test_contracts_not_holding_data_get_no_reminders(manager, asset, gateway, django_capture_on_commit_callbacks):
    draft = make_contract(manager=manager, retention_end_date=TODAY + 7 * DAY, destruction_due_date=TODAY + 7 * DAY)
    provide(draft, asset, "date_of_birth")
    assert run(TODAY, django_capture_on_commit_callbacks) == {
        "retention_due": 0,
        "destruction_due": 0,
        "destruction_overdue": 0,
        "escalated": 0,
    }
    assert draft.status == ResearchContract.Status.DRAFT
    assert not mail.outbox


def test_a_certified_contract_gets_no_more_reminders(released, django_capture_on_commit_callbacks):
    from governance.contracts.records import record_destruction
    from tests.contract_fixtures import upload

    record_destruction(released, by=released.manager, destroyed_on=TODAY, certified_by="DPO", certificate=upload())
    assert run(released.destruction_due_date + 20 * DAY, django_capture_on_commit_callbacks)["destruction_overdue"] == 0


def test_a_manager_who_has_left_gets_nothing_but_the_contractor_still_does(
    released, administrator, django_capture_on_commit_callbacks
):
    from governance.register.people import mark_leaver

    mark_leaver(released.manager, by=administrator)
    run(released.retention_end_date - 7 * DAY, django_capture_on_commit_callbacks)
    assert released.manager.email not in sent_to()
    assert released.contact_email in sent_to()


def test_an_extension_brings_new_reminders_for_the_new_date(released, iam, django_capture_on_commit_callbacks):
    from governance.contracts.extensions import decide_extension, request_extension

    old = released.retention_end_date
    run(old - 7 * DAY, django_capture_on_commit_callbacks)
    extension = request_extension(
        released,
        by=released.manager,
        new_retention_end_date=old + 60 * DAY,
        new_destruction_due_date=old + 90 * DAY,
        reason="Fieldwork delayed",
    )
    decide_extension(extension, by=iam, approved=True)
    mail.outbox.clear()
    assert run(old - 7 * DAY, django_capture_on_commit_callbacks)["retention_due"] == 0  # nothing due on the new date
    assert run(old + 53 * DAY, django_capture_on_commit_callbacks)["retention_due"] == 3
