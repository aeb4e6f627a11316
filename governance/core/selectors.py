"""The core's visibility rules as querysets: each written once, the predicates read the same facts.

"Deputy SIRO of an area" is the oversight permission on the area, held directly or through
a group (it moves with the appointment; ``register.organisation.set_deputy_siro`` keeps it
in step with ``BusinessArea.deputy_siro``); a superuser oversees every area. Every
queryset that narrows records to a Deputy SIRO's areas filters by ``overseen_areas``, and
``core.policy.oversees_area`` answers the same question for one area from the same role
facts, so a list and a page never disagree.
"""

from __future__ import annotations

from django.db.models import QuerySet

from governance.core.api_token_policy import can_hold_tokens, is_token_administrator
from governance.core.models import ApiToken, BusinessArea, User
from governance.core.policy import role_facts


def overseen_areas(user) -> QuerySet[BusinessArea]:
    """The business areas ``user`` oversees as Deputy SIRO (every area for a superuser). No query of its own
    beyond the role facts: the result is a queryset for use as a subquery (``business_area__in=...``)."""
    facts = role_facts(user)
    if facts.superuser:
        return BusinessArea.objects.all()
    return BusinessArea.objects.filter(pk__in=sorted(facts.overseen_areas))


def oversees_any_area(user) -> bool:
    """Deputy SIRO of at least one area (or a superuser)."""
    facts = role_facts(user)
    return facts.superuser or bool(facts.overseen_areas)


def visible_tokens(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens; administrators see every token."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if is_token_administrator(user):
        return tokens
    if not can_hold_tokens(user):
        return tokens.none()
    return tokens.filter(user=user)
