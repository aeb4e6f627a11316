"""The audit chain checked in segments names the same first break, counted the same way, as one pass.

Each tampering is made where segments meet (a segment's first entry, the link between two
segments, an entry deleted at the seam) and in the middle of one, and the chain is then
checked in 1, 2 and 3 segments. Where processes cannot be used (SQLite, or inside the test's
transaction) the segments are checked one after another in the test's process, by the same
code; the last test runs them in child processes on PostgreSQL.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from governance.core import audit_chain
from governance.core.audit_hashing import content_hash_of, link
from governance.core.models import AuditEntry
from tests.core.test_audit_chain import POSTGRES, raw, write_entries

ENTRIES = 14


def outcome(result: audit_chain.VerificationResult) -> tuple:
    return (str(result.first_break) if result.first_break else None, result.checked, result.ok, result.head_index)


def segments(workers: int) -> list[list[tuple[int, int]]]:
    """The (pk, chain index) of the entries in each segment ``workers`` segments make of the chain."""
    rows = list(AuditEntry.objects.exclude(chain_index=None).order_by("chain_index").values_list("pk", "chain_index"))
    bounds = audit_chain.segment_bounds(rows[0][1], rows[-1][1], workers)
    return [[(pk, index) for pk, index in rows if first <= index <= last] for first, last in bounds]


# --- the tamperings: each changes the trail behind the portal's back and returns the entry expected
# --- to be named and how (a check that the tampering does what its name says).


def altered_in_the_middle_of_segment_two(parts) -> tuple[int, str]:
    pk, _index = parts[1][len(parts[1]) // 2]
    raw("UPDATE governance_auditentry SET object_repr = 'Nothing happened' WHERE id = %s", [pk])
    return pk, "altered"


def first_entry_of_a_segment_altered(parts) -> tuple[int, str]:
    pk, _index = parts[1][0]
    raw("UPDATE governance_auditentry SET reason = 'tampered' WHERE id = %s", [pk])
    return pk, "altered"


def link_between_segments_broken(parts) -> tuple[int, str]:
    pk, _index = parts[1][0]
    raw("UPDATE governance_auditentry SET prev_digest = %s WHERE id = %s", ["f" * 64, pk])
    return pk, "deleted or inserted before it"


def first_entry_of_a_segment_replaced(parts) -> tuple[int, str]:
    """Content and link both wrong: one pass reports the content, which is checked first."""
    pk, _index = parts[1][0]
    raw("UPDATE governance_auditentry SET object_repr = 'x', prev_digest = %s WHERE id = %s", ["f" * 64, pk])
    return pk, "altered"


def entry_deleted_at_the_seam(parts) -> tuple[int, str]:
    raw("DELETE FROM governance_auditentry WHERE id = %s", [parts[1][0][0]])
    return parts[1][1][0], "deleted or inserted before it"


def last_entry_of_segment_one_deleted(parts) -> tuple[int, str]:
    raw("DELETE FROM governance_auditentry WHERE id = %s", [parts[0][-1][0]])
    return parts[1][0][0], "deleted or inserted before it"


def last_entry_of_segment_one_forged(parts) -> tuple[int, str]:
    pk, _index = parts[0][-1]
    raw("UPDATE governance_auditentry SET digest = %s WHERE id = %s", ["0" * 64, pk])
    return pk, "forged digest"


def unknown_key_at_a_segment_start(parts) -> tuple[int, str]:
    pk, _index = parts[1][0]
    raw("UPDATE governance_auditentry SET key_id = 'gone' WHERE id = %s", [pk])
    return pk, "unknown key"


def backdated_at_a_segment_start(parts) -> tuple[int, str]:
    """A forger holding the key re-hashes a backdated entry: its link holds, its date does not."""
    pk, index = parts[1][0]
    entry = AuditEntry.objects.get(pk=pk)
    entry.timestamp = timezone.now() - datetime.timedelta(days=30)
    content_hash = content_hash_of(entry)
    digest = link(entry.key_id, index, content_hash, entry.prev_digest)
    raw(
        "UPDATE governance_auditentry SET timestamp = %s, content_hash = %s, digest = %s WHERE id = %s",
        [entry.timestamp, content_hash, digest, pk],
    )
    return pk, "inserted out of order"


def start_of_the_chain_replaced(parts) -> tuple[int, str]:
    """Where the chain starts its link is checked first, as it always was."""
    pk, _index = parts[0][0]
    raw("UPDATE governance_auditentry SET object_repr = 'x', prev_digest = %s WHERE id = %s", ["f" * 64, pk])
    return pk, "deleted or inserted before it"


TAMPERINGS: list[Callable] = [
    altered_in_the_middle_of_segment_two,
    first_entry_of_a_segment_altered,
    link_between_segments_broken,
    first_entry_of_a_segment_replaced,
    entry_deleted_at_the_seam,
    last_entry_of_segment_one_deleted,
    last_entry_of_segment_one_forged,
    unknown_key_at_a_segment_start,
    backdated_at_a_segment_start,
    start_of_the_chain_replaced,
]


def test_an_intact_chain_verifies_alike_in_any_number_of_segments(db):
    write_entries(ENTRIES)
    serial = audit_chain.verify(workers=1)
    assert serial.ok and serial.checked == AuditEntry.objects.count()
    for workers in (2, 3, 5, 40):
        assert outcome(audit_chain.verify(workers=workers)) == outcome(serial)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    in_range = audit_chain.verify(since=yesterday, workers=1)
    assert in_range.ok and outcome(audit_chain.verify(since=yesterday, workers=3)) == outcome(in_range)


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda t: t.__name__)
def test_segments_name_the_break_one_pass_names(db, tamper, workers):
    write_entries(ENTRIES)
    parts = segments(workers)
    assert len(parts) == workers and all(len(part) >= 3 for part in parts)
    pk, kind = tamper(parts)
    serial = audit_chain.verify(workers=1)
    assert (serial.first_break.entry_id, serial.first_break.kind) == (pk, kind)
    assert outcome(audit_chain.verify(workers=workers)) == outcome(serial)


def test_the_command_reports_alike_with_any_number_of_jobs(db):
    write_entries(ENTRIES)
    first_entry_of_a_segment_replaced(segments(2))
    reports = []
    for jobs in ("1", "2", "3"):
        err = io.StringIO()
        with pytest.raises(SystemExit) as exit_info:
            call_command("verify_audit", "--jobs", jobs, stdout=io.StringIO(), stderr=err)
        reports.append((exit_info.value.code, err.getvalue()))
    assert reports[0][0] == 1 and "altered" in reports[0][1]
    assert reports[1:] == [reports[0], reports[0]]
    with pytest.raises(CommandError, match="--jobs"):
        call_command("verify_audit", "--jobs", "0", stdout=io.StringIO(), stderr=io.StringIO())


def _snapshot() -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM governance_auditentry")
        return [column.name for column in cursor.description], cursor.fetchall()


def _restore(columns: list[str], rows: list[tuple]) -> None:
    """Put the trail back as it was (with the refusing triggers off, as ``raw`` does)."""
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE governance_auditentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM governance_auditentry")
        for row in rows:
            cursor.execute(f"INSERT INTO governance_auditentry ({names}) VALUES ({marks})", list(row))  # noqa: S608
        cursor.execute("ALTER TABLE governance_auditentry ENABLE TRIGGER USER")


@pytest.mark.skipif(not POSTGRES, reason="Child processes each connect to PostgreSQL; elsewhere segments run in turn.")
@pytest.mark.django_db(transaction=True)
def test_segments_in_child_processes_name_the_break_one_pass_names():
    write_entries(ENTRIES)
    assert audit_chain._can_fork("default")
    assert outcome(audit_chain.verify(workers=3)) == outcome(audit_chain.verify(workers=1))
    columns, rows = _snapshot()
    for tamper, workers in (
        (altered_in_the_middle_of_segment_two, 3),
        (first_entry_of_a_segment_replaced, 3),
        (link_between_segments_broken, 2),
        (entry_deleted_at_the_seam, 2),
        (backdated_at_a_segment_start, 3),
    ):
        pk, kind = tamper(segments(workers))
        serial = audit_chain.verify(workers=1)
        assert (serial.first_break.entry_id, serial.first_break.kind) == (pk, kind), tamper.__name__
        assert outcome(audit_chain.verify(workers=workers)) == outcome(serial), tamper.__name__
        _restore(columns, rows)
    assert audit_chain.verify(workers=3).ok
