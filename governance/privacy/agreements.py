"""Drafting, approving and ending data-sharing agreements, and their review and end reminders.

Each function checks the caller against ``privacy.policy``, validates (every problem at once),
writes in one transaction and names the agreement as the reason on every audit entry it writes.
The Data Protection Officer is told of every new agreement. ``approval_problems`` says what
stops a draft being put in force; further gates (a signed DPIA) add their problems to it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.core import approval_gates, offices
from governance.core.audit_hashing import reason as audit_reason
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify, remind
from governance.core.permissions import refuse_unless
from governance.core.plurals import date_text, plural
from governance.privacy.models import SharingAgreement
from governance.privacy.policy import (
    can_approve_agreement,
    can_create_agreement,
    can_edit_agreement,
    can_end_agreement,
)
from governance.register.models import DataItem, InformationAsset

Status = SharingAgreement.Status
logger = logging.getLogger(__name__)

CREATE_REFUSAL = "Only IAMs, Deputy SIROs and research contract managers draft sharing agreements."
EDIT_REFUSAL = "Only the agreement's manager or its area's Deputy SIRO can change it, until it has ended."
APPROVE_REFUSAL = "Only the Deputy SIRO of the agreement's business area approves a draft agreement."
END_REFUSAL = "Only the agreement's manager or its area's Deputy SIRO ends an agreement in force."

_TEXT_FIELDS = ("reference", "title", "purpose", "security_conditions")


def agreement_errors(
    *,
    start_date: datetime.date | None,
    review_date: datetime.date | None,
    end_date: datetime.date | None,
    assets: Iterable[InformationAsset] | None,
    data_items: Iterable[DataItem] | None,
    reference: str | None = None,
    exclude_pk: int | None = None,
) -> dict[str, str]:
    """The agreement's cross-field rules, named by field, all at once."""
    errors: dict[str, str] = {}
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = "The end date must be on or after the start date"
    if start_date and review_date and review_date < start_date:
        errors["review_date"] = "The review date must be on or after the start date"
    elif end_date and review_date and review_date > end_date:
        errors["review_date"] = "The review date must be on or before the end date"
    if assets is not None and data_items is not None:
        asset_ids = {asset.pk for asset in assets}
        strays = sorted({item.asset.name for item in data_items if item.asset_id not in asset_ids})
        if strays:
            errors["data_items"] = f"Choose the data items' assets too: {', '.join(strays)}"
    if reference:
        taken = SharingAgreement.objects.filter(reference__iexact=reference.strip())
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["reference"] = "Another agreement already has this reference"
    return errors


def _check(fields: dict, assets, data_items, exclude_pk: int | None = None) -> None:
    errors: dict[str, str] = {}
    required = {
        "reference": "Enter the agreement's reference",
        "title": "Enter the agreement's title",
        "purpose": "Enter what the data is shared for",
        "security_conditions": "Enter how the data is sent, held and protected",
    }
    for name, message in required.items():
        if not (fields.get(name) or "").strip():
            errors[name] = message
    errors.update(
        agreement_errors(
            start_date=fields.get("start_date"),
            review_date=fields.get("review_date"),
            end_date=fields.get("end_date"),
            assets=assets,
            data_items=data_items,
            reference=fields.get("reference"),
            exclude_pk=exclude_pk,
        )
    )
    if errors:
        raise ValidationError(errors)


def _apply(agreement: SharingAgreement, fields: dict) -> None:
    for name, value in fields.items():
        setattr(agreement, name, value.strip() if name in _TEXT_FIELDS and isinstance(value, str) else value)


def _tell_dpo(agreement: SharingAgreement) -> None:
    dpo = offices.data_protection_officer()
    if dpo is None:
        return
    notify(
        dpo,
        key=f"privacy-agreement-recorded:{agreement.pk}:{dpo.pk}",
        subject=f"New data-sharing agreement drafted: {agreement.reference}",
        template="emails/privacy_agreement_recorded.txt",
        context={"agreement": agreement, "name": dpo.first_name or dpo.display_name},
    )


def create_agreement(
    *, by: User, assets: Iterable[InformationAsset] = (), data_items: Iterable[DataItem] = (), **fields
) -> SharingAgreement:
    """Draft an agreement; ``by`` manages it. The Data Protection Officer is told."""
    refuse_unless(can_create_agreement(by), CREATE_REFUSAL)
    assets, data_items = list(assets), list(data_items)
    _check(fields, assets, data_items)
    return _create(by, assets, data_items, fields)


@transaction.atomic
def _create(by, assets, data_items, fields) -> SharingAgreement:
    agreement = SharingAgreement(manager=by, status=Status.DRAFT)
    _apply(agreement, fields)
    with audit_reason(f"Data-sharing agreement {agreement.reference} drafted"):
        agreement.full_clean(exclude=["manager"])
        agreement.save()
        agreement.assets.set(assets)
        agreement.data_items.set(data_items)
    _tell_dpo(agreement)
    return agreement


