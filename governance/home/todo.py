"""Each person's task list on the home page, gathered from every domain's provider.

A provider is ``tasks_for(user, facts) -> list[Task]`` in its domain's ``todo.py``
(``governance.<domain>.todo``). It returns every kind of item it knows,
with a count (zero is fine: empty items are dropped here), a link to the list that
shows those records filtered, a priority from ``core.todo`` and a section
heading. Providers must cost a fixed number of queries (aggregate with ``Count``
and ``filter=``; never a query per record), and use ``facts`` rather than asking
again who the person is.

Adding a domain's items takes three lines::

    # governance/incidents/todo.py
    def tasks_for(user, facts):
        return [Task(label=..., count=..., url=..., priority=OVERDUE, section="Incidents")]

and its ``tasks_for`` appended to ``PROVIDERS`` below (the new domain package must sit
below ``home`` in the ``domains`` layers contract of ``pyproject.toml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from governance.access import todo as access_todo
from governance.assurance import todo as assurance_todo
from governance.contracts import todo as contracts_todo
from governance.core import todo as core_todo
from governance.core.models import User
from governance.core.todo import Facts, Task, facts_for
from governance.incidents import todo as incidents_todo
from governance.outputs import todo as outputs_todo
from governance.privacy import todo as privacy_todo
from governance.register import todo as register_todo
from governance.releases import todo as releases_todo
from governance.training import todo as training_todo

Provider = Callable[[User, Facts], list[Task]]

PROVIDERS: list[Provider] = [
    incidents_todo.tasks_for,
    privacy_todo.ropa_tasks_for,
    access_todo.tasks_for,
    assurance_todo.tasks_for,
    contracts_todo.tasks_for,
    releases_todo.tasks_for,
    outputs_todo.tasks_for,
    register_todo.tasks_for,
    training_todo.tasks_for,
    core_todo.tasks_for,
    privacy_todo.dpia_tasks_for,
]


@dataclass(frozen=True)
class Section:
    title: str
    tasks: list[Task]


def task_list(user: User, providers: list[Provider] | None = None, facts: Facts | None = None) -> list[Task]:
    """Every item with something to do, most pressing first (stable within a priority)."""
    facts = facts or facts_for(user)
    tasks = [task for provider in providers or PROVIDERS for task in provider(user, facts) if task.count > 0]
    return sorted(tasks, key=lambda task: task.priority)


def sections(tasks: list[Task]) -> list[Section]:
    """The items grouped under their headings; a section comes where its most pressing item does."""
    grouped: dict[str, list[Task]] = {}
    for task in tasks:
        grouped.setdefault(task.section, []).append(task)
    return [Section(title, items) for title, items in grouped.items()]
