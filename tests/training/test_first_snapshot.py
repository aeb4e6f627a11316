"""A fresh install without the demo does not wait for the night's snapshot.

The first time the compliance page or the policy page finds no snapshot at all, it enqueues
the day's (once: a lock in the cache for the day, and the unique day behind it) and says the
first figures are being calculated; once the task has run, the pages show them and no view
takes another.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from governance.core.audit import system_user
from governance.core.models import AuditEntry
from governance.trends import snapshots
from governance.trends.models import ComplianceSnapshot
from governance.trends.tasks import take_compliance_snapshot
from tests.factories import make_course, make_signoff

pytestmark = pytest.mark.django_db

COMPLIANCE = "/training/compliance/"
CALCULATING = "The first figures are being calculated"


@pytest.fixture
def enqueued(monkeypatch) -> list[str]:
    """The tasks the pages enqueue, recorded rather than run."""
    calls: list[str] = []
    monkeypatch.setattr(snapshots, "enqueue", lambda name, *args, **kwargs: calls.append(name))
    return calls


def test_the_first_views_enqueue_one_snapshot_and_say_the_figures_are_being_calculated(
    verified_client, auditor, enqueued
):
    client = verified_client(auditor)
    first = client.get(COMPLIANCE).content.decode()
    again = client.get(COMPLIANCE).content.decode()
    policy_page = client.get(reverse("policy")).content.decode()
    assert enqueued == ["governance.trends.tasks.take_compliance_snapshot"]  # one, whatever the page
    assert CALCULATING in first and CALCULATING in again and CALCULATING in policy_page
    assert not ComplianceSnapshot.objects.exists()


def test_a_lost_task_is_asked_for_again_once_the_lock_lapses(verified_client, auditor, enqueued):
    client = verified_client(auditor)
    client.get(COMPLIANCE)
    cache.delete(f"trends:first-snapshot:{timezone.localdate().isoformat()}")  # the lock's time is up
    client.get(reverse("policy"))
    assert len(enqueued) == 2


def test_the_first_view_takes_exactly_one_snapshot_and_a_second_takes_none(
    verified_client, deputy_siro, area, django_capture_on_commit_callbacks
):
    make_signoff(deputy_siro, make_course(title="Information security"))
    client = verified_client(deputy_siro)
    with django_capture_on_commit_callbacks(execute=True):  # the request's commit: the task runs (eagerly here)
        assert CALCULATING in client.get(COMPLIANCE).content.decode()
    snapshot = ComplianceSnapshot.objects.get()
    assert snapshot.taken_on == timezone.localdate()
    assert snapshot.figures["areas"][str(area.pk)]["training"] == 100
    assert AuditEntry.objects.get(content_type__model="compliancesnapshot").actor == system_user()

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(COMPLIANCE).content.decode()
        policy_page = client.get(reverse("policy")).content.decode()
    assert ComplianceSnapshot.objects.get() == snapshot
    assert CALCULATING not in page and CALCULATING not in policy_page
    assert "Not measured yet" not in policy_page


def test_where_tasks_run_at_once_the_first_view_shows_the_figures(verified_client, siro, monkeypatch):
    """Without a broker tasks run eagerly, and outside a transaction on commit means now: the page has the figures."""
    monkeypatch.setattr(snapshots, "enqueue", lambda name: take_compliance_snapshot())
    page = verified_client(siro).get(reverse("policy")).content.decode()
    assert ComplianceSnapshot.objects.count() == 1
    assert CALCULATING not in page and "Not measured yet" not in page


def test_staff_opening_the_policy_page_take_no_snapshot(verified_client, staff, enqueued):
    page = verified_client(staff).get(reverse("policy")).content.decode()
    assert enqueued == [] and CALCULATING not in page


def test_once_a_snapshot_exists_the_check_costs_one_query(django_assert_num_queries):
    snapshots.take_snapshot()
    with django_assert_num_queries(1):
        assert snapshots.first_snapshot_pending() is False
