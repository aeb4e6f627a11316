import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management.base import CommandError
from django.utils import timezone

from governance.core.audit_chain import run_verification
from governance.core.audit_checkpoints import InvalidCheckpoint, load
from governance.management.base import AuditedCommand


def _day(value: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Dates are YYYY-MM-DD, not {value!r}") from exc
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class Command(AuditedCommand):
    help = "Verify the audit trail's hash chain (all of it, or a date range); exit 1 naming the first break."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to check (YYYY-MM-DD)")
        parser.add_argument("--until", help="Last day to check (YYYY-MM-DD)")
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            help="A signed checkpoint file the trail must still match (repeat for several)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Check the chain in this many segments at once, one process each (PostgreSQL; elsewhere one "
            "after another). Default: one per CPU for a long chain. 1 checks it in one pass; either way the same "
            "break is named.",
        )
        parser.add_argument(
            "--public-key",
            help="Check the checkpoints' signatures with this public key (PEM) instead of the configured key's",
        )

    def handle(self, *args, since=None, until=None, checkpoint=(), public_key=None, jobs=None, **options):
        if jobs is not None and jobs < 1:
            raise CommandError("--jobs is a number of processes: 1 or more.")
        start = timezone.now()
        key: Ed25519PublicKey | None = None
        if public_key:
            try:
                with open(public_key, "rb") as handle:
                    loaded = serialization.load_pem_public_key(handle.read())
            except (OSError, ValueError) as exc:
                raise CommandError(f"{public_key} is not a PEM public key: {exc}") from exc
            if not isinstance(loaded, Ed25519PublicKey):
                raise CommandError(f"{public_key} is not an Ed25519 public key: checkpoints are signed with Ed25519")
            key = loaded
        try:
            checkpoints = [load(path, key) for path in checkpoint]
        except InvalidCheckpoint as exc:
            self.stderr.write(self.style.ERROR(f"Audit checkpoint REFUSED: {exc}"))
            raise SystemExit(1) from exc
        _record, result = run_verification(
            since=_day(since) if since else None,
            until=_day(until) + datetime.timedelta(days=1) if until else None,
            checkpoints=checkpoints,
            public_key=key,
            workers=jobs,
        )
        seconds = (timezone.now() - start).total_seconds()
        rate = result.checked / seconds if seconds else 0
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {result.checked} entries checked in {seconds:.1f} s ({rate:,.0f}/s)"
                    f"{f', matching {len(checkpoints)} signed checkpoints' if checkpoints else ''}."
                )
            )
            return
        self.stderr.write(self.style.ERROR(f"Audit chain BROKEN after {result.checked} entries: {result.first_break}"))
        raise SystemExit(1)
