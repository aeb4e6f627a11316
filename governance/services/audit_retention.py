"""Retention of the audit trail. Off by default; pruning, if enabled, keeps the chain verifiable."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from governance.models import AuditCheckpoint, AuditEntry
from governance.services.audit import system_user
from governance.services.audit_chain import verify


def prune(cutoff: datetime.datetime, *, batch: int = 5000):
    """Delete the chain's oldest entries written before ``cutoff``, once verified; record a checkpoint.

    Only a prefix of the chain (by chain index) is removed, so what remains still
    links to the checkpoint's digest and verifies from there.
    """
    result = verify(until=cutoff)
    if not result.ok:
        raise ValidationError(f"The entries to prune do not verify, so they are kept: {result.first_break}")
    last = (
        AuditEntry.objects.filter(timestamp__lt=cutoff)
        .exclude(chain_index=None)
        .order_by("-chain_index")
        .values_list("chain_index", "digest")
        .first()
    )
    if last is None:
        return None
    last_index, last_digest = last
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL custodian.pruning = 'on'")
        count = 0
        while True:
            ids = list(AuditEntry.objects.filter(chain_index__lte=last_index).values_list("pk", flat=True)[:batch])
            if not ids:
                break
            # Audit entries are not themselves audited; the checkpoint below records the pruning.
            count += AuditEntry.objects.filter(pk__in=ids).delete()[0]
        return AuditCheckpoint.objects.create(
            pruned_before=cutoff,
            last_chain_index=last_index,
            last_digest=last_digest,
            entries_pruned=count,
            by=system_user(),
        )
