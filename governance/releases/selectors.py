"""The releases domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from governance.core.models import User
from governance.core.policy import has_oversight, role_facts
from governance.core.selectors import overseen_areas
from governance.releases.models import ReleaseSource, StatisticalRelease
from governance.releases.policy import (
    _is_signer,
)


def visible_releases(user: User, queryset: QuerySet[StatisticalRelease] | None = None) -> QuerySet:
    """The releases ``user`` may see, as one query (filters only; no per-row checks)."""
    queryset = queryset if queryset is not None else StatisticalRelease.objects.all()
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if _is_signer(user) or has_oversight(user):
        return queryset
    facts = role_facts(user)
    if not (facts.managed_assets or facts.overseen_areas or facts.superuser):
        # No release's sources can be theirs (from the role facts): their own releases, without the subquery.
        return queryset.filter(author=user)
    related = ReleaseSource.objects.filter(release=OuterRef("pk")).filter(
        Q(asset__manager=user) | Q(asset__business_area__in=overseen_areas(user))
    )
    return queryset.filter(Q(author=user) | Exists(related))
