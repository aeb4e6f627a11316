"""Reporting, triaging, deciding and closing incidents.

Each function checks the caller against ``policy``, validates, writes in one
transaction and names the incident as the reason on every audit entry it writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.access.policy import can_view_grant
from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.policy import can_view as can_view_contract
from governance.core import offices
from governance.core.audit_hashing import reason as audit_reason
from governance.core.models import BusinessArea, User
from governance.core.notifications import notify
from governance.core.permissions import is_system, refuse_unless
from governance.core.plurals import datetime_text
from governance.incidents.clock import is_late
from governance.incidents.models import Incident, IncidentAction, IncidentLink
from governance.incidents.policy import can_handle, can_report, can_update_action
from governance.register.models import DataItem, InformationAsset

Risk, State = Incident.Risk, Incident.State


def audit_reason_for(incident: Incident, what: str) -> str:
    """The reason every audit entry of an incident's change carries: the incident, named."""
    return f"Incident {incident.reference} ({incident.title}): {what}"


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("business_area").get(pk=incident.pk)


TRIAGE_FIRST = "Triage the incident first: the decision rests on its risk assessment."
HANDLE_REFUSAL = "Only the incident's handler, its Deputy SIRO, an incident handler or the SIRO can do this."


# --- reporting ----------------------------------------------------------------------------


def _filed_under(by: User, assets: list[InformationAsset]) -> BusinessArea | None:
    return assets[0].business_area if assets else by.business_area


def report_errors(*, personal_data: bool | None, special_category: bool | None) -> dict[str, str]:
    """The report's cross-field rule: special category data is personal data.

    Checked when the report is written and, through the report form, with its own
    fields, so a reporter who also left a question blank is told both at once.
    """
    if special_category and personal_data is False:
        return {"special_category": "Special category data is personal data: say personal data is involved too"}
    return {}


@transaction.atomic
def report_incident(
    *,
    by: User,
    title: str,
    description: str,
    kind: str,
    found_at: datetime.datetime,
    personal_data: bool,
    special_category: bool = False,
    people_affected: int | None = None,
    people_affected_max: int | None = None,
    found_time_known: bool = True,
    assets: Iterable[InformationAsset] = (),
    data_items: Iterable[DataItem] = (),
    grants: Iterable[AccessGrant] = (),
    contracts: Iterable[ResearchContract] = (),
) -> Incident:
    """Record a new incident; the department is aware from now, so the 72-hour clock starts now.

    The IAMs of the assets it touches and the Deputy SIROs of their areas are told at once.
    Data items, grants and contracts bring their assets with them, so the right people see it.
    The report form names assets only; the service still takes the rest for imports and tests.
    ``found_time_known`` False records that the reporter gave the day only. ``people_affected``
    is an estimate, or with ``people_affected_max`` a range.
    """
    refuse_unless(can_report(by), "Sign in as an active member of staff to report an incident.")
    now = timezone.now()
    errors = {}
    if not title.strip():
        errors["title"] = "Give a short summary of what happened"
    if not description.strip():
        errors["description"] = "Describe what happened"
    if kind not in Incident.Kind.values:
        errors["kind"] = "Choose the type of incident"
    if found_at > now:
        errors["found_at"] = "The time it was found must be in the past"
    errors.update(report_errors(personal_data=personal_data, special_category=special_category))
    if people_affected_max is not None and (people_affected is None or people_affected_max <= people_affected):
        errors["people_affected"] = "Enter the smaller number of the range first, for example 100 to 500"
    if errors:
        raise ValidationError(errors)
    data_items, grants, contracts = list(data_items), list(grants), list(contracts)
    refuse_unless(
        is_system(by) or all(can_view_grant(by, grant) for grant in grants),
        "You can name only access grants you can see.",
    )
    refuse_unless(
        is_system(by) or all(can_view_contract(by, contract) for contract in contracts),
        "You can name only research contracts you can see.",
    )
    all_assets: dict[int, InformationAsset] = {a.pk: a for a in assets}
    for source in (*(item.asset for item in data_items), *(grant.asset for grant in grants)):
        all_assets.setdefault(source.pk, source)
    for contract_asset in ContractAsset.objects.filter(contract__in=contracts).select_related("asset"):
        all_assets.setdefault(contract_asset.asset_id, contract_asset.asset)
    ordered = sorted(all_assets.values(), key=lambda a: (a.name, a.pk))
    incident = Incident(
        title=title.strip(),
        description=description.strip(),
        kind=kind,
        reported_by=by,
        reported_at=now,
        found_at=found_at,
        found_time_known=found_time_known,
        aware_at=now,
        business_area=_filed_under(by, ordered),
        personal_data=personal_data,
        special_category=special_category,
        people_affected=people_affected,
        people_affected_max=people_affected_max,
    )
    with audit_reason(f"Incident reported: {incident.title}"):
        incident.save()
    with audit_reason(audit_reason_for(incident, "reported")):
        for asset in ordered:
            IncidentLink.objects.create(incident=incident, asset=asset, added_by=by)
        for item in data_items:
            IncidentLink.objects.create(incident=incident, data_item=item, added_by=by)
        for grant in grants:
            IncidentLink.objects.create(incident=incident, grant=grant, added_by=by)
        for contract in contracts:
            IncidentLink.objects.create(incident=incident, contract=contract, added_by=by)
    _tell_on_report(incident)
    return incident


