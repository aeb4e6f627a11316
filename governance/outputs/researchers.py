"""Researchers: invited by their contract's manager, ended with the contract.

An invitation creates an account outside the department (``is_external``), with no password:
the email carries a link to set one (Django's password-reset tokens: single use, expiring
after ``PASSWORD_RESET_TIMEOUT``). Signing in then asks for a second factor, as for anyone
(the authenticator set-up the portal already walks new starters through).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from governance.contracts.models import ResearchContract
from governance.core.audit import system_user
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import is_system, refuse_unless
from governance.core.plurals import date_text
from governance.outputs.models import Researcher
from governance.outputs.policy import can_end_researcher, can_invite

Status = ResearchContract.Status
# A contract in one of these has ended for its researchers: their accounts end with it.
ENDED = (Status.RETENTION_ENDED, Status.DESTRUCTION_CERTIFIED, Status.CLOSED)


def _username_for(email: str) -> str:
    base = "x-" + (email.split("@", 1)[0].lower()[:130] or "researcher")
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def invitation_path(user: User) -> str:
    """The link that lets the invited person choose their password (valid until they do, or it expires)."""
    return reverse(
        "outputs:welcome", args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]
    )


def invitation_errors(*, email: str) -> dict[str, str]:
    email = (email or "").strip()
    if email and User.objects.filter(email__iexact=email).exists():
        return {"email": "Someone already has an account with this email address: give the researcher's own address"}
    return {}


@transaction.atomic
def invite_researcher(
    contract: ResearchContract, *, by: User, first_name: str, last_name: str, email: str
) -> Researcher:
    """Create the researcher's account for ``contract`` and email them the link to set their password."""
    contract = ResearchContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    refuse_unless(
        can_invite(by, contract),
        "Only the contract's manager invites its researchers, while it is being set up or holds the data.",
    )
    email = email.strip().lower()
    errors = invitation_errors(email=email)
    if errors:
        raise ValidationError(errors)
    user = User(
        username=_username_for(email),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        is_external=True,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    researcher = Researcher.objects.create(user=user, contract=contract, invited_by=by)
    notify(
        user,
        key=f"researcher-invited:{researcher.pk}",
        subject=f"You have been invited to submit research outputs for {contract.reference}",
        template="emails/researcher_invited.txt",
        context={
            "contract": contract,
            "name": user.first_name or user.display_name,
            "manager": by,
            "link": invitation_path(user),
        },
    )
    return researcher


@records_reason
@transaction.atomic
def end_researcher(researcher: Researcher, *, by: User, reason: str) -> Researcher:
    """End one researcher's account: it can no longer sign in. Ending an ended one changes nothing."""
    researcher = Researcher.objects.select_for_update().select_related("contract").get(pk=researcher.pk)
    if researcher.ended_at is not None:
        return researcher
    refuse_unless(
        is_system(by) or can_end_researcher(by, researcher),
        "Only the contract's manager ends its researchers' accounts.",
    )
    if not reason.strip():
        raise ValidationError({"reason": "Say why the researcher's account ends"})
    researcher.ended_at = timezone.now()
    researcher.ended_reason = reason[:300]
    researcher.save(update_fields=["ended_at", "ended_reason"])
    user = User.objects.select_for_update().get(pk=researcher.user_id)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return researcher


def end_researchers_of(contract: ResearchContract, *, reason: str) -> int:
    """End every current researcher of ``contract`` (its end, its destruction or its closing), as the system."""
    system = system_user()
    count = 0
    for researcher in Researcher.objects.filter(contract=contract, ended_at__isnull=True).order_by("pk"):
        end_researcher(researcher, by=system, reason=reason)
        count += 1
    return count


def end_researchers_past_end(today: datetime.date | None = None) -> int:
    """Daily: end the researchers of contracts that have ended (past their end date, or no longer
    holding data). Safe to repeat: an ended researcher is no longer found."""
    today = today or timezone.localdate()
    due = Researcher.objects.filter(ended_at__isnull=True).filter(contract__end_date__lt=today).select_related(
        "contract"
    ).order_by("pk") | Researcher.objects.filter(ended_at__isnull=True, contract__status__in=ENDED).select_related(
        "contract"
    ).order_by("pk")
    system = system_user()
    count = 0
    for researcher in due.distinct():
        contract = researcher.contract
        if contract.end_date < today:
            reason = f"The contract {contract.reference} ended on {date_text(contract.end_date)}."
        else:
            reason = f"The contract {contract.reference} is {contract.get_status_display().lower()}."
        end_researcher(researcher, by=system, reason=reason)
        count += 1
    return count
