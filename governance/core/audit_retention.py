"""Retention of the audit trail. Off by default; pruning, if enabled, keeps the chain verifiable.

On PostgreSQL nothing the application's connection can do deletes an audit entry:
rows go only through ``governance_prune_audit``, a ``SECURITY DEFINER`` function
owned by the tables' owner, executable only by the pruner role (``setup_db_roles``),
which refuses unless a checkpoint already records the cut. ``prune`` runs it on the
``audit_pruner`` database connection when one is configured (``AUDIT_PRUNER_DATABASE_URL``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connections, transaction

from governance.core.audit import system_user
from governance.core.audit_chain import verify
from governance.core.audit_checkpoints import PRUNING, record_position
from governance.core.models import AuditCheckpoint, AuditEntry

PRUNER_ALIAS = "audit_pruner"


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
        .values("chain_index", "digest", "key_id", "timestamp")
        .first()
    )
    if last is None:
        return None
    last_index, last_digest = last["chain_index"], last["digest"]
    # Signed with the checkpoint key, which the database never holds: a row written by hand
    # (a superuser cutting the chain) has no valid signature, and verification says so.
    # It is the next checkpoint of the ledger in the checkpoint folder, written there before any row goes.
    document, _path = record_position(last, PRUNING)
    count = AuditEntry.objects.filter(chain_index__lte=last_index).count()
    # The checkpoint first (committed, when not inside a caller's transaction): the database's
    # pruning function refuses to delete a stretch no checkpoint records.
    with transaction.atomic():
        checkpoint = AuditCheckpoint.objects.create(
            pruned_before=cutoff,
            last_chain_index=last_index,
            last_digest=last_digest,
            entries_pruned=count,
            by=system_user(),
            document=document,
        )
    deleted = _delete_upto(last_index, batch)
    if deleted != count:
        raise ValidationError(f"Pruning deleted {deleted} entries where {count} were checked; see the checkpoint.")
    return checkpoint


def _delete_upto(last_index: int, batch: int) -> int:
    if connections["default"].vendor == "postgresql":
        alias = PRUNER_ALIAS if PRUNER_ALIAS in connections.databases else "default"
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SELECT governance_prune_audit(%s)", [last_index])
            return cursor.fetchone()[0]
    count = 0
    with transaction.atomic():
        while True:
            ids = list(AuditEntry.objects.filter(chain_index__lte=last_index).values_list("pk", flat=True)[:batch])
            if not ids:
                break
            # Audit entries are not themselves audited; the checkpoint records the pruning.
            count += AuditEntry.objects.filter(pk__in=ids).delete()[0]
    return count
