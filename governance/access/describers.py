"""How the history reads the access decisions: one sentence per request or grant event."""

from __future__ import annotations

from governance.access.models import AccessGrant, AccessRequest, AccessRequestItem, RecertificationCampaign
from governance.core.history import HistoryRow, name_reads, noun_for
from governance.core.history_events import Event, describer
from governance.core.models import AuditEntry

R = AccessRequest.State
PERSON = ("first_name", "last_name", "username")  # what a person's name reads

noun_for(AccessRequest, "access request")
noun_for(AccessRequestItem, "requested data item")
noun_for(AccessGrant, "access grant")
# What their names read (each ``__str__``): a review decision names its grant, and a page shows hundreds.
name_reads(AccessGrant, "asset__name", *(f"holder__{f}" for f in PERSON))
name_reads(AccessRequest, "asset__name", *(f"requester__{f}" for f in PERSON))
name_reads(RecertificationCampaign, "review_campaign__period_start", *(f"iam__{f}" for f in PERSON))


def _request(row: HistoryRow) -> str:
    """'request 4 (Winter Fuel Payments for Dana Okafor)' from the name recorded with the entry."""
    number, _, rest = row.name.partition(": ")
    label = number[:1].lower() + number[1:] if number.startswith("Request") else f"request {row.entry.object_pk}"
    return f"{label} ({rest})" if rest else label


def _items(event: Event, granted: int | None) -> str:
    """'3 of 4 data items': the items granted out of those decided in the same action."""
    decided = {row.entry.object_pk for row in event.rows_of(AccessRequestItem) if row.changed("granted")}
    if granted is None:
        granted = sum(1 for row in event.rows_of(AccessRequestItem) if row.after("granted") == "Yes")
    noun = "data item" if (len(decided) or granted) == 1 else "data items"
    if decided and len(decided) >= granted:
        return f"{granted} of {len(decided)} {noun}"
    return f"{granted} {noun}"


@describer(AccessRequest)
def request_decided(event: Event) -> str | None:
    """Submitted, approved (by the IAM alone or with the Deputy SIRO), rejected, returned, withdrawn."""
    rows = event.rows_of(AccessRequest)
    moved = next((row for row in reversed(rows) if row.changed("state")), None)
    lead = moved or rows[0]
    grant = event.first(AccessGrant, AuditEntry.Action.CREATE)
    if grant is not None:
        holder = grant.after("holder")
        granted = len(grant.related.get("items", ("add", []))[1]) or None
        until = grant.after("ends_on")
        number = _request(lead).split(" (")[0]
        text = f"approved {number} for {holder}: {_items(event, granted)}"
        return f"{text}, until {until}" if until else text
    if moved is None:
        if any(row.after("iam_decision") == AccessRequest.Decision.APPROVE.label for row in rows):
            return f"approved {_request(lead)} as its IAM: {_items(event, None)}; it now waits for the Deputy SIRO"
        if lead.entry.action == AuditEntry.Action.CREATE:
            return f"started {_request(lead)}"
        return None
    verbs = {
        R.SUBMITTED.label: "submitted",
        R.REJECTED.label: "rejected",
        R.RETURNED.label: "returned {} for changes",
        R.WITHDRAWN.label: "withdrew",
        R.APPROVED.label: "approved",
    }
    verb = verbs.get(moved.after("state"))
    if verb is None:
        return None
    return verb.format(_request(lead)) if "{}" in verb else f"{verb} {_request(lead)}"


@describer(AccessGrant)
def grant_moved(event: Event) -> str | None:
    """A grant revoked, suspended, restored or expired."""
    row = next((r for r in event.rows_of(AccessGrant) if r.changed("state")), None)
    if row is None:
        return None
    number, _, rest = row.name.partition(": ")
    grant = f"{number[:1].lower()}{number[1:]} ({rest})" if rest else "an access grant"
    state = row.after("state")
    if state == AccessGrant.State.SUSPENDED.label:
        why = row.after("suspension")
        return f"suspended {grant}" + (f": {why[:1].lower()}{why[1:]}" if why else "")
    if state == AccessGrant.State.ACTIVE.label:
        return f"restored {grant}"
    if state == AccessGrant.State.REVOKED.label:
        return f"revoked {grant}"
    if state == AccessGrant.State.EXPIRED.label:
        return f"ended {grant}: it reached its end date"
    return None
