"""The status history of requests and grants: every move recorded with who, from what, to what and why.

Also the dates every access rule counts from: today, and the latest end a grant may have.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from governance.access.models import AccessGrant, AccessRequest, StatusChange
from governance.core.audit_hashing import reason as audit_reason
from governance.core.models import User


def today() -> datetime.date:
    return timezone.localdate()


def latest_end_date(on: datetime.date | None = None) -> datetime.date:
    return (on or today()) + relativedelta(months=settings.ACCESS_MAX_MONTHS)


def _move(obj, to_state: str, by: User, reason: str = "", *, fields: tuple[str, ...] | None = None) -> None:
    """Change state through the model's transition table and append the status history row.

    ``fields`` names the other fields the caller changed: only they and the state are written,
    so a job working on a copy never puts back what someone else changed meanwhile.
    """
    from_state = obj.state
    obj.state = to_state
    with audit_reason(reason or ""):
        obj.save(update_fields=None if fields is None else ["state", *fields])
    StatusChange.objects.create(
        request=obj if isinstance(obj, AccessRequest) else None,
        grant=obj if isinstance(obj, AccessGrant) else None,
        from_state=from_state,
        to_state=to_state,
        by=by,
        reason=reason,
    )
