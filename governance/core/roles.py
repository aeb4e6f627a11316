"""The portal's roles and where each is held.

Global roles are Django groups whose model permissions are kept in step with
``GROUP_PERMISSIONS`` after every migration. Other roles are held by a record:
the Deputy SIRO by ``BusinessArea.deputy_siro``, the single-holder offices by
``OfficeHolder``, the data-handler role by a flag on the user.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

ADMINISTRATORS = "Administrators"
AUDITORS = "Auditors"
CONTRACT_MANAGERS = "Research contract managers"
STATISTICIANS = "Statisticians"
DISCLOSURE_CONTROL = "Disclosure control"

GLOBAL_GROUPS: tuple[str, ...] = (ADMINISTRATORS, AUDITORS, CONTRACT_MANAGERS, STATISTICIANS, DISCLOSURE_CONTROL)

# How a member of each group is described beside their name.
GROUP_ROLE_LABELS = {
    ADMINISTRATORS: "Administrator",
    AUDITORS: "Auditor",
    CONTRACT_MANAGERS: "Research contract manager",
    STATISTICIANS: "Statistician",
    DISCLOSURE_CONTROL: "Disclosure control officer",
}

# Model permissions each group holds, as "app_label.codename". Per-record rights
# (this asset, this contract) are object permissions, granted by services.
_PROJECT_MODELS = (
    "businessarea",
    "user",
    "officeholder",
    "informationasset",
    "dataitem",
    "assetreview",
    "course",
    "courseversion",
)
_EVIDENCE_MODELS = (
    "securityevent",
    "notification",
    "auditentry",
    "trainingsignoff",
    "trainingstatus",
    "accessrequest",
    "accessrequestitem",
    "accessgrant",
    "statuschange",
    "reviewcampaign",
    "accessreview",
    "accessevent",
    "assetextract",
)
_EVIDENCE_VIEW = tuple(f"governance.view_{model}" for model in _EVIDENCE_MODELS)
GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ADMINISTRATORS: (
        *(f"governance.{action}_{model}" for model in _PROJECT_MODELS for action in ("add", "change", "view")),
        "governance.delete_officeholder",
        "governance.delete_businessarea",
        "governance.delete_informationasset",
        "governance.delete_dataitem",
        "auth.view_group",
        *_EVIDENCE_VIEW,
    ),
    AUDITORS: (*(f"governance.view_{model}" for model in _PROJECT_MODELS), *_EVIDENCE_VIEW),
    CONTRACT_MANAGERS: (),
    STATISTICIANS: (),
    DISCLOSURE_CONTROL: (),
}

# --- research contracts ----------------------------------------------------------------
# Contract managers record contracts and contractors; each contract's own rights are object
# permissions of its named manager. Administrators keep the legal gateways and read every
# contract; auditors read everything, access events included.
_CONTRACT_MODELS = (
    "researchcontract",
    "externalorganisation",
    "legalgateway",
    "assurancecheck",
    "contractasset",
    "contractdataitem",
    "contractdocument",
    "reidentificationassessment",
    "destructioncertificate",
    "contractstatuschange",
    "retentiondatechange",
    "retentionextension",
    "extensiondecision",
    "calendarfeedtoken",
    "accessevent",
)
GROUP_PERMISSIONS[ADMINISTRATORS] += (
    *(
        f"governance.{action}_{model}"
        for model in ("legalgateway", "externalorganisation")
        for action in ("add", "change")
    ),
    "governance.delete_legalgateway",
    *(f"governance.view_{model}" for model in _CONTRACT_MODELS),
)
GROUP_PERMISSIONS[AUDITORS] += tuple(f"governance.view_{model}" for model in _CONTRACT_MODELS)
# API tokens: administrators list every token in the admin (and revoke through the service).
GROUP_PERMISSIONS[ADMINISTRATORS] += ("governance.view_apitoken",)
GROUP_PERMISSIONS[CONTRACT_MANAGERS] += (
    "governance.add_researchcontract",
    "governance.add_externalorganisation",
    "governance.change_externalorganisation",
    "governance.view_externalorganisation",
    "governance.view_legalgateway",
)

# --- information security incidents ------------------------------------------------------
# Incident handlers triage and handle every incident beside the Deputy SIROs; auditors and
# administrators read them. Who sees which incident is decided in incidents.policy.
INCIDENT_HANDLERS = "Incident handlers"
GLOBAL_GROUPS += (INCIDENT_HANDLERS,)
GROUP_ROLE_LABELS[INCIDENT_HANDLERS] = "Incident handler"
GROUP_PERMISSIONS[INCIDENT_HANDLERS] = ()
_INCIDENT_VIEW = tuple(f"governance.view_{model}" for model in ("incident", "incidentlink", "incidentaction"))
GROUP_PERMISSIONS[AUDITORS] += _INCIDENT_VIEW
GROUP_PERMISSIONS[ADMINISTRATORS] += _INCIDENT_VIEW
# --- security keys ---------------------------------------------------------------------
# Administrators keep the roles that must use a security key; auditors read the list.
GROUP_PERMISSIONS[ADMINISTRATORS] += tuple(
    f"governance.{action}_securitykeyrequirement" for action in ("add", "change", "delete", "view")
)
GROUP_PERMISSIONS[AUDITORS] += ("governance.view_securitykeyrequirement",)


def _app_and_codename(dotted: str) -> tuple[str, str]:
    app_label, codename = dotted.split(".", 1)
    return app_label, codename


def sync_group_permissions() -> None:
    """Create the global groups and give each exactly the permissions listed above.

    Runs after every migration. Memberships are never touched here; permission
    changes go through the m2m manager so they are audited.
    """
    with transaction.atomic():
        # Every permission named above, read in one query rather than one each: this runs after each
        # migration and after each flush of a test database (every transactional test).
        wanted_names = {_app_and_codename(dotted) for names in GROUP_PERMISSIONS.values() for dotted in names}
        ids: dict[tuple[str, str], int] = {}
        found = Permission.objects.filter(
            content_type__app_label__in={app_label for app_label, _ in wanted_names},
            codename__in={codename for _, codename in wanted_names},
        )
        for pk, app_label, codename in found.values_list("pk", "content_type__app_label", "codename"):
            ids[(app_label, codename)] = pk
        for name, wanted in GROUP_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=name)
            wanted_ids = {ids[key] for key in map(_app_and_codename, wanted) if key in ids}
            current = set(group.permissions.values_list("pk", flat=True))
            if wanted_ids - current:
                group.permissions.add(*(wanted_ids - current))
            if current - wanted_ids:
                group.permissions.remove(*(current - wanted_ids))
