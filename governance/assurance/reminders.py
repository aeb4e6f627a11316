"""Reminders to IAMs before a round's due date, and escalation to Deputy SIROs after it.

Run daily by Celery beat as the system account. Keys name the return, the step and the
recipient, so a repeated or duplicated run sends nothing twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.core.notifications import remind
from governance.core.plurals import date_text

UNSIGNED = (AssuranceReturn.State.DRAFT, AssuranceReturn.State.SENT_BACK)


@dataclass
class ReturnReminderRun:
    reminded: int = 0
    escalated: int = 0


def send_return_reminders(today: datetime.date | None = None) -> ReturnReminderRun:
    today = today or timezone.localdate()
    run = ReturnReminderRun()
    days = sorted(settings.ASSURANCE_REMINDER_DAYS)
    unsigned = (
        AssuranceReturn.objects.filter(round__state=AssuranceRound.State.OPEN, state__in=UNSIGNED)
        .select_related("round", "iam", "business_area__deputy_siro")
        .order_by("pk")
    )
    for ret in unsigned.iterator(chunk_size=500):
        left = (ret.round.due_date - today).days
        context = {"ret": ret, "round": ret.round, "days_left": left, "days_overdue": -left}
        if left < 0:
            deputy = ret.business_area.deputy_siro if ret.business_area else None
            run.escalated += remind(
                deputy,
                key=f"assurance-overdue:{ret.round_id}:{ret.iam_id}:{getattr(deputy, 'pk', '')}",
                subject=f"Overdue assurance return: {ret.iam.display_name} ({ret.round.period})",
                template="emails/assurance_return.txt",
                context={**context, "escalation": True},
            )
            continue
        reached = [d for d in days if left <= d]
        if reached:
            run.reminded += remind(
                ret.iam,
                key=f"assurance-due:{ret.round_id}:{ret.iam_id}:{reached[0]}d",
                subject=f"Your assurance return for {ret.round.period} is due on {date_text(ret.round.due_date)}",
                template="emails/assurance_return.txt",
                context={**context, "escalation": False},
            )
    return run
