"""The handler's steps on an incident, as the GOV.UK task list shows them, each with its state.

Computed from the incident and its already loaded actions, with no query of its own, so
the incident's page costs the same however many grants or actions it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse

from governance.incidents.models import Incident, IncidentAction

COMPLETED, IN_PROGRESS, NOT_STARTED, CANNOT_START, OVERDUE = (
    "Completed",
    "In progress",
    "Not yet started",
    "Cannot start yet",
    "Overdue",
)
TAGS = {IN_PROGRESS: "govuk-tag--light-blue", NOT_STARTED: "govuk-tag--blue", OVERDUE: "govuk-tag--red"}


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    hint: str
    status: str
    href: str  # empty when the person cannot take the step now

    @property
    def tag(self) -> str:
        """The GOV.UK tag class of the status, or '' for the plain text of Completed and Cannot start yet."""
        return TAGS.get(self.status, "")


def steps_for(
    incident: Incident,
    actions: Sequence[IncidentAction],
    *,
    handles: bool,
    overdue: bool,
    links: int,
) -> list[Step]:
    """Triage, linking, the ICO decision, the people affected, actions and closure, in order."""
    pk = incident.pk
    triaged = incident.triaged_at is not None
    closed = incident.state == Incident.State.CLOSED
    open_actions = sum(1 for action in actions if action.state == IncidentAction.State.OPEN)

    def link(name: str) -> str:
        return reverse(f"incidents:{name}", args=[pk]) if handles and not closed else ""

    ico_status = COMPLETED if incident.ico_decision else (OVERDUE if overdue else NOT_STARTED)
    if not triaged and not incident.ico_decision:
        ico_status = OVERDUE if overdue else CANNOT_START
    subjects_status = COMPLETED if incident.subjects_decision else (NOT_STARTED if triaged else CANNOT_START)
    actions_status = (IN_PROGRESS if open_actions else COMPLETED) if actions else NOT_STARTED
    ready_to_close = bool(incident.ico_decision and incident.subjects_decision and not open_actions)
    close_status = COMPLETED if closed else (NOT_STARTED if ready_to_close else CANNOT_START)
    return [
        Step(
            "triage",
            "Triage the incident",
            "Severity, the risk to the people affected and who handles it.",
            COMPLETED if triaged else NOT_STARTED,
            link("triage"),
        ),
        Step(
            "link",
            "Link the grants and contracts involved",
            "Chosen from the lists of the assets it touches.",
            COMPLETED if links else NOT_STARTED,
            link("link"),
        ),
        Step(
            "ico",
            "Decide whether to report it to the ICO",
            "Within 72 hours of the department becoming aware.",
            ico_status,
            link("ico") if triaged and not incident.ico_decision else "",
        ),
        Step(
            "subjects",
            "Decide whether to tell the people affected",
            "Needed without undue delay when the risk to them is high.",
            subjects_status,
            link("subjects") if triaged else "",
        ),
        Step(
            "actions",
            "Contain it and follow up",
            "Actions with owners and dates; suspend access or review an asset from this page.",
            actions_status,
            link("action-create"),
        ),
        Step(
            "close",
            "Close the incident",
            "Once the decisions are made, every action is done and the lessons are recorded.",
            close_status,
            link("close") if ready_to_close else "",
        ),
    ]
