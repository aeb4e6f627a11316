"""The assurance domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

from django.db.models import F, Q

from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.policy import can_decide_return, decides_as_stand_in
from governance.core.models import BusinessArea, User
from governance.core.policy import has_oversight, is_member, stands_in
from governance.core.selectors import overseen_areas


def live_returns():
    """Returns not replaced by a newer one for the same IAM and round."""
    return AssuranceReturn.objects.exclude(state=AssuranceReturn.State.SUPERSEDED)


def visible_returns(user: User, round_: AssuranceRound):
    """The round's live returns ``user`` may see: every one for oversight, their areas' for a Deputy SIRO,
    and an IAM's own (as ``policy.can_view_return`` opens them)."""
    returns = live_returns().filter(round=round_)
    if not is_member(user):
        return returns.none()
    if not has_oversight(user):
        wanted = Q(iam=user) | Q(business_area__in=overseen_areas(user))
        if stands_in(user):
            candidates = _stand_in_returns(returns).select_related("business_area__deputy_siro")
            wanted |= Q(pk__in=[r.pk for r in candidates if decides_as_stand_in(user, r)])
        returns = returns.filter(wanted)
    return returns.select_related("iam", "business_area").order_by("business_area__name", "iam__last_name", "pk")


def _stand_in_returns(returns):
    """Returns whose area's Deputy SIRO may not accept them (no area, the post empty, or the Deputy
    SIRO is the IAM or signed it): the SIRO's to accept, or the alternate's."""
    deputy = "business_area__deputy_siro"
    return returns.filter(
        Q(business_area__isnull=True)
        | Q(**{f"{deputy}__isnull": True})
        | Q(**{f"{deputy}__is_active": False})
        | Q(**{deputy: F("iam")})
        | Q(**{deputy: F("signed_by")})
    )


def returns_to_accept(user: User):
    """Signed returns waiting for ``user`` to accept or send back (``policy.can_decide_return``)."""
    signed = live_returns().filter(state=AssuranceReturn.State.SIGNED)
    wanted = Q(business_area__in=overseen_areas(user))
    if stands_in(user):
        wanted |= Q(pk__in=_stand_in_returns(signed).values("pk"))
    candidates = signed.filter(wanted).select_related("round", "business_area__deputy_siro")
    return [r for r in candidates if can_decide_return(user, r)]


def area_from(value: str | None) -> BusinessArea | None:
    """The business area a list is narrowed to, from a query string value; None if there is none such."""
    if value is None or not value.isdigit():
        return None
    return BusinessArea.objects.filter(pk=int(value)).first()


def narrowed_returns(returns, *, area: BusinessArea | None = None, states: tuple[str, ...] | None = None):
    """Returns narrowed to one figure of the SIRO's report: those of IAMs with an asset in ``area``, in ``states``.

    The same rule as the report's counts (``report._return_counts``): a return counts in every area
    where its IAM manages an asset.
    """
    if area is not None:
        returns = returns.filter(iam__managed_assets__business_area=area).distinct()
    if states:
        returns = returns.filter(state__in=states)
    return returns
