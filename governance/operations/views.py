"""Health probes and metrics: open without signing in, and saying nothing beyond their purpose.

The load balancer cannot sign in, so the probes are ``login_not_required`` (the
second-factor middleware honours that too). Their answer is ``{"status": "ok"}``
or ``{"status": "unavailable"}``; which check failed, and why, goes to the log.
The metrics page is for the scraper only (``operations.policy.may_read_metrics``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.views import HealthCheckView

from governance.operations.health import readiness_checks
from governance.operations.metrics import CONTENT_TYPE, exposition
from governance.operations.policy import may_read_metrics, metrics_enabled

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_GET
def liveness(request) -> JsonResponse:
    """The process answers requests. Touches nothing else, so a database outage does not restart every instance."""
    return JsonResponse({"status": "ok"})


@method_decorator(login_not_required, name="dispatch")
class ReadinessView(HealthCheckView):
    """Database, cache, storage, broker and migrations: ready to take traffic, or not.

    A synchronous view: django-health-check's checks (some of them coroutines, each
    with its own timeout) run together in an event loop of their own on a helper
    thread. The portal is served by WSGI workers, which would otherwise run an async
    view through asgiref in the same way; doing it here means the probe never depends
    on the calling thread having no event loop of its own.
    """

    http_method_names = ["get", "head"]
    checks = readiness_checks()

    def dispatch(self, request, *args, **kwargs):
        # The parent's dispatch is a coroutine; this one is View's, with its headers.
        response = View.dispatch(self, request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def get(self, request, *args, **kwargs):
        # The parent's renderers (HTML, JSON, feeds) name every check and its error: not used.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="readiness") as runner:
            self.results = runner.submit(asyncio.run, self._run_checks()).result()
        failed = [type(result.check).__name__ for result in self.results if result.error]
        if failed:
            logger.warning("Readiness check failed: %s", ", ".join(failed))
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})

    async def _run_checks(self) -> list:
        with self.get_executor() as executor:
            return await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))


readiness = login_not_required(ReadinessView.as_view())


@login_not_required
@never_cache
@require_GET
def metrics(request) -> HttpResponse:
    """Prometheus text for the scraper; a 404 when metrics are off, a bare 403 for anyone else."""
    if not metrics_enabled():
        raise Http404("Not found")
    if not may_read_metrics(request.META.get("REMOTE_ADDR"), request.headers.get("Authorization", "")):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)
