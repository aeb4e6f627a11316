"""Base class for the portal's management commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from governance.core.audit import acting_as, correlation, system_user


class AuditedCommand(BaseCommand):
    """A command whose changes are recorded in the audit trail with the system account as actor."""

    def execute(self, *args, **options):
        with correlation(), acting_as(system_user()):
            return super().execute(*args, **options)