def update_agreement(
    agreement: SharingAgreement,
    *,
    by: User,
    assets: Iterable[InformationAsset] = (),
    data_items: Iterable[DataItem] = (),
    **fields,
) -> SharingAgreement:
    refuse_unless(can_edit_agreement(by, agreement), EDIT_REFUSAL)
    assets, data_items = list(assets), list(data_items)
    _check(fields, assets, data_items, exclude_pk=agreement.pk)
    return _update(agreement, by, assets, data_items, fields)


# Fields an agreement in force may change without being approved again: setting its next review is
# how a review is recorded. Any other change (what is shared, with whom, on what basis, for how long)
# is a new agreement in substance and goes back to the area's Deputy SIRO.
REVIEW_ONLY_FIELDS = frozenset({"review_date"})


def _substance(agreement: SharingAgreement) -> dict:
    fields = {f.name: getattr(agreement, f.attname) for f in SharingAgreement._meta.concrete_fields}
    fields["assets"] = set(agreement.assets.values_list("pk", flat=True))
    fields["data_items"] = set(agreement.data_items.values_list("pk", flat=True))
    for name in ("updated_at", *REVIEW_ONLY_FIELDS):
        fields.pop(name, None)
    return fields


@transaction.atomic
def _update(agreement, by, assets, data_items, fields) -> SharingAgreement:
    agreement = SharingAgreement.objects.select_for_update(of=("self",)).get(pk=agreement.pk)
    refuse_unless(can_edit_agreement(by, agreement), EDIT_REFUSAL)
    in_force = agreement.status == Status.ACTIVE
    before = _substance(agreement) if in_force else None
    _apply(agreement, fields)
    with audit_reason(f"Data-sharing agreement {agreement.reference} changed"):
        agreement.full_clean(exclude=["manager"])
        agreement.save()
        agreement.assets.set(assets)
        agreement.data_items.set(data_items)
    if in_force and _substance(agreement) != before:
        # Changed in substance while in force: back to draft until the Deputy SIRO approves it again.
        with audit_reason(
            f"Data-sharing agreement {agreement.reference} changed while in force: back to draft for approval"
        ):
            agreement.status = Status.DRAFT
            agreement.save(update_fields=["status", "updated_at"])
    return agreement


def approval_problems(agreement: SharingAgreement) -> list[str]:
    """What stops ``agreement`` being put in force, each named; empty when it may be approved.

    The one list the approval page shows and ``approve_agreement`` refuses with. Gates kept by
    other parts of the portal (a signed DPIA where screening asks for one) add their problems here.
    """
    problems: list[str] = []
    today = timezone.localdate()
    if agreement.status != Status.DRAFT:
        problems.append(
            "Only a draft agreement is approved: this one is already " + agreement.get_status_display().lower()
        )
    items = list(agreement.data_items.all())
    if not items:
        problems.append("Name the data items the agreement shares")
    gives = agreement.direction in (SharingAgreement.Direction.OUT, SharingAgreement.Direction.BOTH)
    if gives and not agreement.assets.exists():
        problems.append("Name the information assets the data given comes from")
    special = any(item.sensitivity == DataItem.Sensitivity.SPECIAL_CATEGORY for item in items)
    if special and not agreement.special_category_condition:
        problems.append("It shares special category data: record the Article 9 condition")
    if agreement.end_date < today:
        problems.append(f"Its end date has passed ({date_text(agreement.end_date)}): agree new dates first")
    elif agreement.review_date < today:
        problems.append(f"Its review date has passed ({date_text(agreement.review_date)}): set the next review")
    if not agreement.manager.is_active:
        problems.append("Its manager has left: name a manager in post")
    problems.extend(approval_gates.problems(agreement))  # its DPIA, where screening asks for one
    return problems


@records_reason
def approve_agreement(agreement: SharingAgreement, *, by: User, reason: str = "") -> SharingAgreement:
    """The area's Deputy SIRO puts a draft in force, once nothing in ``approval_problems`` is left."""
    refuse_unless(can_approve_agreement(by, agreement), APPROVE_REFUSAL)
    problems = approval_problems(agreement)
    if problems:
        raise ValidationError(problems)
    return _approve(agreement, by)


@transaction.atomic
def _approve(agreement: SharingAgreement, by: User) -> SharingAgreement:
    agreement = SharingAgreement.objects.select_for_update(of=("self",)).get(pk=agreement.pk)
    refuse_unless(can_approve_agreement(by, agreement), APPROVE_REFUSAL)
    problems = approval_problems(agreement)
    if problems:
        raise ValidationError(problems)
    agreement.status = Status.ACTIVE
    agreement.approved_by = by
    agreement.approved_at = timezone.now()
    with audit_reason(f"Data-sharing agreement {agreement.reference} approved"):
        agreement.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return agreement


