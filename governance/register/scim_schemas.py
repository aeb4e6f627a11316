"""What the portal's SCIM service publishes about itself: the attributes it keeps, and no others.

django-scim2 publishes the whole RFC 7643 User schema (addresses, phone numbers, passwords,
...), none of which the portal keeps, and declares no extension on the User resource type.
A provider (or a compliance checker) that believes the schema sends attributes that are
then silently dropped. Here the schemas name only what ``scim.PortalSCIMUser`` reads and
writes: the core attributes, the enterprise extension's employee number, department and
manager, and the portal's own data-handler flag. The department's canonical values are the
business areas' codes, since an unknown department is refused. ``active`` and the portal's
``dataHandler`` always have a value, so they are required (RFC 7644 section 3.5.2.2: removing
one is a ``mutability`` error). One email address is kept, so ``primary`` is not published.
Groups are writable; the portal's role groups keep their names (``scim.PortalSCIMGroup``).
"""

from __future__ import annotations

from typing import Any

from governance.core.models import BusinessArea

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PORTAL = "urn:ietf:params:scim:schemas:extension:custodian:2.0:User"


def _attribute(name: str, description: str, *, kind: str = "string", **extra: Any) -> dict:
    return {
        "name": name,
        "type": kind,
        "multiValued": False,
        "description": description,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    } | extra


def _complex(name: str, description: str, sub: list[dict], **extra: Any) -> dict:
    return _attribute(name, description, kind="complex", subAttributes=sub, **extra) | {"caseExact": False}


def _user() -> dict:
    return {
        "id": USER,
        "name": "User",
        "description": "A person who works in the department",
        "attributes": [
            _attribute(
                "userName",
                "The person's sign-in name at the identity provider (Entra ID: userPrincipalName). REQUIRED.",
                required=True,
                uniqueness="server",
            ),
            _complex(
                "name",
                "The person's name.",
                [
                    _attribute("familyName", "The family name."),
                    _attribute("givenName", "The given name."),
                ],
            ),
            _attribute("displayName", "The full name, as shown.", mutability="readOnly"),
            _attribute(
                "active",
                "False for a leaver: every right is removed and the record kept. Every person is one or the other,"
                " so it cannot be removed (a leaver is recorded by setting it to false).",
                kind="boolean",
                required=True,
            ),
            _complex(
                "emails",
                "The work email address: one is kept (the one marked primary, or the first).",
                [
                    _attribute("value", "The email address."),
                    _attribute("type", "The kind of address.", canonicalValues=["work"]),
                ],
                multiValued=True,
            ),
            _complex(
                "groups",
                "The portal groups the person is in; they follow the provider's group claims at sign-in.",
                [
                    _attribute("value", "The group's id.", mutability="readOnly"),
                    _attribute("display", "The group's name.", mutability="readOnly"),
                ],
                multiValued=True,
                mutability="readOnly",
            ),
        ],
    }


def _enterprise() -> dict:
    areas = list(BusinessArea.objects.order_by("code").values_list("code", flat=True))
    return {
        "id": ENTERPRISE,
        "name": "EnterpriseUser",
        "description": "The person's place in the department",
        "attributes": [
            _attribute("employeeNumber", "The staff number."),
            _attribute("department", "The business area, by its code (or name).", canonicalValues=areas),
            _complex(
                "manager",
                "The line manager, by their SCIM id.",
                [
                    _attribute("value", "The manager's SCIM id."),
                    _attribute("$ref", "The manager's SCIM address.", kind="reference", referenceTypes=["User"]),
                ],
            ),
        ],
    }


def _portal() -> dict:
    return {
        "id": PORTAL,
        "name": "CustodianUser",
        "description": "What the portal needs to know about a person beyond the standard attributes",
        "attributes": [
            _attribute(
                "dataHandler",
                "Whether the person handles personal data (they must then hold current data-protection training)."
                " Every person either does or does not, so it cannot be removed.",
                kind="boolean",
                required=True,
            )
        ],
    }


def _group() -> dict:
    return {
        "id": GROUP,
        "name": "Group",
        "description": (
            "A portal group. The portal's role groups keep their names and cannot be deleted;"
            " their members are people holding the role."
        ),
        "attributes": [
            _attribute("displayName", "The group's name (unique).", required=True, uniqueness="server"),
            _complex(
                "members",
                "The active people in the group.",
                [
                    _attribute("value", "The member's SCIM id.", mutability="immutable"),
                    _attribute(
                        "$ref",
                        "The member's SCIM address.",
                        kind="reference",
                        referenceTypes=["User"],
                        mutability="immutable",
                    ),
                ],
                multiValued=True,
            ),
        ],
    }


def published_schemas() -> list[dict]:
    """Every schema the service publishes, without ``meta`` (the view adds each one's address)."""
    return [_user(), _enterprise(), _portal(), _group()]


# The portal's extension is required: every person has a data-handler flag (true or false).
USER_EXTENSIONS = [{"schema": ENTERPRISE, "required": False}, {"schema": PORTAL, "required": True}]
