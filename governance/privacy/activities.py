"""Recording, changing and reviewing the record of processing activities, and its review reminders.

Each function checks the caller against ``privacy.policy``, validates (every problem at once),
writes in one transaction and names the activity as the reason on every audit entry it writes.
The Data Protection Officer is told of every new activity.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.contracts.models import ExternalOrganisation
from governance.core import offices
from governance.core.audit_hashing import reason as audit_reason
from governance.core.models import BusinessArea, User
from governance.core.notifications import notify, remind
from governance.core.permissions import is_system, refuse_unless
from governance.core.plurals import plural
from governance.privacy.models import ProcessingActivity
from governance.privacy.policy import can_edit_activity, can_record_activity
from governance.register.models import InformationAsset

Role = ProcessingActivity.Role
logger = logging.getLogger(__name__)

RECORD_REFUSAL = "Only an Information Asset Manager records a processing activity, on the assets they manage."
EDIT_REFUSAL = "Only the activity's owner or its area's Deputy SIRO can change or review it."


def one_year_on(day: datetime.date) -> datetime.date:
    """The next yearly review: the same day a year on (28 February for 29 February)."""
    return day + relativedelta(years=1)


def activity_errors(
    *,
    role: str | None,
    controller_name: str,
    special_category_condition: str,
    schedule_1_condition: str,
    transfer_countries: str,
    transfer_safeguard: str,
    assets: Iterable[InformationAsset] | None,
    business_area: BusinessArea | None,
    next_review_date: datetime.date | None = None,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """The activity's cross-field rules, named by field, all at once (the form shows them with its own)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if role == Role.PROCESSOR and not (controller_name or "").strip():
        errors["controller_name"] = "Enter the controller the department processes this data for"
    if special_category_condition and not schedule_1_condition:
        errors["schedule_1_condition"] = (
            "Select the Data Protection Act 2018 Schedule 1 condition that goes with the Article 9 condition"
        )
    if schedule_1_condition and not special_category_condition:
        errors["special_category_condition"] = "Select the Article 9 condition the Schedule 1 condition goes with"
    if (transfer_countries or "").strip() and not transfer_safeguard:
        errors["transfer_safeguard"] = "Select the safeguard that makes the transfer outside the UK lawful"
    if transfer_safeguard and not (transfer_countries or "").strip():
        errors["transfer_countries"] = "Enter the countries the data is transferred to, or select no safeguard"
    chosen = list(assets or [])
    if assets is not None and not chosen:
        errors["assets"] = "Select the information assets the activity processes"
    if business_area is not None and chosen and all(a.business_area_id != business_area.pk for a in chosen):
        errors["business_area"] = "Select the business area of one of the activity's assets"
    if next_review_date is not None and next_review_date <= today:
        errors["next_review_date"] = "The next review date must be in the future"
    if any(asset.special_category for asset in chosen) and not special_category_condition:
        errors.setdefault(
            "special_category_condition", "Its assets hold special category data: select the Article 9 condition"
        )
    return errors


def _tell_dpo(activity: ProcessingActivity) -> None:
    dpo = offices.data_protection_officer()
    if dpo is None:
        return
    notify(
        dpo,
        key=f"privacy-activity-recorded:{activity.pk}:{dpo.pk}",
        subject=f"New processing activity recorded: {activity.name}",
        template="emails/privacy_activity_recorded.txt",
        context={"activity": activity, "name": dpo.first_name or dpo.display_name},
    )


def _check(by: User, fields: dict, assets: list[InformationAsset], review: datetime.date | None) -> None:
    errors = {}
    if not (fields.get("name") or "").strip():
        errors["name"] = "Enter the name of the processing activity"
    if not (fields.get("purposes") or "").strip():
        errors["purposes"] = "Enter why the personal data is processed"
    if not (fields.get("data_subjects") or "").strip():
        errors["data_subjects"] = "Enter whose personal data it is"
    if fields.get("lawful_basis") not in InformationAsset.LawfulBasis.values:
        errors["lawful_basis"] = "Select the lawful basis"
    errors.update(
        activity_errors(
            role=fields.get("role"),
            controller_name=fields.get("controller_name", ""),
            special_category_condition=fields.get("special_category_condition", ""),
            schedule_1_condition=fields.get("schedule_1_condition", ""),
            transfer_countries=fields.get("transfer_countries", ""),
            transfer_safeguard=fields.get("transfer_safeguard", ""),
            assets=assets,
            business_area=fields.get("business_area"),
            next_review_date=review,
        )
    )
    if errors:
        raise ValidationError(errors)


_TEXT_FIELDS = ("name", "purposes", "controller_name", "data_subjects", "transfer_countries")


def _apply(activity: ProcessingActivity, fields: dict) -> None:
    for name, value in fields.items():
        setattr(activity, name, value.strip() if name in _TEXT_FIELDS and isinstance(value, str) else value)
    if activity.role != Role.PROCESSOR:
        activity.controller_name = ""


def record_activity(
    *,
    by: User,
    assets: Iterable[InformationAsset],
    processors: Iterable[ExternalOrganisation] = (),
    next_review_date: datetime.date | None = None,
    **fields,
) -> ProcessingActivity:
    """Record a processing activity on ``by``'s assets; ``by`` owns it. Its review falls a year on
    unless another date is given. The Data Protection Officer is told."""
    refuse_unless(can_record_activity(by) or is_system(by), RECORD_REFUSAL)
    assets = list(assets)
    refuse_unless(is_system(by) or all(asset.manager_id == by.pk for asset in assets), RECORD_REFUSAL)
    _check(by, fields, assets, next_review_date)
    return _record(by, assets, list(processors), next_review_date, fields)


