"""Training's items on the home task list: the person's own courses to sign; for overseers, the business
areas and courses whose compliance is below the target."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from governance.core.models import BusinessArea, User
from governance.core.plurals import plural
from governance.core.todo import DUE_SOON, OVERDUE, Facts, Task
from governance.training.courses import (
    CURRENT,
    NEVER_SIGNED,
    Clearance,
    CourseState,
    Training,
    below_target,
    compliance,
    training_and_clearance,
)
from governance.training.courses import OVERDUE as COURSE_OVERDUE


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Courses that are overdue, never signed or due soon. Four queries; an overseer's compliance adds three."""
    states = [s for s in training_of(user, facts) if s.status != CURRENT]
    tasks = exceptions_for(user, facts)
    if not states:
        return tasks
    late = [s for s in states if s.status == COURSE_OVERDUE or (s.status == NEVER_SIGNED and s.due_on <= facts.today)]
    count = len(states)
    return [
        Task(
            label=f"Sign {plural(count, 'training course')}",
            count=count,
            url=f"{reverse('training:mine')}?status=to_sign",
            priority=OVERDUE if late else DUE_SOON,
            section="Your training",
            hint=", ".join(f"{s.course.title}: {s.label.lower()}" for s in states),
            due=min(s.due_on for s in states),
        ),
        *tasks,
    ]


def training_of(user: User, facts: Facts) -> list[CourseState]:
    """``user``'s courses and their status, read once for the task list and the page that shows both."""
    return _training(user, facts).states


def clearance_of(user: User, facts: Facts) -> Clearance:
    """``user``'s clearance for personal data, from the same read as ``training_of``."""
    return _training(user, facts).clearance


def _training(user: User, facts: Facts) -> Training:
    if "training" not in facts.shared:
        facts.shared["training"] = training_and_clearance(user, facts.today)
    return facts.shared["training"]


def exceptions_for(user: User, facts: Facts) -> list[Task]:
    """Each business area and course below ``TRAINING_COMPLIANCE_TARGET``, from the cached dashboard figures."""
    if not facts.sees_exceptions:
        return []
    # A Deputy SIRO's areas and the courses are those the page has read already.
    areas = BusinessArea.objects.all() if facts.oversees_all else facts.deputy_areas
    rows = below_target(compliance(areas, facts.today, courses=_training(user, facts).courses))
    target = settings.TRAINING_COMPLIANCE_TARGET
    lowest = min(rows, key=lambda row: row.percent or 0, default=None)
    return [
        Task(
            label=f"Training compliance below the {target}% target in "
            f"{plural(len(rows), 'business area and course', 'business areas and courses')}",
            count=len(rows),
            url=f"{reverse('training:compliance')}?below=target",
            priority=OVERDUE,
            section="Training",
            hint=f"Lowest: {lowest.course.title} in {lowest.area.name}, {lowest.percent}%" if lowest else "",
            exception=True,
        )
    ]
