"""Time preparing an assurance round's returns (one per IAM) on the current database.

Runs inside a transaction that is rolled back, so a seeded database is left as it was.
Reports the wall time, the time and the queries per return.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.assurance.facts import iam_ids_with_assets
from governance.assurance.models import AssuranceRound
from governance.assurance.returns import prepare_round
from governance.core.audit import system_user
from governance.management.base import AuditedCommand


class Rollback(Exception):
    pass


class Command(AuditedCommand):
    help = "Time preparing one assurance return per IAM (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--iams", type=int, default=300, help="How many IAMs to prepare returns for.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark writes and rolls back a round: never in production.")
        available = len(iam_ids_with_assets())
        wanted = min(options["iams"], available)
        if not wanted:
            raise CommandError("No IAMs with assets: seed the database first (seed_scale).")
        today = timezone.localdate()
        try:
            with transaction.atomic():
                round_ = AssuranceRound.objects.create(
                    period=f"benchmark {timezone.now():%Y%m%d%H%M%S}",
                    period_start=today.replace(year=today.year - 1),
                    period_end=today,
                    due_date=today,
                    opened_by=system_user(),
                )
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    prepare_round(round_.pk, limit=wanted)
                    elapsed = time.perf_counter() - start
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(
            f"{wanted} returns (of {available} IAMs) in {elapsed:.2f} s: "
            f"{1000 * elapsed / wanted:.1f} ms and {len(queries) / wanted:.1f} queries per return"
        )