def siro_now() -> User | None:
    return offices.siro()


def first_responders(incident: Incident) -> list[User]:
    """Who is told of a new incident: the assets' IAMs and the Deputy SIROs of their areas (the SIRO if none)."""
    assets = list(
        InformationAsset.objects.filter(incident_links__incident=incident).select_related(
            "manager", "business_area__deputy_siro"
        )
    )
    people: dict[int, User] = {}
    deputies = [a.business_area.deputy_siro for a in assets]
    if incident.business_area_id:
        area = BusinessArea.objects.select_related("deputy_siro").get(pk=incident.business_area_id)
        deputies.append(area.deputy_siro)
    for person in [*(a.manager for a in assets), *deputies]:
        if person is not None and person.is_active:
            people.setdefault(person.pk, person)
    if not any(d is not None and d.is_active for d in deputies):
        for person in offices.siro_recipients():  # the SIRO, or its stand-ins while the office is vacant
            people.setdefault(person.pk, person)
    people.pop(incident.reported_by_id, None)
    return list(people.values())


def _tell_on_report(incident: Incident) -> None:
    for person in first_responders(incident):
        notify(
            person,
            key=f"incident-reported:{incident.pk}:{person.pk}",
            subject=f"Incident reported: {incident.reference}, decide on reporting by "
            f"{datetime_text(incident.ico_deadline)}",
            template="emails/incident_reported.txt",
            context={"incident": incident},
        )


# --- handling -----------------------------------------------------------------------------


@transaction.atomic
def triage(
    incident: Incident,
    *,
    by: User,
    severity: str,
    risk_level: str,
    risk_assessment: str,
    handler: User | None = None,
) -> Incident:
    """Record severity and the risk to the people affected; optionally name the handler."""
    incident = _lock(incident)
    refuse_unless(can_handle(by, incident), HANDLE_REFUSAL)
    errors = {}
    if severity not in Incident.Severity.values:
        errors["severity"] = "Choose the severity"
    if risk_level not in Risk.values:
        errors["risk_level"] = "Choose the risk to the people affected"
    if not risk_assessment.strip():
        errors["risk_assessment"] = "Describe the risk to the people affected and how likely and severe it is"
    if handler is not None and not handler.is_active:
        errors["handler"] = "Choose an active member of staff"
    if errors:
        raise ValidationError(errors)
    new_handler = handler is not None and handler.pk != incident.handler_id
    incident.severity, incident.risk_level, incident.risk_assessment = severity, risk_level, risk_assessment.strip()
    if handler is not None:
        incident.handler = handler
    if incident.state == State.REPORTED:
        incident.state, incident.triaged_at, incident.triaged_by = State.TRIAGED, timezone.now(), by
    with audit_reason(audit_reason_for(incident, "triaged")):
        incident.save()
    if new_handler and handler is not None and handler.pk != by.pk:
        notify(
            handler,
            key=f"incident-handler:{incident.pk}:{handler.pk}",
            subject=f"You are handling incident {incident.reference}",
            template="emails/incident_reported.txt",
            context={"incident": incident, "handling": True},
        )
    return incident


def action_date_errors(due_on: datetime.date | None, *, state: str = IncidentAction.State.OPEN) -> dict[str, str]:
    """An open action is due today or later: a date already past is a typing slip, not a plan.

    Checked on writing and with the action form's own fields.
    """
    if due_on is not None and due_on < timezone.localdate() and state == IncidentAction.State.OPEN:
        return {"due_on": "The date the action is due must be today or later"}
    return {}


