"""Who may see and do what with incidents. Views, services and exports ask these; nothing else decides.

- Any member of staff reports an incident and sees their own reports.
- The IAM of an asset an incident touches, and the Deputy SIRO of that asset's business
  area (or of the area the incident is filed under), see it.
- The SIRO, incident handlers and auditors (and administrators) see every incident.
- The named handler, the Deputy SIROs of the areas it touches, incident handlers and the
  SIRO handle it (triage, actions, decisions, closure). Auditors and IAMs only read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from governance.access.selectors import sees_every_grant, visible_grants
from governance.core.models import User
from governance.core.policy import has_oversight, in_group, is_person, is_siro, oversees_area
from governance.core.roles import INCIDENT_HANDLERS
from governance.core.selectors import oversees_any_area
from governance.incidents.models import Incident, IncidentLink


def is_incident_handler(user: User) -> bool:
    return is_person(user) and in_group(user, INCIDENT_HANDLERS)


def sees_every_incident(user: User) -> bool:
    """The SIRO, incident handlers, auditors and administrators."""
    return is_person(user) and (has_oversight(user) or is_incident_handler(user))


def can_report(user: User) -> bool:
    return is_person(user)


def can_list(user: User) -> bool:
    """Everyone signed in has a list: at least their own reports."""
    return is_person(user)


def can_export(user: User) -> bool:
    """The incident log leaves the portal only with those who file the ICO report or audit it."""
    return sees_every_incident(user)


def _areas_of(incident: Incident) -> set[int]:
    areas = set(
        IncidentLink.objects.filter(incident=incident, asset__isnull=False).values_list(
            "asset__business_area_id", flat=True
        )
    )
    if incident.business_area_id:
        areas.add(incident.business_area_id)
    return areas


def is_deputy_for(user: User, incident: Incident) -> bool:
    """The Deputy SIRO of the area the incident is filed under or of any asset it touches."""
    areas = _areas_of(incident)
    return any(oversees_area(user, area) for area in areas)


def is_iam_for(user: User, incident: Incident) -> bool:
    return IncidentLink.objects.filter(incident=incident, asset__manager=user).exists()


def can_view(user: User, incident: Incident) -> bool:
    if not is_person(user):
        return False
    if user.pk == incident.reported_by_id or user.pk == incident.handler_id or sees_every_incident(user):
        return True
    return is_deputy_for(user, incident) or is_iam_for(user, incident)


def can_handle(user: User, incident: Incident) -> bool:
    """Triage, actions, the ICO and data-subject decisions, linked actions and closure."""
    if not is_person(user) or incident.state == Incident.State.CLOSED:
        return False
    if user.pk == incident.handler_id or is_incident_handler(user) or is_siro(user):
        return True
    return is_deputy_for(user, incident)


def sees_grant_holders(user: User, incident: Incident) -> bool:
    """Who holds access to what is for oversight, not for a reporter as such.

    Someone who sees the incident only because they reported it sees the grants they
    named by number alone, and not its change history. Anyone else still sees only the
    holders of the grants they may open (``grants_with_visible_holders``).
    """
    return user.pk != incident.reported_by_id or sees_every_incident(user) or can_handle(user, incident)


def can_view_history(user: User, incident: Incident) -> bool:
    """The incident's change history: for those who see it and its holders (``sees_grant_holders``),
    not for someone who sees the incident only because they reported it."""
    return can_view(user, incident) and sees_grant_holders(user, incident)


def grants_with_visible_holders(user: User, incident: Incident, grant_ids: Iterable[int]) -> set[int]:
    """Of ``grant_ids`` (grants the incident names), those whose holder and asset ``user`` may be shown.

    The access domain's rule (``can_view_grant``), asked for all of them at once through
    its selector: a Deputy SIRO sees the holders of their own area's grants, not those of
    a grant in another area that the same incident names.
    """
    wanted = set(grant_ids)
    if not wanted or not sees_grant_holders(user, incident):
        return set()
    if sees_every_grant(user):  # the grants named were read from the database: no query to ask again
        return wanted
    return set(visible_grants(user).filter(pk__in=wanted).values_list("pk", flat=True))


def sees_every_named_grant_holder(user: User, incident: Incident) -> bool:
    """Whether ``user`` may read the incident's links in its history: they name each grant's holder."""
    if user is None or not sees_grant_holders(user, incident):
        return False
    if sees_every_grant(user):
        return True
    named = IncidentLink.objects.filter(incident=incident, grant__isnull=False)
    # NOT EXISTS, looked up grant by grant: ``NOT IN`` the visible grants reads them all.
    hidden = ~Exists(visible_grants(user).filter(pk=OuterRef("grant_id")))
    return not named.filter(hidden).exists()


def can_update_action(user: User, action) -> bool:
    """The action's owner records its progress, beside everyone who handles the incident."""
    incident = action.incident
    if not is_person(user) or incident.state == Incident.State.CLOSED:
        return False
    return user.pk == action.owner_id or can_handle(user, incident)


def updatable_actions(user: User, incident: Incident, actions) -> list[tuple]:
    """Each of the incident's ``actions`` with ``can_update_action`` for ``user``.

    The same rule, for a whole log at once: whether the user handles the incident is
    asked once, not once per action (each asking costs queries).
    """
    may_handle = can_handle(user, incident)
    open_to_user = is_person(user) and incident.state != Incident.State.CLOSED
    return [(action, open_to_user and (may_handle or user.pk == action.owner_id)) for action in actions]


def handles_any(user: User) -> bool:
    """Whether the user handles incidents at all (for the home task list and navigation)."""
    return is_person(user) and (is_incident_handler(user) or is_siro(user) or oversees_any_area(user))
