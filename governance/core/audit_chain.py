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
import json
import multiprocessing
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, Max, Min
from django.db.models.expressions import RawSQL
from django.utils import timezone

from governance.core.audit_checkpoints import PRUNING, Checkpoint, InvalidCheckpoint, chain_problems, check
from governance.core.audit_hashing import (
    CONTENT_FIELDS,
    ChainKeys,
    StoredCanonical,
    UnknownKey,
    content_hash_of,
    current_key_id,
    from_micros,
    link,
    micros,
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


# What an entry is checked against: the stored digest, chain index and time (microseconds
# since the epoch) of the entry before it.
Predecessor = tuple[str, int | None, int | None]


@dataclass
class Stretch:
    """A run of consecutive entries checked on its own, up to and including its first problem.

    ``before`` is the entry its first entry was checked against (a segment after the first
    reads it from the database); without one, the first entry's link is left to ``_joins``.
    """

    checked: int = 0
    problem: Break | None = None
    before: Predecessor | None = None
    first_pk: int | None = None
    first_index: int | None = None
    first_prev: str = ""
    first_time: int | None = None
    last_index: int | None = None
    last_digest: str = ""
    last_time: int | None = None


# Without ``workers``, chains this long are checked in segments, one process per CPU (at most
# MAX_WORKERS): forking and connecting cost a few tenths of a second, this many entries about a second.
PARALLEL_FROM = 50_000
MAX_WORKERS = 8
MAX_PROCESSES = 32  # each holds a database connection; more segments than this share the processes
CHUNK = 5000


def _chain(using: str, since: datetime.datetime | None, until: datetime.datetime | None):
    """The sealed entries, or those written in a date range."""
    entries = AuditEntry.objects.using(using).exclude(chain_index=None)
    if since is not None:
        entries = entries.filter(timestamp__gte=since)
    if until is not None:
        entries = entries.filter(timestamp__lt=until)
    return entries


def verify(
    *,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    chunk: int = CHUNK,
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

    ``workers`` splits the chain into that many segments of consecutive chain indexes,
    each checked in its own process where that is possible (``_stretches``); 1 checks it
    in one pass. Each entry's checks need only its own stored columns and those of the
    entry before it, so the segments find the same first break, counted the same way, as
    one pass does. Left to itself (None), a chain of ``parallel_from`` entries or more
    gets one segment per CPU where child processes can be used.
    """

    seal_pending(using)
    result = VerificationResult()
    tolerance = settings.AUDIT_MAX_TRANSACTION_SECONDS * 1_000_000
    entries = _chain(using, since, until)

    # Where the checked stretch starts: after a pruning checkpoint, or trusting the entry before a range.
    first = entries.order_by("chain_index").values_list("chain_index", "pk").first()
    first_index = first[0] if first else None
    start: Predecessor = ("", None, None)
    if first is not None:
        before = (
            AuditEntry.objects.using(using)
            .filter(chain_index__lt=first_index)
            .order_by("-chain_index")
            .values_list("digest", "chain_index", "timestamp")
            .first()
        )
        if before is not None:
            start = (before[0], before[1], micros(before[2]))
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
            start = (pruning.digest, pruning.chain_index, None)

    # Stretches arrive in chain order. The first break is the trusted start's (checked against the
    # first entry, before that entry's own checks, as ever) or else the first one a stretch found;
    # the count runs, as in one pass, to the first entry with a problem of its own.
    found: Break | None = None
    prev = start
    with closing(_stretches(since, until, workers, parallel_from, chunk, using, tolerance)) as stretches:
        for stretch in stretches:
            if not stretch.checked:
                continue
            if found is None and stretch.before != prev:
                found = _joins(stretch, prev, tolerance)
            result.checked += stretch.checked
            if stretch.problem is not None:
                found = found or stretch.problem
                break
            prev = (stretch.last_digest, stretch.last_index, stretch.last_time)
    if found is not None:
        result.first_break = found
        return result
    if result.checked:
        result.head_digest, result.head_index = prev[0], prev[1]

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


# --- checking stretches of the chain ------------------------------------------------------

_CHAIN_COLUMNS = ("pk", "chain_index", "prev_digest", "digest", "content_hash", "key_id")
# The C scanner behind ``json.loads``, without its wrapper: the same value from the same text.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


@contextmanager
def _streamed(entries, chunk: int, using: str) -> Iterator[tuple[Iterator[tuple], bool]]:
    """The entries in chain order, read ``chunk`` rows at a time: never a model instance.

    Each row is the chain's columns and then the content's, in ``CONTENT_FIELDS`` order with
    the time as microseconds since the epoch. On PostgreSQL the rows come from a server-side
    cursor inside a transaction (outside one, PostgreSQL would materialise the whole result
    first), with the time computed by the database (a number is many times cheaper to read
    than a time) and the JSON columns as text, which the checker decodes (the second value).
    Elsewhere they come through the ORM's iterator, with the JSON decoded.
    """
    ordered = entries.order_by("chain_index")
    conn = connections[using]
    if conn.vendor != "postgresql":
        rows = ordered.values_list(*_CHAIN_COLUMNS, *CONTENT_FIELDS).iterator(chunk_size=chunk)
        yield ((*row[:6], micros(row[6]), *row[7:]) for row in rows), False
        return
    table = conn.ops.quote_name(AuditEntry._meta.db_table)
    column = conn.ops.quote_name(AuditEntry._meta.get_field("timestamp").column)
    # EXTRACT gives an exact numeric on PostgreSQL 14 and later, which Django requires.
    epoch = RawSQL(f"(EXTRACT(EPOCH FROM {table}.{column}) * 1000000)::bigint", ())  # noqa: S611 - no user input
    query = ordered.annotate(timestamp_us=epoch).values_list(*_CHAIN_COLUMNS, "timestamp_us", *CONTENT_FIELDS[1:])
    sql, params = query.query.get_compiler(using=using).as_sql()
    with transaction.atomic(using=using), conn.chunked_cursor() as cursor:
        cursor.execute(sql, params)

        def rows() -> Iterator[tuple]:
            while batch := cursor.fetchmany(chunk):
                yield from batch

        yield rows(), True


def _check_stretch(
    rows: Iterable[tuple], tolerance: int, before: Predecessor | None = None, *, json_text: bool = False
) -> Stretch:
    """Check entries in chain order, stopping at the first with a problem.

    With ``before`` (the stored columns of the entry before the first) the first entry is
    checked exactly as every later one is; without, its link is left to ``_joins``. Each
    entry's canonical text is computed once; the keys are read once and their prepared
    HMACs copied inline (this loop runs a million times).
    """
    stretch = Stretch(before=before)
    keys = ChainKeys()
    macs: dict = {}
    text_of = StoredCanonical()
    prev_digest, prev_index, prev_time = before if before is not None else (None, None, None)
    checked = 0
    for pk, index, stored_prev, stored_digest, stored_hash, key_id, when, *content in rows:
        if json_text:
            if content[4] is not None:
                content[4] = _scan_json(content[4], 0)[0]
            if content[12] is not None:
                content[12] = _scan_json(content[12], 0)[0]
        checked += 1
        if checked == 1:
            stretch.first_pk, stretch.first_index, stretch.first_prev, stretch.first_time = (
                pk,
                index,
                stored_prev,
                when,
            )
        mac = macs.get(key_id)
        if mac is None:
            try:
                mac = macs[key_id] = keys.mac(key_id)
            except UnknownKey:
                stretch.problem = Break(
                    pk, index, "unknown key", f"It names a chain key ({key_id!r}) the portal does not hold."
                )
                break
        computed = mac.copy()
        computed.update(text_of(when, *content).encode())
        if computed.hexdigest() != stored_hash:
            stretch.problem = Break(
                pk, index, "altered", "Its content does not match the hash recorded when it was written."
            )
            break
        if prev_index is not None and (stored_prev != prev_digest or index != prev_index + 1):
            stretch.problem = _unlinked(pk, index, prev_index)
            break
        linked = mac.copy()
        linked.update(f"{index}\x1f{stored_hash}\x1f{stored_prev}".encode())
        if linked.hexdigest() != stored_digest:
            stretch.problem = Break(
                pk, index, "forged digest", "Its digest does not follow from its content and place."
            )
            break
        if prev_time is not None and when < prev_time - tolerance:
            stretch.problem = _out_of_order(pk, index, when)
            break
        prev_digest, prev_index, prev_time = stored_digest, index, when
    stretch.checked = checked
    if checked > (stretch.problem is not None):  # the last entry found sound
        stretch.last_digest, stretch.last_index, stretch.last_time = prev_digest or "", prev_index, prev_time
    return stretch


def _joins(stretch: Stretch, prev: Predecessor, tolerance: int) -> Break | None:
    """Where a stretch checked without its predecessor meets the entry before it (or the trusted start)."""
    prev_digest, prev_index, prev_time = prev
    if stretch.first_prev != prev_digest:
        return _unlinked(stretch.first_pk, stretch.first_index, prev_index)
    if stretch.first_index != (prev_index or 0) + 1:
        return _unlinked(stretch.first_pk, stretch.first_index, prev_index)
    if prev_time is not None and stretch.first_time is not None and stretch.first_time < prev_time - tolerance:
        return _out_of_order(stretch.first_pk, stretch.first_index, stretch.first_time)
    return None


def _unlinked(pk, index, prev_index) -> Break:
    return Break(
        pk,
        index,
        "deleted or inserted before it",
        f"It does not follow from the entry before it (chain index {prev_index}).",
    )


def _out_of_order(pk, index, when: int) -> Break:
    return Break(
        pk,
        index,
        "inserted out of order",
        f"It is dated {from_micros(when):%Y-%m-%d %H:%M:%S}, long before the entry sealed ahead of it.",
    )


# --- segments, in parallel processes --------------------------------------------------------


def _stretches(
    since: datetime.datetime | None,
    until: datetime.datetime | None,
    workers: int | None,
    parallel_from: int,
    chunk: int,
    using: str,
    tolerance: int,
) -> Generator[Stretch, None, None]:
    """The chain's stretches in chain order: the whole chain in one, or one per segment of its indexes."""
    entries = _chain(using, since, until)
    bounds = entries.aggregate(low=Min("chain_index"), high=Max("chain_index"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        return
    forking = _can_fork(using)
    if workers is None:
        workers = min(_cpus(), MAX_WORKERS) if forking and high - low + 1 >= parallel_from else 1
    if workers <= 1:
        with _streamed(entries, chunk, using) as (rows, json_text):
            yield _check_stretch(rows, tolerance, json_text=json_text)
        return
    jobs = [
        Segment(using, first, last, first == low, since, until, chunk, tolerance)
        for first, last in segment_bounds(low, high, workers)
    ]
    if not forking:
        yield from map(_check_segment, jobs)  # the same segments, one after another in this process
        return
    connections.close_all()  # each child opens its own: a connection shared across a fork is corrupted
    with multiprocessing.get_context("fork").Pool(min(len(jobs), MAX_PROCESSES)) as pool:
        # In chain order, each as soon as it and those before it are done; leaving the block (at
        # the first break) stops the rest.
        yield from pool.imap(_check_segment_in_child, jobs)


def segment_bounds(low: int, high: int, segments: int) -> list[tuple[int, int]]:
    """The first and last chain index of each segment: ``segments`` runs of (nearly) equal length."""
    step = (high - low) // segments + 1
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


@dataclass(frozen=True)
class Segment:
    """The entries with chain indexes ``first`` to ``last`` of the chain (or date range) being checked."""

    using: str
    first: int
    last: int
    opens_chain: bool
    since: datetime.datetime | None
    until: datetime.datetime | None
    chunk: int
    tolerance: int


def _check_segment(segment: Segment) -> Stretch:
    """Check one segment (in a child process, or in this one): its first entry against the stored entry before it."""
    entries = _chain(segment.using, segment.since, segment.until)
    before: Predecessor | None = None
    if not segment.opens_chain:
        row = (
            entries.filter(chain_index__lt=segment.first)
            .order_by("-chain_index")
            .values_list("digest", "chain_index", "timestamp")
            .first()
        )
        before = (row[0], row[1], micros(row[2])) if row is not None else None
    part = entries.filter(chain_index__gte=segment.first, chain_index__lte=segment.last)
    with _streamed(part, segment.chunk, segment.using) as (rows, json_text):
        return _check_stretch(rows, segment.tolerance, before, json_text=json_text)


def _check_segment_in_child(segment: Segment) -> Stretch:
    try:
        return _check_segment(segment)
    finally:
        connections.close_all()


def _cpus() -> int:
    """The CPUs this process may run on (a container may be given fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _can_fork(using: str) -> bool:
    """Whether segments may go to child processes: PostgreSQL (each child connects to it), committed
    rows only (outside a transaction), a process allowed children (not a Celery worker's), and fork."""
    conn = connections[using]
    return (
        conn.vendor == "postgresql"
        and not conn.in_atomic_block
        and not multiprocessing.current_process().daemon
        and "fork" in multiprocessing.get_all_start_methods()
    )


def run_verification(
    *,
    since=None,
    until=None,
    using: str = "default",
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    workers: int | None = None,
):
    """Verify and keep a record of the run (and the chain's head, to catch a cut tail next time)."""

    record = AuditVerification(range_from=since, range_to=until)
    result = verify(
        since=since, until=until, using=using, checkpoints=checkpoints, public_key=public_key, workers=workers
    )
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


def chain_head(using: str = "default") -> tuple[int, str]:
    """The last sealed entry's place and digest, (0, "") for an empty chain: where appending goes on.

    Read under the sealing lock (``seal_pending``), so that nothing is sealed after it meanwhile.
    """
    head = (
        AuditEntry.objects.using(using)
        .exclude(chain_index=None)
        .order_by("-chain_index")
        .values_list("chain_index", "digest")
        .first()
    )
    return head if head else (0, "")


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
        index, prev = chain_head(using)
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
