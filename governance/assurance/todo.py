"""Assurance's items on the home task list: annual returns to sign (IAMs) and to accept (Deputy SIROs);
for overseers, the returns outstanding or sent back and the risks overdue for review or above the appetite."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Min
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


def items_for(user: User) -> list[TaskItem]:
    """Two queries and the checks of ``selectors.returns_to_accept``: the user's unsigned returns, and the
    signed returns waiting for them to accept (of the areas they oversee, never one they signed, and
    where they stand in for the Deputy SIRO), by round."""
    if not user.is_authenticated:
        return []
    items = []
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
    """Two queries for the person's own returns; two more for an overseer's exceptions."""
    tasks = [
        Task(
            label=item.label,
            count=item.count,
            url=item.url,
            priority=OVERDUE if item.due and item.due < facts.today else DECISION,
            section=SECTION,
            due=item.due,
        )
        for item in items_for(user)
    ]
    return tasks + exceptions_for(user, facts)


def exceptions_for(user: User, facts: Facts) -> list[Task]:
    """Returns of the open rounds not yet signed or sent back (by round), and risks overdue for review or
    above the appetite: two queries."""
    if not facts.sees_exceptions:
        return []
    scope = facts.scope_query()
    returns = selectors.open_round_returns()
    risks = selectors.overseen_risks(user)
    if not facts.oversees_all:
        returns = returns.filter(selectors.returns_in_areas(facts.deputy_areas))
        risks = risks.filter(selectors.risks_in_areas(facts.deputy_areas))
    tasks = []
    by_round = (
        returns.values("round", "round__period", "round__due_date")
        .annotate(
            outstanding=Count("pk", filter=selectors.return_status("outstanding")),
            sent_back=Count("pk", filter=selectors.return_status("sent_back")),
        )
        .order_by("round__due_date", "round")
    )
    for row in by_round:
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
