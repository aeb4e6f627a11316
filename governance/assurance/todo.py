"""Assurance's items on the home task list: annual returns to sign (IAMs) and to accept (Deputy SIROs);
for overseers, the returns outstanding or sent back and the risks overdue for review or above the appetite."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse

from governance.assurance import selectors
from governance.core.models import User
from governance.core.plurals import plural
from governance.core.todo import DECISION, DUE_SOON, OVERDUE, Facts, Task

SECTION = "Assurance to the SIRO"


@dataclass(frozen=True)
class TaskItem:
    label: str
    count: int
    url: str
    due: datetime.date | None = None


def _returns(count: int) -> str:
    return plural(count, "assurance return")


def _round_url(round_id: int, **query: str) -> str:
    return f"{reverse('assurance:round', args=[round_id])}?{urlencode(query)}"


def items_for(user: User, to_sign: dict[str, Any] | None = None) -> list[TaskItem]:
    """Two queries and the checks of ``selectors.returns_to_accept``: the user's unsigned returns, and the
    signed returns waiting for them to accept (of the areas they oversee, never one they signed, and
    where they stand in for the Deputy SIRO), by round. ``to_sign`` are the figures of the first when the
    caller has counted them already."""
    if not user.is_authenticated:
        return []
    items = []
    if to_sign is None:
        to_sign = (
            selectors.open_round_returns()
            .filter(selectors.return_status("to_sign"), iam=user)
            .order_by()
            .aggregate(count=Count("pk"), due=Min("round__due_date"))
        )
    if to_sign["count"]:
        items.append(
            TaskItem(
                f"Sign {_returns(to_sign['count'])}",
                to_sign["count"],
                f"{reverse('assurance:mine')}?status=to_sign",
                to_sign["due"],
            )
        )
    waiting: dict[int, list] = {}
    for ret in selectors.returns_to_accept(user):
        waiting.setdefault(ret.round_id, []).append(ret)
    for returns in sorted(waiting.values(), key=lambda rs: (rs[0].round.due_date, rs[0].round_id)):
        round_ = returns[0].round
        items.append(
            TaskItem(
                f"Accept or send back {_returns(len(returns))}",
                len(returns),
                _round_url(round_.pk, status="to_accept", waiting="me"),
                round_.due_date,
            )
        )
    return items


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Two queries for the person's own returns; two more for an overseer's exceptions (one fewer for the
    SIRO and auditors, whose returns by round include their own)."""
    rounds = _by_round(user, facts) if facts.oversees_all else None
    to_sign = None
    if rounds is not None:
        # Every open round's returns are among theirs: their own unsigned ones are counted in the same rows.
        due = [row["round__due_date"] for row in rounds if row["mine"]]
        to_sign = {"count": sum(row["mine"] for row in rounds), "due": min(due, default=None)}
    tasks = [
        Task(
            label=item.label,
            count=item.count,
            url=item.url,
            priority=OVERDUE if item.due and item.due < facts.today else DECISION,
            section=SECTION,
            due=item.due,
        )
        for item in items_for(user, to_sign)
    ]
    return tasks + exceptions_for(user, facts, rounds)


def _by_round(user: User, facts: Facts) -> list[dict[str, Any]]:
    """The exceptions' returns of the open rounds, counted by round; for the SIRO and auditors (every return)
    also the person's own to sign (``mine``)."""
    returns = selectors.open_round_returns()
    mine = {}
    if facts.oversees_all:
        mine["mine"] = Count("pk", filter=selectors.return_status("to_sign") & Q(iam=user))
    else:
        returns = returns.filter(selectors.returns_in_areas(facts.deputy_areas))
    return list(
        returns.values("round", "round__period", "round__due_date")
        .annotate(
            outstanding=Count("pk", filter=selectors.return_status("outstanding")),
            sent_back=Count("pk", filter=selectors.return_status("sent_back")),
            **mine,
        )
        .order_by("round__due_date", "round")
    )


def exceptions_for(user: User, facts: Facts, rounds: list[dict[str, Any]] | None = None) -> list[Task]:
    """Returns of the open rounds not yet signed or sent back (by round), and risks overdue for review or
    above the appetite: two queries (one when ``tasks_for`` has counted the ``rounds``)."""
    if not facts.sees_exceptions:
        return []
    scope = facts.scope_query()
    risks = selectors.overseen_risks(user)
    if not facts.oversees_all:
        risks = risks.filter(selectors.risks_in_areas(facts.deputy_areas))
    tasks = []
    for row in _by_round(user, facts) if rounds is None else rounds:
        due, late = row["round__due_date"], row["round__due_date"] < facts.today
        tasks += [
            Task(
                label=f"{_returns(row['outstanding'])} not yet signed for {row['round__period']}",
                count=row["outstanding"],
                url=_round_url(row["round"], status="outstanding", **scope),
                priority=OVERDUE if late else DUE_SOON,
                section=SECTION,
                due=due,
                exception=True,
            ),
            Task(
                label=f"{_returns(row['sent_back'])} sent back for {row['round__period']}",
                count=row["sent_back"],
                url=_round_url(row["round"], status="sent_back", **scope),
                priority=OVERDUE if late else DUE_SOON,
                section=SECTION,
                due=due,
                exception=True,
            ),
        ]
    overdue = selectors.risk_review_overdue(facts.today)
    counts = risks.order_by().aggregate(
        overdue=Count("pk", filter=overdue),
        first=Min("review_date", filter=overdue),
        above=Count("pk", filter=selectors.risk_above_appetite()),
    )
    listed = reverse("assurance:risks")
    return [
        *tasks,
        Task(
            label=f"{plural(counts['overdue'], 'information risk')} overdue for review",
            count=counts["overdue"],
            url=f"{listed}?{urlencode({'status': 'review_overdue', **scope})}",
            priority=OVERDUE,
            section=SECTION,
            due=counts["first"],
            due_label="Earliest due",
            exception=True,
        ),
        Task(
            label=f"{plural(counts['above'], 'information risk')} above the risk appetite",
            count=counts["above"],
            url=f"{listed}?{urlencode({'status': 'above_appetite', **scope})}",
            priority=DUE_SOON,
            section=SECTION,
            exception=True,
        ),
    ]
