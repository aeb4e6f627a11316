from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from governance.core.models import User
from governance.core.models.audit import seal_pending
from governance.management.base import AuditedCommand
from governance.seeding.scale import BENCH_PASSWORD, Plan, Progress, seed


class Command(AuditedCommand):
    help = (
        "Create a large synthetic organisation (50,000 staff by default) through bulk paths that still "
        "write a complete audit trail. For a scratch database: never production."
    )

    def add_arguments(self, parser):
        defaults = Plan()
        for name in (
            "staff",
            "areas",
            "assets",
            "items_per_asset",
            "signoffs",
            "grants",
            "contracts",
            "audit",
            "access_events",
            "batch",
        ):
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_scale writes synthetic people and data: never in production.")
        if User.objects.filter(username__startswith="seed.").exists():
            raise CommandError("This database is already seeded. Use a fresh database.")
        plan = Plan(**{name: options[name] for name in Plan.__dataclass_fields__ if name in options})
        progress = Progress(self.stdout.write)
        result = seed(plan, progress)
        # Anything written one by one and not yet linked (none expected: every bulk entry is written
        # sealed, and the one-by-one entries are sealed as each commits).
        progress.begin("sealing")
        sealed = seal_pending()
        progress(f"{sealed} entries sealed after the fact")
        # A settled database, as autovacuum leaves one: fresh statistics (without them the planner takes
        # the whole seed, one correlation id, for a handful of rows and scans it for every history on
        # the pages measured next), visibility maps that let index-only scans skip the heap, and the
        # search's GIN indexes with their pending lists merged (read row by row until then). A server
        # with autovacuum off, or one measured before autovacuum comes round, would otherwise measure
        # the seed's leftovers rather than the pages.
        if connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction (a test's): there, statistics alone.
            vacuum = not connection.in_atomic_block
            progress.begin("VACUUM (ANALYZE)" if vacuum else "statistics (ANALYZE)")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
        for line in progress.summary():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Seeded. {result['audit_entries']:,} audit entries in the trail."))
        self.stdout.write(
            f"Benchmark users (password {BENCH_PASSWORD}): {', '.join(result['benchmark_users'].values())}"
        )
