"""Training reminders: before expiry, on expiry, weekly while overdue, then escalation; never twice."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from governance.core.models import Notification
from governance.training import courses as service
from governance.training.tasks import send_training_reminders
from tests.factories import UserFactory, make_course, make_signoff

TODAY = datetime.date.today()


@pytest.fixture
def course(db):
    return make_course(title="Information security")


@pytest.fixture
def person(area, deputy_siro, course):
    """Pat, whose line manager and Deputy SIRO are up to date (so only Pat is reminded)."""
    manager = UserFactory(username="manager", business_area=area, email="manager@example.gov.uk")
    for colleague in (manager, deputy_siro):
        make_signoff(colleague, course)
    return UserFactory(username="pat", business_area=area, line_manager=manager, email="pat@example.gov.uk")


def run(on, capture):
    with capture(execute=True):
        return dict(service.send_reminders(on=on).sent)


def subjects_to(address):
    return [m.subject for m in mail.outbox if m.to == [address]]


def test_the_reminder_steps_of_one_cycle(course, person, deputy_siro, django_capture_on_commit_callbacks):
    make_signoff(person, course, signed_at=timezone.make_aware(datetime.datetime(2025, 12, 1, 10)))
    expires = datetime.date(2026, 12, 1)
    cap = django_capture_on_commit_callbacks

    assert run(expires - datetime.timedelta(days=31), cap) == {}  # not yet
    assert run(expires - datetime.timedelta(days=30), cap) == {"before": 1}
    assert run(expires - datetime.timedelta(days=20), cap) == {}  # once before expiry
    assert run(expires, cap) == {"expired": 1}
    assert run(expires + datetime.timedelta(days=3), cap) == {}
    assert run(expires + datetime.timedelta(days=7), cap) == {"overdue": 1}  # weekly while overdue
    assert run(expires + datetime.timedelta(days=10), cap) == {}
    assert run(expires + datetime.timedelta(days=14), cap) == {
        "overdue": 1,
        "escalation-line-manager": 1,
        "escalation-deputy-siro": 1,
    }
    assert run(expires + datetime.timedelta(days=21), cap) == {"overdue": 1}  # escalation only once

    assert len(subjects_to("pat@example.gov.uk")) == 5
    assert subjects_to("manager@example.gov.uk") == [
        "Overdue training: " + person.display_name + ", Information security"
    ]
    assert len(subjects_to(deputy_siro.email)) == 1
    assert "As Deputy SIRO" in next(m.body for m in mail.outbox if m.to == [deputy_siro.email])


def test_a_repeated_or_retried_run_sends_nothing_twice(course, person, django_capture_on_commit_callbacks):
    make_signoff(person, course, days_ago=380)
    with django_capture_on_commit_callbacks(execute=True):
        first = send_training_reminders.apply().get()
        second = send_training_reminders.apply().get()
    assert first and not second
    assert len(mail.outbox) == sum(first.values())
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))


def test_signing_again_starts_a_new_cycle(course, person, django_capture_on_commit_callbacks):
    make_signoff(person, course, days_ago=370)
    assert run(TODAY, django_capture_on_commit_callbacks) == {"expired": 1}
    make_signoff(person, course)
    assert run(TODAY, django_capture_on_commit_callbacks) == {}
    later = service.expiry_for(TODAY, 12)
    before = len(subjects_to("pat@example.gov.uk"))
    run(later, django_capture_on_commit_callbacks)
    assert subjects_to("pat@example.gov.uk")[before:] == ["Information security: overdue"]


def test_new_starters_are_reminded_of_their_first_sign_off(course, area, django_capture_on_commit_callbacks):
    joiner = UserFactory(username="joiner", business_area=area)
    due = service.first_due_date(joiner, TODAY - datetime.timedelta(days=400))
    assert run(due - datetime.timedelta(days=5), django_capture_on_commit_callbacks) == {"before": 1}
    assert "is due by" in mail.outbox[0].body


def test_courses_for_data_handlers_remind_only_data_handlers(area, django_capture_on_commit_callbacks):
    make_course(title="Data protection", audience="data_handlers", clears=True)
    UserFactory(business_area=area, is_data_handler=False)
    handler = UserFactory(business_area=area, is_data_handler=True)
    run(TODAY + datetime.timedelta(days=60), django_capture_on_commit_callbacks)
    assert {m.to[0] for m in mail.outbox} == {handler.email}


def test_leavers_are_not_reminded(course, person, administrator, django_capture_on_commit_callbacks):
    from governance.register.people import mark_leaver

    make_signoff(person, course, days_ago=380)
    mark_leaver(person, by=administrator)
    run(TODAY, django_capture_on_commit_callbacks)
    assert subjects_to("pat@example.gov.uk") == []