@transaction.atomic
def _record(by, assets, processors, next_review_date, fields) -> ProcessingActivity:
    activity = ProcessingActivity(owner=by, created_by=by)
    _apply(activity, fields)
    activity.next_review_date = next_review_date or one_year_on(timezone.localdate())
    with audit_reason(f"Processing activity {activity.name} recorded"):
        activity.full_clean(exclude=["owner", "created_by"])
        activity.save()
        activity.assets.set(assets)
        activity.processors.set(processors)
    _tell_dpo(activity)
    return activity


def update_activity(
    activity: ProcessingActivity,
    *,
    by: User,
    assets: Iterable[InformationAsset],
    processors: Iterable[ExternalOrganisation] = (),
    next_review_date: datetime.date | None = None,
    **fields,
) -> ProcessingActivity:
    """Change an activity's entry. Its assets stay among those its owner manages or the caller oversees."""
    refuse_unless(can_edit_activity(by, activity), EDIT_REFUSAL)
    assets = list(assets)
    current = set(activity.assets.values_list("pk", flat=True))
    refuse_unless(
        all(
            asset.pk in current
            or asset.manager_id == activity.owner_id
            or asset.business_area_id == activity.business_area_id
            for asset in assets
        ),
        "Choose assets its owner manages or in the activity's business area.",
    )
    _check(by, fields, assets, next_review_date)
    return _update(activity, by, assets, list(processors), next_review_date, fields)


@transaction.atomic
def _update(activity, by, assets, processors, next_review_date, fields) -> ProcessingActivity:
    activity = ProcessingActivity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    refuse_unless(can_edit_activity(by, activity), EDIT_REFUSAL)
    _apply(activity, fields)
    if next_review_date is not None:
        activity.next_review_date = next_review_date
    with audit_reason(f"Processing activity {activity.name} changed"):
        activity.full_clean(exclude=["owner", "created_by"])
        activity.save()
        activity.assets.set(assets)
        activity.processors.set(processors)
    return activity


@transaction.atomic
def mark_reviewed(activity: ProcessingActivity, *, by: User) -> ProcessingActivity:
    """The owner or the Deputy SIRO confirms the entry is still true: the next review falls a year on."""
    activity = ProcessingActivity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    refuse_unless(can_edit_activity(by, activity), EDIT_REFUSAL)
    today = timezone.localdate()
    activity.last_reviewed_on = today
    activity.next_review_date = one_year_on(today)
    with audit_reason(f"Processing activity {activity.name} reviewed"):
        activity.save(update_fields=["last_reviewed_on", "next_review_date", "updated_at"])
    return activity


# --- review reminders ----------------------------------------------------------------------


@dataclass
class ActivityReminderRun:
    due: int = 0
    overdue: int = 0
    escalated: int = 0

    def as_dict(self) -> dict:
        return {"due": self.due, "overdue": self.overdue, "escalated": self.escalated}


def _step(days_left: int) -> int | None:
    for step in sorted(settings.PRIVACY_REVIEW_REMINDER_DAYS):
        if 0 <= days_left <= step:
            return step
    return None


def send_activity_reminders(today: datetime.date | None = None) -> ActivityReminderRun:
    """The owner is reminded before the yearly review (``PRIVACY_REVIEW_REMINDER_DAYS``), weekly once it
    is overdue, and the area's Deputy SIRO is told when it is ``PRIVACY_ESCALATION_DAYS`` overdue.
    Each message's key names the activity, the step, the review date and the recipient: a second
    run sends nothing more, and a new review date gets its own reminders."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(settings.PRIVACY_REVIEW_REMINDER_DAYS, default=0))
    run = ActivityReminderRun()
    due = ProcessingActivity.objects.filter(next_review_date__lte=horizon).select_related(
        "owner", "business_area__deputy_siro"
    )
    for activity in due.order_by("pk").iterator(chunk_size=200):
        try:
            _remind_activity(activity, today, run)
        except Exception:
            logger.exception("Review reminders for processing activity %s failed; the others go on", activity.pk)
    return run


def _remind_activity(activity: ProcessingActivity, today: datetime.date, run: ActivityReminderRun) -> None:
    review = activity.next_review_date
    days_left = (review - today).days
    owner = activity.owner
    context = {"activity": activity, "days_left": days_left, "days_overdue": -days_left}
    step = _step(days_left)
    if step is not None:
        run.due += remind(
            owner,
            key=f"privacy-activity-review-due:{activity.pk}:{review.isoformat()}:{step}d:{owner.pk}",
            subject=f"Review of the processing activity due in {plural(days_left, 'day')}: {activity.name}",
            template="emails/privacy_activity_review.txt",
            context={**context, "name": owner.first_name or owner.display_name},
        )
    if days_left < 0:
        year, week, _ = today.isocalendar()
        run.overdue += remind(
            owner,
            key=f"privacy-activity-review-overdue:{activity.pk}:{review.isoformat()}:{year}-W{week:02d}:{owner.pk}",
            subject=f"Review of the processing activity overdue by {plural(-days_left, 'day')}: {activity.name}",
            template="emails/privacy_activity_review.txt",
            context={**context, "name": owner.first_name or owner.display_name},
        )
        if -days_left >= settings.PRIVACY_ESCALATION_DAYS:
            deputy = activity.business_area.deputy_siro
            run.escalated += remind(
                deputy,
                key=f"privacy-activity-review-escalated:{activity.pk}:{review.isoformat()}:{getattr(deputy, 'pk', 0)}",
                subject=f"Escalation: review of the processing activity overdue: {activity.name}",
                template="emails/privacy_activity_review.txt",
                context={**context, "name": deputy.first_name or deputy.display_name, "escalated": True}
                if deputy
                else context,
            )
