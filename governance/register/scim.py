"""SCIM 2.0 provisioning of people and groups from the identity provider (django-scim2's adapters).

Joiners, movers and leavers arrive from the provider (Entra ID) and go through the register's
people services (``register.people.provision_person``), so a leaver (``active`` false) goes
through the same leaver flow as the HR import and every change is audited. Never a password;
deleting a user records a leaver instead, and SCIM answers 404 for them until an administrator
reactivates them or the provider creates the same userName or externalId again (the same
person, provisioned anew: ``people.provision_person``). The
SCIM ``id`` is the portal's person number, and ``externalId`` is the provider's stable subject
(Entra ID: objectId), which single sign-on matches people by.

Attributes: ``userName``, ``name.givenName``/``familyName``, the primary ``emails`` value,
``active``, ``externalId``; from the enterprise extension ``employeeNumber`` (staff number),
``department`` (business area code or name) and ``manager`` (the manager's SCIM id); and
the portal's extension ``dataHandler``. Responses honour ``attributes`` and
``excludedAttributes`` (``ShapedResource``). Groups: see ``PortalSCIMGroup``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django_scim import exceptions
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.models import SCIMServiceProviderConfig
from django_scim.utils import get_base_scim_location_getter

from governance.core.models import BusinessArea, User
from governance.register import people
from governance.register.scim_schemas import USER_EXTENSIONS

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PORTAL = "urn:ietf:params:scim:schemas:extension:custodian:2.0:User"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
# The most resources one page returns, whatever ``count`` asks (RFC 7644 lets a server return fewer).
MAX_PAGE = 200


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


def scim_pk(text: Any) -> int | None:
    """A SCIM id as the portal's number, or None when it cannot be one (so no lookup can fail)."""
    text = str(text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _object(value: Any, name: str) -> dict:
    """A complex attribute or extension's value: an object (or nothing)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise exceptions.BadRequestError(f'"{name[:100]}" must be an object', scim_type="invalidValue")
    return value


def operations_list(operations: Any) -> list[dict]:
    """A PATCH request's operations: a list of objects, or a SCIM ``invalidSyntax`` error."""
    if not isinstance(operations, list) or not all(isinstance(item, dict) for item in operations):
        raise exceptions.BadRequestError("Operations must be a list of objects", scim_type="invalidSyntax")
    return operations


def _manager(value: Any) -> User | None:
    if isinstance(value, dict):
        value = value.get("value") or str(value.get("$ref") or "").rstrip("/").rsplit("/", 1)[-1]
    text = str(value or "").strip()
    if not text:
        return None
    pk = scim_pk(text)
    manager = User.objects.filter(pk=pk).first() if pk is not None else None
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


# --- attributes and excludedAttributes (RFC 7644 section 3.9) ------------------------------

ALWAYS_RETURNED = ("schemas", "id")
SHAPE_ATTRIBUTE = "scim_shape"  # (attributes, excludedAttributes) a search body asked for, on the request


def attribute_names(raw: Any) -> list[str]:
    """The attribute names of an ``attributes`` or ``excludedAttributes`` value (comma-separated or a list)."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def _key(mapping: dict, name: str) -> str | None:
    return next((key for key in mapping if key.lower() == name.lower()), None)


def _locate(doc: dict, name: str, core: str) -> tuple[str, str | None] | None:
    """The top-level key and sub-attribute a (possibly fully qualified) attribute name designates in ``doc``."""
    lowered = name.lower()
    for key in doc:
        if key.startswith("urn:"):
            if lowered == key.lower():
                return key, None
            if lowered.startswith(key.lower() + ":"):
                return key, name[len(key) + 1 :]
    if lowered.startswith(core.lower() + ":"):
        name = name[len(core) + 1 :]
    top, _, sub = name.partition(".")
    key = _key(doc, top)
    return (key, sub or None) if key else None


def _pick(value: Any, sub: str) -> Any:
    """Only the sub-attribute ``sub`` of a complex value (or of each value of a multi-valued one)."""
    if isinstance(value, dict):
        key = _key(value, sub)
        return {key: value[key]} if key else {}
    if isinstance(value, list):
        return [_pick(item, sub) for item in value]
    return value


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return old | new
    if isinstance(old, list) and isinstance(new, list):
        return [_merge(a, b) for a, b in zip(old, new, strict=False)]
    return new


def _drop(value: Any, sub: str) -> Any:
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key.lower() != sub.lower()}
    if isinstance(value, list):
        return [_drop(item, sub) for item in value]
    return value


def shape(doc: dict, core: str, attributes: list[str], excluded: list[str]) -> dict:
    """The resource with only the attributes asked for, or without those excluded; ``id`` and ``schemas`` always."""
    if attributes:
        shaped = {key: doc[key] for key in ALWAYS_RETURNED if key in doc}
        for name in attributes:
            found = _locate(doc, name, core)
            if found is None or found[0] in ALWAYS_RETURNED:
                continue
            key, sub = found
            part = doc[key] if sub is None else _pick(doc[key], sub)
            shaped[key] = part if sub is None or key not in shaped else _merge(shaped[key], part)
        doc = shaped
    for name in excluded:
        found = _locate(doc, name, core)
        if found is None or found[0] in ALWAYS_RETURNED:
            continue
        key, sub = found
        doc = {k: v for k, v in doc.items() if k != key} if sub is None else doc | {key: _drop(doc[key], sub)}
    return doc


class ShapedResource:
    """``to_dict`` answers with the attributes the request asked for (query string, or a search's body)."""

    core_schema = ""
    request: HttpRequest

    def resource(self) -> dict:
        raise NotImplementedError

    def to_dict(self) -> dict:
        doc = self.resource()
        request = self._request  # type: ignore[attr-defined]
        if request is None:
            return doc
        asked = getattr(request, SHAPE_ATTRIBUTE, None)
        if asked is None:
            asked = (request.GET.get("attributes"), request.GET.get("excludedAttributes"))
        attributes, excluded = attribute_names(asked[0]), attribute_names(asked[1])
        if not attributes and not excluded:
            return doc
        return shape(doc, self.core_schema, attributes, excluded)


def actor(request: HttpRequest) -> User:
    """Who provisions: the SCIM token's owner (``scim_auth.ScimTokenCheck`` set them on the request)."""
    return cast(User, request.user)


def mutability_error(detail: str) -> exceptions.SCIMException:
    return exceptions.BadRequestError(detail, scim_type="mutability")


# PATCH paths (lower case) and the change each one makes.
SIMPLE_PATHS = {
    "username": "username",
    "name.givenname": "first_name",
    "name.familyname": "last_name",
    "externalid": "oidc_subject",
    f"{ENTERPRISE}:employeenumber".lower(): "staff_number",
}


class PortalSCIMUser(ShapedResource, SCIMUser):
    """The portal's person as a SCIM User; writes go through the register's people services."""

    id_field = "pk"
    core_schema = USER_SCHEMA
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

    def resource(self) -> dict:
        """The person; an attribute without a value is left out (unassigned, RFC 7643 section 2.5)."""
        name = {"givenName": self.obj.first_name, "familyName": self.obj.last_name}
        name = {key: value for key, value in name.items() if value}
        data: dict[str, Any] = {
            "schemas": [USER_SCHEMA],
            "id": self.id,
            "externalId": self.obj.oidc_subject,
            "userName": self.obj.username,
            "name": name or None,
            "displayName": self.display_name,
            "emails": [{"value": self.obj.email, "type": "work"}] if self.obj.email else [],
            "active": self.obj.is_active,
            "groups": self.groups,
            "meta": self.meta,
        }
        data = {key: value for key, value in data.items() if value is not None}
        enterprise = {
            "employeeNumber": self.obj.staff_number or None,
            "department": self.obj.business_area.code if self.obj.business_area is not None else None,
            "manager": self.manager,
        }
        enterprise = {key: value for key, value in enterprise.items() if value is not None}
        if enterprise:
            data[ENTERPRISE] = enterprise
        data[PORTAL] = {"dataHandler": self.obj.is_data_handler}
        data["schemas"] = [USER_SCHEMA, *(uri for uri in (ENTERPRISE, PORTAL) if uri in data)]
        return data

    def from_dict(self, d: dict) -> None:
        """Note what the provider sent; nothing is written until ``save`` (and never a password)."""
        changes: dict[str, Any] = {}
        if "userName" in d:
            changes["username"] = str(d["userName"] or "")
        name = _object(d.get("name"), "name")
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
        enterprise = _object(d.get(ENTERPRISE), ENTERPRISE)
        if "employeeNumber" in enterprise:
            changes["staff_number"] = str(enterprise["employeeNumber"] or "") or None
        if "department" in enterprise:
            changes["business_area"] = _area(enterprise["department"])
        if "manager" in enterprise:
            changes["line_manager"] = _manager(enterprise["manager"])
        portal = _object(d.get(PORTAL), PORTAL)
        if "dataHandler" in portal:
            changes["is_data_handler"] = _bool(portal["dataHandler"], "dataHandler")
        self.changes.update(changes)

    def save(self) -> None:
        try:
            self.obj, _ = people.provision_person(
                self.obj if self.obj.pk else None, self.changes, by=actor(self.request)
            )
        except ValidationError as exc:
            messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())
            raise exceptions.BadRequestError(messages[:500]) from None
        except PermissionDenied as exc:
            raise exceptions.SCIMException(str(exc), status=403) from None
        self.changes = {}

    def delete(self) -> None:
        """Deleting a person records a leaver (the same flow): the record and its history stay, SCIM forgets them."""
        try:
            self.obj = people.deprovision_person(self.obj, by=actor(self.request))
        except PermissionDenied as exc:
            raise exceptions.SCIMException(str(exc), status=403) from None

    def handle_operations(self, operations: list) -> None:
        """PATCH: add, replace and remove on the attributes above, then one save."""
        for operation in operations_list(operations):
            op = str(operation.get("op", "")).lower()
            path = str(operation.get("path") or "")
            value = operation.get("value")
            if op not in {"add", "replace", "remove"}:
                raise exceptions.BadRequestError(f'Unknown PATCH operation "{op[:20]}"')
            if op == "remove":
                if not path:
                    raise exceptions.BadRequestError("A remove operation needs a path", scim_type="noTarget")
                self._remove_path(path)
                continue
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

    def _remove_path(self, path: str) -> None:
        """PATCH remove: the attribute becomes unassigned; those every person must have cannot be removed."""
        key = path.lower()
        if key in {"username", "active", PORTAL.lower(), f"{PORTAL}:datahandler".lower()}:
            what = {"username": "userName", "active": "active"}.get(key, "dataHandler")
            hint = " (a leaver is recorded by setting active to false)" if key == "active" else ""
            raise mutability_error(f'"{what}" is required: it cannot be removed{hint}.')
        if key == "name":
            self.changes["first_name"] = self.changes["last_name"] = ""
        elif key == ENTERPRISE.lower():
            self.changes |= {"staff_number": None, "business_area": None, "line_manager": None}
        else:
            self._apply_path(path, None)


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


def _person(item: Any) -> User:
    """A member given by SCIM id (``value``) or address (``$ref``): a person SCIM still knows."""
    if isinstance(item, dict):
        item = item.get("value") or str(item.get("$ref") or "").rstrip("/").rsplit("/", 1)[-1]
    text = str(item or "").strip()
    pk = scim_pk(text)
    known = User.objects.filter(pk=pk, is_system=False, scim_deleted_at__isnull=True) if pk is not None else None
    person = known.first() if known is not None else None
    if person is None:
        raise exceptions.BadRequestError(f'No person has the SCIM id "{text[:100]}" (member)', scim_type="invalidValue")
    return person


def _people(value: Any) -> list[User]:
    if value is None:
        return []
    return [_person(item) for item in (value if isinstance(value, list) else [value])]


def _member_filter(path: str) -> str | None:
    """The member id in a path such as ``members[value eq "42"]``, or None."""
    head, _, rest = path.partition("[")
    if head.strip().lower() != "members" or not rest.endswith("]"):
        return None
    attribute, _, compared = rest[:-1].strip().partition(" ")
    operator, _, literal = compared.strip().partition(" ")
    if attribute.lower() != "value" or operator.lower() != "eq":
        raise exceptions.BadRequestError(f'Unsupported member filter "{path[:100]}"', scim_type="invalidFilter")
    return literal.strip().strip('"')


class PortalSCIMGroup(ShapedResource, SCIMGroup):
    """The portal's groups as SCIM Groups, written through the register's people services.

    The provider may create, rename and delete its own groups; the portal's role groups
    (``people.is_role_group``) keep their names and cannot be deleted, but their members may
    change. Every change of membership is a change of the person's groups through
    ``people.update_person``, audited like any other change of role.
    """

    id_field = "pk"
    core_schema = GROUP_SCHEMA
    obj: Group

    @classmethod
    def resource_type_dict(cls, request: HttpRequest | None = None) -> dict:
        return super().resource_type_dict(request) | {"endpoint": "/Groups"}

    def __init__(self, obj: Group, request: HttpRequest | None = None) -> None:
        super().__init__(obj, request)
        self.obj = obj
        self.name: str | None = None
        self.external_id: Any = people.UNCHANGED
        self.wanted: list[User] | None = None
        self.joining: list[User] = []
        self.leaving: list[User] = []

    def resource(self) -> dict:
        users = get_base_scim_location_getter()(request=self.request) + reverse("scim:users", kwargs={"uuid": 0})[:-1]
        provisioned = getattr(self.obj, "provisioned", None)
        data = {
            "schemas": [GROUP_SCHEMA],
            "id": str(self.obj.pk),
            "externalId": provisioned.external_id if provisioned is not None else None,
            "displayName": self.obj.name,
            "members": [{"value": str(user.pk), "$ref": f"{users}{user.pk}"} for user in self.members()],
            "meta": {"resourceType": self.resource_type, "location": self.location},
        }
        return {key: value for key, value in data.items() if value is not None}

    def members(self) -> list:
        """The members SCIM knows, from those fetched for the whole page when a list fetched them."""
        fetched = getattr(self.obj, "scim_members", None)  # scim_views.MEMBERS
        if fetched is not None:
            return fetched
        return list(self.obj.user_set.filter(scim_deleted_at__isnull=True).order_by("pk"))

    def from_dict(self, d: dict) -> None:
        """A POST or PUT: the name and exactly these members (nothing is written until ``save``)."""
        if "displayName" in d:
            if not isinstance(d["displayName"], str):
                raise exceptions.BadRequestError('"displayName" must be a string', scim_type="invalidValue")
            self.name = d["displayName"]
        if "externalId" in d or not self.obj.pk:
            self.external_id = d.get("externalId")
        if "members" in d or not self.obj.pk:
            self.wanted = _people(d.get("members"))

    def save(self) -> None:
        try:
            self.obj, _ = people.provision_group(
                self.obj if self.obj.pk else None,
                by=actor(self.request),
                name=self.name,
                external_id=self.external_id,
                members=self.wanted,
                add=self.joining,
                remove=self.leaving,
            )
        except people.GroupConflict as exc:
            raise exceptions.IntegrityError(" ".join(exc.messages), scim_type="uniqueness") from None
        except ValidationError as exc:
            raise exceptions.BadRequestError(" ".join(exc.messages)[:500], scim_type="invalidValue") from None
        except PermissionDenied as exc:
            raise exceptions.SCIMException(str(exc), status=403) from None
        self.name, self.external_id, self.wanted, self.joining, self.leaving = None, people.UNCHANGED, None, [], []

    def delete(self) -> None:
        try:
            people.delete_group(self.obj, by=actor(self.request))
        except PermissionDenied as exc:
            raise exceptions.SCIMException(str(exc), status=403) from None

    def handle_operations(self, operations: list) -> None:
        """PATCH: rename, and add, remove or replace members, then one save."""
        for operation in operations_list(operations):
            op = str(operation.get("op", "")).lower()
            path = str(operation.get("path") or "").strip()
            value = operation.get("value")
            if op not in {"add", "replace", "remove"}:
                raise exceptions.BadRequestError(f'Unknown PATCH operation "{op[:20]}"', scim_type="invalidSyntax")
            if not path:
                if op == "remove" or not isinstance(value, dict):
                    raise exceptions.BadRequestError("A PATCH operation without a path needs an object value")
                for key in ("displayName", "externalId", "members"):
                    if key in value:
                        self._apply(op, key, value[key])
                continue
            self._apply(op, path, value)
        self.save()

    def _apply(self, op: str, path: str, value: Any) -> None:
        key = path.lower()
        member = _member_filter(path)
        if key == "displayname":
            if op == "remove":
                raise mutability_error('"displayName" is required: it cannot be removed.')
            self.name = str(value or "")
        elif key == "externalid":
            self.external_id = None if op == "remove" else value
        elif member is not None:
            if op != "remove":
                raise exceptions.BadRequestError("Members are added by value, not by filter", scim_type="invalidPath")
            self.leaving.append(_person(member))
        elif key == "members":
            if op == "add":
                self.joining.extend(_people(value))
            elif op == "replace":
                self.wanted = _people(value)
            elif value:
                self.leaving.extend(_people(value))
            else:
                self.wanted = []
        elif key:
            raise exceptions.BadRequestError(f'Groups have no attribute "{path[:100]}"', scim_type="invalidPath")


class PortalServiceProviderConfig(SCIMServiceProviderConfig):
    """What the portal's SCIM service offers: the library's answer, with filters (``userName eq``, ...)
    up to a page of ``MAX_PAGE``, and without password changes (never kept)."""

    def to_dict(self) -> dict:
        config = super().to_dict()
        config["changePassword"] = {"supported": False}
        config["filter"] = {"supported": True, "maxResults": MAX_PAGE}
        return config
