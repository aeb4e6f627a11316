"""Review reminders: IAMs once per due date, overdue reviews escalated to the Deputy SIRO."""

from __future__ import annotations

import datetime

from django.core import mail

from governance.core.models import Notification
from governance.register.assets import record_review
from governance.register.tasks import send_asset_review_reminders
from tests.factories import UserFactory, make_asset

TODAY = datetime.date.today()


def run_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return send_asset_review_reminders.apply().get()


def test_reminders_are_sent_once_per_due_date(area, deputy_siro, django_capture_on_commit_callbacks):
    iam = UserFactory(business_area=area)
    due = make_asset(manager=iam, business_area=area, name="Due", next_review_date=TODAY + datetime.timedelta(days=10))
    make_asset(manager=iam, business_area=area, name="Later", next_review_date=TODAY + datetime.timedelta(days=200))
    late = make_asset(manager=iam, business_area=area, name="Late", next_review_date=TODAY - datetime.timedelta(days=5))

    first = run_task(django_capture_on_commit_callbacks)
    assert first == {"due_soon": 2, "overdue_escalated": 1}
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["Overdue asset review in Data as Statistics: Late", "Review due: Due", "Review due: Late"]
    assert [m.to for m in mail.outbox if "Overdue" in m.subject] == [[deputy_siro.email]]

    # A second (or retried) run sends nothing more.
    second = run_task(django_capture_on_commit_callbacks)
    assert second == {"due_soon": 0, "overdue_escalated": 0}
    assert len(mail.outbox) == 3

    # Once reviewed, the asset's next due date gets its own reminder in time.
    record_review(due, by=iam, next_review_date=TODAY + datetime.timedelta(days=20))
    assert run_task(django_capture_on_commit_callbacks)["due_soon"] == 1
    assert Notification.objects.filter(dedupe_key__startswith=f"asset-review-due:{due.pk}:").count() == 2
    assert late.pk


def test_assets_without_an_iam_are_escalated_only(area, deputy_siro, django_capture_on_commit_callbacks):
    make_asset(manager=None, business_area=area, name="Orphan", next_review_date=TODAY - datetime.timedelta(days=1))
    assert run_task(django_capture_on_commit_callbacks) == {"due_soon": 0, "overdue_escalated": 1}