@transaction.atomic
def add_action(
    incident: Incident,
    *,
    by: User,
    description: str,
    owner: User,
    due_on: datetime.date | None = None,
    kind: str = IncidentAction.Kind.CONTAINMENT,
    state: str = IncidentAction.State.OPEN,
    outcome: str = "",
    **target,
) -> IncidentAction:
    """A containment or follow-up action, with its owner and date."""
    incident = _lock(incident)
    refuse_unless(can_handle(by, incident), HANDLE_REFUSAL)
    errors = {}
    if not description.strip():
        errors["description"] = "Describe the action"
    if owner is None or not owner.is_active:
        errors["owner"] = "Choose who owns the action"
    errors.update(action_date_errors(due_on, state=state))
    if errors:
        raise ValidationError(errors)
    action = _create_action(
        incident,
        by=by,
        kind=kind,
        description=description,
        owner=owner,
        due_on=due_on,
        state=state,
        outcome=outcome,
        **target,
    )
    if owner.pk != by.pk:
        notify(
            owner,
            key=f"incident-action:{action.pk}:{owner.pk}",
            subject=f"An action for you on incident {incident.reference}",
            template="emails/incident_action.txt",
            context={"incident": incident, "action": action},
        )
    return action


@transaction.atomic
def _record_taken_action(
    incident: Incident, *, by: User, kind: str, description: str, outcome: str, **target
) -> IncidentAction:
    """Put on the incident's log a done action taken outside it, under another domain's rule.

    An IAM restoring access an incident suspended does so from the grant's page, under the
    access domain's rule, already checked there: the restoring belongs on the incident's log
    all the same, so this records it without asking whether the person handles the incident.
    Not for anything the incident's own handlers decide: that is ``add_action``.
    """
    incident = _lock(incident)
    return _create_action(
        incident,
        by=by,
        kind=kind,
        description=description,
        owner=by,
        state=IncidentAction.State.DONE,
        outcome=outcome,
        **target,
    )


def _create_action(
    incident: Incident,
    *,
    by: User,
    kind: str,
    description: str,
    owner: User,
    state: str,
    outcome: str,
    due_on: datetime.date | None = None,
    **target,
) -> IncidentAction:
    done = state != IncidentAction.State.OPEN
    with audit_reason(audit_reason_for(incident, "action recorded")):
        return IncidentAction.objects.create(
            incident=incident,
            kind=kind,
            description=description.strip(),
            owner=owner,
            due_on=due_on,
            state=state,
            outcome=outcome.strip(),
            created_by=by,
            completed_at=timezone.now() if done else None,
            **target,
        )


@transaction.atomic
def update_action(action: IncidentAction, *, by: User, state: str, outcome: str) -> IncidentAction:
    """The owner or a handler records where an action stands; finishing one needs its outcome."""
    action = IncidentAction.objects.select_for_update(of=("self",)).select_related("incident").get(pk=action.pk)
    refuse_unless(can_update_action(by, action), "Only the action's owner or the incident's handlers can update it.")
    if state not in IncidentAction.State.values:
        raise ValidationError({"state": "Choose where the action stands"})
    if state != IncidentAction.State.OPEN and not outcome.strip():
        raise ValidationError({"outcome": "Say what was done, or why it was not needed"})
    action.state, action.outcome = state, outcome.strip()
    action.completed_at = None if state == IncidentAction.State.OPEN else (action.completed_at or timezone.now())
    with audit_reason(audit_reason_for(action.incident, "action updated")):
        action.save()
    return action


def ico_decision_errors(
    incident: Incident, *, decision: str | None, delay_reason: str | None, now: datetime.datetime | None = None
) -> dict[str, str]:
    """The rules of the ICO decision that rest on the incident: the state, the risk and the 72 hours.

    Checked when the decision is written and, through the decision form, with its own
    fields, so a handler who also left the reason blank is told everything at once.
    State problems come back under ``__all__``.
    """
    if incident.ico_decision:
        return {"__all__": "The ICO decision has already been recorded."}
    if incident.state != State.TRIAGED:
        return {"__all__": TRIAGE_FIRST}
    errors = {}
    if decision == Incident.IcoDecision.NOT_REPORT and incident.personal_data and incident.risk_level != Risk.UNLIKELY:
        errors["decision"] = (
            "A personal data breach that is likely to result in a risk to people must be reported to the ICO"
        )
    if is_late(incident, now or timezone.now()) and not (delay_reason or "").strip():
        errors["delay_reason"] = "The 72 hours have passed: give the reason for the delay"
    return errors


