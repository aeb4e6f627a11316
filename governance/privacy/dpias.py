"""DPIAs: the screening answered, the assessment and its risks, the DPO's advice, the two sign-offs, the
prior consultation with the ICO (Article 36) and the review reminders.

States: screening -> needed -> in assessment -> awaiting the DPO's advice -> awaiting sign-off -> signed
(or screening -> not needed). Each service checks its own rule (``privacy.policy``), validates and writes
in one transaction. Signing is a high-risk step: the signer answers with a fresh security key (or a
fresh code) before anything is written, and the two sign-offs are two different people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from governance.core.models import User
from governance.core.notifications import notify
from governance.core.offices import data_protection_officer
from governance.core.permissions import refuse_unless
from governance.core.plurals import date_text
from governance.core.security import verify_fresh_second_factor
from governance.privacy.models import DPIA, DPIARisk, RiskLevel, ScreeningCriterion
from governance.privacy.policy import (
    can_advise_on_dpia,
    can_edit_dpia,
    can_record_consultation,
    can_review_dpia,
    can_sign_dpia,
    can_sign_dpia_as_deputy,
    can_sign_dpia_as_iam,
    deputy_step_person,
    iam_step_person,
)

S = DPIA.State
EDIT_REFUSAL = "Only the IAM (or owner) the DPIA names and the Deputy SIRO of its area write it."
ADVICE_REFUSAL = "Only the Data Protection Officer gives the DPO's advice."
SIGN_REFUSAL = (
    "The DPIA is signed by its IAM and by the Deputy SIRO of its area (the SIRO standing in), two different people."
)
CONSULTATION_REFUSAL = "Only the Data Protection Officer, the IAM and the Deputy SIRO record the consultation."
REVIEW_REFUSAL = "Only the Data Protection Officer, the IAM and the Deputy SIRO review the DPIA."
ASSESSING = (S.NEEDED, S.IN_ASSESSMENT)


def _lock(dpia: DPIA) -> DPIA:
    return (
        DPIA.objects.select_for_update(of=("self",)).select_related("business_area__deputy_siro", "iam").get(pk=dpia.pk)
    )


def _tell(people, dpia: DPIA, *, key: str, subject: str, message: str) -> None:
    for person in {p.pk: p for p in people if p is not None and p.is_active}.values():
        notify(
            person,
            key=f"{key}:{dpia.pk}:{person.pk}",
            subject=subject,
            template="emails/dpia_step.txt",
            context={"dpia": dpia, "message": message},
        )


# --- screening ---------------------------------------------------------------------------------------


def likely_high_risk(dpia: DPIA, criteria: list[str]) -> bool:
    """Two or more of the criteria (the record's own facts counted): the ICO expects a DPIA."""
    return len(criteria) + int(dpia.special_category) + int(dpia.identifiable_at_scale) >= 2


def screening_problems(dpia: DPIA, criteria: list[str], outcome: str, reasons: str) -> dict[str, str]:
    errors = {}
    if outcome not in DPIA.Outcome.values:
        errors["outcome"] = "Say whether a DPIA is needed"
    elif outcome == DPIA.Outcome.NOT_NEEDED and likely_high_risk(dpia, criteria):
        errors["outcome"] = "Two or more of the criteria for likely high risk are met: a DPIA is needed"
    if not (reasons or "").strip():
        errors["reasons"] = "Give the reasons for the screening's outcome"
    return errors


@transaction.atomic
def screen(dpia: DPIA, *, by: User, criteria: list[str], outcome: str, reasons: str) -> DPIA:
    dpia = _lock(dpia)
    refuse_unless(can_edit_dpia(by, dpia), EDIT_REFUSAL)
    if dpia.state not in (S.SCREENING, S.NEEDED, S.NOT_NEEDED):
        raise ValidationError("The assessment has started: the screening can no longer be changed.")
    criteria = [key for key in ScreeningCriterion.values if key in set(criteria)]
    errors = screening_problems(dpia, criteria, outcome, reasons)
    if errors:
        raise ValidationError(errors)
    dpia.criteria, dpia.screening_outcome, dpia.screening_reasons = criteria, outcome, reasons.strip()
    dpia.screened_by, dpia.screened_at = by, timezone.now()
    dpia.state = S.NEEDED if outcome == DPIA.Outcome.NEEDED else S.NOT_NEEDED
    dpia.save()
    return dpia


# --- the assessment ----------------------------------------------------------------------------------


def _start_assessment(dpia: DPIA, by: User) -> None:
    if dpia.state not in ASSESSING:
        raise ValidationError("The assessment can be changed only until it is sent to the DPO for advice.")
    if dpia.author_id is None:
        dpia.author = by
    dpia.state = S.IN_ASSESSMENT


def assessment_problems(dpia: DPIA, description: str, necessity: str, residual_risk: str, risks: int) -> list[str]:
    problems = []
    if not description.strip():
        problems.append("Describe the processing")
    if not necessity.strip():
        problems.append("Say why the processing is necessary and proportionate")
    if residual_risk not in RiskLevel.values:
        problems.append("Give the overall residual risk")
    if not risks:
        problems.append("Add at least one risk to people, with its measures")
    return problems


@transaction.atomic
def save_assessment(
    dpia: DPIA, *, by: User, description: str, necessity: str, residual_risk: str, submit: bool
) -> DPIA:
    """Write the assessment; ``submit`` sends it to the Data Protection Officer for advice."""
    dpia = _lock(dpia)
    refuse_unless(can_edit_dpia(by, dpia), EDIT_REFUSAL)
    _start_assessment(dpia, by)
    dpia.description, dpia.necessity, dpia.residual_risk = description.strip(), necessity.strip(), residual_risk
    if submit:
        problems = assessment_problems(dpia, description, necessity, residual_risk, dpia.risks.count())
        if problems:
            raise ValidationError(problems)
        dpia.state = S.AWAITING_ADVICE
    dpia.save()
    if submit:
        _tell(
            [data_protection_officer()],
            dpia,
            key="dpia-advice",
            subject=f"DPIA for your advice: {dpia.title}",
            message="A DPIA is ready for your advice as Data Protection Officer.",
        )
    return dpia


@transaction.atomic
def save_risk(
    dpia: DPIA,
    *,
    by: User,
    description: str,
    likelihood: str,
    severity: str,
    measures: str,
    residual_risk: str,
    risk: DPIARisk | None = None,
) -> DPIARisk:
    dpia = _lock(dpia)
    refuse_unless(can_edit_dpia(by, dpia), EDIT_REFUSAL)
    _start_assessment(dpia, by)
    dpia.save()
    if risk is None:
        risk = DPIARisk(dpia=dpia)
    elif risk.dpia_id != dpia.pk:
        raise ValidationError("That risk belongs to another DPIA.")
    risk.description, risk.likelihood, risk.severity = description.strip(), likelihood, severity
    risk.measures, risk.residual_risk = measures.strip(), residual_risk
    risk.full_clean(exclude=["dpia"])
    risk.save()
    return risk


# --- the DPO's advice --------------------------------------------------------------------------------


@transaction.atomic
def advise(dpia: DPIA, *, by: User, advice: str) -> DPIA:
    dpia = _lock(dpia)
    refuse_unless(can_advise_on_dpia(by, dpia), ADVICE_REFUSAL)
    if dpia.state != S.AWAITING_ADVICE:
        raise ValidationError("This DPIA is not waiting for the DPO's advice.")
    if not (advice or "").strip():
        raise ValidationError({"advice": "Enter your advice"})
    dpia.dpo_advice, dpia.dpo_advice_by, dpia.dpo_advice_at = advice.strip(), by, timezone.now()
    dpia.state = S.AWAITING_SIGN_OFF
    dpia.save()
    _tell(
        [iam_step_person(dpia), deputy_step_person(dpia)],
        dpia,
        key="dpia-sign",
        subject=f"DPIA to sign: {dpia.title}",
        message="The Data Protection Officer has advised on this DPIA: it is ready for your sign-off.",
    )
    return dpia


# --- sign-off ----------------------------------------------------------------------------------------


def sign_problems(dpia: DPIA, by: User, advice_followed: bool | None, reasons: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if dpia.state != S.AWAITING_SIGN_OFF:
        errors["__all__"] = "This DPIA is not waiting for sign-off."
        return errors
    if (can_sign_dpia_as_iam(by, dpia) and dpia.iam_signed_by_id is None) or (
        can_sign_dpia_as_deputy(by, dpia) and dpia.deputy_signed_by_id is None
    ):
        pass
    else:
        errors["__all__"] = "You have signed this DPIA already, or your step is signed by someone else."
    if dpia.advice_followed is None:
        if advice_followed is None:
            errors["advice_followed"] = "Say whether the DPO's advice was followed"
        elif advice_followed is False and not (reasons or "").strip():
            errors["advice_not_followed_reasons"] = "Give the reasons the DPO's advice was not followed"
    return errors


def sign(
    dpia: DPIA,
    *,
    by: User,
    advice_followed: bool | None = None,
    advice_not_followed_reasons: str = "",
    token: str = "",
    key_assertion: str = "",
    http_request: HttpRequest | None = None,
) -> DPIA:
    """Sign as the IAM or as the Deputy SIRO, with fresh verification; both signed, the DPIA is signed."""
    dpia = DPIA.objects.select_related("business_area__deputy_siro", "iam").get(pk=dpia.pk)  # as it is now
    refuse_unless(can_sign_dpia(by, dpia), SIGN_REFUSAL)
    errors = sign_problems(dpia, by, advice_followed, advice_not_followed_reasons)
    if errors:
        raise ValidationError(errors)  # nothing to verify for a sign-off that cannot happen
    verify_fresh_second_factor(by, request=http_request, token=token, key_assertion=key_assertion)
    return _sign_verified(
        dpia, by=by, advice_followed=advice_followed, advice_not_followed_reasons=advice_not_followed_reasons
    )


@transaction.atomic
def _sign_verified(dpia: DPIA, *, by: User, advice_followed: bool | None, advice_not_followed_reasons: str) -> DPIA:
    dpia = _lock(dpia)
    refuse_unless(can_sign_dpia(by, dpia), SIGN_REFUSAL)
    errors = sign_problems(dpia, by, advice_followed, advice_not_followed_reasons)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if dpia.advice_followed is None:
        dpia.advice_followed = advice_followed
        dpia.advice_not_followed_reasons = "" if advice_followed else advice_not_followed_reasons.strip()
    if can_sign_dpia_as_iam(by, dpia) and dpia.iam_signed_by_id is None:
        dpia.iam_signed_by, dpia.iam_signed_at = by, now
    else:
        dpia.deputy_signed_by, dpia.deputy_signed_at = by, now
    if dpia.iam_signed_by_id and dpia.deputy_signed_by_id:
        dpia.state = S.SIGNED
        dpia.review_date = timezone.localdate() + relativedelta(months=settings.DPIA_REVIEW_MONTHS)
    dpia.save()
    if dpia.state == S.SIGNED:
        message = "The DPIA is signed by the IAM and the Deputy SIRO."
        if dpia.residual_risk == RiskLevel.HIGH:
            message += " Its residual risk is high: consult the ICO before the processing starts (Article 36)."
        _tell(
            [data_protection_officer(), dpia.iam],
            dpia,
            key="dpia-signed",
            subject=f"DPIA signed: {dpia.title}",
            message=message,
        )
    return dpia


# --- prior consultation with the ICO (Article 36) ----------------------------------------------------


def ico_due_on(started_on: datetime.date, extended: bool) -> datetime.date:
    weeks = settings.DPIA_ICO_RESPONSE_WEEKS + (settings.DPIA_ICO_EXTENSION_WEEKS if extended else 0)
    return started_on + datetime.timedelta(weeks=weeks)


def consultation_problems(
    dpia: DPIA,
    started_on: datetime.date | None,
    response_on: datetime.date | None,
    outcome: str,
) -> dict[str, str]:
    errors = {}
    today = timezone.localdate()
    if dpia.residual_risk != RiskLevel.HIGH:
        errors["__all__"] = "The ICO is consulted only when the DPIA's residual risk is high."
    if started_on is None:
        errors["started_on"] = "Enter the date the consultation started"
    elif started_on > today:
        errors["started_on"] = "The consultation's start cannot be in the future"
    if response_on is not None:
        if response_on > today:
            errors["response_on"] = "The date of the ICO's response cannot be in the future"
        elif started_on is not None and response_on < started_on:
            errors["response_on"] = "The ICO's response cannot come before the consultation started"
        if not outcome:
            errors["outcome"] = "Say what the ICO answered"
    elif outcome:
        errors["response_on"] = "Enter the date the ICO responded"
    return errors


@transaction.atomic
def record_consultation(
    dpia: DPIA,
    *,
    by: User,
    started_on: datetime.date | None,
    extended: bool,
    response_on: datetime.date | None,
    outcome: str,
) -> DPIA:
    dpia = _lock(dpia)
    refuse_unless(can_record_consultation(by, dpia), CONSULTATION_REFUSAL)
    errors = consultation_problems(dpia, started_on, response_on, outcome)
    if errors:
        raise ValidationError(errors)
    if started_on is None:  # consultation_problems named it; said again for the type checker
        raise ValidationError({"started_on": "Enter the date the consultation started"})
    dpia.consultation_started_on, dpia.consultation_extended = started_on, extended
    dpia.consultation_due_on = ico_due_on(started_on, extended)
    dpia.consultation_response_on, dpia.consultation_outcome = response_on, outcome
    dpia.save()
    return dpia


# --- reviews -----------------------------------------------------------------------------------------

STILL_ACCURATE, REVISE = "still_accurate", "revise"


def review_problems(dpia: DPIA, outcome: str, notes: str) -> dict[str, str]:
    errors = {}
    if dpia.state != S.SIGNED:
        errors["__all__"] = "Only a signed DPIA is reviewed: this one is not signed yet."
    if outcome not in (STILL_ACCURATE, REVISE):
        errors["outcome"] = "Say whether the DPIA still describes the processing and its risks"
    if not (notes or "").strip():
        errors["notes"] = "Say what the review found"
    return errors


@transaction.atomic
def record_review(dpia: DPIA, *, by: User, outcome: str, notes: str) -> DPIA:
    """Record the review a signed DPIA falls due for.

    Still accurate: the next review is set ``DPIA_REVIEW_MONTHS`` on, which ends the reminders.
    To revise: the DPIA goes back to its assessment, and its advice and both signatures are
    cleared, since they were given to what it said before (the audit trail keeps them); it is
    signed again, by two people, before it stands.
    """
    dpia = _lock(dpia)
    refuse_unless(can_review_dpia(by, dpia), REVIEW_REFUSAL)
    errors = review_problems(dpia, outcome, notes)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    dpia.last_reviewed_on, dpia.last_reviewed_by, dpia.review_notes = today, by, notes.strip()
    if outcome == STILL_ACCURATE:
        dpia.review_date = today + relativedelta(months=settings.DPIA_REVIEW_MONTHS)
        dpia.save()
        return dpia
    dpia.state = S.IN_ASSESSMENT
    dpia.review_date = None
    dpia.dpo_advice, dpia.dpo_advice_by, dpia.dpo_advice_at = "", None, None
    dpia.advice_followed, dpia.advice_not_followed_reasons = None, ""
    dpia.iam_signed_by, dpia.iam_signed_at = None, None
    dpia.deputy_signed_by, dpia.deputy_signed_at = None, None
    dpia.save()
    _tell(
        [data_protection_officer(), dpia.iam, dpia.business_area.deputy_siro],
        dpia,
        key=f"dpia-revise:{today.isoformat()}",
        subject=f"DPIA to revise: {dpia.title}",
        message=f"{by.display_name} reviewed this DPIA and found it needs revising: {dpia.review_notes} "
        "It needs the DPO's advice and both signatures again.",
    )
    return dpia


# --- review reminders --------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    reminded: int = 0
    escalated: int = 0


def send_review_reminders(today: datetime.date | None = None) -> ReminderRun:
    """Remind the IAM and the DPO of a signed DPIA's review falling due; tell the Deputy SIRO once it is
    overdue. Idempotent: each reminder is sent once for each review date."""
    today = today or timezone.localdate()
    run = ReminderRun()
    dpo = data_protection_officer()
    due = DPIA.objects.filter(
        state=S.SIGNED,
        review_date__lte=today + datetime.timedelta(days=settings.DPIA_REVIEW_REMINDER_DAYS),
    ).select_related("iam", "business_area__deputy_siro")
    for dpia in due:
        review_date = dpia.review_date or today
        stamp = review_date.isoformat()
        overdue = review_date < today
        for person in {p.pk: p for p in (dpia.iam, dpo) if p is not None and p.is_active}.values():
            if notify(
                person,
                key=f"dpia-review:{dpia.pk}:{stamp}:{person.pk}",
                subject=f"DPIA review due: {dpia.title}",
                template="emails/dpia_step.txt",
                context={"dpia": dpia, "message": f"This DPIA's review is due on {date_text(review_date)}."},
            ):
                run.reminded += 1
        deputy = dpia.business_area.deputy_siro
        if (
            overdue
            and deputy is not None
            and deputy.is_active
            and notify(
                deputy,
                key=f"dpia-review-overdue:{dpia.pk}:{stamp}",
                subject=f"DPIA review overdue: {dpia.title}",
                template="emails/dpia_step.txt",
                context={"dpia": dpia, "message": f"This DPIA's review was due on {date_text(review_date)}."},
            )
        ):
            run.escalated += 1
    return run
