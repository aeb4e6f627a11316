"""While the SIRO's office is vacant, what needs the SIRO goes to the incident handlers, never to nobody."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.incidents.reminders import send_incident_reminders
from governance.register.organisation import set_deputy_siro
from governance.register.people import mark_leaver
from tests.factories import UserFactory
from tests.incidents.conftest import report, triage

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def stand_in(other_area):
    return UserFactory(username="standin", business_area=other_area, groups=[roles.INCIDENT_HANDLERS])


def test_a_leaving_siro_leaves_the_office_vacant(siro, administrator):
    mark_leaver(siro, by=administrator)
    assert not OfficeHolder.objects.filter(office=OfficeHolder.Office.SIRO).exists()


def test_the_ico_escalation_goes_to_the_incident_handlers_while_the_siro_is_vacant(
    reporter, asset, deputy_siro, siro, stand_in, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = triage(report(reporter, assets=[asset]), by=deputy_siro)
    mark_leaver(siro, by=administrator)
    mail.outbox.clear()
    with (
        time_machine.travel(incident.ico_deadline - 11 * HOUR, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = send_incident_reminders()
    escalations = [m for m in mail.outbox if m.subject.startswith("Escalation")]
    assert run.escalated == 1 and [m.to for m in escalations] == [[stand_in.email]]
    assert "the SIRO's office is vacant" in escalations[0].body


def test_a_new_incident_with_no_deputy_and_no_siro_is_sent_to_the_incident_handlers(
    reporter, asset, area, stand_in, django_capture_on_commit_callbacks
):
    set_deputy_siro(area, None, by=system_user())
    with django_capture_on_commit_callbacks(execute=True):
        report(reporter, assets=[asset])
    assert stand_in.email in [address for m in mail.outbox for address in m.to]
