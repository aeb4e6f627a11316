"""SCIM 2.0 provisioning of people from the identity provider (django-scim2's user adapter).

Joiners, movers and leavers arrive from the provider (Entra ID) and go through the register's
people services (``register.people.provision_person``), so a leaver (``active`` false) goes
through the same leaver flow as the HR import and every change is audited. Never a password;
deleting a user records a leaver instead. The SCIM ``id`` is the portal's person number, and
``externalId`` is the provider's stable subject (Entra ID: objectId), which single sign-on
matches people by.

Attributes: ``userName``, ``name.givenName``/``familyName``, the primary ``emails`` value,
``active``, ``externalId``; from the enterprise extension ``employeeNumber`` (staff number),
``department`` (business area code or name) and ``manager`` (the manager's SCIM id); and
the portal's extension ``dataHandler``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django_scim import exceptions
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.models import SCIMServiceProviderConfig

from governance.core.models import BusinessArea, User
from governance.register import people
from governance.register.scim_schemas import USER_EXTENSIONS

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PORTAL = "urn:ietf:params:scim:schemas:extension:custodian:2.0:User"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _bool(value: Any, name: str) -> bool:
    """Entra ID sends booleans as "True"/"False" in PATCH operations."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise exceptions.BadRequestError(f'"{name}" must be true or false')


def _area(value: Any) -> BusinessArea | None:
    text = str(value or "").strip()
    if not text:
        return None
    area = (
        BusinessArea.objects.filter(code__iexact=text).first() or BusinessArea.objects.filter(name__iexact=text).first()
    )
    if area is None:
        raise exceptions.BadRequestError(f'No business area is called "{text[:100]}"')
    return area


def _manager(value: Any) -> User | None:
    if isinstance(value, dict):
        value = value.get("value") or str(value.get("$ref") or "").rstrip("/").rsplit("/", 1)[-1]
    text = str(value or "").strip()
    if not text:
        return None
    manager = User.objects.filter(pk=int(text)).first() if text.isdigit() else None
    if manager is None:
        manager = User.objects.filter(oidc_subject=text).first()
    if manager is None:
        raise exceptions.BadRequestError(f'No person has the SCIM id "{text[:100]}" (manager)')
    return manager


def _primary_email(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("value") or "")
    if isinstance(value, list) and value:
        chosen = next((e for e in value if isinstance(e, dict) and e.get("primary")), value[0])
        return str(chosen.get("value") or "") if isinstance(chosen, dict) else ""
    return str(value or "")


# PATCH paths (lower case) and the change each one makes.
SIMPLE_PATHS = {
    "username": "username",
    "name.givenname": "first_name",
    "name.familyname": "last_name",
    "externalid": "oidc_subject",
    f"{ENTERPRISE}:employeenumber".lower(): "staff_number",
}


