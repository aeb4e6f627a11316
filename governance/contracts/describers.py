"""How the history reads a research contract's events: each move through its states."""

from __future__ import annotations

from governance.contracts.models import ExternalOrganisation, LegalGateway, ResearchContract
from governance.core.history import name_reads, noun_for
from governance.core.history_events import Event, describer
from governance.core.models import AuditEntry

noun_for(ResearchContract, "research contract")
# Named by their own columns: the changes that name them need none of their relations.
name_reads(ResearchContract, "reference", "title")
name_reads(ExternalOrganisation, "name")
name_reads(LegalGateway, "name")

_MOVES = {
    ResearchContract.Status.UNDER_ASSURANCE: "sent the research contract {} for security assurance",
    ResearchContract.Status.APPROVED: "approved the research contract {}",
    ResearchContract.Status.DATA_RELEASED: "released the data of the research contract {}",
    ResearchContract.Status.RETENTION_ENDED: "recorded that the retention period of the research contract {} ended",
    ResearchContract.Status.DESTRUCTION_CERTIFIED: "certified the destruction of the data of the research contract {}",
    ResearchContract.Status.CLOSED: "closed the research contract {}",
    ResearchContract.Status.DRAFT: "returned the research contract {} to draft",
}


@describer(ResearchContract)
def contract_moved(event: Event) -> str | None:
    """'approved the research contract DWP-RES-2026-014: ...', or the contract's drafting."""
    rows = event.rows_of(ResearchContract)
    if rows[0].entry.action == AuditEntry.Action.CREATE:
        return f"drafted the research contract {rows[0].name}"
    row = next((r for r in reversed(rows) if r.changed("status")), None)
    if row is None:
        return None
    labels = {str(status.label): status for status in ResearchContract.Status}
    status = labels.get(row.after("status"))
    return _MOVES[status].format(row.name) if status is not None else None
