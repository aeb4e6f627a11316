"""Assurance's items on the home task list: annual returns to sign (IAMs) and to accept (Deputy SIROs)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.selectors import live_returns, returns_to_accept
from governance.core.models import User
from governance.core.todo import DECISION, Facts, Task


@dataclass(frozen=True)
class TaskItem:
    label: str
    count: int
    url: str


def items_for(user: User) -> list[TaskItem]:
    """Two queries: the user's unsigned returns, and signed returns waiting for them to accept (of the
    areas they oversee, never one they signed, and where they stand in for the Deputy SIRO)."""
    if not user.is_authenticated:
        return []
    items = []
    to_sign = (
        live_returns()
        .filter(iam=user, round__state=AssuranceRound.State.OPEN)
        .filter(state__in=(AssuranceReturn.State.DRAFT, AssuranceReturn.State.SENT_BACK))
        .count()
    )
    if to_sign:
        items.append(TaskItem("Assurance returns to sign", to_sign, reverse("assurance:mine")))
    to_accept = len(returns_to_accept(user))
    if to_accept:
        items.append(TaskItem("Assurance returns to accept", to_accept, reverse("assurance:rounds")))
    return items


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Two queries, whatever the number of returns."""
    return [
        Task(label=item.label, count=item.count, url=item.url, priority=DECISION, section="Assurance to the SIRO")
        for item in items_for(user)
    ]
