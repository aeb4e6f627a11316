"""Warnings before the 72 hours run out, escalation to the SIRO, and notice of a missed deadline.

While the SIRO's office is vacant, the escalations go to its stand-ins (``governance.core.offices``).

Run every quarter of an hour by Celery beat as the system account. Each message has a
notification key per incident, step and recipient, so a repeated or duplicated run sends
nothing twice; a run that was missed sends only the most urgent step reached.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.utils import timezone

from governance.core.models import BusinessArea, User
from governance.core.notifications import notify
from governance.core.offices import siro as siro_holder
from governance.core.offices import siro_recipients, siro_stand_ins
from governance.core.plurals import datetime_text
from governance.incidents.clock import duration
from governance.incidents.models import Incident


@dataclass
class IncidentReminderRun:
    reminded: int = 0
    escalated: int = 0
    missed: int = 0


def handlers_of(incident: Incident) -> list[User]:
    """The named handler and the Deputy SIROs of the areas it touches; the SIRO when there is nobody."""
    people: dict[int, User] = {}
    if incident.handler is not None and incident.handler.is_active:
        people[incident.handler.pk] = incident.handler
    areas = set(incident.links.filter(asset__isnull=False).values_list("asset__business_area_id", flat=True))
    if incident.business_area_id:
        areas.add(incident.business_area_id)
    for area in BusinessArea.objects.filter(pk__in=areas, deputy_siro__is_active=True).select_related("deputy_siro"):
        deputy = cast(User, area.deputy_siro)  # the filter keeps areas with an active Deputy SIRO
        people.setdefault(deputy.pk, deputy)
    if not people:
        for person in siro_recipients():  # the SIRO, or its stand-ins while the office is vacant
            people.setdefault(person.pk, person)
    return list(people.values())


def _send(
    person: User,
    incident: Incident,
    key: str,
    subject: str,
    step: str,
    left: datetime.timedelta,
    *,
    siro_vacant: bool = False,
) -> bool:
    return (
        notify(
            person,
            key=key,
            subject=subject,
            template="emails/incident_deadline.txt",
            context={
                "incident": incident,
                "step": step,
                "left": duration(abs(left)),
                "overdue": left.total_seconds() <= 0,
                "siro_vacant": siro_vacant,
            },
        )
        is not None
    )


def send_incident_reminders(now: datetime.datetime | None = None) -> IncidentReminderRun:
    now = now or timezone.now()
    run = IncidentReminderRun()
    hours = sorted(settings.INCIDENT_REMINDER_HOURS)
    horizon = now + datetime.timedelta(hours=max([*hours, settings.INCIDENT_ESCALATION_HOURS]))
    due = (
        Incident.objects.exclude(state=Incident.State.CLOSED)
        .filter(ico_decision="", ico_deadline__lte=horizon)
        .select_related("handler", "business_area")
        .order_by("ico_deadline", "pk")
    )
    holder = siro_holder()
    siro = [holder] if holder is not None else siro_stand_ins()  # while the office is vacant: never nobody
    for incident in due:
        left = incident.ico_deadline - now
        deadline = f"{datetime_text(incident.ico_deadline)}"
        handlers = handlers_of(incident)
        if left <= datetime.timedelta(0):
            for person in {p.pk: p for p in [*handlers, *siro]}.values():
                run.missed += _send(
                    person,
                    incident,
                    f"incident-missed:{incident.pk}:{person.pk}",
                    f"Deadline missed: no ICO decision on {incident.reference} (due {deadline})",
                    "missed",
                    left,
                )
            continue
        reached = [h for h in hours if left <= datetime.timedelta(hours=h)]
        if reached:
            step = reached[0]
            for person in handlers:
                run.reminded += _send(
                    person,
                    incident,
                    f"incident-reminder:{incident.pk}:{step}h:{person.pk}",
                    f"{duration(left)} left to decide on reporting {incident.reference} to the ICO",
                    f"{step}h",
                    left,
                )
        if left <= datetime.timedelta(hours=settings.INCIDENT_ESCALATION_HOURS):
            for person in siro:
                run.escalated += _send(
                    person,
                    incident,
                    f"incident-escalation:{incident.pk}:{person.pk}",
                    f"Escalation: no ICO decision yet on {incident.reference}, due {deadline}",
                    "escalation",
                    left,
                    siro_vacant=holder is None,
                )
    return run
