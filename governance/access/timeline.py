"""An access request's timeline: each step it waited on, who ended it, and how many working days it took.

Built only from the request's append-only status history, so it shows what
happened, not what the request's fields say now. Each step is measured in
England and Wales working days against its target (``ACCESS_STEP_TARGET_DAYS``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from governance.access.models import AccessRequest, StatusChange
from governance.core.models import User
from governance.core.working_days import working_days_between

R = AccessRequest.State
OPEN_STATES = (R.DRAFT, R.SUBMITTED, R.RETURNED)
STEP_TITLES = {
    "draft": "Preparing the request",
    "iam": "Information Asset Manager's decision",
    "deputy": "Deputy SIRO's decision",
    "changes": "Requester's changes",
}


@dataclass(frozen=True)
class Step:
    kind: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None  # None: the request is waiting on this step now
    by: User | None
    outcome: str
    reason: str
    working_days: int
    target: int | None

    @property
    def title(self) -> str:
        return STEP_TITLES[self.kind]

    @property
    def in_progress(self) -> bool:
        return self.ended_at is None

    @property
    def over_target(self) -> bool:
        return self.target is not None and self.working_days > self.target


def _kind_after(change: StatusChange | None) -> str:
    """The step a request waits on once ``change`` has happened."""
    if change is None or change.to_state == R.DRAFT:
        return "draft"
    if change.to_state == R.RETURNED:
        return "changes"
    if change.from_state == R.SUBMITTED and change.to_state == R.SUBMITTED:
        return "deputy"
    return "iam"


def _outcome(change: StatusChange) -> str:
    if change.from_state == R.SUBMITTED and change.to_state == R.SUBMITTED:
        return "Approved by the IAM, sent to the Deputy SIRO"
    if change.from_state == R.RETURNED and change.to_state == R.SUBMITTED:
        return "Changed and submitted again"
    return R(change.to_state).label if change.to_state in R.values else change.to_state


def timeline(request: AccessRequest, now: datetime.datetime | None = None) -> list[Step]:
    """Every step of the request, oldest first, ending with the one it waits on if it is still open. One query."""
    now = now or timezone.now()
    targets = settings.ACCESS_STEP_TARGET_DAYS
    changes = list(StatusChange.objects.filter(request=request).select_related("by").order_by("at", "pk"))
    steps: list[Step] = []
    previous: StatusChange | None = None
    started = request.created_at
    for change in changes:
        kind = _kind_after(previous)
        steps.append(
            Step(
                kind=kind,
                started_at=started,
                ended_at=change.at,
                by=change.by,
                outcome=_outcome(change),
                reason=change.reason,
                working_days=working_days_between(timezone.localdate(started), timezone.localdate(change.at)),
                target=targets.get(kind),
            )
        )
        previous, started = change, change.at
    if request.state in OPEN_STATES:
        kind = _kind_after(previous)
        steps.append(
            Step(
                kind=kind,
                started_at=started,
                ended_at=None,
                by=None,
                outcome="Waiting",
                reason="",
                working_days=working_days_between(timezone.localdate(started), timezone.localdate(now)),
                target=targets.get(kind),
            )
        )
    return steps


def return_reason(request: AccessRequest) -> str:
    """What the decider asked to change, for a request returned for changes (empty otherwise)."""
    if request.state != R.RETURNED:
        return ""
    last = StatusChange.objects.filter(request=request, to_state=R.RETURNED).order_by("-at", "-pk").first()
    return last.reason if last else ""
