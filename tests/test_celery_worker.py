"""A real worker consuming from a real Redis broker.

Skipped unless ``CELERY_BROKER_URL`` names a Redis broker (``.ci/run`` sets it
for its PostgreSQL pass). The worker runs in a thread of this process, so it
shares the test database and the in-memory outbox.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import transaction

from governance.core.models import Notification
from governance.core.notifications import notify
from governance.core.tasks import send_notification
from portal.celery import app
from tests.factories import UserFactory

# The tests share one broker and start a worker each: they run one after another on one
# pytest-xdist worker (scripts/test spreads every other test one by one).
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-worker"),
]


@pytest.fixture
def worker():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        if os.environ.get("REQUIRE_WORKER") == "1":
            pytest.fail("REQUIRE_WORKER=1 but CELERY_BROKER_URL does not name a Redis broker")
        pytest.skip("Set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 to run with a real broker and worker")
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    # A queue of this test's own: another test process on the same broker (the other xdist
    # worker, or another run) never hands this worker its messages, nor takes this test's.
    queue, default = f"test-worker-{uuid.uuid4().hex[:12]}", app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30, queues=[queue]) as running:
            yield running
    finally:
        app.conf.task_default_queue = default


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def run_to_the_end(task, *args, timeout=60.0):
    """Queue ``task`` and wait (at most ``timeout`` seconds) until the worker has finished it; its return value.

    There is no result backend: the worker is a thread of this process, so its ``task_postrun``
    signal says when the task returned, with everything it wrote committed. Counting before
    then measures a run half done, which under load is what a test would see.
    """
    finished: dict[str, tuple[str, object]] = {}

    def note(sender=None, task_id=None, retval=None, state=None, **kwargs):
        finished[task_id] = (state, retval)

    task_postrun.connect(note, weak=False)
    try:
        queued = task.delay(*args)
        assert wait_for(lambda: queued.id in finished, timeout), f"{task.name} did not finish in {timeout} seconds"
    finally:
        task_postrun.disconnect(note)
    state, retval = finished[queued.id]
    assert state == "SUCCESS", (state, retval)
    return retval


def test_worker_sends_a_queued_email_once(worker):
    recipient = UserFactory(username="rita", email="rita@example.gov.uk")
    with transaction.atomic():
        notification = notify(recipient, key="worker:1", subject="From the worker", template="emails/test_message.txt")
    assert wait_for(lambda: Notification.objects.get(pk=notification.pk).sent_at is not None)
    assert [m.subject for m in mail.outbox] == ["From the worker"]

    # A duplicated delivery of the same message is consumed and sends nothing more.
    send_notification.delay(notification.pk)
    send_notification.delay(notification.pk)
    time.sleep(2)
    assert len(mail.outbox) == 1


def test_worker_runs_the_access_lifecycle_twice_without_repeating_itself(worker):
    """Expiry and recertification on a real worker: the second run changes and sends nothing."""
    import datetime

    from governance.access.models import AccessGrant, AccessReview
    from governance.access.tasks import run_access_lifecycle
    from governance.register.models import DataItem
    from tests.factories import BusinessAreaFactory, DataItemFactory, make_asset, make_grant

    area = BusinessAreaFactory()
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area)
    DataItemFactory(asset=asset, sensitivity=DataItem.Sensitivity.NON_PERSONAL)
    ending = make_grant(UserFactory(business_area=area), asset, days=1)
    ending.starts_on = datetime.date.today() - datetime.timedelta(days=30)
    ending.ends_on = datetime.date.today()  # its last day was yesterday (an audited save, as a correction would be)
    ending.save()
    make_grant(UserFactory(business_area=area), asset, days=5)

    first = run_to_the_end(run_access_lifecycle)
    assert first["expired"] == 1 and first["reviews_opened"] == 1
    assert AccessGrant.objects.get(pk=ending.pk).state == "expired"
    assert AccessReview.objects.count() == 1
    sent = Notification.objects.count()
    assert sent > 0
    assert wait_for(lambda: not Notification.objects.filter(sent_at__isnull=True).exists())

    second = run_to_the_end(run_access_lifecycle)
    assert second["expired"] == 0 and second["reviews_opened"] == 0 and second["warned"] == 0
    assert AccessGrant.objects.get(pk=ending.pk).state == "expired"
    assert AccessReview.objects.count() == 1
    assert Notification.objects.count() == sent