@transaction.atomic
def decide_ico(
    incident: Incident, *, by: User, decision: str, reason: str, reference: str = "", delay_reason: str = ""
) -> Incident:
    """Article 33: report to the ICO unless the breach is unlikely to result in a risk to people.

    A decision after the 72 hours needs the reason for the delay. The decision is final:
    the record of what was decided, when and by whom is the evidence.
    """
    incident = _lock(incident)
    refuse_unless(can_handle(by, incident), HANDLE_REFUSAL)
    now = timezone.now()
    errors = ico_decision_errors(incident, decision=decision, delay_reason=delay_reason, now=now)
    if "__all__" in errors:
        raise ValidationError(errors["__all__"])
    if decision not in Incident.IcoDecision.values:
        errors["decision"] = "Choose whether to report to the ICO"
    if not reason.strip():
        errors["reason"] = "Give the reason for the decision"
    if errors:
        raise ValidationError(errors)
    incident.ico_decision, incident.ico_reason = decision, reason.strip()
    incident.ico_reference = reference.strip() if decision == Incident.IcoDecision.REPORT else ""
    incident.delay_reason = delay_reason.strip() if is_late(incident, now) else ""
    incident.ico_decided_at, incident.ico_decided_by = now, by
    with audit_reason(audit_reason_for(incident, "ICO decision recorded")):
        incident.save()
    return incident


def subjects_decision_errors(incident: Incident) -> dict[str, str]:
    """The decision on telling the people affected rests on the triage; checked with the form's fields too."""
    if incident.state != State.TRIAGED:
        return {"__all__": TRIAGE_FIRST}
    return {}


@transaction.atomic
def decide_subjects(incident: Incident, *, by: User, decision: str, reason: str) -> Incident:
    """Article 34: tell the people affected when the risk to them is high, with the reason either way."""
    incident = _lock(incident)
    refuse_unless(can_handle(by, incident), HANDLE_REFUSAL)
    errors = subjects_decision_errors(incident)
    if errors:
        raise ValidationError(errors["__all__"])
    if decision not in Incident.SubjectsDecision.values:
        errors["decision"] = "Choose whether to tell the people affected"
    if not reason.strip():
        errors["reason"] = "Give the reason for the decision"
    if errors:
        raise ValidationError(errors)
    incident.subjects_decision, incident.subjects_reason = decision, reason.strip()
    incident.subjects_decided_at, incident.subjects_decided_by = timezone.now(), by
    with audit_reason(audit_reason_for(incident, "decision on the people affected recorded")):
        incident.save()
    return incident


def close_problems(incident: Incident) -> list[str]:
    """What still stands in the way of closing: the decisions to make and the actions still open.

    Checked when the incident is closed and, through the closing form, with the lessons
    learned, so a handler sees everything left to do on the first submit.
    """
    problems = []
    if incident.state != State.TRIAGED:
        problems.append("Triage the incident first")
    if not incident.ico_decision:
        problems.append("Record the decision on reporting to the ICO")
    if incident.personal_data and not incident.subjects_decision:
        problems.append("Record the decision on telling the people affected")
    still_open = list(incident.actions.filter(state=IncidentAction.State.OPEN).values_list("description", flat=True))
    problems += [f"Action still open: {text[:80]}" for text in still_open]
    return problems


@transaction.atomic
def close(incident: Incident, *, by: User, lessons: str) -> Incident:
    """Close with the lessons learned, once every decision is made and every action has its state."""
    incident = _lock(incident)
    refuse_unless(can_handle(by, incident), HANDLE_REFUSAL)
    problems = close_problems(incident)
    if not lessons.strip():
        raise ValidationError({"lessons": "Record the lessons learned", **({"__all__": problems} if problems else {})})
    if problems:
        raise ValidationError(problems)
    incident.lessons, incident.state = lessons.strip(), State.CLOSED
    incident.closed_at, incident.closed_by = timezone.now(), by
    with audit_reason(audit_reason_for(incident, "closed")):
        incident.save()
    return incident
