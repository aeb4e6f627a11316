"""Sign-in evidence, backup codes and fresh verification (a key, a fresh sign-in at the provider or a one-time code)."""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from governance.core.audit import acting_as
from governance.core.models import SecurityEvent, User
from governance.core.notifications import notify
from governance.core.roles import ADMINISTRATORS
from governance.core.step_up import PURPOSE_PREFIX, purpose_named, signed_in_through_provider, take_proof
from governance.core.webauthn import KeyRefused, complete_assertion

BACKUP_CODE_COUNT = 10


def record_event(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Append one authentication event with the client's address and browser (and why, for a refusal)."""
    meta = request.META if request is not None else {}
    if user is not None and user.pk:
        # Signing in happens before the request has a user: name the person in the audit entry.
        with acting_as(user, remote_addr=meta.get("REMOTE_ADDR")):
            return _create(kind, meta, user, username, detail)
    return _create(kind, meta, user, username, detail)


@transaction.atomic  # the event and its audit entry are written together, or neither is
def _create(kind, meta, user, username, detail="") -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:500],
        detail=detail[:300],
    )


@transaction.atomic
def issue_backup_codes(user: User, *, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's backup codes with a fresh set and return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "backup"})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    for code in codes:
        device.token_set.create(token=code)
    record_event(SecurityEvent.Kind.BACKUP_CODES_ISSUED, request=request, user=user)
    return codes


def locked_device(device):
    """``device`` re-read with its row locked until the caller's transaction ends.

    Verifying a one-time code reads and then writes the device (its last used time
    step, its remaining backup codes); holding the lock makes concurrent uses of one
    code take turns, so at most one of them succeeds.
    """
    return type(device).objects.select_for_update().get(pk=device.pk)


def verify_fresh_code(user: User, token: str) -> bool:
    """A code from the user's authenticator app, not used before (django-otp refuses reuse), even at once."""
    token = (token or "").strip()
    if not token.isdigit():
        return False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        with transaction.atomic():
            if locked_device(device).verify_token(token):
                return True
    return False


def code_is_wrong(user: User, token: str) -> bool:
    """Whether ``token`` is not a code the user's app would accept now, without using up a right one.

    A form that finds other mistakes asks this so a wrong code is reported with them on
    the first submit; a right code is left unused for the submit that will succeed (checking
    it with ``verify_fresh_code`` would use it up). A wrong code counts as a failed try on
    each device, as ``verify_token`` counts it, so guessing through a form that never
    succeeds is throttled like any other.
    """
    token = (token or "").strip()
    if not token.isdigit():
        return True
    right = False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        with transaction.atomic():
            device = locked_device(device)
            if not device.verify_is_allowed()[0]:
                continue
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            totp.time = time.time()
            if totp.verify(int(token), device.tolerance, device.last_t + 1):
                right = True
                break
            device.throttle_increment(commit=True)
    return not right


# --- the account-wide lockout ---------------------------------------------------------------
#
# django-axes locks an account and address pair after AXES_FAILURE_LIMIT failures. Someone
# guessing from several addresses never trips that, so the account as a whole is also locked
# after ACCOUNT_LOCKOUT_LIMIT failures from any addresses within the cool-off period (counted
# from the security events, which are the record of every failure), until the period passes.


def _window_start(username: str):
    """The start of the current count: the cool-off period, or the last sign-in if later."""
    start = timezone.now() - settings.AXES_COOLOFF_TIME
    last_login = (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN, at__gte=start)
        .filter(Q(username__iexact=username) | Q(user__username__iexact=username))
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return max(start, last_login) if last_login else start


def account_failures(username: str) -> int:
    """Failed passwords for ``username`` from any address in the current count."""
    return SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_FAILED, username__iexact=username, at__gte=_window_start(username)
    ).count()


def is_account_locked(username: str) -> bool:
    return bool(username) and account_failures(username) >= settings.ACCOUNT_LOCKOUT_LIMIT


def note_password_failure(username: str, *, request: HttpRequest | None = None, user: User | None = None) -> bool:
    """After a recorded failure: lock the whole account when it reaches the limit, once per count.

    Only a real, active account is counted, recorded as locked and told about: failures for
    invented names lock nothing worth telling anyone of (the sign-in page refuses those names
    the same way, so it does not tell which accounts exist). The lock is a security event; the
    person is told by email once per lock, and administrators at most once per
    ``ACCOUNT_LOCKOUT_ALERT_WINDOW`` (see ``_alert_administrators``). Returns whether it locked now.
    """
    if not username or user is None or not user.is_active:
        return False
    if account_failures(username) < settings.ACCOUNT_LOCKOUT_LIMIT:
        return False
    start = _window_start(username)
    if SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.ACCOUNT_LOCKED, username__iexact=username, at__gte=start
    ).exists():
        return False
    event = record_event(SecurityEvent.Kind.ACCOUNT_LOCKED, request=request, user=user, username=username)
    notify(
        user,
        key=f"account-locked:{event.pk}:{user.pk}",
        subject="Sign-in locked after repeated failed attempts",
        template="emails/account_locked.txt",
        context={"event": event, "locked_username": username, "is_owner": True},
    )
    _alert_administrators(event, username)
    return True


