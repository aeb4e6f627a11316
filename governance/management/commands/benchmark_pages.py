"""Measure the main pages at scale: SQL queries, median and 95th-percentile server time.

Run on a database filled by ``seed_scale`` (it provides one benchmark user per role).
Each page is requested through Django's full stack (middleware included) in this
process, so the time is the server's, without a network.

``PAGES``, ``page_url``, ``signed_in``, ``fetch`` and ``queries_of`` are what
``tests/benchmarks/test_page_queries.py`` uses too: every page measured here has its query
count compared at two seed sizes, with nothing to add to the test.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.returns import prepare_round
from governance.core.audit import acting_as, system_user
from governance.core.models import User
from governance.incidents.models import Incident
from governance.register.models import InformationAsset
from governance.trends.models import ComplianceSnapshot
from governance.trends.snapshots import take_snapshot

# (label, role, url or url name). Named records ("asset", "incident-1", ...) are found by ``page_url``.
PAGES: list[tuple[str, str, str]] = [
    ("floor: minimal page", "staff", "about"),
    # Each role's home: what every person opens first (a researcher's home is their outputs, below).
    ("home", "staff", "home"),
    ("home, a handler's", "handler", "home"),
    ("home, an IAM's", "iam", "home"),
    ("home, a Deputy SIRO's", "deputy", "home"),
    ("home, the SIRO's", "siro", "home"),
    ("home, an auditor's", "auditor", "home"),
    ("home, a contract manager's", "contracts", "home"),
    ("home, the DPO's", "dpo", "home"),
    ("home, a checker's", "checker", "home"),
    ("asset list", "staff", "assets:list"),
    ("asset list, filtered", "staff", "assets:list?personal_data=yes&review=overdue&ordering=iam"),
    ("asset detail", "iam", "asset"),
    ("my training", "handler", "training:mine"),
    ("compliance dashboard", "siro", "training:compliance"),
    ("compliance dashboard, a Deputy SIRO's", "deputy", "training:compliance"),
    ("grant list", "auditor", "access:grants"),
    ("grant list, an IAM's", "iam", "access:grants"),
    ("asset accountability", "siro", "assets:accountability"),
    ("access register", "auditor", "access:register"),
    ("contract calendar", "contracts", "contracts:calendar"),
    ("audit explorer", "auditor", "audit:explorer"),
    ("your grants, an IAM's", "iam", "access:your-grants"),
    ("your grants, filtered", "iam", "access:your-grants?review=due&training=lapsed&last_access=stale"),
    ("access review campaign, an IAM's", "iam", "campaign"),
    # The header's search box: a contract by its reference, and a word in many names for oversight.
    ("search, a contract's reference", "contracts", "search:results?q=SCALE-00012"),
    ("search, a word, oversight", "auditor", "search:results?q=benefit"),
    # Assurance: the rounds, this year's round, a return to sign and a signed one, the SIRO's report.
    ("assurance rounds", "siro", "assurance:rounds"),
    ("assurance round", "siro", "round:assurance:round"),
    ("assurance returns, an IAM's", "iam", "assurance:mine"),
    ("assurance return, to sign, its IAM's", "iam", "return"),
    ("assurance return, signed, the SIRO's", "siro", "signed-return"),
    ("the SIRO's report", "siro", "round:assurance:report"),
    ("the SIRO's report, CSV", "siro", "round:assurance:report-csv"),
    ("information risks", "siro", "assurance:risks"),
    ("policy traceability", "siro", "policy"),
    # The map of where the data goes: the whole department for oversight, an area, and one asset's.
    ("data map, the department's", "siro", "privacy:map"),
    ("data map, a Deputy SIRO's", "deputy", "privacy:map"),
    ("data map, an asset's", "iam", "asset-map"),
    # The record of processing activities, the sharing agreements and DPIAs.
    ("processing activities, the DPO's", "dpo", "privacy:activity-list"),
    ("processing activities, an IAM's", "iam", "privacy:activity-list"),
    ("processing activity", "iam", "activity"),
    ("record of processing, CSV", "dpo", "privacy:activity-export"),
    ("sharing agreements, the DPO's", "dpo", "privacy:agreement-list"),
    ("sharing agreements, a manager's", "contracts", "privacy:agreement-list"),
    ("sharing agreement", "contracts", "agreement"),
    ("DPIAs, the DPO's", "dpo", "privacy:dpia-list"),
    ("DPIAs, an IAM's", "iam", "privacy:dpia-list"),
    ("DPIA", "dpo", "dpia"),
    # Safe outputs: a researcher's list, the checkers' queue and one output.
    ("outputs, a researcher's", "researcher", "outputs:mine"),
    ("outputs, the checkers' queue", "checker", "outputs:queue"),
    ("output", "checker", "output"),
    # Access reviews: the IAM's campaigns and the Deputy SIRO's progress.
    ("access review campaigns, an IAM's", "iam", "access:campaigns"),
    ("access review progress, a Deputy SIRO's", "deputy", "access:campaign-progress"),
    ("access reviews waiting, an IAM's", "iam", "access:reviews"),
    # Incidents: the list as oversight and as the reporter, and an open incident naming 1 and 50 grants.
    ("incident list", "auditor", "incidents:list"),
    ("incident list, a reporter's", "staff", "incidents:list"),
    ("incident, naming 1 grant", "siro", "incident-1"),
    ("incident, naming 50 grants", "siro", "incident-50"),
    # Other lists each role opens.
    ("contract list", "contracts", "contracts:list"),
    ("contract detail", "contracts", "contract"),
    ("contractors", "contracts", "contracts:organisation-list"),
    ("access requests, a handler's", "handler", "access:requests"),
    ("decisions waiting, an IAM's", "iam", "access:decisions"),
    ("releases", "auditor", "releases:list"),
    ("business areas", "siro", "areas:list"),
    ("business area, its Deputy SIRO's", "deputy", "area"),
    ("person, their Deputy SIRO's view", "deputy", "person"),
    ("access request, its requester's", "handler", "request"),
    ("grant, its IAM's", "iam", "grant"),
    ("courses", "admin", "training:courses"),
    ("course", "admin", "course"),
    ("audit verifications", "auditor", "audit:verifications"),
    # The API's list endpoints, signed in with a verified second factor: each as a role that gets a
    # full first page (50) where the seed has that many (no releases or verifications are seeded).
    ("API: assets", "staff", "api:asset-list"),
    ("API: data items", "staff", "api:data-item-list"),
    ("API: people", "auditor", "api:person-list"),
    ("API: courses", "staff", "api:course-list"),
    ("API: training status", "siro", "api:training-status-list"),
    ("API: sign-offs", "auditor", "api:sign-off-list"),
    ("API: access requests", "auditor", "api:access-request-list"),
    ("API: grants", "auditor", "api:grant-list"),
    ("API: access events", "auditor", "api:access-event-list"),
    ("API: contracts", "auditor", "api:contract-list"),
    ("API: releases", "auditor", "api:release-list"),
    ("API: audit entries", "auditor", "api:audit-entry-list"),
    ("API: audit verifications", "auditor", "api:audit-verification-list"),
]


def selected(pages: list[tuple[str, str, str]], filters: list[str]) -> list[tuple[str, str, str]]:
    """The floor and the pages whose label holds any of ``filters`` (case-insensitive); all without filters."""
    if not filters:
        return pages
    wanted = [f.lower() for f in filters]
    return [page for n, page in enumerate(pages) if n == 0 or any(w in page[0].lower() for w in wanted)]


def page_url(target: str) -> str | None:
    """The URL of a page of ``PAGES``: a URL name (with its query string) or a named record as its
    benchmark user sees it; None when there is no such page or record."""
    found = _record_url(target)
    if found is not False:
        return found  # type: ignore[return-value]
    if target.startswith("round:"):
        round_ = AssuranceRound.objects.order_by("-period_start", "-pk").first()
        return reverse(target.removeprefix("round:"), args=[round_.pk]) if round_ else None
    name, _, query = target.partition("?")
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return None


def _record_url(target: str) -> str | bool | None:
    """One record of a kind, as its role sees it: False when ``target`` names no such kind."""
    from governance.access.models import AccessGrant, AccessRequest
    from governance.access.recertification import campaigns_for
    from governance.contracts.models import ResearchContract
    from governance.core.models import BusinessArea
    from governance.outputs.models import OutputSubmission
    from governance.privacy.models import DPIA, ProcessingActivity, SharingAgreement
    from governance.training.models import Course

    def asset():
        return InformationAsset.objects.filter(manager__username="bench.iam").order_by("pk").first()

    def incident(grants: int | None):
        """An open incident naming exactly ``grants`` grants (None: the most)."""
        named = Count("links", filter=Q(links__grant__isnull=False))
        open_ = Incident.objects.filter(state=Incident.State.TRIAGED).annotate(named=named).filter(named__gt=0)
        if grants is None:
            return open_.order_by("-named", "pk").first()
        return open_.filter(named=grants).order_by("pk").first()

    def campaign():  # the benchmark IAM's newest campaign, opened if the nightly run has not
        iam = User.objects.filter(username="bench.iam").first()
        campaigns = campaigns_for(iam) if iam else []
        return campaigns[0] if campaigns else None

    returns = AssuranceReturn.objects.exclude(state=AssuranceReturn.State.SUPERSEDED).order_by("-round__period_start")
    found: dict[str, Callable[[], Any]] = {
        "asset": asset,
        "area": lambda: BusinessArea.objects.filter(deputy_siro__username="bench.deputy").order_by("pk").first(),
        "person": lambda: User.objects.filter(username="bench.handler").first(),
        "request": lambda: AccessRequest.objects.filter(requester__username="bench.handler").order_by("pk").first(),
        "grant": lambda: AccessGrant.objects.filter(asset__manager__username="bench.iam").order_by("pk").first(),
        "course": lambda: Course.objects.order_by("pk").first(),
        "asset-map": asset,
        "campaign": campaign,
        "incident-1": lambda: incident(1),
        "incident-50": lambda: incident(None),
        "return": lambda: returns.filter(iam__username="bench.iam").first(),
        "signed-return": lambda: returns.filter(state=AssuranceReturn.State.SIGNED).order_by("pk").first(),
        "activity": lambda: ProcessingActivity.objects.filter(owner__username="bench.iam").order_by("pk").first(),
        "agreement": lambda: (
            SharingAgreement.objects.filter(manager__username="bench.contracts").order_by("pk").first()
        ),
        "dpia": lambda: DPIA.objects.order_by("pk").first(),
        "output": lambda: (
            OutputSubmission.objects.filter(submitted_by__username="bench.researcher").order_by("pk").first()
        ),
        "contract": lambda: ResearchContract.objects.filter(manager__username="bench.contracts").order_by("pk").first(),
    }
    if target not in found:
        return False
    record = found[target]()
    if record is None:
        return None
    if target == "asset-map":
        return reverse("privacy:asset-map", args=[record.pk])
    return record.get_absolute_url()


def signed_in(role: str) -> Client:
    """A client signed in as the role's benchmark user, its second factor verified."""
    user = User.objects.filter(username=f"bench.{role}").first()
    if user is None:
        raise CommandError("No benchmark users: run seed_scale on this database first.")
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def fetch(client: Client, url: str):
    """GET ``url`` and read the whole body (streamed or not); anything but 200 is an error."""
    response = client.get(url)
    if response.status_code != 200:
        raise CommandError(f"{url} answered {response.status_code}")
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response


