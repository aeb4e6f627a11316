import datetime

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from governance.core.audit_retention import prune
from governance.management.base import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Delete audit entries older than the retention period (AUDIT_RETENTION_DAYS, or --older-than-days), "
        "after verifying them and recording a checkpoint so the rest of the chain stays verifiable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, older_than_days=None, **options):
        if not older_than_days:
            raise CommandError("No retention period is set (AUDIT_RETENTION_DAYS): the audit trail is kept forever.")
        cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
        checkpoint = prune(cutoff)
        if checkpoint is None:
            self.stdout.write("Nothing to prune.")
        else:
            self.stdout.write(f"{checkpoint}. Chain continues from index {checkpoint.last_chain_index + 1}.")
