"""The assurance domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import GreaterThan

from governance.assurance import risks as risk_rules
from governance.assurance.models import AssuranceReturn, AssuranceRound, InformationRisk
from governance.assurance.policy import can_decide_return, decides_as_stand_in
from governance.core.models import BusinessArea, User
from governance.core.policy import has_oversight, is_member, stands_in
from governance.core.selectors import overseen_areas


def live_returns():
    """Returns not replaced by a newer one for the same IAM and round."""
    return AssuranceReturn.objects.exclude(state=AssuranceReturn.State.SUPERSEDED)


def visible_returns(user: User, round_: AssuranceRound):
    """The round's live returns ``user`` may see: every one for oversight, their areas' for a Deputy SIRO,
    and an IAM's own (as ``policy.can_view_return`` opens them).

    Listed without their stored facts (``AssuranceReturn.facts``, a return's whole content as JSON, read
    only on the return's own page): reading and decoding them was most of the time a page of 50 took.
    The IAMs are sorted by a look-up of their surname and read for the page's returns only: joining the
    table of people to sort a round's returns made PostgreSQL scan every member of staff."""
    returns = live_returns().filter(round=round_)
    if not is_member(user):
        return returns.none()
    if not has_oversight(user):
        wanted = Q(iam=user) | Q(business_area__in=overseen_areas(user))
        if stands_in(user):
            candidates = _stand_in_returns(returns).select_related("business_area__deputy_siro").defer("facts")
            wanted |= Q(pk__in=[r.pk for r in candidates if decides_as_stand_in(user, r)])
        returns = returns.filter(wanted)
    iam_surname = Subquery(User.objects.filter(pk=OuterRef("iam_id")).order_by().values("last_name")[:1])
    return (
        returns.select_related("business_area")
        .prefetch_related("iam")
        .defer("facts")
        .order_by("business_area__name", iam_surname.asc(), "pk")
    )


# Named filters of returns and risks, shared by the lists and the home page's counts.

RETURN_STATUSES = {
    # key: (what the list shows, the returns it keeps)
    "to_sign": ("To sign", Q(state__in=(AssuranceReturn.State.DRAFT, AssuranceReturn.State.SENT_BACK))),
    "outstanding": ("Not yet signed", Q(state=AssuranceReturn.State.DRAFT)),
    "to_accept": ("Signed, waiting to be accepted", Q(state=AssuranceReturn.State.SIGNED)),
    "sent_back": ("Sent back", Q(state=AssuranceReturn.State.SENT_BACK)),
    "accepted": ("Accepted", Q(state=AssuranceReturn.State.ACCEPTED)),
}


def return_status(key: str) -> Q:
    return RETURN_STATUSES[key][1]


def open_round_returns():
    """Live returns of the rounds still open."""
    return live_returns().filter(round__state=AssuranceRound.State.OPEN)


def returns_in_areas(areas) -> Q:
    return Q(business_area__in=areas)


def overseen_risks(user: User) -> QuerySet[InformationRisk]:
    """The risks on the risk list: every asset's for oversight, the assets of their areas for a Deputy SIRO."""
    risks = InformationRisk.objects.all()
    if not is_member(user):
        return risks.none()
    if has_oversight(user):
        return risks
    return risks.filter(asset__business_area__in=overseen_areas(user))


RISK_STATUSES = {
    "review_overdue": "Review overdue",
    "above_appetite": "Above the risk appetite",
}


def risk_review_overdue(today: datetime.date) -> Q:
    """Risks not closed whose next review date has passed."""
    return ~Q(status=InformationRisk.Status.CLOSED) & Q(review_date__lt=today)


def risk_above_appetite() -> Q:
    """Risks not closed rated (likelihood times impact) above ``RISK_APPETITE_RATING``."""
    rating = ExpressionWrapper(F("likelihood") * F("impact"), output_field=IntegerField())
    return ~Q(status=InformationRisk.Status.CLOSED) & Q(GreaterThan(rating, settings.RISK_APPETITE_RATING))


def risks_in_areas(areas) -> Q:
    return Q(asset__business_area__in=areas)


def listed_risks(
    user: User,
    *,
    figure: str = "",
    status: str = "",
    area: BusinessArea | None = None,
    overseen_only: bool = False,
    today: datetime.date,
) -> QuerySet[InformationRisk]:
    """The risk list's rows: the risks not closed that ``user`` oversees, each with its ``score``, highest first.

    ``figure`` narrows to the risks behind one figure of the SIRO's report (``risks.RISK_FIGURES``, the same
    rule as its counts), ``status`` to a home page exception (``RISK_STATUSES``), ``area`` to one business
    area's assets and ``overseen_only`` to the areas ``user`` is Deputy SIRO of.
    """
    listed = risk_rules.scored_risks().filter(pk__in=overseen_risks(user).values("pk"))
    if figure:
        listed = listed.filter(risk_rules.figure_filter(figure, today))
    if status == "review_overdue":
        listed = listed.filter(risk_review_overdue(today))
    elif status == "above_appetite":
        listed = listed.filter(risk_above_appetite())
    if area is not None:
        listed = listed.filter(asset__business_area=area)
    if overseen_only:
        listed = listed.filter(risks_in_areas(overseen_areas(user)))
    return listed.select_related("asset__business_area", "owner").order_by("-score", "review_date", "pk")


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
    candidates = signed.filter(wanted).select_related("round", "business_area__deputy_siro").defer("facts")
    return [r for r in candidates if can_decide_return(user, r)]


def area_from(value: str | None) -> BusinessArea | None:
    """The business area a list is narrowed to, from a query string value; None if there is none such."""
    if value is None or not value.isdigit():
        return None
    return BusinessArea.objects.filter(pk=int(value)).first()


def narrowed_returns(returns, *, area: BusinessArea | None = None, states: tuple[str, ...] | None = None):
    """Returns narrowed to one figure of the SIRO's report: those of IAMs with an asset in ``area``, in ``states``.

    The same rule as the report's counts (``report._returns``): a return counts in every area
    where its IAM manages an asset.
    """
    if area is not None:
        returns = returns.filter(iam__managed_assets__business_area=area).distinct()
    if states:
        returns = returns.filter(state__in=states)
    return returns
