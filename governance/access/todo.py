"""Access's items on the home task list: decisions waiting, recertifications due, requests returned for changes."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from governance.access.models import AccessGrant, AccessRequest
from governance.access.policy import can_view_your_grants
from governance.access.recertification import open_reviews_for
from governance.access.selectors import (
    LIVE,
    awaiting_decision,
    grants_held_untrained,
    grants_in_areas,
    grants_past_end,
    late_reviews,
    visible_grants,
    waiting_as_deputy,
)
from governance.core.models import User
from governance.core.plurals import plural
from governance.core.policy import role_facts
from governance.core.todo import DECISION, INFORMATION, OVERDUE, Facts, Task

R = AccessRequest.State


def _requests(count: int) -> str:
    return f"{plural(count, 'access request')}"


def _day(on: datetime.date, today: datetime.date) -> str:
    """A date as GOV.UK writes it: "3 January", with the year only when it is not this year's."""
    return date_format(on, "j F" if on.year == today.year else "j F Y")


def your_grants(user: User, facts: Facts, reviews: dict[str, Any]) -> list[Task]:
    """For an IAM, the live grants on their assets and how many wait for review by the deadline: one query.

    ``reviews`` are the figures of the person's open reviews, counted once by ``tasks_for``: ``due`` and
    ``first_due`` are those on the assets the person manages.
    The grants are counted on the table itself: the list's annotations (last access, training,
    reviews) cost a subquery per grant and change no count."""
    if not can_view_your_grants(user):
        return []
    soon = facts.today + datetime.timedelta(days=30)
    figures = AccessGrant.objects.filter(asset__manager=user, state__in=LIVE).aggregate(
        live=Count("pk"), ending=Count("pk", filter=Q(ends_on__lte=soon))
    )
    live = figures["live"]
    ending = figures["ending"]
    label = f"Your grants: {live:,} live"
    if reviews["due"]:
        label += f", {reviews['due']:,} due for review by {_day(reviews['first_due'], facts.today)}"
    return [
        Task(
            label=label,
            count=live,
            url=reverse("access:your-grants"),  # the count is of live grants: the list of exactly those
            priority=INFORMATION,
            section="Access to data",
            hint=(f"{ending:,} ending by {_day(soon, facts.today)}" if ending else "Access to the assets you manage"),
        )
    ]


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Four queries: requests waiting for the person, their open reviews, their own returned requests,
    and for an IAM the live grants on their assets."""
    waiting = awaiting_decision(user)
    as_deputy = [r for r in waiting if waiting_as_deputy(r)]
    as_iam = [r for r in waiting if not waiting_as_deputy(r)]
    # Counted by the database: an IAM may have thousands waiting, and the home shows only figures.
    # "On the assets they manage" by the assets' ids from the role facts: the same assets as
    # ``grant__asset__manager=user``, without joining every asset to find them.
    managed = sorted(role_facts(user).managed_assets)
    deadline, on_own_assets = "campaign__deadline", Q(grant__asset_id__in=managed) if managed else Q(pk=None)
    open_reviews = open_reviews_for(user).order_by()
    # Most people recertify nothing: their reviews are known to be none without a query or its building.
    none: dict[str, Any] = {"count": 0, "late": 0, "first": None, "due": 0, "first_due": None}
    reviews = (
        none
        if open_reviews.query.is_empty()
        else open_reviews.aggregate(
            count=Count("pk"),
            late=Count("pk", filter=Q(campaign__deadline__lt=facts.today)),
            first=Min(deadline),
            due=Count("pk", filter=on_own_assets),
            first_due=Min(deadline, filter=on_own_assets),
        )
    )
    late = reviews["late"]
    returned = AccessRequest.objects.filter(requester=user, state=R.RETURNED).count()
    decisions = reverse("access:decisions")
    return [
        *your_grants(user, facts, reviews),
        Task(
            label=f"Decide {_requests(len(as_iam))}",
            count=len(as_iam),
            url=f"{decisions}?as=iam",
            priority=DECISION,
            section="Access to data",
            hint="As IAM, or as Deputy SIRO where the post is empty" if facts.deputy_areas else "As the asset's IAM",
            due=_first_submitted(as_iam),
            due_label="Waiting since",
        ),
        Task(
            label=f"Approve or reject {_requests(len(as_deputy))} as Deputy SIRO"
            if not facts.is_siro or facts.deputy_areas
            else f"Approve or reject {_requests(len(as_deputy))} escalated to the SIRO",
            count=len(as_deputy),
            url=f"{decisions}?as=deputy",
            priority=DECISION,
            section="Access to data",
            hint="Special category or identifiable data, approved by the IAM",
            due=_first_submitted(as_deputy),
            due_label="Waiting since",
        ),
        Task(
            label=f"Recertify {plural(reviews['count'], 'grant')} of access",
            count=reviews["count"],
            url=reverse("access:reviews"),
            priority=OVERDUE if late else DECISION,
            section="Access to data",
            hint=f"{reviews['late']} past the deadline"
            if reviews["late"]
            else "Confirm or revoke each holder's access",
            due=reviews["first"],
        ),
        Task(
            label=f"Change and resubmit {_requests(returned)} returned to you",
            count=returned,
            url=f"{reverse('access:requests')}?{urlencode({'state': R.RETURNED, 'mine': 'yes'})}",
            priority=DECISION,
            section="Access to data",
            hint="The decider asked for changes",
        ),
        *exceptions_for(user, facts),
    ]


def _first_submitted(requests: list[AccessRequest]) -> datetime.date | None:
    """The day the longest-waiting request was submitted."""
    dates = [timezone.localdate(r.submitted_at) for r in requests if r.submitted_at]
    return min(dates, default=None)


def _grants(count: int) -> str:
    return plural(count, "grant")


def exceptions_for(user: User, facts: Facts) -> list[Task]:
    """Grants not recertified by the deadline, active after their end date, or held without current
    training, in the overseer's areas: two aggregate queries, each reading only the grants it counts."""
    if not facts.sees_exceptions:
        return []
    if facts.oversees_all:
        grants = visible_grants(user)
    else:
        # Every grant on the assets of a Deputy SIRO's areas is among their visible grants: the areas
        # narrow the table directly, where the visible grants' ids (thousands) went back as parameters.
        grants = AccessGrant.objects.filter(grants_in_areas(facts.deputy_areas))
    # Each figure is of active grants: the ended ones, which accumulate over the years, are left out first.
    active = grants.filter(state=AccessGrant.State.ACTIVE).order_by()
    past_end = grants_past_end(facts.today)
    untrained = grants_held_untrained(facts.today)
    # Only the grants past their end date or needing clearance are read (two indexes), not every active grant.
    counts = active.filter(past_end | Q(needs_clearance=True)).aggregate(
        past_end=Count("pk", filter=past_end),
        first_end=Min("ends_on", filter=past_end),
        untrained=Count("pk", filter=untrained),
    )
    # Counted from the late reviews, so that nothing is read while no campaign is past its deadline.
    late = late_reviews(facts.today).filter(grant__in=active)
    counts |= late.aggregate(recertification=Count("grant", distinct=True))
    listed = reverse("access:grants")
    scope = facts.scope_query()
    return [
        Task(
            label=f"{_grants(counts['recertification'])} not recertified by the deadline",
            count=counts["recertification"],
            url=f"{listed}?{urlencode({'attention': 'past_recertification', **scope})}",
            priority=OVERDUE,
            section="Access to data",
            exception=True,
        ),
        Task(
            label=f"{_grants(counts['past_end'])} still active after the end date",
            count=counts["past_end"],
            url=f"{listed}?{urlencode({'attention': 'past_end', **scope})}",
            priority=OVERDUE,
            section="Access to data",
            due=counts["first_end"],
            due_label="Earliest due",
            exception=True,
        ),
        Task(
            label=f"{_grants(counts['untrained'])} of personal data held without current training",
            count=counts["untrained"],
            url=f"{listed}?{urlencode({'attention': 'held_untrained', **scope})}",
            priority=OVERDUE,
            section="Access to data",
            hint="The holder's data-protection training has lapsed or was never signed",
            exception=True,
        ),
    ]