class PortalSCIMUser(SCIMUser):
    """The portal's person as a SCIM User; writes go through the register's people services."""

    id_field = "pk"
    obj: User

    @classmethod
    def resource_type_dict(cls, request: HttpRequest | None = None) -> dict:
        """The User resource type, with the enterprise and portal extensions its resources carry.

        Its endpoint is relative to the service's base address, as RFC 7643 section 6 says
        (the library gives the whole path, which a client joins to the base a second time).
        """
        return super().resource_type_dict(request) | {"endpoint": "/Users", "schemaExtensions": USER_EXTENSIONS}

    def __init__(self, obj: User, request: HttpRequest | None = None) -> None:
        super().__init__(obj, request)
        self.obj = obj
        self.changes: dict[str, Any] = {}

    @property
    def groups(self) -> list[dict]:
        return [{"value": str(group.pk), "display": group.name} for group in self.obj.groups.all()]

    @property
    def meta(self) -> dict:
        return {
            "resourceType": self.resource_type,
            "created": self.obj.date_joined.isoformat(),
            "lastModified": self.obj.date_joined.isoformat(),
            "location": self.location,
        }

    @property
    def manager(self) -> dict | None:
        """The line manager by SCIM id and address (no query: the address is built from the id)."""
        if not self.obj.line_manager_id:
            return None
        location = self.location.rsplit("/", 1)[0] + f"/{self.obj.line_manager_id}"
        return {"value": str(self.obj.line_manager_id), "$ref": location}

    def to_dict(self) -> dict:
        data = {
            "schemas": [USER_SCHEMA, ENTERPRISE, PORTAL],
            "id": self.id,
            "externalId": self.obj.oidc_subject,
            "userName": self.obj.username,
            "name": {"givenName": self.obj.first_name, "familyName": self.obj.last_name},
            "displayName": self.display_name,
            "emails": [{"value": self.obj.email, "type": "work", "primary": True}] if self.obj.email else [],
            "active": self.obj.is_active,
            "groups": self.groups,
            "meta": self.meta,
        }
        data[ENTERPRISE] = {
            "employeeNumber": self.obj.staff_number or "",
            "department": self.obj.business_area.code if self.obj.business_area is not None else "",
            "manager": self.manager,
        }
        data[PORTAL] = {"dataHandler": self.obj.is_data_handler}
        return data

    def from_dict(self, d: dict) -> None:
        """Note what the provider sent; nothing is written until ``save`` (and never a password)."""
        changes: dict[str, Any] = {}
        if "userName" in d:
            changes["username"] = str(d["userName"] or "")
        name = d.get("name") or {}
        if "givenName" in name:
            changes["first_name"] = str(name["givenName"] or "")
        if "familyName" in name:
            changes["last_name"] = str(name["familyName"] or "")
        if "emails" in d:
            changes["email"] = _primary_email(d["emails"])
        if "externalId" in d:
            changes["oidc_subject"] = str(d["externalId"]) if d["externalId"] else None
        if "active" in d:
            changes["active"] = _bool(d["active"], "active")
        enterprise = d.get(ENTERPRISE) or {}
        if "employeeNumber" in enterprise:
            changes["staff_number"] = str(enterprise["employeeNumber"] or "") or None
        if "department" in enterprise:
            changes["business_area"] = _area(enterprise["department"])
        if "manager" in enterprise:
            changes["line_manager"] = _manager(enterprise["manager"])
        portal = d.get(PORTAL) or {}
        if "dataHandler" in portal:
            changes["is_data_handler"] = _bool(portal["dataHandler"], "dataHandler")
        self.changes.update(changes)

    def save(self) -> None:
        try:
            self.obj, _ = people.provision_person(self.obj if self.obj.pk else None, self.changes, by=self.request.user)
        except ValidationError as exc:
            messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())
            raise exceptions.BadRequestError(messages[:500]) from None
        except PermissionDenied as exc:
            raise exceptions.SCIMException(str(exc), status=403) from None
        self.changes = {}

    def delete(self) -> None:
        """Deleting a person records a leaver: the record and its history stay."""
        self.changes = {"active": False}
        self.save()

    def handle_operations(self, operations: list) -> None:
        """PATCH: add, replace and remove on the attributes above, then one save."""
        for operation in operations:
            op = str(operation.get("op", "")).lower()
            path = str(operation.get("path") or "")
            value = operation.get("value")
            if op not in {"add", "replace", "remove"}:
                raise exceptions.BadRequestError(f'Unknown PATCH operation "{op[:20]}"')
            if op == "remove":
                value = None
            if not path:
                if not isinstance(value, dict):
                    raise exceptions.BadRequestError("A PATCH operation without a path needs an object value")
                self.from_dict(_expand(value))
                continue
            self._apply_path(path, value)
        self.save()

    def _apply_path(self, path: str, value: Any) -> None:
        key = path.lower()
        whole = {"name": "name", ENTERPRISE.lower(): ENTERPRISE, PORTAL.lower(): PORTAL}
        if key in whole and isinstance(value, dict):
            # A complex attribute or an extension given whole: as in a POST, only what it names changes.
            self.from_dict({whole[key]: value})
        elif key in SIMPLE_PATHS:
            self.changes[SIMPLE_PATHS[key]] = str(value) if value not in (None, "") else None
            if SIMPLE_PATHS[key] in {"username", "first_name", "last_name"}:
                self.changes[SIMPLE_PATHS[key]] = str(value or "")
        elif key == "active":
            self.changes["active"] = _bool(value, "active")
        elif key.startswith("emails"):
            self.changes["email"] = _primary_email(value)
        elif key == f"{ENTERPRISE}:department".lower():
            self.changes["business_area"] = _area(value)
        elif key == f"{ENTERPRISE}:manager".lower():
            self.changes["line_manager"] = _manager(value)
        elif key == f"{PORTAL}:datahandler".lower():
            self.changes["is_data_handler"] = _bool(value, "dataHandler")
        # Other attributes the provider sends (displayName, title, ...) are not kept by the portal.


def _expand(value: dict) -> dict:
    """A path-less PATCH value may use dotted keys ("name.givenName"): turn them into the nested form."""
    expanded: dict[str, Any] = {}
    for key, item in value.items():
        if key.startswith(ENTERPRISE + ":"):
            expanded.setdefault(ENTERPRISE, {})[key[len(ENTERPRISE) + 1 :]] = item
        elif key.startswith(PORTAL + ":"):
            expanded.setdefault(PORTAL, {})[key[len(PORTAL) + 1 :]] = item
        elif key.startswith("name."):
            expanded.setdefault("name", {})[key[5:]] = item
        else:
            expanded[key] = item
    return expanded


class PortalSCIMGroup(SCIMGroup):
    """The portal's groups, read-only over SCIM: roles come from the provider's group claims at sign-in."""

    id_field = "pk"

    @classmethod
    def resource_type_dict(cls, request: HttpRequest | None = None) -> dict:
        return super().resource_type_dict(request) | {"endpoint": "/Groups"}

    def to_dict(self) -> dict:
        return {
            "schemas": [GROUP_SCHEMA],
            "id": str(self.obj.pk),
            "displayName": self.obj.name,
            "members": [{"value": str(user.pk), "display": user.display_name} for user in self.members()],
            "meta": {"resourceType": self.resource_type, "location": self.location},
        }

    def members(self) -> list:
        """The active members, from those fetched for the whole page when a list fetched them."""
        fetched = getattr(self.obj, "scim_members", None)  # scim_views.MEMBERS
        if fetched is not None:
            return fetched
        return list(self.obj.user_set.filter(is_active=True).order_by("pk"))

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise exceptions.SCIMException(
            "Groups are read-only: roles come from the identity provider's group claims at sign-in.", status=501
        )

    from_dict = save = delete = handle_operations = _read_only


class PortalServiceProviderConfig(SCIMServiceProviderConfig):
    """What the portal's SCIM service offers: the library's answer, without password changes (never kept)."""

    def to_dict(self) -> dict:
        config = super().to_dict()
        config["changePassword"] = {"supported": False}
        return config
