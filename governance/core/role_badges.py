"""A person's roles as shown beside their name, read from their role facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from governance.core.models import BusinessArea, OfficeHolder, User
from governance.core.plurals import plural
from governance.core.policy import role_facts
from governance.core.roles import GROUP_ROLE_LABELS


@dataclass(frozen=True)
class RoleBadge:
    """A role as shown beside a person's name."""

    label: str
    detail: str = ""


def roles_for(user: User, areas: Iterable[BusinessArea] = ()) -> list[RoleBadge]:
    """Every role the user holds, for display.

    The role facts (one query, shared with every permission check of the request)
    plus, for a Deputy SIRO only, one query for the names of their areas, unless ``areas``
    (business areas the caller has read already) include every one of them.
    """
    if not user.is_authenticated:
        return []
    facts = role_facts(user)
    badges = [RoleBadge("Staff")]
    if user.is_data_handler:
        badges.append(RoleBadge("Data handler"))
    for office in sorted(facts.offices):
        badges.append(RoleBadge(OfficeHolder.Office(office).label))
    if facts.deputy_areas:
        known = {area.pk: area.name for area in areas if area.pk in facts.deputy_areas}
        names = (
            sorted(known.values())
            if len(known) == len(facts.deputy_areas)
            else BusinessArea.objects.filter(pk__in=facts.deputy_areas).order_by("name").values_list("name", flat=True)
        )
        for name in names:
            badges.append(RoleBadge("Deputy SIRO", name))
    for name in sorted(facts.groups):
        badges.append(RoleBadge(GROUP_ROLE_LABELS.get(name, name)))
    managed = len(facts.managed_assets)
    if managed:
        badges.append(RoleBadge("Information Asset Manager", f"{plural(managed, 'asset')}"))
    return badges
