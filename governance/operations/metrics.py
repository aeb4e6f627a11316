"""Prometheus metrics: requests per view, Celery task outcomes, and the live figures.

Counters live in this process (or, under gunicorn with ``PROMETHEUS_MULTIPROC_DIR``
set, in files every worker and Celery process on the machine shares, joined at
scrape time). The live figures are read from the database when scraped, so every
instance reports the same values. Labels are view names, task names and
outcomes: never a path with its identifiers, a person or a value.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from governance.operations.figures import live_figures

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter(
    "custodian_http_requests", "Requests answered, by view, method and status class.", ["view", "method", "status"]
)
LATENCY = Histogram(
    "custodian_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter("custodian_celery_tasks", "Celery task runs ended, by task and outcome.", ["task", "outcome"])


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view=view, method=method, status=f"{status // 100}xx").inc()
    LATENCY.labels(view=view).observe(seconds)


def observe_task(task: str, outcome: str) -> None:
    TASKS.labels(task=task, outcome=outcome).inc()


class LiveFiguresCollector(Collector):
    """Gauges computed from the records at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = live_figures()
        yield GaugeMetricFamily(
            "custodian_training_overdue",
            "Training sign-offs past their expiry (active staff).",
            figures.training_overdue,
        )
        yield GaugeMetricFamily(
            "custodian_contracts_destruction_overdue",
            "Research contracts holding data past their destruction due date.",
            figures.destruction_overdue,
        )
        if figures.audit_verified_at is not None:
            yield GaugeMetricFamily(
                "custodian_audit_verification_timestamp_seconds",
                "When the last audit chain verification finished (Unix time).",
                figures.audit_verified_at,
            )
            yield GaugeMetricFamily(
                "custodian_audit_verification_ok",
                "1 if the last verification found the chain intact.",
                int(bool(figures.audit_verified_ok)),
            )
            yield GaugeMetricFamily(
                "custodian_audit_verification_entries",
                "Entries the last verification checked.",
                figures.audit_entries_checked,
            )


_live = CollectorRegistry(auto_describe=False)
_live.register(LiveFiguresCollector())


def exposition() -> bytes:
    """The metrics page's body: this machine's counters, then the live figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    return generate_latest(counters) + generate_latest(_live)
