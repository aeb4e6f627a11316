"""The 72-hour clock (UK GDPR Article 33) from the moment the department became aware.

Everything is computed in UTC from the stored deadline, so a change of clocks (British
Summer Time starting or ending inside the 72 hours) neither adds nor takes away an hour;
pages show the times in Europe/London.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import cast

from django.utils import timezone

from governance.core.plurals import plural
from governance.incidents.models import Incident


@dataclass(frozen=True)
class Clock:
    """Where an incident stands against its deadline at one moment."""

    deadline: datetime.datetime  # aware, UTC
    remaining: datetime.timedelta  # negative once the deadline has passed
    decided: bool
    decided_late: bool

    @property
    def overdue(self) -> bool:
        return not self.decided and self.remaining <= datetime.timedelta(0)

    @property
    def running(self) -> bool:
        return not self.decided and self.remaining > datetime.timedelta(0)

    @property
    def local_deadline(self) -> datetime.datetime:
        return timezone.localtime(self.deadline)

    @property
    def seconds_left(self) -> int:
        return int(self.remaining.total_seconds())

    @property
    def phrase(self) -> str:
        """'41 hours 5 minutes left', '3 hours 10 minutes overdue', 'Decided in time'."""
        if self.decided:
            return "Decided after the deadline" if self.decided_late else "Decided within 72 hours"
        return f"{duration(abs(self.remaining))} {'left' if self.remaining > datetime.timedelta(0) else 'overdue'}"


def duration(value: datetime.timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{plural(hours, 'hour')} {plural(minutes, 'minute')}"


def clock_for(incident: Incident, now: datetime.datetime | None = None) -> Clock:
    now = now or timezone.now()
    decided = bool(incident.ico_decision)
    return Clock(
        deadline=incident.ico_deadline.astimezone(datetime.UTC),
        # A decision is recorded with its time (a check constraint), so a decided incident has one.
        remaining=incident.ico_deadline - (cast(datetime.datetime, incident.ico_decided_at) if decided else now),
        decided=decided,
        decided_late=incident.decided_late,
    )


def is_late(incident: Incident, at: datetime.datetime | None = None) -> bool:
    """Whether a decision made ``at`` (now by default) comes after the deadline."""
    return (at or timezone.now()) > incident.ico_deadline
