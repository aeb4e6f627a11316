"""Information risks per asset: recording, updating and their review reminders."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ExpressionWrapper, F, IntegerField, Q
from django.utils import timezone

from governance.assurance.models import InformationRisk
from governance.assurance.policy import can_manage_risks
from governance.core.models import User
from governance.core.notifications import remind
from governance.register.models import InformationAsset

logger = logging.getLogger(__name__)

RISK_FIELDS = ("description", "likelihood", "impact", "owner", "treatment", "target_date", "review_date", "status")


def _validate(risk: InformationRisk) -> None:
    if not risk.owner.is_active:
        raise ValidationError({"owner": "Choose a risk owner who is still in the department"})
    risk.full_clean()


@transaction.atomic
def record_risk(asset: InformationAsset, *, by: User, **fields) -> InformationRisk:
    """Record a new risk on ``asset``; only its IAM, Deputy SIRO or an administrator may."""
    if not can_manage_risks(by, asset):
        raise PermissionDenied("Only the asset's IAM or Deputy SIRO records its risks.")
    risk = InformationRisk(asset=asset, **{k: v for k, v in fields.items() if k in RISK_FIELDS})
    _validate(risk)
    risk.save()
    return risk


@transaction.atomic
def update_risk(risk: InformationRisk, *, by: User, **fields) -> InformationRisk:
    if not can_manage_risks(by, risk.asset):
        raise PermissionDenied("Only the asset's IAM or Deputy SIRO updates its risks.")
    for name, value in fields.items():
        if name in RISK_FIELDS:
            setattr(risk, name, value)
    _validate(risk)
    risk.save()
    return risk


def asset_risks(asset: InformationAsset) -> list[InformationRisk]:
    """The asset's risks for its page, unclosed first, highest rated first. One query."""
    return sorted(
        asset.risks.select_related("owner"),
        key=lambda r: (r.status == InformationRisk.Status.CLOSED, -r.rating, r.pk),
    )


def open_risks():
    return InformationRisk.objects.exclude(status=InformationRisk.Status.CLOSED)


#: The SIRO's report's risk figures, each as the filter of the risks behind it (risks not closed).
RISK_FIGURES = {
    "high": ("open and rated high", Q(status=InformationRisk.Status.OPEN, score__gte=15)),
    "medium": ("open and rated medium", Q(status=InformationRisk.Status.OPEN, score__gte=8, score__lt=15)),
    "low": ("open and rated low", Q(status=InformationRisk.Status.OPEN, score__lt=8)),
    "tolerated": ("tolerated", Q(status=InformationRisk.Status.TOLERATED)),
    "review_overdue": ("overdue for review", None),  # needs today's date: see ``risks_behind``
}


def scored_risks():
    """Risks not closed, each with its rating (likelihood times impact) as ``score`` for grouping and filtering."""
    return open_risks().annotate(score=ExpressionWrapper(F("likelihood") * F("impact"), output_field=IntegerField()))


def figure_filter(figure: str, today: datetime.date) -> Q:
    rule = RISK_FIGURES[figure][1]
    return Q(review_date__lt=today) if rule is None else rule


def risks_behind(figure: str, *, area_id: int | None = None, today: datetime.date | None = None):
    """The risks behind one figure of the SIRO's report, in one area or all."""
    risks = scored_risks().filter(figure_filter(figure, today or timezone.localdate()))
    if area_id is not None:
        risks = risks.filter(asset__business_area_id=area_id)
    return risks.select_related("asset__business_area", "owner").order_by("-score", "review_date", "pk")


@dataclass
class RiskReminderRun:
    reminded: int = 0
    escalated: int = 0


def send_risk_review_reminders(today: datetime.date | None = None) -> RiskReminderRun:
    """Remind the IAM of each unclosed risk whose review date has passed; escalate to the Deputy SIRO.

    Idempotent: each message's key names the risk, its review date and the recipient, so a
    rerun sends nothing new; setting a new review date starts a new cycle.
    """
    today = today or timezone.localdate()
    run = RiskReminderRun()
    overdue = open_risks().filter(review_date__lt=today)
    for pk in list(overdue.order_by("pk").values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                # Locked and read again: a risk closed or reviewed while the job runs gets no reminder.
                risk = (
                    overdue.select_for_update(of=("self",))
                    .select_related("asset__manager", "asset__business_area__deputy_siro", "owner")
                    .filter(pk=pk)
                    .first()
                )
                if risk is not None:
                    _remind_of(risk, today, run)
        except Exception:
            logger.exception("Review reminders for information risk %s failed; the other risks go on", pk)
    return run


def _remind_of(risk: InformationRisk, today: datetime.date, run: RiskReminderRun) -> None:
    asset = risk.asset
    context = {"risk": risk, "asset": asset, "days_overdue": (today - risk.review_date).days}
    run.reminded += remind(
        asset.manager,
        key=f"risk-review-overdue:{risk.pk}:{risk.review_date.isoformat()}:{asset.manager_id}",
        subject=f"Risk review overdue: {asset.name}",
        template="emails/risk_review_overdue.txt",
        context={**context, "escalation": False},
    )
    deputy = asset.business_area.deputy_siro
    run.escalated += remind(
        deputy,
        key=f"risk-review-escalated:{risk.pk}:{risk.review_date.isoformat()}:{getattr(deputy, 'pk', '')}",
        subject=f"Overdue risk review in {asset.business_area}: {asset.name}",
        template="emails/risk_review_overdue.txt",
        context={**context, "escalation": True},
    )
