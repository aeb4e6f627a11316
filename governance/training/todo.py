"""Training's items on the home task list: the person's own courses to sign."""

from __future__ import annotations

from django.urls import reverse

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.todo import DUE_SOON, OVERDUE, Facts, Task
from governance.training.courses import CURRENT, NEVER_SIGNED, training_for
from governance.training.courses import OVERDUE as COURSE_OVERDUE


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Courses that are overdue, never signed or due soon. Four queries."""
    states = [s for s in training_for(user, facts.today) if s.status != CURRENT]
    if not states:
        return []
    late = [s for s in states if s.status == COURSE_OVERDUE or (s.status == NEVER_SIGNED and s.due_on <= facts.today)]
    count = len(states)
    return [
        Task(
            label=f"Sign {plural(count, 'training course')}",
            count=count,
            url=reverse("training:mine"),
            priority=OVERDUE if late else DUE_SOON,
            section="Your training",
            hint=", ".join(f"{s.course.title}: {s.label.lower()}" for s in states),
        )
    ]
