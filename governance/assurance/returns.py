"""Assurance rounds and returns: open, prepare, answer, sign, correct, accept, send back.

Every write checks the policy, validates, writes in a transaction, and leaves its
audit entries (the models are audited). Preparing a round's returns runs as a Celery
task, enqueued by name after the round is committed, and records its progress on the round.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from governance.assurance import policy
from governance.assurance.facts import compute_facts, iam_ids_with_assets
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.selectors import live_returns
from governance.core.models import User
from governance.core.permissions import refuse_unless
from governance.core.queue import enqueue
from governance.core.security import verify_fresh_second_factor
from governance.register.models import InformationAsset

ANSWER_FIELDS = (
    "register_accurate",
    "changes",
    "incidents_reported",
    "risks_managed",
    "access_still_needed",
    "comments",
)
REQUIRED_ANSWERS = ("register_accurate", "incidents_reported", "risks_managed", "access_still_needed")


def round_errors(
    *,
    period: str | None,
    period_start: datetime.date | None,
    period_end: datetime.date | None,
    due_date: datetime.date | None,
) -> dict[str, str]:
    """The rules a new round must meet: a period not used before, in order, and a due date not past.

    Checked when the round is opened and, through the round form, with its own fields,
    so every problem shows on the first submit. A value still missing is skipped.
    """
    errors = {}
    if period and AssuranceRound.objects.filter(period__iexact=period.strip()).exists():
        errors["period"] = "There is already a round for this period"
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = "The end of the period must be on or after its start"
    if due_date and due_date < timezone.localdate():
        errors["due_date"] = "The date returns are due must be today or in the future"
    return errors


@transaction.atomic
def open_round(
    *, by: User, period: str, period_start: datetime.date, period_end: datetime.date, due_date: datetime.date
) -> AssuranceRound:
    """The SIRO opens a round; its returns are prepared by a task once the round is committed."""
    refuse_unless(policy.can_open_round(by), "Only the SIRO opens an assurance round.")
    errors = round_errors(period=period, period_start=period_start, period_end=period_end, due_date=due_date)
    if errors:
        raise ValidationError(errors)
    round_ = AssuranceRound(
        period=period.strip(), period_start=period_start, period_end=period_end, due_date=due_date, opened_by=by
    )
    round_.iam_total = len(iam_ids_with_assets())
    round_.full_clean()
    round_.save()
    enqueue("governance.assurance.tasks.prepare_assurance_round", round_.pk)
    return round_


def _business_area_id(iam: User) -> int | None:
    """The area of the IAM's first asset (returns are accepted by that area's Deputy SIRO)."""
    return (
        InformationAsset.objects.filter(manager=iam)
        .order_by("business_area_id")
        .values_list("business_area_id", flat=True)
        .first()
    )


def prepare_round(round_id: int, batch: int = 50, limit: int | None = None) -> AssuranceRound:
    """Create the missing returns of a round, committing each batch and the progress with it.

    Idempotent: an IAM who already has a return in the round is skipped, and the unique
    constraint on (round, IAM, version) stops a concurrent run from creating a second.
    """
    round_ = AssuranceRound.objects.get(pk=round_id)
    iam_ids = iam_ids_with_assets()[:limit]
    done = set(AssuranceReturn.objects.filter(round=round_).values_list("iam_id", flat=True))
    todo = [pk for pk in iam_ids if pk not in done]
    users = User.objects.in_bulk(todo)
    for start in range(0, len(todo), batch):
        with transaction.atomic():
            for pk in todo[start : start + batch]:
                iam = users[pk]
                AssuranceReturn.objects.create(
                    round=round_,
                    iam=iam,
                    business_area_id=_business_area_id(iam),
                    facts=compute_facts(iam, round_),
                )
            round_.prepared = len(done) + min(start + batch, len(todo))
            round_.iam_total = len(iam_ids)
            round_.save(update_fields=["prepared", "iam_total"])
    with transaction.atomic():
        round_.refresh_from_db()
        round_.prepared = AssuranceReturn.objects.filter(round=round_).values("iam_id").distinct().count()
        round_.iam_total = max(round_.iam_total, round_.prepared)
        if round_.state == AssuranceRound.State.GENERATING:
            round_.state = AssuranceRound.State.OPEN
        round_.save()
    return round_


@transaction.atomic
def refresh_facts(ret: AssuranceReturn, *, by: User) -> AssuranceReturn:
    """Recompute an unsigned return's facts from today's records."""
    refuse_unless(policy.can_answer_return(by, ret), "Only the IAM updates an unsigned return.")
    ret.facts = compute_facts(ret.iam, ret.round)
    ret.facts_at = timezone.now()
    ret.save()
    return ret


@transaction.atomic
def save_answers(ret: AssuranceReturn, *, by: User, **answers) -> AssuranceReturn:
    refuse_unless(policy.can_answer_return(by, ret), "Only the IAM answers an unsigned return in an open round.")
    for name in ANSWER_FIELDS:
        if name in answers:
            setattr(ret, name, answers[name])
    ret.save()
    return ret


def content_digest(ret: AssuranceReturn) -> str:
    """SHA-256 over the return's identity, facts, answers and signature: what the IAM signed."""
    content = {
        "round": ret.round_id,
        "iam": ret.iam_id,
        "version": ret.version,
        "facts": ret.facts,
        "answers": {name: getattr(ret, name) for name in ANSWER_FIELDS},
        "signed_by": ret.signed_by_id,
        "signed_at": ret.signed_at.isoformat() if ret.signed_at else None,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def verify_digest(ret: AssuranceReturn) -> bool:
    return bool(ret.digest) and ret.digest == content_digest(ret)


def sign_return(
    ret: AssuranceReturn,
    *,
    by: User,
    code: str = "",
    key_assertion: str = "",
    request: HttpRequest | None = None,
    **answers,
) -> AssuranceReturn:
    """The IAM answers and signs with fresh strong verification; the return is then locked by its digest.

    Signing is a high-risk approval: a person with a security key touches it and gives its
    PIN again, anyone else gives a new authenticator code. The return's own rules are
    checked first (nobody is asked to verify for a return they cannot sign), and the
    verification happens before the signing transaction, so a refusal stays recorded.
    """
    current = AssuranceReturn.objects.select_related("round").get(pk=ret.pk)
    refuse_unless(policy.can_answer_return(by, current), "Only the IAM signs an unsigned return in an open round.")
    _check_answers(current, answers)
    verify_fresh_second_factor(by, request=request, token=code, key_assertion=key_assertion)
    return _sign(ret, by=by, answers=answers)


def _check_answers(ret: AssuranceReturn, answers: dict) -> None:
    merged = {name: answers.get(name, getattr(ret, name)) for name in ANSWER_FIELDS}
    missing = {name: "Answer this question" for name in REQUIRED_ANSWERS if merged.get(name) is None}
    if missing:
        raise ValidationError(missing)


@transaction.atomic
def _sign(ret: AssuranceReturn, *, by: User, answers: dict) -> AssuranceReturn:
    ret = AssuranceReturn.objects.select_for_update().select_related("round").get(pk=ret.pk)
    refuse_unless(policy.can_answer_return(by, ret), "Only the IAM signs an unsigned return in an open round.")
    for name in ANSWER_FIELDS:
        if name in answers:
            setattr(ret, name, answers[name])
    _check_answers(ret, {})
    ret.signed_by = by
    ret.signed_at = timezone.now()
    ret.state = AssuranceReturn.State.SIGNED
    ret.digest = content_digest(ret)
    ret.save()
    return ret


@transaction.atomic
def start_correction(ret: AssuranceReturn, *, by: User) -> AssuranceReturn:
    """A correction is a new version with today's facts and the previous answers; the old one is kept."""
    ret = AssuranceReturn.objects.select_for_update().select_related("round").get(pk=ret.pk)
    refuse_unless(policy.can_correct_return(by, ret), "Only the IAM corrects their own signed or sent-back return.")
    ret.state = AssuranceReturn.State.SUPERSEDED
    ret.save(update_fields=["state"])
    latest = AssuranceReturn.objects.filter(round=ret.round, iam=ret.iam).aggregate(v=Max("version"))["v"]
    return AssuranceReturn.objects.create(
        round=ret.round,
        iam=ret.iam,
        business_area=ret.business_area,
        version=latest + 1,
        facts=compute_facts(ret.iam, ret.round),
        **{name: getattr(ret, name) for name in ANSWER_FIELDS},
    )


@transaction.atomic
def accept_return(ret: AssuranceReturn, *, by: User) -> AssuranceReturn:
    ret = AssuranceReturn.objects.select_for_update().get(pk=ret.pk)
    refuse_unless(
        policy.can_decide_return(by, ret),
        "Only the area's Deputy SIRO (the SIRO standing in) accepts a signed return, never the IAM who signed it.",
    )
    if not verify_digest(ret):
        raise ValidationError("The return's content no longer matches its signature; it cannot be accepted.")
    ret.state = AssuranceReturn.State.ACCEPTED
    ret.decided_by, ret.decided_at = by, timezone.now()
    ret.save(update_fields=["state", "decided_by", "decided_at"])
    return ret


@transaction.atomic
def send_back_return(ret: AssuranceReturn, *, by: User, reason: str) -> AssuranceReturn:
    ret = AssuranceReturn.objects.select_for_update().get(pk=ret.pk)
    refuse_unless(
        policy.can_decide_return(by, ret),
        "Only the area's Deputy SIRO (the SIRO standing in) sends back a signed return, never its signer.",
    )
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the return is sent back"})
    ret.state = AssuranceReturn.State.SENT_BACK
    ret.sent_back_reason = reason.strip()
    ret.decided_by, ret.decided_at = by, timezone.now()
    ret.save(update_fields=["state", "sent_back_reason", "decided_by", "decided_at"])
    return ret


def returns_for_iam(user: User):
    return live_returns().filter(iam=user).select_related("round", "business_area").order_by("-round__period_start")
