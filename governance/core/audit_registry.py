"""Adjustments to django-auditlog's registrations, applied once at start-up.

``AUDITLOG_INCLUDE_ALL_MODELS`` registers every model (see settings for the
exclusions that keep secrets out). On creation and deletion auditlog also
diffs reverse relations, writing values such as ``governance.User.None``;
they say nothing, so every registered model excludes them here.
"""

from __future__ import annotations

from auditlog.registry import auditlog


def exclude_reverse_relations() -> None:
    for model, options in auditlog._registry.items():
        reverse_names = [
            rel.name for rel in model._meta.get_fields() if rel.auto_created and not rel.concrete and rel.is_relation
        ]
        excluded = options["exclude_fields"]
        excluded.extend(name for name in reverse_names if name not in excluded)


# Fields whose values must not be copied into the trail, which oversight roles read:
# the disclosure methodology is not published and raw tables never leave their page.
# The trail still records each change, who made it and when.
# Their digests too: an unkeyed digest of a small table or of default settings can be matched
# by trying the candidates, so it would give the values away.
PRIVATE_FIELDS = {
    "governance.disclosureruleset": ("parameters", "digest"),
    "governance.outputtable": ("data", "result", "table_digest", "secondary_cost"),
    # A researcher's output as read from its file: the cells stay out of the trail (the file has its digest).
    "governance.outputversion": ("parsed",),
    "governance.releasesignoff": ("fingerprint",),
    "governance.releasesource": ("sampling_weight",),  # grossing is part of the unpublished method
    # Written at most once a minute by every API call, like last_login: use from a new
    # address is a security event instead.
    "governance.apitoken": ("last_used_at", "last_used_ip"),
    # Single sign-on's index of sessions: a portal session key is a credential.
    "governance.providersession": ("session_key",),
    # Security keys: the trail records each key's name, use and removal, not its binary key material.
    "django_otp_webauthn.webauthncredential": ("credential_id", "credential_id_sha256", "public_key"),
    "django_otp_webauthn.webauthnattestation": ("data", "client_data_json"),
    "django_otp_webauthn.webauthnuserhandle": ("handle_hex",),
}


def exclude_private_fields() -> None:
    for model, options in auditlog._registry.items():
        private = PRIVATE_FIELDS.get(model._meta.label_lower, ())
        options["exclude_fields"].extend(name for name in private if name not in options["exclude_fields"])
