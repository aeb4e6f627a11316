"""The audit trail's own tables.

``AuditEntry`` is django-auditlog's entry model, swapped in from the first
migration so the trail has fields of its own:

* ``scope`` groups the entries of an object with those of its parts (an asset,
  its data items, its reviews and permission rows), so an object's page shows
  one timeline with one indexed query. Models opt in with ``AuditScoped``.
* ``business_area`` and ``reason`` (the reason a user gave for a state change).
* A tamper-evident, keyed chain: ``content_hash`` is an HMAC of the entry's
  content under the key ``key_id`` names (a key the database never holds),
  computed when it is written. Entries are *sealed* in commit order: given the
  next ``chain_index`` and ``digest = HMAC(index, content_hash, prev_digest)``.
  The database cannot compute an HMAC it has no key for, so the work is split:
  on PostgreSQL a deferred trigger gives each committing transaction's entries
  their chain positions under an advisory lock (commit order), and the portal
  computes the links just after commit, under the same lock, extending the chain
  from its sealed head; other triggers refuse any other UPDATE, any DELETE but
  the pruning function's, and TRUNCATE. On SQLite the portal does both after commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from governance.core import audit_hashing
from governance.core.plurals import date_text

if TYPE_CHECKING:
    from governance.core.models.organisation import BusinessArea


class AuditScoped:
    """Mixin: entries about this object are filed under ``audit_scope()`` (and its business area)."""

    def audit_scope(self) -> str:  # pragma: no cover - every user overrides
        raise NotImplementedError

    def get_additional_data(self) -> dict:
        # django-auditlog stores this on each entry; AuditEntry.save copies the values out.
        data: dict[str, str | int] = {"scope": self.audit_scope()}
        area = _area_id(self)
        if area is not None:
            data["area"] = area
        return data


def _area_id(obj) -> int | None:
    """The business area an object belongs to, from what is already loaded (never a query)."""
    area = getattr(obj, "business_area_id", None)
    if area is not None:
        return area
    cached = obj._state.fields_cache
    for name in ("asset", "content_object"):
        related = cached.get(name)
        if related is not None and getattr(related, "business_area_id", None) is not None:
            return related.business_area_id
    return None


def scope_of(model_label: str, pk) -> str:
    return f"{model_label}:{pk}"


class AuditEntry(AbstractLogEntry):
    # django-auditlog ships no type information, so the type checker does not see this class
    # as a model: its own fields carry their types, and the fields it uses from the base are named.
    additional_data: Any  # django-auditlog's JSON field
    business_area_id: int | None

    # django-auditlog's own actor is SET_NULL: deleting a person would rewrite (SQLite) or be refused
    # by the guard on (PostgreSQL) every entry they made. Someone who acted is never deleted, only
    # marked as a leaver.
    actor: models.ForeignKey[Any, Any] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        blank=True,
        null=True,
        related_name="+",
        verbose_name="actor",
    )
    scope: models.CharField[str, str] = models.CharField(max_length=100, blank=True, default="")
    business_area: models.ForeignKey[BusinessArea | None, BusinessArea | None] = models.ForeignKey(
        "governance.BusinessArea",
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # the trail outlives anything it mentions
        null=True,
        blank=True,
        related_name="+",
    )
    reason: models.TextField[str, str] = models.TextField(
        blank=True, default="", help_text="The reason given for a state change."
    )
    content_hash: models.CharField[str, str] = models.CharField(max_length=64, blank=True, default="")
    prev_digest: models.CharField[str, str] = models.CharField(max_length=64, blank=True, default="")
    digest: models.CharField[str, str] = models.CharField(max_length=64, blank=True, default="")
    chain_index: models.BigIntegerField[int | None, int | None] = models.BigIntegerField(
        null=True, blank=True, unique=True
    )
    key_id: models.CharField[str, str] = models.CharField(
        max_length=40, blank=True, default="", help_text="The id of the chain key it was hashed under."
    )

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            # An object's history, newest first: one index range scan.
            models.Index(fields=["content_type", "object_pk", "-timestamp"], name="audit_object_history"),
            models.Index(fields=["scope", "-timestamp"], name="audit_scope_history"),
            models.Index(fields=["actor", "-timestamp"], name="audit_actor_history"),
            models.Index(fields=["business_area", "-timestamp"], name="audit_area_history"),
            models.Index(fields=["id"], condition=Q(digest=""), name="audit_unsealed"),
            models.Index(fields=["-timestamp", "-id"], name="audit_newest"),
            # The entries of one action (its correlation id) in order: an event's entries, and whether
            # an entry is its action's newest, each one index probe (governance.core.history_events).
            models.Index(fields=["cid", "id"], name="audit_event_entries"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are never changed.")
        if isinstance(self.additional_data, dict):
            if not self.scope:
                self.scope = str(self.additional_data.get("scope", ""))[:100]
            if self.business_area_id is None and isinstance(self.additional_data.get("area"), int):
                self.business_area_id = self.additional_data["area"]
        if not self.reason:
            self.reason = audit_hashing.current_reason()
        channel = audit_hashing.current_channel()
        if channel:
            extra = self.additional_data if isinstance(self.additional_data, dict) else {}
            self.additional_data = {**extra, **channel}
        super().save(*args, **kwargs)
        seal_after_commit(self._state.db)

    def _save_table(self, *args, **kwargs):
        # Hash here, after every pre_save receiver (django-auditlog's fills in the actor and address).
        self.key_id = audit_hashing.current_key_id()
        self.content_hash = audit_hashing.content_hash_of(self)
        return super()._save_table(*args, **kwargs)


# --- sealing: the chain is extended in commit order ------------------------------------


def seal_after_commit(using: str) -> None:
    """Seal this transaction's entries once it commits (and any a crashed process left unsealed)."""
    conn = connections[using]
    if getattr(conn, "_custodian_seal_queued", False):
        return
    conn._custodian_seal_queued = True  # type: ignore[attr-defined]  # our flag, kept on Django's connection

    def seal():
        conn._custodian_seal_queued = False  # type: ignore[attr-defined]  # as above
        seal_pending(using)

    transaction.on_commit(seal, using=using)


