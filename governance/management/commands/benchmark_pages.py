"""Measure the main pages at scale: SQL queries, median and 95th-percentile server time.

Run on a database filled by ``seed_scale`` (it provides one benchmark user per role).
Each page is requested through Django's full stack (middleware included) in this
process, so the time is the server's, without a network.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.assurance.models import AssuranceRound
from governance.assurance.returns import prepare_round
from governance.core.audit import acting_as, system_user
from governance.core.models import User
from governance.register.models import InformationAsset
from governance.trends.models import ComplianceSnapshot
from governance.trends.snapshots import take_snapshot

# (label, role, url or url name)
PAGES = [
    ("floor: minimal page", "staff", "about"),
    ("home", "staff", "home"),
    ("asset list", "staff", "assets:list"),
    ("asset list, filtered", "staff", "assets:list?personal_data=yes&review=overdue&ordering=iam"),
    ("asset detail", "iam", "asset"),
    ("my training", "handler", "training:mine"),
    ("compliance dashboard", "siro", "training:compliance"),
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
    ("the SIRO's report", "siro", "round:assurance:report"),
    ("the SIRO's report, CSV", "siro", "round:assurance:report-csv"),
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
    # Other lists each role opens.
    ("contract list", "contracts", "contracts:list"),
    ("contract detail", "contracts", "contract"),
    ("incident list", "auditor", "incidents:list"),
    ("access requests, a handler's", "handler", "access:requests"),
    ("decisions waiting, an IAM's", "iam", "access:decisions"),
    ("releases", "auditor", "releases:list"),
]


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
            default="",
            help="Measure only the pages whose label contains one of these comma-separated words "
            "(the floor page is always measured, so the multiples stay comparable).",
        )

    def handle(self, *args, requests, output, round_iams, pages, **options):
        self.wanted = [word.strip().lower() for word in pages.split(",") if word.strip()]
        # Keep one database connection, as a server with persistent connections does.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        if (
            AssuranceRound.objects.exists()
            and ComplianceSnapshot.objects.filter(taken_on=timezone.localdate()).exists()
        ):
            return self._measure(requests, output)
        # The SIRO's report needs a round and the policy page a snapshot: made here, and undone afterwards.
        try:
            with transaction.atomic():
                self._prepare(round_iams)
                self._measure(requests, output)
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

    def _measure(self, requests: int, output: str) -> None:
        clients: dict[str, Client] = {}
        asset = InformationAsset.objects.filter(manager__username="bench.iam").order_by("pk").first()
        pages: list[tuple[str, str, str, Client, int, list[float]]] = []  # label, role, url, client, queries, times
        for index, (label, role, target) in enumerate(PAGES):
            if index and self.wanted and not any(word in label.lower() for word in self.wanted):
                continue
            url = self._url(target, asset)
            if url is None:
                self.stdout.write(f"  skipped {label}: no such page")
                continue
            client = clients.get(role) or clients.setdefault(role, self._client(role))
            for _ in range(2):  # warm caches and connections
                self._get(client, url)
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                self._get(client, url)
            pages.append((label, role, url, client, counter.count, []))
        # Round robin: each round requests every page once, so a busy moment on the machine
        # slows all pages alike instead of one page's whole series.
        for _ in range(requests):
            for _label, _role, url, client, _count, timings in pages:
                started = time.perf_counter()
                self._get(client, url)
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

    def _url(self, target: str, asset) -> str | None:
        if target == "asset":
            return asset.get_absolute_url() if asset else None
        if target == "asset-map":
            return reverse("privacy:asset-map", args=[asset.pk]) if asset else None
        found = self._object_url(target)
        if isinstance(found, str) or found is None:
            return found
        if target == "campaign":  # the benchmark IAM's newest campaign, opened if the nightly run has not
            from governance.access.recertification import campaigns_for

            iam = User.objects.filter(username="bench.iam").first()
            campaigns = campaigns_for(iam) if iam else []
            return campaigns[0].get_absolute_url() if campaigns else None
        if target.startswith("round:"):
            round_ = AssuranceRound.objects.order_by("-period_start", "-pk").first()
            return reverse(target.removeprefix("round:"), args=[round_.pk]) if round_ else None
        name, _, query = target.partition("?")
        try:
            return reverse(name) + (f"?{query}" if query else "")
        except NoReverseMatch:
            return None

    def _object_url(self, target: str) -> str | bool | None:
        """One record of a kind, as its role sees it: False when ``target`` names no such kind."""
        from governance.contracts.models import ResearchContract
        from governance.outputs.models import OutputSubmission
        from governance.privacy.models import DPIA, ProcessingActivity, SharingAgreement

        found: dict[str, object] = {
            "activity": lambda: ProcessingActivity.objects.filter(owner__username="bench.iam").order_by("pk").first(),
            "agreement": lambda: (
                SharingAgreement.objects.filter(manager__username="bench.contracts").order_by("pk").first()
            ),
            "dpia": lambda: DPIA.objects.order_by("pk").first(),
            "output": lambda: (
                OutputSubmission.objects.filter(submitted_by__username="bench.researcher").order_by("pk").first()
            ),
            "contract": lambda: (
                ResearchContract.objects.filter(manager__username="bench.contracts").order_by("pk").first()
            ),
        }
        if target not in found:
            return False
        record = found[target]()  # type: ignore[operator]
        return record.get_absolute_url() if record else None

    def _client(self, role: str) -> Client:
        user = User.objects.filter(username=f"bench.{role}").first()
        if user is None:
            raise CommandError("No benchmark users: run seed_scale on this database first.")
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
        return client

    def _get(self, client: Client, url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response

    def _table(self, rows) -> str:
        floor = rows[0][4] if rows else 0
        lines = [
            "| page | role | SQL queries | median ms | p95 ms | times floor |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for label, role, _url, queries, median, p95 in rows:
            lines.append(f"| {label} | {role} | {queries} | {median:.1f} | {p95:.1f} | {median / floor:.1f} |")
        return "\n".join(lines)
