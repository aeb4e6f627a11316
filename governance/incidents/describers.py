"""How the history reads an incident's events: reported, taken on, records linked, closed."""

from __future__ import annotations

from governance.core.history import name_reads, noun_for
from governance.core.history_events import Event, describer
from governance.core.models import AuditEntry
from governance.incidents.models import Incident, IncidentAction, IncidentLink

noun_for(Incident, "incident")
noun_for(IncidentLink, "record touched")
noun_for(IncidentAction, "containment action")
# Its reference is its number: the name reads the title alone, not the seven people an incident names.
name_reads(Incident, "title")


@describer(Incident)
def incident_moved(event: Event) -> str | None:
    """'reported the incident INC-2026-004: Laptop left on a train', then each move of its state."""
    rows = event.rows_of(Incident)
    first = rows[0]
    if first.entry.action == AuditEntry.Action.CREATE:
        return f"reported the incident {first.name}"
    row = next((r for r in reversed(rows) if r.changed("state")), None)
    if row is None:
        return None
    state = row.after("state")
    if state == Incident.State.TRIAGED.label:
        return f"took on the incident {row.name}"
    if state == Incident.State.CLOSED.label:
        return f"closed the incident {row.name}"
    if state == Incident.State.REPORTED.label:
        return f"reopened the incident {row.name}"
    return None


@describer(IncidentLink)
def records_linked(event: Event) -> str | None:
    """'named 2 records touched by the incident INC-2026-004'."""
    added = {r.entry.object_pk for r in event.rows_of(IncidentLink) if r.entry.action == AuditEntry.Action.CREATE}
    if not added:
        return None
    incident = next((r.after("incident") for r in event.rows_of(IncidentLink) if r.after("incident")), "an incident")
    count = len(added)
    return f"named {count} record{'s' if count != 1 else ''} touched by the incident {incident}"
