"""Assurance items for the home page's task list: returns to sign and returns to accept."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from governance.models import AssuranceReturn, AssuranceRound, User
from governance.services.assurance.policy import live_returns


@dataclass(frozen=True)
class TaskItem:
    label: str
    count: int
    url: str


def tasks_for(user: User) -> list[TaskItem]:
    """Two queries: the user's unsigned returns, and signed returns of the areas they oversee."""
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
    to_accept = live_returns().filter(state=AssuranceReturn.State.SIGNED, business_area__deputy_siro=user).count()
    if to_accept:
        items.append(TaskItem("Assurance returns to accept", to_accept, reverse("assurance:rounds")))
    return items
