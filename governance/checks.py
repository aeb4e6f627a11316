"""System checks for settings the portal must not run without in production.

Run by every management command (``migrate``, ``check --deploy``) and by ``runserver``;
the deployment steps run ``check --deploy`` before the web processes start.

Security keys are bound to the relying-party id: a wrong id, or an allowed origin
that is not the portal's own address, makes every key fail (or, worse, accepts
answers made for another site). So production refuses to start with either unset
or at odds with ``PORTAL_BASE_URL``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from governance.core import audit_checkpoints, audit_hashing


@register(Tags.security, deploy=False)
def audit_keys(app_configs=None, **kwargs) -> list[Error]:
    """In production the audit chain's HMAC key and the checkpoint signing key must be configured.

    Outside production development keys are used, so that a laptop or CI needs nothing;
    in production those well-known keys would let anyone recompute the chain.
    """
    if not settings.PRODUCTION:
        return []
    errors = []
    try:
        audit_hashing.keyring()
    except (ImproperlyConfigured, OSError) as exc:
        errors.append(Error(str(exc), hint="Set AUDIT_HMAC_KEYS or AUDIT_HMAC_KEY_FILE.", id="governance.E001"))
    try:
        audit_checkpoints.signing_key()
    except (ImproperlyConfigured, OSError, ValueError) as exc:
        errors.append(
            Error(str(exc), hint="Set AUDIT_CHECKPOINT_SIGNING_KEY_FILE to an Ed25519 key.", id="governance.E002")
        )
    return errors


@register(Tags.security)
def account_lockout_limit(app_configs=None, **kwargs) -> list[Error]:
    """The account-wide limit counts failures from every address, so it must exceed the per-address one."""
    if settings.ACCOUNT_LOCKOUT_LIMIT <= settings.AXES_FAILURE_LIMIT:
        return [
            Error(
                "ACCOUNT_LOCKOUT_LIMIT must be higher than AXES_FAILURE_LIMIT.",
                hint="The account-wide lock is the second, wider net; set it above the per-address limit.",
                id="governance.E003",
            )
        ]
    return []


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - names to refuse, not to bind


@register()
def check_portal_base_url(app_configs=None, **kwargs) -> list[Error]:
    """In production, email links and calendar feeds need the portal's real public address."""
    if not settings.PRODUCTION:
        return []
    url = settings.PORTAL_BASE_URL or ""
    parts = urlsplit(url)
    if not url:
        problem = "is not set"
    elif parts.scheme != "https" or not parts.hostname:
        problem = f"must be an https:// address, not {url!r}"
    elif parts.hostname in LOCAL_HOSTS:
        problem = f"points at this machine ({url!r}): email links and calendar feeds would not work"
    else:
        return []
    return [
        Error(
            f"PORTAL_BASE_URL {problem}.",
            hint="Set PORTAL_BASE_URL to the portal's public address, e.g. https://custodian.example.gov.uk",
            id="governance.E004",
        )
    ]


def _on(host: str, rp_id: str) -> bool:
    return host == rp_id or host.endswith(f".{rp_id}")


ATTESTATION_CHOICES = ("none", "indirect", "direct", "enterprise")


@register(Tags.security)
def security_key_settings(app_configs=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    if getattr(settings, "WEBAUTHN_ATTESTATION", "none") not in ATTESTATION_CHOICES:
        errors.append(
            Error(
                f"WEBAUTHN_ATTESTATION must be one of {', '.join(ATTESTATION_CHOICES)}.",
                id="governance.E106",
            )
        )
    if not getattr(settings, "PRODUCTION", False):
        return errors
    rp_id = (getattr(settings, "OTP_WEBAUTHN_RP_ID", "") or "").strip().lower()
    origins = [origin.rstrip("/") for origin in getattr(settings, "OTP_WEBAUTHN_ALLOWED_ORIGINS", []) or []]
    base = urlsplit(getattr(settings, "PORTAL_BASE_URL", "") or "")
    base_origin = f"{base.scheme}://{base.netloc}".lower() if base.scheme and base.netloc else ""
    if not rp_id:
        errors.append(
            Error("WEBAUTHN_RP_ID is not set.", hint="Set it to the portal's host name.", id="governance.E101")
        )
    if not origins:
        errors.append(
            Error(
                "WEBAUTHN_ALLOWED_ORIGINS is not set.", hint="Set it to PORTAL_BASE_URL's origin.", id="governance.E102"
            )
        )
    if rp_id and base.hostname and not _on(base.hostname.lower(), rp_id):
        errors.append(
            Error(
                f"WEBAUTHN_RP_ID {rp_id!r} does not match PORTAL_BASE_URL's host {base.hostname!r}.",
                hint="The relying-party id must be the portal's host name or a domain it belongs to.",
                id="governance.E103",
            )
        )
    if origins and base_origin and base_origin not in [origin.lower() for origin in origins]:
        errors.append(
            Error(
                f"WEBAUTHN_ALLOWED_ORIGINS does not include PORTAL_BASE_URL's origin {base_origin!r}.",
                id="governance.E104",
            )
        )
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme != "https" or not parts.hostname or (rp_id and not _on(parts.hostname.lower(), rp_id)):
            errors.append(
                Error(
                    f"WEBAUTHN_ALLOWED_ORIGINS has {origin!r}: each origin must be https on the relying-party id.",
                    id="governance.E105",
                )
            )
    return errors
