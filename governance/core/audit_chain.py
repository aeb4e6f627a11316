"""The audit trail's tamper-evident chain: keyed hashing, sealing, verification.

Every entry's ``content_hash`` is an HMAC over a canonical text of its content,
computed in Python when it is written, under a key the database does not hold.
Sealing gives entries, in commit order, consecutive ``chain_index`` values and
``digest = HMAC(index, content_hash, prev_digest)``. Verification recomputes both
from the stored columns and names the first entry that was altered, deleted, or
inserted out of order; a chain someone recomputed without the key fails at the
first entry they touched. Signed checkpoints (``audit_checkpoints``) pin the head
of the chain outside the database, so a cut or rewritten tail is caught too.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from governance.core.audit_checkpoints import PRUNING, Checkpoint, InvalidCheckpoint, chain_problems, check
from governance.core.audit_hashing import (
    CONTENT_FIELDS,
    UnknownKey,
    canonical,
    content_hash_of,
    current_key_id,
    keyed,
    link,
)
from governance.core.models import AuditCheckpoint, AuditEntry, AuditVerification
from governance.core.models.audit import seal_pending

# --- verification -----------------------------------------------------------------------


@dataclass
class Break:
    entry_id: int
    chain_index: int | None
    kind: str
    detail: str

    def __str__(self) -> str:
        if self.entry_id == 0 and self.chain_index is None:
            return f"Checkpoints given: {self.kind}. {self.detail}"
        where = f"chain index {self.chain_index}" if self.chain_index is not None else "unsealed"
        return f"Entry {self.entry_id} ({where}): {self.kind}. {self.detail}"


@dataclass
class VerificationResult:
    checked: int = 0
    first_break: Break | None = None
    head_index: int | None = None
    head_digest: str = ""

    @property
    def ok(self) -> bool:
        return self.first_break is None


@dataclass
class Stretch:
    """A run of consecutive entries checked on its own; ``first_prev`` is checked where it joins the run before."""

    checked: int = 0
    problem: Break | None = None
    first_pk: int | None = None
    first_index: int | None = None
    first_prev: str = ""
    first_time: datetime.datetime | None = None
    last_index: int | None = None
    last_digest: str = ""
    last_time: datetime.datetime | None = None


# Long chains are checked in parallel stretches (one process each) on PostgreSQL.
PARALLEL_FROM = 200_000
MAX_WORKERS = 8


def _rows(queryset, chunk: int) -> Iterator[tuple]:
    fields = ("pk", "chain_index", "prev_digest", "digest", "content_hash", "key_id", *CONTENT_FIELDS)
    yield from queryset.order_by("chain_index").values_list(*fields).iterator(chunk_size=chunk)


def verify(
    *,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    chunk: int = 5000,
    using: str = "default",
    workers: int | None = None,
    parallel_from: int = PARALLEL_FROM,
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
) -> VerificationResult:
    """Check the chain (or the part of it written in a date range) and name the first break.

    * cut: the chain starts after index 1 with no signed pruning checkpoint recording the
      cut (a row in the checkpoint table is not enough: its document must be signed with
      the checkpoint key, which the database does not hold, and match the entry before);
    * duplicated content: an entry repeats another's content exactly (a copy inserted
      by someone with database access, sealed into the chain as if new);

    * altered: an entry's content no longer matches its ``content_hash``;
    * deleted: an entry's ``prev_digest`` is not the digest of the entry before it;
    * inserted out of order: written long before the entry sealed ahead of it, or
      never sealed into the chain at all;
    * forged: a ``digest`` that does not follow from its content and predecessor;
    * rewritten or cut: the trail no longer holds, at a signed checkpoint's position,
      the digest the checkpoint recorded (``checkpoints``, already signature-checked).
    """

    seal_pending(using)
    result = VerificationResult()
    tolerance = datetime.timedelta(seconds=settings.AUDIT_MAX_TRANSACTION_SECONDS)
    entries = AuditEntry.objects.using(using).exclude(chain_index=None)
    if since is not None:
        entries = entries.filter(timestamp__gte=since)
    if until is not None:
        entries = entries.filter(timestamp__lt=until)

    # Where the checked stretch starts: after a pruning checkpoint, or trusting the entry before a range.
    first = entries.order_by("chain_index").values_list("chain_index", "pk").first()
    first_index = first[0] if first else None
    prev_digest, prev_index, prev_time = "", None, None
    if first is not None:
        before = (
            AuditEntry.objects.using(using)
            .filter(chain_index__lt=first_index)
            .order_by("-chain_index")
            .values_list("chain_index", "digest", "timestamp")
            .first()
        )
        if before is not None:
            prev_index, prev_digest, prev_time = before
        elif first_index is not None and first_index != 1:
            pruning = signed_pruning(first_index - 1, using, public_key, checkpoints)
            if pruning is None:
                result.first_break = Break(
                    first[1],
                    first_index,
                    "cut",
                    f"The chain starts at index {first_index}, but no pruning checkpoint signed with the "
                    "checkpoint key records that the entries before it were pruned.",
                )
                return result
            prev_index, prev_digest = pruning.chain_index, pruning.digest

    workers = _workers(workers, entries, parallel_from, using)
    if workers > 1:
        stretches = _check_in_parallel(entries, workers, since, until, chunk, using)
    else:
        stretches = [_check_stretch(_rows(entries, chunk), tolerance)]
    for stretch in stretches:
        if not stretch.checked:
            continue
        # Where one stretch meets the one before it (or the trusted start), the same checks as within it.
        problem = _joins(stretch, prev_digest, prev_index, prev_time, tolerance)
        problem = problem or stretch.problem
        result.checked += stretch.checked
        if problem is not None:
            result.first_break = problem
            return result
        prev_digest, prev_index, prev_time = stretch.last_digest, stretch.last_index, stretch.last_time
        result.head_index, result.head_digest = stretch.last_index, stretch.last_digest

    # Anything never sealed (written around the chain), and a tail cut since the last run.
    stale = timezone.now() - datetime.timedelta(minutes=5)
    unsealed = AuditEntry.objects.using(using).filter(digest="", timestamp__lt=stale)
    if since is not None:
        unsealed = unsealed.filter(timestamp__gte=since)
    if until is not None:
        unsealed = unsealed.filter(timestamp__lt=until)
    stray = unsealed.order_by("pk").values_list("pk", flat=True).first()
    if stray is not None:
        result.first_break = Break(stray, None, "inserted out of order", "It was never sealed into the chain.")
        return result
    result.first_break = _duplicate(entries)
    if result.first_break is not None:
        return result
    if checkpoints:
        result.first_break = against_checkpoints(checkpoints, using, public_key)
        if result.first_break is not None:
            return result
    if since is None and until is None:
        last = AuditVerification.objects.using(using).filter(ok=True).exclude(head_chain_index=None).first()
        if last is not None:
            seen = (
                AuditEntry.objects.using(using)
                .filter(chain_index=last.head_chain_index)
                .values_list("digest", flat=True)
                .first()
            )
            if seen != last.head_digest:
                result.first_break = Break(
                    0,
                    last.head_chain_index,
                    "deleted",
                    f"The entry at the head of the chain on {last.started_at:%Y-%m-%d %H:%M} is gone or changed.",
                )
    return result


def signed_pruning(
    chain_index: int,
    using: str = "default",
    public_key: Ed25519PublicKey | None = None,
    checkpoints: Sequence[Checkpoint] = (),
) -> Checkpoint | None:
    """The signed pruning checkpoint recording a cut after ``chain_index``, if there is one.

    Found among the checkpoints given (files an auditor kept) or in the checkpoint table,
    whose row counts only if its document is signed with the checkpoint key and says what
    the row says.
    """
    for given in checkpoints:
        if given.kind == PRUNING and given.chain_index == chain_index:
            return given
    for row in AuditCheckpoint.objects.using(using).filter(last_chain_index=chain_index):
        try:
            signed = check(row.document, public_key, source=f"pruning checkpoint {row.pk}")
        except InvalidCheckpoint:
            continue
        if (signed.kind, signed.chain_index, signed.digest) == (PRUNING, row.last_chain_index, row.last_digest):
            return signed
    return None


def signed_prunings(using: str = "default", public_key: Ed25519PublicKey | None = None) -> list[Checkpoint]:
    """The pruning checkpoints of the checkpoint table whose documents are signed and say what their rows say."""
    found = []
    for index in AuditCheckpoint.objects.using(using).values_list("last_chain_index", flat=True).distinct():
        signed = signed_pruning(index, using, public_key)
        if signed is not None:
            found.append(signed)
    return found


def _duplicate(entries) -> Break | None:
    """The later of two entries with exactly the same content, if any (one grouped query)."""
    repeated = (
        entries.exclude(content_hash="")
        .values("content_hash")
        .annotate(copies=Count("pk"), last=Max("chain_index"), first=Min("chain_index"))
        .filter(copies__gt=1)
        .order_by("first")
        .first()
    )
    if repeated is None:
        return None
    copy = entries.filter(chain_index=repeated["last"]).values_list("pk", flat=True).first()
    return Break(
        copy or 0,
        repeated["last"],
        "duplicated content",
        f"It repeats exactly the content of the entry at chain index {repeated['first']}: "
        "a copy inserted into the trail, not a new event.",
    )


def against_checkpoints(
    checkpoints: Sequence[Checkpoint], using: str = "default", public_key: Ed25519PublicKey | None = None
) -> Break | None:
    """The earliest checkpoint the trail no longer matches: the chain was cut or rewritten there or before.

    Every checkpoint given is checked, the old ones too: one at or before a cut is
    accounted for only by a signed pruning checkpoint at or after it (whose own digest
    the remaining chain was checked to follow); an unsigned pruning row accounts for nothing.
    """
    stored = signed_prunings(using, public_key)
    # Taken together, the checkpoints must chain: each names the one before it, heads never go
    # back, and a trail they record starting late was cut behind a signed pruning checkpoint.
    problems = chain_problems(checkpoints, complete=False, prunings=stored)
    if problems:
        return Break(0, None, "checkpoints do not chain", " ".join(problems))
    pruned_upto = max((p.chain_index for p in stored), default=0)
    for given in checkpoints:
        if given.kind == PRUNING:
            pruned_upto = max(pruned_upto, given.chain_index)
    for checkpoint in sorted(checkpoints, key=lambda c: c.chain_index):
        if checkpoint.kind == PRUNING:
            continue  # checked where the chain starts
        if checkpoint.chain_index <= pruned_upto:
            continue  # pruned since, by a signed pruning checkpoint that stands in for it
        row = (
            AuditEntry.objects.using(using)
            .filter(chain_index=checkpoint.chain_index)
            .values_list("pk", "digest")
            .first()
        )
        if row is None:
            return Break(
                0,
                checkpoint.chain_index,
                "deleted",
                f"The trail no longer holds chain index {checkpoint.chain_index}, recorded by the {checkpoint}.",
            )
        if row[1] != checkpoint.digest:
            return Break(
                row[0],
                checkpoint.chain_index,
                "rewritten",
                f"Its link is not the one recorded by the {checkpoint}: the chain was recomputed "
                "at or before this entry.",
            )
    return None


def _check_stretch(rows: Iterator[tuple], tolerance: datetime.timedelta) -> Stretch:
    """Check entries in chain order; the first one's link to what precedes it is left to ``_joins``."""
    stretch = Stretch()
    prev_digest = prev_index = prev_time = None
    for row in rows:
        pk, index, stored_prev, stored_digest, stored_hash, key_id = row[:6]
        values = dict(zip(CONTENT_FIELDS, row[6:], strict=True))
        stretch.checked += 1
        if stretch.first_pk is None:
            stretch.first_pk, stretch.first_index = pk, index
            stretch.first_prev, stretch.first_time = stored_prev, values["timestamp"]
        problem = None
        try:
            computed: str | None = keyed(key_id, canonical(values, from_database=True))
            linked = link(key_id, index, stored_hash, stored_prev)
        except UnknownKey:
            computed = linked = None
            problem = Break(pk, index, "unknown key", f"It names a chain key ({key_id!r}) the portal does not hold.")
        if problem is not None:
            pass
        elif computed != stored_hash:
            problem = Break(pk, index, "altered", "Its content does not match the hash recorded when it was written.")
        elif prev_digest is not None and (stored_prev != prev_digest or index != prev_index + 1):
            problem = _unlinked(pk, index, prev_index)
        elif linked != stored_digest:
            problem = Break(pk, index, "forged digest", "Its digest does not follow from its content and place.")
        elif prev_time is not None and values["timestamp"] < prev_time - tolerance:
            problem = _out_of_order(pk, index, values["timestamp"])
        if problem is not None:
            stretch.problem = problem
            return stretch
        prev_digest, prev_index, prev_time = stored_digest, index, values["timestamp"]
        stretch.last_index, stretch.last_digest, stretch.last_time = index, stored_digest, prev_time
    return stretch