def _alert_administrators(event: SecurityEvent, username: str) -> None:
    """Tell each administrator of a lock, at most once per alert window, however many accounts lock.

    Someone guessing at many accounts would otherwise send every administrator one email per
    account. The windows are fixed periods of ``ACCOUNT_LOCKOUT_ALERT_WINDOW``; the one email of a
    window says how many accounts had locked when it was sent and links to the full list.
    """
    window = settings.ACCOUNT_LOCKOUT_ALERT_WINDOW
    period = int(event.at.timestamp() // window.total_seconds())
    period_start = datetime.datetime.fromtimestamp(period * window.total_seconds(), tz=datetime.UTC)
    locked_so_far = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCOUNT_LOCKED, at__gte=period_start).count()
    for admin in Group.objects.get(name=ADMINISTRATORS).user_set.filter(is_active=True).order_by("pk"):
        notify(
            admin,
            key=f"account-locked-alert:{period}:{admin.pk}",
            subject="Sign-in locked after repeated failed attempts",
            template="emails/account_locked.txt",
            context={
                "event": event,
                "locked_username": username,
                "is_owner": False,
                "locked_so_far": locked_so_far,
                "window_minutes": int(window.total_seconds() // 60),
                "events_path": reverse("admin:governance_securityevent_changelist") + "?kind__exact=account_locked",
            },
        )


# --- fresh verification for high-risk steps --------------------------------------------------
# One rule for every high-risk approval (release sign-off, an IAM decision on special category
# data, releasing data to a research contractor, signing an assurance return): a person with a
# security key touches it and gives its PIN again; someone who signed in through the identity
# provider signs in there again (core/step_up.py); anyone else gives a new authenticator code.

KEY_FIELD = "key_assertion"
CODE_FIELD = "otp_token"
FRESH_PURPOSE = PURPOSE_PREFIX
KEY_REFUSED_MESSAGE = (
    "Your security key was not accepted. Insert or touch the key registered to your account, "
    "enter its PIN when asked and try again"
)
CODE_REFUSED_MESSAGE = "Enter a new code from your authenticator app"
PROVIDER_FIELD = "provider_step_up"
PROVIDER_REFUSED_MESSAGE = "Sign in again with {provider} to confirm this step, then submit within {minutes} minutes"


def fresh_purpose(request: HttpRequest) -> str:
    """What a fresh proof asked on this page is for: the page's action and the record it acts on.

    A key's answer is accepted only for the challenge's own purpose, so binding the
    purpose to the URL's name and keywords (``releases:sign-off`` with ``pk=12``) means
    an answer given on one page (removing a key) cannot approve another step (signing a
    release off), nor the same step on another record. The page that asks (the form,
    on GET) and the service that checks (on POST) see the same URL.
    """
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return purpose_named(match.view_name, match.kwargs)
    return f"{FRESH_PURPOSE}:{request.path}"


def has_security_key(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def verify_key(request: HttpRequest, user: User, answer: str, *, purpose: str) -> WebAuthnCredential | None:
    """Check a key's answer to a challenge given for ``purpose``; record its use or its refusal.

    The library saves the key's sign count and last use: named to the person, since at
    sign-in the request has no user yet, and the audit entry would otherwise name nobody.
    """
    try:
        with acting_as(user, remote_addr=request.META.get("REMOTE_ADDR")):
            device = complete_assertion(request, user, answer, purpose)
    except KeyRefused:
        record_event(SecurityEvent.Kind.KEY_FAILED, request=request, user=user)
        return None
    record_event(SecurityEvent.Kind.KEY_USED, request=request, user=user)
    return device


def verify_fresh_second_factor(
    user: User, *, request: HttpRequest | None, token: str = "", key_assertion: str = ""
) -> None:
    """Demand fresh strong verification, or raise a ``ValidationError`` on the field to correct.

    People with a security key must answer a new user-verified assertion (the page's own
    challenge, used once, asked for this page's action on this record: ``fresh_purpose``);
    a code is not enough for them. Others give a new code from
    their authenticator app (django-otp refuses the code they signed in with).

    Someone without a key who signed in through the identity provider signs in there again
    (``max_age=0``): the proof its answer left is taken here, for this page's action on this
    record only, once, while fresh (``core.step_up``).

    Call it before opening the step's transaction: a refusal is a security event that
    must outlive the step's rollback.
    """
    if has_security_key(user):
        if request is None:  # no page, so no challenge the key could have answered
            record_event(SecurityEvent.Kind.KEY_FAILED, user=user)
            raise ValidationError({KEY_FIELD: KEY_REFUSED_MESSAGE})
        if verify_key(request, user, key_assertion, purpose=fresh_purpose(request)) is None:
            raise ValidationError({KEY_FIELD: KEY_REFUSED_MESSAGE})
        return
    if request is not None and signed_in_through_provider(request, user):
        verify_provider_step_up(user, request=request)
        return
    if not verify_fresh_code(user, token):
        raise ValidationError({CODE_FIELD: CODE_REFUSED_MESSAGE})


def verify_provider_step_up(user: User, *, request: HttpRequest) -> None:
    """Take the proof of a fresh sign-in at the provider for this page's step, or raise on ``PROVIDER_FIELD``."""
    purpose = fresh_purpose(request)
    if not take_proof(request, user, purpose):
        record_event(
            SecurityEvent.Kind.SSO_REFUSED,
            request=request,
            user=user,
            detail=f"no fresh sign-in at the provider for {purpose[:200]}",
        )
        raise ValidationError({PROVIDER_FIELD: provider_refused_message()})
    record_event(
        SecurityEvent.Kind.SSO_VERIFIED, request=request, user=user, detail=f"step-up used for {purpose[:200]}"
    )


def provider_refused_message() -> str:
    return PROVIDER_REFUSED_MESSAGE.format(
        provider=settings.OIDC_PROVIDER_NAME, minutes=max(1, settings.OIDC_STEP_UP_SECONDS // 60)
    )
