"""Linked actions: what an incident sets in motion in the access and contracts domains.

Each goes through that domain's own service (which checks its own rule too), names the
incident as the reason in the audit trail, and is recorded on the incident as an action,
so closing the incident asks for its state.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone

from governance.access import grants as grant_service
from governance.access import recertification
from governance.access import requests as access
from governance.access.models import AccessGrant
from governance.access.policy import can_act_for_incident
from governance.access.selectors import visible_grants
from governance.contracts import records as contracts
from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.selectors import visible_contracts
from governance.core.audit_hashing import reason as audit_reason
from governance.core.compiled import CompiledQuery, concrete_attnames, from_row
from governance.core.expressions import AmongIds
from governance.core.models import User
from governance.core.permissions import is_system, refuse_unless
from governance.core.plurals import datetime_text, plural
from governance.incidents import records, touched
from governance.incidents.models import Incident, IncidentAction, IncidentLink
from governance.incidents.policy import can_handle
from governance.incidents.records import HANDLE_REFUSAL, add_action, audit_reason_for
from governance.register.models import InformationAsset

Kind = IncidentAction.Kind


def linked_assets(incident: Incident):
    return InformationAsset.objects.filter(incident_links__incident=incident).order_by("name", "pk")


def linked_contracts(incident: Incident):
    return ResearchContract.objects.filter(incident_links__incident=incident).order_by("reference", "pk")


_ACTION = concrete_attnames(IncidentAction)
_OWNER = concrete_attnames(User)


def _actions(*, incident: int):
    owner = [f"owner__{name}" for name in _OWNER]
    actions = IncidentAction.objects.filter(incident_id=incident).order_by("created_at", "pk")
    return actions.values_list(*_ACTION, *owner)


_ACTIONS = CompiledQuery(_actions, incident=int)


def actions_of(incident: Incident) -> list[IncidentAction]:
    """The incident's actions, oldest first (``Meta.ordering``, without its join to the incident), with
    their owners: the page names the owner of each and reads its grant, asset or contract by id alone.

    What ``select_related("owner")`` loads, from a statement built once (``CompiledQuery``)."""
    actions = []
    for row in _ACTIONS.rows(incident=incident.pk):
        action = from_row(IncidentAction, _ACTION, row[: len(_ACTION)])
        action.owner = from_row(User, _OWNER, row[len(_ACTION) :])
        actions.append(action)
    return actions


def grants_in_scope(incident: Incident, links: Iterable[IncidentLink] | None = None):
    """Grants the incident involves: those named in it and every grant on the assets it touches.

    ``links`` are the incident's links when the caller has loaded them already (with their grants,
    or they are read again). The grants' and assets' ids are listed, not given as subqueries: with
    subqueries PostgreSQL walked every asset by name and every grant on it (100 ms at 100,000
    grants); with the ids it reads the few grants through two indexes.

    The grants are also narrowed to the assets they can be on (the linked assets and the named
    grants' own), which changes nothing they are but tells PostgreSQL how few they are: without
    it, asked for the first 50 in asset-name order, it walked the assets by name (5,000 of them)
    hoping to meet them early, 100 ms when one of them holds hundreds of grants.
    """
    return _grants_among(*_scope(incident, links))


def _scope(incident: Incident, links: Iterable[IncidentLink] | None) -> tuple[list[int], list[int], list[int]]:
    """The grants the incident names, the assets it links, and every asset its grants can be on."""
    scope: list[tuple[int | None, int | None, int | None]]
    loaded = links is not None and all(not link.grant_id or IncidentLink.grant.is_cached(link) for link in links)
    if links is None or not loaded:
        scope = list(
            IncidentLink.objects.filter(incident=incident).values_list("grant_id", "grant__asset_id", "asset_id")
        )
    else:
        scope = [(link.grant_id, link.grant.asset_id if link.grant else None, link.asset_id) for link in links]
    named = sorted({grant for grant, _, _ in scope if grant is not None})
    on_assets = sorted({asset for _, _, asset in scope if asset is not None})
    assets = sorted({asset for _, grant_asset, link_asset in scope for asset in (grant_asset, link_asset) if asset})
    return named, on_assets, assets


def _grants_among(named: list[int], on_assets: list[int], assets: list[int]):
    """The grants ``named`` or on ``on_assets``, on ``assets`` (``grants_in_scope``), each list sent as one
    array on PostgreSQL (``AmongIds``), so the statement is the same however many there are."""
    return (
        AccessGrant.objects.filter(AmongIds("pk", named) | AmongIds("asset_id", on_assets))
        .filter(AmongIds("asset_id", assets))
        .select_related("holder", "asset")
        .order_by("asset__name", "holder__last_name", "pk")
    )


def live_grants(incident: Incident, links: Iterable[IncidentLink] | None = None):
    """The incident's grants still active or suspended, each marked ``restorable_here`` or not.

    A grant is restorable here when it is suspended for an incident and this incident made
    its latest suspension. One suspended under another incident is that incident's to
    restore: lifting it here would end a containment its handlers rely on.
    """
    return _live(grants_in_scope(incident, links), incident.pk)


def _live(grants, incident: int):
    last_suspended_by = (
        IncidentAction.objects.filter(grant=OuterRef("pk"), kind=Kind.SUSPEND_GRANT).order_by("-pk").values("incident")
    )
    suspended_here = Q(
        state=AccessGrant.State.SUSPENDED,
        suspension=AccessGrant.Suspension.INCIDENT,
        last_suspended_by=incident,
    )
    return (
        grants.filter(state__in=[AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED])
        .annotate(last_suspended_by=Subquery(last_suspended_by[:1]))
        .annotate(restorable_here=ExpressionWrapper(suspended_here, output_field=BooleanField()))
    )


# What the incident's page shows of each live grant (``incident_tags.linked_grant_rows``), in column order.
_GRANT = ("id", "state", "suspension", "holder_id", "asset_id")
_HOLDER = ("id", "first_name", "last_name", "username")
_ASSET = ("id", "name")


def _shown(limit: int, *, named: list, on_assets: list, assets: list, incident: int):
    columns = [*_GRANT, *(f"holder__{f}" for f in _HOLDER), *(f"asset__{f}" for f in _ASSET), "restorable_here"]
    return _live(_grants_among(named, on_assets, assets), incident).values_list(*columns)[:limit]


_SHOWN = CompiledQuery(_shown, named=list, on_assets=list, assets=list, incident=int)


def live_grants_shown(incident: Incident, links: Iterable[IncidentLink], limit: int) -> list[AccessGrant]:
    """The first ``limit`` of ``live_grants``, for the incident's page: built once (``CompiledQuery``), and
    each grant made of the columns its row shows, with its holder's name and its asset's, as ``touched``
    makes the links' records: only those may be asked of them."""
    named, on_assets, assets = _scope(incident, links)
    rows = _SHOWN.rows(limit, named=named, on_assets=on_assets, assets=assets, incident=incident.pk)
    grants = []
    for row in rows:
        values, at = touched.take(row, 0, _GRANT)
        holder, at = touched.take(row, at, _HOLDER)
        asset, at = touched.take(row, at, _ASSET)
        grant = touched.record(AccessGrant, _GRANT, values)
        touched.attach(grant, "holder", touched.record(User, _HOLDER, holder))
        touched.attach(grant, "asset", touched.record(InformationAsset, _ASSET, asset))
        grant.restorable_here = row[at]  # type: ignore[attr-defined]  # the queryset's annotation
        grants.append(grant)
    return grants


def restorable_grants(incident: Incident):
    """The grants this incident suspended that are still suspended for it."""
    return live_grants(incident).filter(restorable_here=True)


def _check(incident: Incident, by: User) -> Incident:
    incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
    if not can_handle(by, incident):
        raise PermissionDenied(HANDLE_REFUSAL)
    return incident


def grants_to_link(incident: Incident, user: User):
    """Live and suspended grants on the incident's assets that ``user`` may see, for the handler to link."""
    on_assets = IncidentLink.objects.filter(incident=incident, asset__isnull=False).values("asset")
    return (
        visible_grants(user)
        .filter(asset__in=on_assets, state__in=[AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED])
        .select_related("holder", "asset")
        .order_by("asset__name", "holder__last_name", "holder__first_name", "pk")
    )


def contracts_to_link(incident: Incident, user: User):
    """Research contracts provided data from the incident's assets that ``user`` may see."""
    on_assets = IncidentLink.objects.filter(incident=incident, asset__isnull=False).values("asset")
    provided = ContractAsset.objects.filter(asset__in=on_assets).values("contract")
    return visible_contracts(user).filter(pk__in=provided).order_by("reference", "pk")


@transaction.atomic
def link_records(
    incident: Incident,
    *,
    by: User,
    grants: Iterable[AccessGrant] = (),
    contracts: Iterable[ResearchContract] = (),
) -> list[IncidentLink]:
    """Record the grants and contracts the incident involves, chosen by its handler during triage.

    Reporters describe what happened in their own words; the handler, who may see the
    asset's grants and contracts, names them here. Only records from the asset's own lists
    (``grants_to_link``, ``contracts_to_link``) may be linked; one already linked is left as it is.
    """
    incident = _check(incident, by)
    grants, contracts = list(grants), list(contracts)
    allowed_grants = set(
        grants_to_link(incident, by).filter(pk__in=[g.pk for g in grants]).values_list("pk", flat=True)
    )
    allowed_contracts = set(
        contracts_to_link(incident, by).filter(pk__in=[c.pk for c in contracts]).values_list("pk", flat=True)
    )
    errors = {}
    if any(g.pk not in allowed_grants for g in grants):
        errors["grants"] = "Select only grants on the assets this incident touches"
    if any(c.pk not in allowed_contracts for c in contracts):
        errors["contracts"] = "Select only contracts provided data from the assets this incident touches"
    if not grants and not contracts:
        errors["grants"] = "Select at least one grant or contract to link"
    if errors:
        raise ValidationError(errors)
    linked_already = IncidentLink.objects.filter(incident=incident)
    have_grants = set(linked_already.filter(grant__isnull=False).values_list("grant", flat=True))
    have_contracts = set(linked_already.filter(contract__isnull=False).values_list("contract", flat=True))
    made = []
    with audit_reason(audit_reason_for(incident, "grants and contracts linked during triage")):
        for grant in grants:
            if grant.pk not in have_grants:
                made.append(IncidentLink.objects.create(incident=incident, grant=grant, added_by=by))
        for contract in contracts:
            if contract.pk not in have_contracts:
                made.append(IncidentLink.objects.create(incident=incident, contract=contract, added_by=by))
    return made


@transaction.atomic
def suspend_grant(incident: Incident, grant: AccessGrant, *, by: User, reason: str) -> IncidentAction:
    """Suspend a grant the incident involves, for the reason its handler gives after confirming.

    Suspension stops the holder's access at once and emails them, so the page asks for
    confirmation and a reason first; the reason goes on the audit trail and the incident's log.
    """
    incident = _check(incident, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are suspending this access"})
    if not grants_in_scope(incident).filter(pk=grant.pk).exists():
        raise ValidationError("That grant is not involved in this incident.")
    why = audit_reason_for(incident, f"access of {grant.holder} to {grant.asset} suspended: {reason}")
    grant_service.suspend_for_incident(grant, by=by, reason=why)
    with audit_reason(why):
        IncidentLink.objects.get_or_create(incident=incident, grant=grant, defaults={"added_by": by})
    return _done_on_grant(incident, grant, by=by, kind=Kind.SUSPEND_GRANT, outcome=f"Suspended on {_now()}: {reason}")


@transaction.atomic
def restore_grant(incident: Incident, grant: AccessGrant, *, by: User, reason: str) -> IncidentAction:
    """Lift a suspension this incident made, once it is contained, and record it on the incident.

    The access domain checks its own rule (never the holder; the grant still within its
    dates) and keeps the grant suspended, for training, if the holder's data-protection
    training lapsed meanwhile. The incident's log then shows the suspension and its end.
    """
    incident = _check(incident, by)
    if not restorable_grants(incident).filter(pk=grant.pk).exists():
        raise ValidationError("That grant is not suspended for this incident.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for restoring access"})
    # The access domain restores it; its event puts the restoring on this incident's log.
    grant_service.restore_after_incident(grant, by=by, reason=f"{reason} (incident {incident.reference})")
    return IncidentAction.objects.filter(incident=incident, grant=grant, kind=Kind.RESTORE_GRANT).latest("pk")


def suspending_incident(grant: AccessGrant) -> Incident | None:
    """The incident whose suspension of the grant came last, if one did."""
    last = (
        IncidentAction.objects.filter(grant=grant, kind=Kind.SUSPEND_GRANT)
        .select_related("incident")
        .order_by("-pk")
        .first()
    )
    return last.incident if last else None


def record_lifted_suspension(grant: AccessGrant, *, by: User, reason: str, restored: bool) -> IncidentAction | None:
    """Put a lifted incident suspension on the log of the open incident that made it.

    Runs on the access domain's ``incident_suspension_lifted`` event, however the access
    came back: from the incident's page, or from the grant's, where the asset's IAM may
    restore it too (the access rule, checked there). The incident's handlers then see it
    on their log. A closed incident's log is left as it was closed.
    """
    refuse_unless(
        is_system(by) or can_act_for_incident(by, grant.asset),
        "Only those who may act on an incident's grants put a lifted suspension on its log.",
    )
    incident = suspending_incident(grant)
    if incident is None or incident.state == Incident.State.CLOSED:
        return None
    if restored:
        outcome = f"Restored on {_now()}: {reason}"
    else:
        outcome = f"Incident suspension lifted on {_now()}: {reason}. Access waits for the holder's training."
    return records._record_taken_action(
        incident, by=by, kind=Kind.RESTORE_GRANT, description=_on_grant("Restore", grant), outcome=outcome, grant=grant
    )


def _done_on_grant(incident: Incident, grant: AccessGrant, *, by: User, kind: str, outcome: str) -> IncidentAction:
    """A linked action on a grant, recorded as done by the person who took it."""
    return add_action(
        incident,
        by=by,
        kind=kind,
        description=_on_grant("Suspend", grant),
        owner=by,
        state=IncidentAction.State.DONE,
        outcome=outcome,
        grant=grant,
    )


def _on_grant(verb: str, grant: AccessGrant) -> str:
    return f"{verb} the access of {grant.holder} to {grant.asset} (grant {grant.pk})"


def _now() -> str:
    return datetime_text(timezone.now())


@transaction.atomic
def review_asset_early(incident: Incident, asset: InformationAsset, *, by: User) -> IncidentAction:
    incident = _check(incident, by)
    if not IncidentLink.objects.filter(incident=incident, asset=asset).exists():
        raise ValidationError("That asset is not involved in this incident.")
    why = audit_reason_for(incident, f"early access review of {asset}")
    run = recertification.review_asset_early(asset, by=by, reason=why)
    owner = access.active_iam(asset) or by
    return add_action(
        incident,
        by=by,
        kind=Kind.RECERTIFY,
        description=f"Early access review of {asset}: confirm or revoke its {plural(run.reviews, 'grant')}",
        owner=owner,
        due_on=run.campaign.deadline,
        asset=asset,
    )


@transaction.atomic
def flag_contract(incident: Incident, contract: ResearchContract, *, by: User) -> IncidentAction:
    incident = _check(incident, by)
    if not linked_contracts(incident).filter(pk=contract.pk).exists():
        raise ValidationError("That contract is not involved in this incident.")
    why = audit_reason_for(incident, f"contract {contract.reference} flagged for review")
    contract = contracts.flag_for_review(contract, by=by, reason=why)
    owner = contract.manager if contract.manager.is_active else by
    return add_action(
        incident,
        by=by,
        kind=Kind.CONTRACT_REVIEW,
        description=f"Review contract {contract.reference} in the light of the incident",
        owner=owner,
        contract=contract,
    )
