"""Where Celery finds the app's tasks: each domain keeps its own in ``<domain>/tasks.py``.

Every task is idempotent and runs as the system account; services enqueue them by name
(``core.queue.enqueue``), and the beat timetable in settings names them the same way.
"""

from governance.access import tasks as access_tasks
from governance.assurance import tasks as assurance_tasks
from governance.contracts import tasks as contracts_tasks
from governance.core import tasks as core_tasks
from governance.incidents import tasks as incidents_tasks
from governance.privacy import tasks as privacy_tasks
from governance.register import tasks as register_tasks
from governance.releases import tasks as releases_tasks
from governance.training import tasks as training_tasks
from governance.trends import tasks as trends_tasks

__all__ = [
    "access_tasks",
    "assurance_tasks",
    "contracts_tasks",
    "core_tasks",
    "incidents_tasks",
    "privacy_tasks",
    "register_tasks",
    "releases_tasks",
    "training_tasks",
    "trends_tasks",
]