@records_reason
@transaction.atomic
def end_agreement(agreement: SharingAgreement, *, by: User, reason: str) -> SharingAgreement:
    """End an agreement in force, today (or on its start date, if it has not started yet)."""
    agreement = SharingAgreement.objects.select_for_update(of=("self",)).get(pk=agreement.pk)
    refuse_unless(can_end_agreement(by, agreement), END_REFUSAL)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the agreement ends"})
    today = timezone.localdate()
    agreement.status = Status.ENDED
    agreement.end_date = max(min(agreement.end_date, today), agreement.start_date)
    agreement.save(update_fields=["status", "end_date", "updated_at"])
    return agreement


# --- review and end reminders, and escalation -------------------------------------------------


@dataclass
class AgreementReminderRun:
    review_due: int = 0
    end_due: int = 0
    review_overdue: int = 0
    escalated_deputy: int = 0
    escalated_siro: int = 0

    def as_dict(self) -> dict:
        return {
            "review_due": self.review_due,
            "end_due": self.end_due,
            "review_overdue": self.review_overdue,
            "escalated_deputy": self.escalated_deputy,
            "escalated_siro": self.escalated_siro,
        }


def _step(days_left: int) -> int | None:
    for step in sorted(settings.PRIVACY_REVIEW_REMINDER_DAYS):
        if 0 <= days_left <= step:
            return step
    return None


def send_agreement_reminders(today: datetime.date | None = None) -> AgreementReminderRun:
    """Reminders for agreements in force: to the manager before the review and the end
    (``PRIVACY_REVIEW_REMINDER_DAYS``) and weekly while the review is overdue; once past review, to
    the area's Deputy SIRO, and ``PRIVACY_ESCALATION_DAYS`` later to the SIRO (or, while the office is
    vacant, its stand-ins). Each message's key names the agreement, the step, the date it is about and
    the recipient, so a second run sends nothing more and a new date gets its own reminders."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(settings.PRIVACY_REVIEW_REMINDER_DAYS, default=0))
    run = AgreementReminderRun()
    due = (
        SharingAgreement.objects.filter(status=Status.ACTIVE)
        .filter(Q(review_date__lte=horizon) | Q(end_date__gte=today, end_date__lte=horizon))
        .select_related("manager", "organisation", "business_area__deputy_siro")
    )
    siro: list[User] | None = None
    for agreement in due.order_by("pk").iterator(chunk_size=200):
        try:
            if siro is None and agreement.review_date < today:
                siro = offices.siro_recipients()
            _remind(agreement, today, run, siro or [])
        except Exception:
            logger.exception("Reminders for sharing agreement %s failed; the others go on", agreement.pk)
    return run


def _send(person: User | None, agreement: SharingAgreement, *, key: str, subject: str, context: dict) -> int:
    if person is None:
        return 0
    return remind(
        person,
        key=f"{key}:{person.pk}",
        subject=f"{subject}: {agreement.reference}",
        template="emails/privacy_agreement_reminder.txt",
        context={**context, "agreement": agreement, "name": person.first_name or person.display_name},
    )


def _remind(agreement: SharingAgreement, today: datetime.date, run: AgreementReminderRun, siro: list[User]) -> None:
    manager = agreement.manager
    review = agreement.review_date
    days_left = (review - today).days
    step = _step(days_left)
    if step is not None:
        run.review_due += _send(
            manager,
            agreement,
            key=f"privacy-agreement-review-due:{agreement.pk}:{review.isoformat()}:{step}d",
            subject=f"Review due in {plural(days_left, 'day')}",
            context={"what": "review", "days_left": days_left},
        )
    end_left = (agreement.end_date - today).days
    end_step = _step(end_left)
    if end_step is not None:
        run.end_due += _send(
            manager,
            agreement,
            key=f"privacy-agreement-end-due:{agreement.pk}:{agreement.end_date.isoformat()}:{end_step}d",
            subject=f"Agreement ends in {plural(end_left, 'day')}",
            context={"what": "end", "days_left": end_left},
        )
    if days_left >= 0:
        return
    overdue = -days_left
    year, week, _ = today.isocalendar()
    context = {"what": "overdue", "days_overdue": overdue}
    run.review_overdue += _send(
        manager,
        agreement,
        key=f"privacy-agreement-review-overdue:{agreement.pk}:{review.isoformat()}:{year}-W{week:02d}",
        subject=f"Review overdue by {plural(overdue, 'day')}",
        context=context,
    )
    run.escalated_deputy += _send(
        agreement.business_area.deputy_siro,
        agreement,
        key=f"privacy-agreement-escalated-deputy:{agreement.pk}:{review.isoformat()}",
        subject="Escalation: sharing agreement past its review",
        context={**context, "escalated": "deputy"},
    )
    if overdue >= settings.PRIVACY_ESCALATION_DAYS:
        for person in siro:
            run.escalated_siro += _send(
                person,
                agreement,
                key=f"privacy-agreement-escalated-siro:{agreement.pk}:{review.isoformat()}",
                subject="Escalation to the SIRO: sharing agreement past its review",
                context={**context, "escalated": "siro"},
            )
