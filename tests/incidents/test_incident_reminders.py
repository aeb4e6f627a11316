"""Reminders before the 72 hours run out, escalation to the SIRO, and the missed-deadline notice: each once."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from governance.core.models import Notification
from governance.incidents import records
from governance.incidents.reminders import send_incident_reminders
from governance.incidents.tasks import send_incident_reminders as reminder_task
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def reported(reporter, asset, deputy_siro, siro, handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(reporter, assets=[asset])
        incident = records.triage(
            incident, by=deputy_siro, severity="high", risk_level="risk", risk_assessment="x", handler=handler
        )
    mail.outbox.clear()
    return incident


def run_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return reminder_task.apply().get()


def subjects_to(user) -> list[str]:
    return [m.subject for m in mail.outbox if user.email in m.to]


def test_nothing_is_sent_while_more_than_a_day_remains(reported, django_capture_on_commit_callbacks):
    result = run_at(reported.ico_deadline - 25 * HOUR, django_capture_on_commit_callbacks)
    assert result == {"reminded": 0, "escalated": 0, "missed": 0}
    assert mail.outbox == []


def test_each_step_goes_once_to_the_handler_and_deputy(
    reported, handler, deputy_siro, siro, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = run_at(reported.ico_deadline - 23 * HOUR, capture)
    assert first["reminded"] == 2 and first["escalated"] == 0
    assert len(subjects_to(handler)) == 1 and len(subjects_to(deputy_siro)) == 1
    assert "left to decide on reporting" in subjects_to(handler)[0]
    # A duplicated or repeated run within the same step sends nothing at all.
    assert run_at(reported.ico_deadline - 22 * HOUR, capture) == {"reminded": 0, "escalated": 0, "missed": 0}
    assert len(mail.outbox) == 2
    # Twelve hours before: the SIRO is told; the handlers' next step comes at six hours.
    assert run_at(reported.ico_deadline - 11 * HOUR, capture) == {"reminded": 0, "escalated": 1, "missed": 0}
    assert "Escalation" in subjects_to(siro)[0]
    assert run_at(reported.ico_deadline - 5 * HOUR, capture) == {"reminded": 2, "escalated": 0, "missed": 0}
    assert run_at(reported.ico_deadline - 4 * HOUR, capture)["reminded"] == 0


def test_a_missed_deadline_is_reported_once(reported, siro, handler, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert run_at(reported.ico_deadline + HOUR, capture)["missed"] == 3  # handler, Deputy SIRO, SIRO
    assert run_at(reported.ico_deadline + 2 * HOUR, capture)["missed"] == 0
    assert "Deadline missed" in subjects_to(handler)[0]
    assert Notification.objects.filter(dedupe_key__startswith=f"incident-missed:{reported.pk}:").count() == 3


def test_a_decision_stops_the_reminders(reported, deputy_siro, django_capture_on_commit_callbacks):
    records.decide_ico(reported, by=deputy_siro, decision="report", reason="Risk to claimants")
    assert send_incident_reminders(reported.ico_deadline - HOUR).reminded == 0
    assert send_incident_reminders(reported.ico_deadline + HOUR).missed == 0


def test_the_task_runs_as_the_system_account(reported, django_capture_on_commit_callbacks):
    from governance.core.models import AuditEntry

    before = AuditEntry.objects.count()
    run_at(reported.ico_deadline - 23 * HOUR, django_capture_on_commit_callbacks)
    entries = AuditEntry.objects.order_by("pk")[before:]
    assert entries and all(entry.actor and entry.actor.is_system for entry in entries)