def _joins(stretch: Stretch, prev_digest: str, prev_index, prev_time, tolerance) -> Break | None:
    if stretch.first_prev != prev_digest:
        return _unlinked(stretch.first_pk, stretch.first_index, prev_index)
    if stretch.first_index != (prev_index or 0) + 1:
        return _unlinked(stretch.first_pk, stretch.first_index, prev_index)
    if prev_time is not None and stretch.first_time < prev_time - tolerance:
        return _out_of_order(stretch.first_pk, stretch.first_index, stretch.first_time)
    return None


def _unlinked(pk, index, prev_index) -> Break:
    return Break(
        pk,
        index,
        "deleted or inserted before it",
        f"It does not follow from the entry before it (chain index {prev_index}).",
    )


def _out_of_order(pk, index, when: datetime.datetime) -> Break:
    return Break(
        pk,
        index,
        "inserted out of order",
        f"It is dated {when:%Y-%m-%d %H:%M:%S}, long before the entry sealed ahead of it.",
    )


def _workers(requested: int | None, entries, parallel_from: int, using: str) -> int:
    """How many processes: one unless the chain is long, the database is PostgreSQL and forking is safe here."""
    conn = connections[using]
    if conn.vendor != "postgresql" or conn.in_atomic_block or multiprocessing.current_process().daemon:
        return 1  # children could not see uncommitted rows; a Celery worker's processes may not fork
    wanted = requested if requested is not None else min(os.cpu_count() or 1, MAX_WORKERS)
    if wanted <= 1 or entries.count() < parallel_from:
        return 1
    return wanted


