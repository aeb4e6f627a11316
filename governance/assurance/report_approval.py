"""The SIRO signs the report: a narrative for the annual governance statement, the figures as they stand,
a fresh security-key proof, and a SHA-256 digest that locks the signed version.

Signing is the organisation's statement on information risk, so the SIRO must confirm with a security key
(touch and PIN), asked on the signing page for this round only: a proof given for any other action or round
is refused (``core.security.fresh_purpose``). An authenticator code is not enough here.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from governance.assurance import policy
from governance.assurance.models import AssuranceRound, SiroReportApproval
from governance.assurance.report import approvals_newest_first, build_report
from governance.core.compiled import CompiledQuery, concrete_attnames
from governance.core.models import User
from governance.core.permissions import refuse_unless
from governance.core.security import KEY_FIELD, has_security_key, verify_fresh_second_factor

NARRATIVE_MAX = 20_000
REFUSAL = "Only the SIRO signs the SIRO's report."
NO_KEY = "Add a security key on your account security page: the SIRO's report is signed with a security key"


def content_digest(approval: SiroReportApproval) -> str:
    """SHA-256 over what the SIRO signed: the round, the version, the narrative, the figures, the marking,
    who signed and when."""
    content = {
        "round": approval.round_id,
        "version": approval.version,
        "narrative": approval.narrative,
        "figures": approval.figures,
        "marking": approval.marking,
        "signed_by": approval.signed_by_id,
        "signed_at": approval.signed_at.isoformat(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def verify_digest(approval: SiroReportApproval) -> bool:
    return bool(approval.digest) and approval.digest == content_digest(approval)


_APPROVAL_FIELDS = concrete_attnames(SiroReportApproval)
# The signer's name, in the order of the user's fields (``Model.from_db`` takes a subset in that order).
_SIGNER_FIELDS = tuple(
    field.attname for field in User._meta.concrete_fields if field.attname in ("first_name", "last_name", "username")
)


def _latest_approval_query(*, round_pk: int) -> QuerySet:
    signer = (f"signed_by__{name}" for name in _SIGNER_FIELDS)
    return approvals_newest_first(round_pk).values_list(*_APPROVAL_FIELDS, *signer)[:1]


# Compiled once: the report's page reads it on every view, and building the query took longer than answering it.
_LATEST_APPROVAL = CompiledQuery(_latest_approval_query, round_pk=int)


def latest_approval(round_: AssuranceRound) -> SiroReportApproval | None:
    """The round's newest signed version with its signer's name. Fields not read here (the signer's
    other details) load on first use, as a deferred field does, rather than reading as empty."""
    db = router.db_for_read(SiroReportApproval)
    found = _LATEST_APPROVAL.rows(using=db, round_pk=round_.pk)
    if not found:
        return None
    row = found[0]
    approval = SiroReportApproval.from_db(db, _APPROVAL_FIELDS, row[: len(_APPROVAL_FIELDS)])
    signer = User.from_db(db, ("id", *_SIGNER_FIELDS), (approval.signed_by_id, *row[len(_APPROVAL_FIELDS) :]))
    approval.signed_by = signer
    return approval


def clean_narrative(narrative: str) -> str:
    text = (narrative or "").strip()
    if not text:
        raise ValidationError({"narrative": "Write the narrative for the annual governance statement"})
    if len(text) > NARRATIVE_MAX:
        raise ValidationError({"narrative": f"The narrative must be {NARRATIVE_MAX:,} characters or fewer"})
    return text


def sign_report(
    round_: AssuranceRound, *, by: User, narrative: str, key_assertion: str = "", request: HttpRequest | None = None
) -> SiroReportApproval:
    """The SIRO signs the round's report with a fresh security-key proof; a new, locked version is written.

    The rules come first (nobody is asked for a proof on a report they may not sign), then the proof,
    outside the signing transaction so a refused proof stays recorded.
    """
    refuse_unless(policy.can_sign_report(by, round_), REFUSAL)
    text = clean_narrative(narrative)
    if not has_security_key(by):
        raise ValidationError({KEY_FIELD: NO_KEY})
    verify_fresh_second_factor(by, request=request, key_assertion=key_assertion)
    return _sign(round_, by=by, narrative=text)


@transaction.atomic
def _sign(round_: AssuranceRound, *, by: User, narrative: str) -> SiroReportApproval:
    round_ = AssuranceRound.objects.select_for_update().get(pk=round_.pk)
    refuse_unless(policy.can_sign_report(by, round_), REFUSAL)
    latest = SiroReportApproval.objects.filter(round=round_).aggregate(v=Max("version"))["v"] or 0
    approval = SiroReportApproval(
        round=round_,
        version=latest + 1,
        narrative=narrative,
        figures=build_report(round_).as_json(),
        marking=settings.PROTECTIVE_MARKING,
        signed_by=by,
        signed_at=timezone.now().replace(microsecond=0),
    )
    approval.digest = content_digest(approval)
    approval.full_clean()
    approval.save()
    return approval
