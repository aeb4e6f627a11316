"""How the history reads the privacy records' events: processing activities and sharing agreements."""

from __future__ import annotations

from governance.core.history import name_reads, noun_for
from governance.core.history_events import Event, describer
from governance.core.models import AuditEntry
from governance.privacy.models import ProcessingActivity, SharingAgreement

noun_for(ProcessingActivity, "processing activity")
noun_for(SharingAgreement, "sharing agreement")
# Named by their own columns: the changes that name them need none of their relations.
name_reads(ProcessingActivity, "name")
name_reads(SharingAgreement, "reference", "title")


@describer(ProcessingActivity)
def activity_recorded(event: Event) -> str | None:
    """'recorded the processing activity Paying Universal Credit', 'reviewed the processing activity …'."""
    rows = event.rows_of(ProcessingActivity)
    first = rows[0]
    if first.entry.action == AuditEntry.Action.CREATE:
        return f"recorded the processing activity {first.name}"
    if any(row.changed("last_reviewed_on") for row in rows):
        return f"reviewed the processing activity {first.name}"
    return None


@describer(SharingAgreement)
def agreement_moved(event: Event) -> str | None:
    """'drafted the sharing agreement DSA-0001: …', then 'approved …' and 'ended …'."""
    rows = event.rows_of(SharingAgreement)
    first = rows[0]
    if first.entry.action == AuditEntry.Action.CREATE:
        return f"drafted the sharing agreement {first.name}"
    row = next((r for r in reversed(rows) if r.changed("status")), None)
    if row is None:
        return None
    state = row.after("status")
    if state == SharingAgreement.Status.ACTIVE.label:
        return f"approved the sharing agreement {row.name}"
    if state == SharingAgreement.Status.ENDED.label:
        return f"ended the sharing agreement {row.name}"
    return None
