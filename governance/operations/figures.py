"""The policy's live figures, as the metrics report them: read from the records at scrape time."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from governance.contracts.calendar import OPEN_STATUSES, calendar_counts
from governance.contracts.models import ResearchContract
from governance.core.models import AuditVerification
from governance.training.courses import compliance_counts


@dataclass(frozen=True)
class LiveFigures:
    training_overdue: int
    destruction_overdue: int
    audit_verified_at: float | None  # Unix time the last verification finished
    audit_verified_ok: bool | None
    audit_entries_checked: int


def live_figures() -> LiveFigures:
    """Overdue training sign-offs, contracts past their destruction date, and the last chain verification.

    Training comes from the compliance dashboards' cached counts, so a scrape costs
    the dashboards nothing extra; the rest is two small indexed queries.
    """
    _staff, signed = compliance_counts()
    destruction = calendar_counts(ResearchContract.objects.filter(status__in=OPEN_STATUSES), timezone.localdate())
    last = AuditVerification.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-pk").first()
    return LiveFigures(
        training_overdue=sum(row["overdue"] for row in signed),
        destruction_overdue=destruction["overdue"],
        audit_verified_at=last.finished_at.timestamp() if last and last.finished_at else None,
        audit_verified_ok=last.ok if last else None,
        audit_entries_checked=last.entries_checked if last else 0,
    )
