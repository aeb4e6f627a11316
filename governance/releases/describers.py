"""How the history reads a statistical release's events: signed off, released."""

from __future__ import annotations

from governance.core.history import noun_for
from governance.core.history_events import Event, describer
from governance.core.models import AuditEntry
from governance.releases.models import ReleaseSignOff, StatisticalRelease

noun_for(StatisticalRelease, "statistical release")
noun_for(ReleaseSignOff, "disclosure sign-off")


@describer(ReleaseSignOff)
def release_signed_off(event: Event) -> str | None:
    """'signed off the disclosure control of the release Benefit statistics'."""
    row = event.first(ReleaseSignOff, AuditEntry.Action.CREATE)
    if row is None:
        return None
    release = row.after("release") or "a release"
    return f"signed off the disclosure control of the release {release}"


@describer(StatisticalRelease)
def release_moved(event: Event) -> str | None:
    """A release planned, or published."""
    rows = event.rows_of(StatisticalRelease)
    if rows[0].entry.action == AuditEntry.Action.CREATE:
        return f"planned the release {rows[0].name}"
    row = next((r for r in reversed(rows) if r.changed("status")), None)
    if row is not None and row.after("status") == StatisticalRelease.Status.RELEASED.label:
        return f"published the release {row.name}"
    return None
