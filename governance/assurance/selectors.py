"""The assurance domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.db.models.lookups import GreaterThan

from governance.assurance.models import AssuranceReturn, AssuranceRound, InformationRisk
from governance.core.models import User
from governance.core.policy import has_oversight, is_member
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
        returns = returns.filter(Q(iam=user) | Q(business_area__in=overseen_areas(user)))
    return returns.select_related("iam", "business_area").order_by("business_area__name", "iam__last_name", "pk")


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