def queries_of(client: Client, url: str) -> int:
    """The SQL statements one request of ``url`` runs."""
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        fetch(client, url)
    return counter.count


class Rollback(Exception):
    """Raised to undo the round and snapshot the benchmark made for itself."""


class QueryCounter:
    """Counts the SQL statements a request runs (a database execute wrapper)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "Time the main pages as each role on a seeded database; print and save a table."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "benchmarks" / "results"))
        parser.add_argument(
            "--round-iams",
            type=int,
            default=300,
            help="Without an assurance round, prepare one for this many IAMs (rolled back afterwards).",
        )
        parser.add_argument(
            "--pages",
            action="append",
            default=[],
            metavar="TEXT",
            help="Measure only the pages whose name holds TEXT (case-insensitive; repeat for more), and the floor.",
        )

    def handle(self, *args, requests, output, round_iams, pages, **options):
        # Keep one database connection, as a server with persistent connections does.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        if (
            AssuranceRound.objects.exists()
            and ComplianceSnapshot.objects.filter(taken_on=timezone.localdate()).exists()
        ):
            return self._measure(requests, output, pages)
        # The SIRO's report needs a round and the policy page a snapshot: made here, and undone afterwards.
        try:
            with transaction.atomic():
                self._prepare(round_iams)
                self._measure(requests, output, pages)
                raise Rollback
        except Rollback:
            pass

    def _prepare(self, round_iams: int) -> None:
        take_snapshot()
        if AssuranceRound.objects.exists():
            return
        today = timezone.localdate()
        round_ = AssuranceRound.objects.create(
            period=f"benchmark {timezone.now():%Y%m%d%H%M%S}",
            period_start=today.replace(year=today.year - 1),
            period_end=today,
            due_date=today,
            opened_by=system_user(),
        )
        with acting_as(system_user()):
            prepare_round(round_.pk, limit=round_iams)
        self.stdout.write(f"  prepared a round of {round_.returns.count()} returns (undone at the end)")

    def _measure(self, requests: int, output: str, filters: list[str]) -> None:
        clients: dict[str, Client] = {}
        pages: list[tuple[str, str, str, Client, int, list[float]]] = []  # label, role, url, client, queries, times
        for label, role, target in selected(PAGES, filters):
            url = page_url(target)
            if url is None:
                self.stdout.write(f"  skipped {label}: no such page")
                continue
            client = clients.get(role) or clients.setdefault(role, signed_in(role))
            for _ in range(2):  # warm caches and connections
                fetch(client, url)
            pages.append((label, role, url, client, queries_of(client, url), []))
        # Round robin: each round requests every page once, so a busy moment on the machine
        # slows all pages alike instead of one page's whole series.
        for _ in range(requests):
            for _label, _role, url, client, _count, timings in pages:
                started = time.perf_counter()
                fetch(client, url)
                timings.append((time.perf_counter() - started) * 1000)
        rows = []
        for label, role, url, _client, count, timings in pages:
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            rows.append((label, role, url, count, statistics.median(timings), p95))
        table = self._table(rows)
        self.stdout.write("\n" + table)
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"pages-{timezone.now():%Y%m%d-%H%M}.md"
        path.write_text(table + "\n", encoding="utf-8")
        self.stdout.write(f"\nWritten to {path}")

    def _table(self, rows) -> str:
        floor = rows[0][4] if rows else 0
        lines = [
            "| page | role | SQL queries | median ms | p95 ms | times floor |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for label, role, _url, queries, median, p95 in rows:
            lines.append(f"| {label} | {role} | {queries} | {median:.1f} | {p95:.1f} | {median / floor:.1f} |")
        return "\n".join(lines)