def _check_in_parallel(entries, workers: int, since, until, chunk: int, using: str) -> list[Stretch]:
    """Split the chain into contiguous index ranges and check each in its own process."""
    bounds = entries.aggregate(low=Min("chain_index"), high=Max("chain_index"))
    low, high = bounds["low"], bounds["high"]
    step = (high - low) // workers + 1
    ranges = [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]
    connections.close_all()  # each child opens its own; a shared connection would be corrupted
    jobs = [(first, last, since, until, chunk, using) for first, last in ranges]
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        return pool.map(_check_range, jobs)


def _check_range(job) -> Stretch:
    """In a child process: check the entries with chain indexes ``first`` to ``last``."""

    first, last, since, until, chunk, using = job
    entries = AuditEntry.objects.using(using).filter(chain_index__gte=first, chain_index__lte=last)
    if since is not None:
        entries = entries.filter(timestamp__gte=since)
    if until is not None:
        entries = entries.filter(timestamp__lt=until)
    try:
        return _check_stretch(_rows(entries, chunk), datetime.timedelta(seconds=settings.AUDIT_MAX_TRANSACTION_SECONDS))
    finally:
        connections.close_all()


def run_verification(
    *,
    since=None,
    until=None,
    using: str = "default",
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
):
    """Verify and keep a record of the run (and the chain's head, to catch a cut tail next time)."""

    record = AuditVerification(range_from=since, range_to=until)
    result = verify(since=since, until=until, using=using, checkpoints=checkpoints, public_key=public_key)
    record.finished_at = timezone.now()
    record.entries_checked = result.checked
    record.ok = result.ok
    record.head_chain_index, record.head_digest = result.head_index, result.head_digest
    if result.first_break is not None:
        record.first_break_index = result.first_break.chain_index
        record.first_break_entry = result.first_break.entry_id
        record.problem = str(result.first_break)
    record.save(using=using)
    return record, result


# --- bulk paths -------------------------------------------------------------------------


def append_sealed(entries: list, using: str = "default") -> int:
    """Append entries written in bulk (seeding, migrations of legacy records), already sealed.

    ``bulk_create`` sends no signals, so bulk paths write their audit entries
    themselves through here: each gets its content hash and its place in the chain,
    under the same lock that orders sealing on PostgreSQL.
    """

    if not entries:
        return 0
    with transaction.atomic(using=using):
        seal_pending(using)  # takes the sealing lock, held to this transaction's end
        head = (
            AuditEntry.objects.using(using)
            .exclude(chain_index=None)
            .order_by("-chain_index")
            .values_list("chain_index", "digest")
            .first()
        )
        index, prev = head if head else (0, "")
        key_id = current_key_id()
        for entry in entries:
            entry.key_id = key_id
            entry.content_hash = content_hash_of(entry)
            index += 1
            entry.chain_index, entry.prev_digest = index, prev
            entry.digest = link(key_id, index, entry.content_hash, prev)
            prev = entry.digest
        AuditEntry.objects.using(using).bulk_create(entries, batch_size=2000)
    return len(entries)
