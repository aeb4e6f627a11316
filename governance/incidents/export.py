"""The incident log in the shape of the ICO's personal data breach report.

Columns follow the ICO's questions (what happened, when it was discovered, when the
organisation became aware, the people and data affected, the likely consequences, the
measures taken, whether people were told, and why any report came after 72 hours), so
whoever files the report copies the answers across. Rows are built from two queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import cast

from django.db.models import QuerySet
from django.utils import timezone

from governance.contracts.models import ResearchContract
from governance.incidents.models import IncidentAction, IncidentLink

COLUMNS = (
    "Reference",
    "Summary",
    "What happened",
    "Type of breach",
    "Business area",
    "When discovered",
    "When the organisation became aware",
    "Decision due by (72 hours)",
    "Personal data involved",
    "Special category data involved",
    "Data affected",
    "Approximate number of people affected",
    "Severity",
    "Risk to the people affected",
    "Likely consequences (risk assessment)",
    "Measures taken or proposed",
    "Reported to the ICO",
    "Reason for the ICO decision",
    "When decided",
    "Reason for reporting after 72 hours",
    "ICO case reference",
    "People affected told",
    "Reason for the decision on the people affected",
    "Status",
    "Lessons learned",
)


def _people(incident) -> int | str:
    """A number stays a number in the spreadsheet; a range is written as one ('100 to 500')."""
    if incident.people_affected is None:
        return ""
    if incident.people_affected_max is not None:
        return f"{incident.people_affected} to {incident.people_affected_max}"
    return incident.people_affected


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M %Z}" if value else ""


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def rows(queryset: QuerySet) -> Iterator[list]:
    incidents = list(queryset.select_related("business_area").order_by("aware_at", "pk"))
    ids = [incident.pk for incident in incidents]
    data: dict[int, list[str]] = defaultdict(list)
    for link in IncidentLink.objects.filter(incident_id__in=ids).select_related(
        "asset", "data_item__asset", "grant__asset", "contract"
    ):
        if link.asset is not None:
            data[link.incident_id].append(f"asset: {link.asset.name}")
        elif link.data_item is not None:
            data[link.incident_id].append(f"data item: {link.data_item.asset.name} / {link.data_item.name}")
        elif link.grant is not None:
            data[link.incident_id].append(f"grant {link.grant_id} on {link.grant.asset.name}")
        else:  # a link has exactly one target (a check constraint): here, a contract
            contract = cast(ResearchContract, link.contract)
            data[link.incident_id].append(f"contract: {contract.reference}")
    measures: dict[int, list[str]] = defaultdict(list)
    for action in IncidentAction.objects.filter(incident_id__in=ids).order_by("created_at", "pk"):
        text = f"{action.description} ({action.get_state_display().lower()}"
        text += f": {action.outcome})" if action.outcome else ")"
        measures[action.incident_id].append(text)
    for incident in incidents:
        yield [
            incident.reference,
            incident.title,
            incident.description,
            incident.get_kind_display(),
            incident.business_area.name if incident.business_area else "",
            _when(incident.found_at)
            if incident.found_time_known
            else f"{timezone.localtime(incident.found_at):%Y-%m-%d} (time not known)",
            _when(incident.aware_at),
            _when(incident.ico_deadline),
            _yes_no(incident.personal_data),
            _yes_no(incident.special_category),
            "; ".join(data[incident.pk]),
            _people(incident),
            incident.get_severity_display(),
            incident.get_risk_level_display(),
            incident.risk_assessment,
            "; ".join(measures[incident.pk]),
            {"report": "Yes", "not_report": "No"}.get(incident.ico_decision, "Not decided"),
            incident.ico_reason,
            _when(incident.ico_decided_at),
            incident.delay_reason,
            incident.ico_reference,
            {"tell": "Yes", "not_tell": "No"}.get(incident.subjects_decision, "Not decided"),
            incident.subjects_reason,
            incident.get_state_display(),
            incident.lessons,
        ]