def seal_pending(using: str = "default") -> int:
    """Link entries not yet sealed into the chain, in chain order. Returns how many were sealed.

    Runs under the advisory lock that orders commits, so two sealers never extend the
    chain from the same head. On PostgreSQL the entries already hold their chain
    positions (the trigger's, at commit; inside a transaction the trigger is fired
    now); on SQLite, one writer at a time, positions follow id order.
    """
    conn = connections[using]
    postgres = conn.vendor == "postgresql"
    sealed = 0
    with transaction.atomic(using=using):
        if postgres:
            with conn.cursor() as cursor:
                # Give this transaction's own entries their positions now, not at commit.
                cursor.execute("SET CONSTRAINTS governance_audit_order IMMEDIATE")
                cursor.execute("SET CONSTRAINTS governance_audit_order DEFERRED")
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit_hashing.SEAL_LOCK])
        entries = AuditEntry.objects.using(using)
        head = entries.exclude(digest="").order_by("-chain_index").values_list("chain_index", "digest").first()
        index, prev = head if head else (0, "")
        pending = entries.filter(digest="")
        pending = pending.exclude(chain_index=None).order_by("chain_index") if postgres else pending.order_by("pk")
        for pk, chain_index, key_id, content_hash in pending.values_list("pk", "chain_index", "key_id", "content_hash"):
            index = chain_index if postgres else index + 1
            digest = audit_hashing.link(key_id, index, content_hash, prev)
            # The trail's own sealing step: not an audited model, and only the chain's columns
            # (the database lets them be filled in once, never changed).
            entries.filter(pk=pk, digest="").update(chain_index=index, prev_digest=prev, digest=digest)
            prev = digest
            sealed += 1
    return sealed


class AuditCheckpoint(models.Model):
    """Where pruning cut the chain: verification continues from here, so it stays checkable."""

    created_at = models.DateTimeField(default=timezone.now)
    pruned_before = models.DateTimeField(help_text="Entries older than this were pruned.")
    last_chain_index = models.BigIntegerField(help_text="The chain index of the last entry pruned.")
    last_digest = models.CharField(max_length=64, help_text="The digest of the last entry pruned.")
    entries_pruned = models.PositiveBigIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.JSONField(
        default=dict,
        blank=True,
        help_text="The signed pruning checkpoint recording this cut; without a valid one the cut is a break.",
    )

    class Meta:
        ordering = ["-last_chain_index"]

    def __str__(self) -> str:
        return f"Pruned {self.entries_pruned} entries before {date_text(self.pruned_before)}"

    def get_absolute_url(self) -> str:
        return reverse("audit:verifications")


class AuditVerification(models.Model):
    """One run of the chain verification, and the chain's head it saw (to detect a cut tail later)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    range_from = models.DateTimeField(null=True, blank=True)
    range_to = models.DateTimeField(null=True, blank=True)
    entries_checked = models.PositiveBigIntegerField(default=0)
    ok = models.BooleanField(default=False)
    first_break_index = models.BigIntegerField(null=True, blank=True)
    first_break_entry = models.BigIntegerField(null=True, blank=True, help_text="The audit entry's id.")
    problem = models.TextField(blank=True)
    head_chain_index = models.BigIntegerField(null=True, blank=True)
    head_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        verdict = "intact" if self.ok else "BROKEN"
        return f"Audit chain {verdict}: {self.entries_checked} entries checked at {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("audit:verifications")
