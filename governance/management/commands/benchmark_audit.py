"""Time the audit chain verification (the target: a million entries in under 30 seconds on a quiet machine)."""

import time

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from governance.core.audit_chain import append_sealed, verify
from governance.core.models import AuditEntry, BusinessArea


class Command(BaseCommand):
    help = (
        "Add --entries synthetic audit entries (sealed into the chain; use a scratch database) and time "
        "verify_audit over the whole trail. With --entries 0, time the trail as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=50_000)
        parser.add_argument(
            "--jobs", type=int, default=None, help="Segments checked at once (verify_audit --jobs); default one per CPU"
        )

    def handle(self, *args, entries, batch, jobs, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark adds synthetic entries to the audit trail: never in production.")
        content_type = ContentType.objects.get_for_model(BusinessArea)
        added, started = 0, time.perf_counter()
        while added < entries:
            size = min(batch, entries - added)
            now = timezone.now()
            rows = [
                AuditEntry(
                    content_type=content_type,
                    object_pk=str(n),
                    object_id=n,
                    object_repr=f"Benchmark area {n}",
                    action=AuditEntry.Action.UPDATE,
                    changes={"name": [f"Area {n}", f"Area {n + 1}"]},
                    timestamp=now,
                    scope=f"benchmark:{n % 1000}",
                    cid="benchmark",
                )
                for n in range(added, added + size)
            ]
            added += append_sealed(rows)
            self.stdout.write(f"  added {added:,} entries ({time.perf_counter() - started:.0f} s)")
        total = AuditEntry.objects.count()
        started = time.perf_counter()
        result = verify(workers=jobs)
        seconds = time.perf_counter() - started
        verdict = "intact" if result.ok else f"BROKEN: {result.first_break}"
        self.stdout.write(
            f"Verified {result.checked:,} of {total:,} entries in {seconds:.1f} s: "
            f"{result.checked / seconds:,.0f} entries per second. Chain {verdict}."
        )
