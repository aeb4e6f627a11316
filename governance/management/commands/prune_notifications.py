from datetime import timedelta

from django.utils import timezone

from governance.core.models import Notification
from governance.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Delete sent notifications older than a number of days (default 730). Each deletion is audited."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=730)

    def handle(self, *args, older_than_days, **options):
        cutoff = timezone.now() - timedelta(days=older_than_days)
        deleted = 0
        # Row by row: a queryset delete would still signal, but this keeps memory flat and the intent plain.
        for notification in Notification.objects.filter(sent_at__lt=cutoff).iterator():
            notification.delete()
            deleted += 1
        self.stdout.write(f"Deleted {deleted} notifications sent before {cutoff:%Y-%m-%d}.")
