"""The kinds of record in the audit trail, in plain words and grouped by the part of the portal they belong to.

The trail records every model, the join tables and the sign-in libraries' models included;
people filtering it read "Data items of a grant" and "Security key", never
"Accessgrant-dataitem relationship" or "Webauthn user handle". A model with no plain name
here gets its own verbose name; a join table gets "<parent>: <field>"; a few tables that
only carry the libraries' bookkeeping are left out of the choice altogether.
"""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.text import capfirst

# The portal's parts, in the order the choice lists them (by the domain folder a model lives in).
DOMAINS = {
    "register": "Register",
    "access": "Access",
    "contracts": "Research contracts",
    "releases": "Statistical releases",
    "incidents": "Incidents",
    "assurance": "Assurance",
    "training": "Training",
    "trends": "Compliance trends",
    "core": "Organisation, people and sign-in",
}
OTHER = "Organisation, people and sign-in"  # the libraries' models (groups, security keys, permissions)

# "app_label.model" -> the plain name; None leaves the type out of the choice.
PLAIN_NAMES: dict[str, str | None] = {
    "auth.group": "Role group",
    "auth.group_permissions": "Permissions of a role group",
    "governance.user": "Person",
    "governance.user_groups": "Role groups of a person",
    "governance.user_user_permissions": "Permissions of a person",
    "governance.accessgrant_items": "Data items of a grant",
    "governance.accessrequestitem": "Data item asked for",
    "governance.statuschange": "Request or grant status change",
    "governance.informationassetuserobjectpermission": "Asset permission of a person",
    "governance.informationassetgroupobjectpermission": "Asset permission of a role group",
    "governance.researchcontractuserobjectpermission": "Contract permission of a person",
    "governance.researchcontractgroupobjectpermission": "Contract permission of a role group",
    "governance.businessareauserobjectpermission": "Business area permission of a person",
    "governance.businessareagroupobjectpermission": "Business area permission of a role group",
    "governance.trainingsignoff": "Training sign-off",
    "governance.providersession": "Single sign-on session",
    "governance.logouttokenuse": "Sign-out sent by the identity provider",
    "guardian.userobjectpermission": "Other record permission of a person",
    "guardian.groupobjectpermission": "Other record permission of a role group",
    "django_otp_webauthn.webauthncredential": "Security key",
    "django_otp_webauthn.webauthnattestation": "Security key registration",
    "django_otp_webauthn.webauthnuserhandle": None,  # a random handle per person, kept for the key library
}


def plain_name(model: type[models.Model]) -> str | None:
    """What people call a record of ``model``; None if it is bookkeeping left out of the choice."""
    key = f"{model._meta.app_label}.{model._meta.model_name}"
    if key in PLAIN_NAMES:
        return PLAIN_NAMES[key]
    parent: Any = model._meta.auto_created  # the model a join table belongs to, or False
    if parent:
        # A join table: "Access grant: items".
        field = next((f for f in parent._meta.many_to_many if getattr(f.remote_field, "through", None) is model), None)
        detail = field.verbose_name if field is not None else model._meta.verbose_name
        return f"{capfirst(parent._meta.verbose_name)}: {detail}"
    return capfirst(str(model._meta.verbose_name))


def domain_of(model: type[models.Model]) -> str:
    parts = model.__module__.split(".")
    if parts[0] == "governance" and len(parts) > 1:
        return DOMAINS.get(parts[1], OTHER)
    return OTHER


def grouped_types() -> list[tuple[str, list[tuple[str, str]]]]:
    """The choice of record types: (part of the portal, [(content type id, plain name), ...]), both sorted."""
    audited = list(auditlog.get_models())
    types = ContentType.objects.get_for_models(*audited)
    groups: dict[str, list[tuple[str, str]]] = {}
    for model in audited:
        name = plain_name(model)
        if name is not None:
            groups.setdefault(domain_of(model), []).append((str(types[model].pk), name))
    order = list(dict.fromkeys([*DOMAINS.values(), OTHER]))
    return [(group, sorted(groups[group], key=lambda c: c[1])) for group in order if group in groups]


def plain_names_by_type() -> dict[int, str]:
    """Every content type's plain name (bookkeeping ones by their verbose name), for exports."""
    names = {}
    for ct in ContentType.objects.all():
        model = ct.model_class()
        if model is not None:
            names[ct.pk] = plain_name(model) or capfirst(str(model._meta.verbose_name))
    return names
