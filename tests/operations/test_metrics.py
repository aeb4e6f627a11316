"""Metrics: for the scraper's token or network only; per-view requests, task outcomes and live figures."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from governance.contracts.models import ResearchContract
from governance.core.audit import system_user
from governance.core.models import AuditVerification
from governance.operations.metrics import observe_task
from governance.training.courses import record_historic_signoff
from tests.factories import ResearchContractFactory, UserFactory, make_course

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return settings


def scrape(client, **headers) -> str:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels`` (0 when there are none)."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_metrics_are_off_without_a_token_or_network(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "authorization", ["", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN]
)
def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_on, authorization):
    response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 403
    assert b"custodian" not in response.content


def test_metrics_refuse_a_signed_in_person_without_the_token(verified_client, metrics_on):
    """Signing in, even with a second factor and as an administrator, is not the scraper's token."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert verified_client(admin).get("/metrics").status_code == 403


def test_metrics_for_the_token(client, metrics_on):
    text = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert "custodian_http_requests_total" in text or "custodian_training_overdue" in text


def test_metrics_from_an_allowed_network_only(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 403


def test_a_forged_forwarded_address_does_not_open_the_metrics(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.20.3.4")
    assert response.status_code == 403


def test_requests_are_counted_per_view_not_per_path(client, metrics_on, verified_client):
    person = UserFactory()
    signed_in = verified_client(person)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    before = value(scrape(client, **auth), "custodian_http_requests_total", view="home", method="GET", status="2xx")
    signed_in.get("/")
    signed_in.get("/")
    text = scrape(client, **auth)
    assert value(text, "custodian_http_requests_total", view="home", method="GET", status="2xx") == before + 2
    assert 'custodian_http_request_duration_seconds_bucket{le="0.01",view="home"}' in text or (
        'view="home"' in text and "custodian_http_request_duration_seconds_count" in text
    )
    assert f"/users/{person.pk}" not in text and person.username not in text


def test_task_outcomes_are_counted(client, metrics_on):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    before = value(
        scrape(client, **auth), "custodian_celery_tasks_total", task="governance.register.tasks.deactivate_leavers"
    )
    from governance.register.tasks import deactivate_leavers

    deactivate_leavers.delay()  # eager in tests: the same signals as in a worker
    observe_task("governance.register.tasks.deactivate_leavers", "failure")
    text = scrape(client, **auth)
    assert (
        value(
            text, "custodian_celery_tasks_total", task="governance.register.tasks.deactivate_leavers", outcome="success"
        )
        >= before + 1
    )
    assert (
        value(
            text, "custodian_celery_tasks_total", task="governance.register.tasks.deactivate_leavers", outcome="failure"
        )
        >= 1
    )


def test_live_figures_follow_the_records(client, metrics_on, area):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    text = scrape(client, **auth)
    assert value(text, "custodian_contracts_destruction_overdue") == 0
    assert value(text, "custodian_training_overdue") == 0
    assert "custodian_audit_verification_ok" not in text  # never verified: nothing claimed

    today = timezone.localdate()
    ResearchContractFactory(
        status=ResearchContract.Status.RETENTION_ENDED,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=100),
        retention_end_date=today - datetime.timedelta(days=50),
        destruction_due_date=today - datetime.timedelta(days=3),
    )
    ResearchContractFactory(status=ResearchContract.Status.DATA_RELEASED)  # not yet due
    course = make_course()
    lapsed = UserFactory(business_area=area)
    record_historic_signoff(
        lapsed, course.versions.get(), timezone.now() - datetime.timedelta(days=800), by=system_user()
    )
    finished = timezone.now()
    AuditVerification.objects.create(finished_at=finished, ok=True, entries_checked=42)

    text = scrape(client, **auth)
    assert value(text, "custodian_contracts_destruction_overdue") == 1
    assert value(text, "custodian_training_overdue") == 1
    assert value(text, "custodian_audit_verification_ok") == 1
    assert value(text, "custodian_audit_verification_entries") == 42
    assert value(text, "custodian_audit_verification_timestamp_seconds") == pytest.approx(finished.timestamp())
