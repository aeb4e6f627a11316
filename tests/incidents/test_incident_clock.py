"""The 72-hour clock: frozen time across the deadline, and across both changes of the clocks."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.incidents import records
from governance.incidents.clock import clock_for
from governance.incidents.models import Incident
from tests.incidents.conftest import report, triage

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def decide(incident, by, **extra):
    return records.decide_ico(incident, by=by, decision="report", reason="Names and NINOs disclosed", **extra)


def test_a_decision_one_minute_before_the_deadline_needs_no_delay_reason(reporter, asset, deputy_siro):
    with time_machine.travel(at(2026, 6, 1, 9, 0), tick=False):
        incident = triage(report(reporter, assets=[asset]), deputy_siro)
    with time_machine.travel(at(2026, 6, 4, 8, 59), tick=False):
        assert clock_for(incident).phrase == "0 hours 1 minute left"
        decide(incident, deputy_siro)
    incident.refresh_from_db()
    assert not incident.decided_late and incident.delay_reason == ""
    assert clock_for(incident).phrase == "Decided within 72 hours"


def test_a_decision_after_the_deadline_needs_the_reason_for_the_delay(reporter, asset, deputy_siro):
    with time_machine.travel(at(2026, 6, 1, 9, 0), tick=False):
        incident = triage(report(reporter, assets=[asset]), deputy_siro)
    with time_machine.travel(at(2026, 6, 4, 9, 1), tick=False):
        assert clock_for(incident).overdue
        assert clock_for(incident).phrase == "0 hours 1 minute overdue"
        with pytest.raises(ValidationError) as refused:
            decide(incident, deputy_siro)
        assert "delay_reason" in refused.value.error_dict
        decide(incident, deputy_siro, delay_reason="The extent was only known on day four")
    incident.refresh_from_db()
    assert incident.decided_late and incident.delay_reason.startswith("The extent")


def test_the_deadline_is_72_real_hours_when_summer_time_ends(reporter, asset):
    # British Summer Time ends at 02:00 on Sunday 25 October 2026: the clocks go back an hour.
    with time_machine.travel(at(2026, 10, 23, 10, 0), tick=False):
        incident = report(reporter, assets=[asset])
    assert incident.ico_deadline - incident.aware_at == datetime.timedelta(hours=72)
    local = timezone.localtime(incident.ico_deadline)
    assert (local.day, local.hour, local.tzname()) == (26, 9, "GMT")  # not 10:00: that would be 73 hours
    with time_machine.travel(at(2026, 10, 26, 8, 30), tick=False):
        assert clock_for(incident).phrase == "0 hours 30 minutes left"


def test_the_deadline_is_72_real_hours_when_summer_time_starts(reporter, asset):
    # BST starts at 01:00 GMT on Sunday 28 March 2027: the clocks go forward an hour.
    with time_machine.travel(at(2027, 3, 26, 12, 0), tick=False):
        incident = report(reporter, assets=[asset])
    local = timezone.localtime(incident.ico_deadline)
    assert (local.day, local.hour, local.tzname()) == (29, 13, "BST")
    with time_machine.travel(at(2027, 3, 29, 12, 59), tick=False):
        assert clock_for(incident).running
    with time_machine.travel(at(2027, 3, 29, 13, 0), tick=False):
        assert clock_for(incident).overdue


def test_the_page_shows_the_deadline_in_london_time(verified_client, reporter, asset):
    with time_machine.travel(at(2026, 10, 23, 10, 0), tick=False):
        incident = report(reporter, assets=[asset])
    with time_machine.travel(at(2026, 10, 24, 10, 0), tick=True):
        page = verified_client(reporter).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Monday 26 October 2026 at 09:00" in page
    # From Saturday 10:00 BST to Monday 09:00 GMT the wall clock moves 47 hours, but 48 real hours remain
    # (less the seconds the request took).
    assert "47 hours 59 minutes left" in page


def test_the_clock_survives_triage_and_awareness_is_stored_in_utc(reporter, asset, deputy_siro):
    incident = triage(report(reporter, assets=[asset]), deputy_siro)
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.ico_deadline == fresh.aware_at + datetime.timedelta(hours=72)
    assert fresh.ico_deadline.utcoffset() == datetime.timedelta(0)
