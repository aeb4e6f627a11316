"""django-scim2's endpoints, with the lists and discovery documents a SCIM client expects.

The library counts a list by reading every row (``sum(1 for _ in qs)``) and then builds each
resource on its own, so each person's groups and business area, and each group's members,
were a query apiece. Here the count is a ``COUNT`` and the page's related rows are fetched
together. Its ResourceTypes and Schemas lists lacked ``totalResults`` (RFC 7644 section 3.4.2
requires it), answered an unknown id with an empty 404 rather than a SCIM error, and
published attributes the portal never keeps: here they publish ``scim_schemas``. Everything
else (filters, writes, the token check) is the library's.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpResponse
from django.urls import re_path, reverse
from django_scim import constants, exceptions
from django_scim import urls as library_urls
from django_scim.utils import get_base_scim_location_getter
from django_scim.views import GroupsView, ResourceTypesView, SchemasView, SCIMView, UsersView

from governance.register.scim_schemas import published_schemas

# The most resources one page returns, whatever ``count`` asks (RFC 7644 lets a server return fewer).
MAX_PAGE = 200
MEMBERS = "scim_members"  # the active members of a group, fetched for a page of groups at once


class PagedListMixin:
    """A list page: ``COUNT`` for the total, then the page's rows and their related rows in a few queries."""

    page_prefetch: tuple = ()

    def _build_response(self, request, qs, start, count) -> HttpResponse:
        count = max(0, min(count if count is not None else MAX_PAGE, MAX_PAGE))
        try:
            total = qs.count() if isinstance(qs, QuerySet) else len(qs)
            page = list(qs[start - 1 : start - 1 + count]) if count else []
        except ValueError as exc:
            raise exceptions.BadRequestError(str(exc)) from None
        prefetch_related_objects(page, *self.prefetches())
        resources = [self.scim_adapter(obj, request=request).to_dict() for obj in page]  # type: ignore[attr-defined]
        doc = {
            "schemas": [constants.SchemaURI.LIST_RESPONSE],
            "totalResults": total,
            "itemsPerPage": len(resources),
            "startIndex": start,
            "Resources": resources,
        }
        return HttpResponse(content=json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE)

    def prefetches(self) -> tuple:
        return self.page_prefetch


class PortalUsersView(PagedListMixin, UsersView):
    page_prefetch = ("business_area", "groups")


class PortalGroupsView(PagedListMixin, GroupsView):
    def prefetches(self) -> tuple:
        active = get_user_model().objects.filter(is_active=True).order_by("pk")
        return (Prefetch("user_set", queryset=active, to_attr=MEMBERS),)


def _list_response(resources: list[dict]) -> HttpResponse:
    doc = {
        "schemas": [constants.SchemaURI.LIST_RESPONSE],
        "totalResults": len(resources),
        "itemsPerPage": len(resources),
        "startIndex": 1,
        "Resources": resources,
    }
    return HttpResponse(content=json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE)


def _one(resources: dict[str, dict], uuid: str, what: str) -> HttpResponse:
    if uuid not in resources:
        raise exceptions.SCIMException(f"No {what} is called {uuid[:100]}", status=404)
    return HttpResponse(content=json.dumps(resources[uuid]), content_type=constants.SCIM_CONTENT_TYPE)


class PortalResourceTypesView(ResourceTypesView):
    def get(self, request, uuid=None, *args, **kwargs) -> HttpResponse:
        types = self.type_dict_by_type_id(request)
        if uuid:
            return _one(types, uuid, "resource type")
        return _list_response([types[key] for key in sorted(types)])


class PortalSchemasView(SchemasView):
    def get(self, request, uuid=None, *args, **kwargs) -> HttpResponse:
        base = get_base_scim_location_getter()(request=request)
        schemas = {}
        for schema in published_schemas():
            location = base + reverse("scim:schemas", kwargs={"uuid": schema["id"]})
            schemas[schema["id"]] = schema | {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                "meta": {"resourceType": "Schema", "location": location},
            }
        if uuid:
            return _one(schemas, uuid, "schema")
        return _list_response([schemas[key] for key in sorted(schemas)])


class UnknownAddressView(SCIMView):
    """Anything else under the service's base address: a SCIM error (after the token check), not a page."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def _unknown(self, request, *args, **kwargs) -> HttpResponse:
        raise exceptions.SCIMException("There is no SCIM resource at this address.", status=404)

    get = post = put = patch = delete = _unknown


_PORTAL_VIEWS: dict[str, Any] = {
    "users": PortalUsersView,
    "groups": PortalGroupsView,
    "resource-types": PortalResourceTypesView,
    "schemas": PortalSchemasView,
}

# The library's URLs, names and namespace, with the two list endpoints above in place of its own.
app_name = library_urls.app_name
urlpatterns = [
    re_path(pattern.pattern.regex.pattern, _PORTAL_VIEWS[pattern.name].as_view(), name=pattern.name)
    if pattern.name in _PORTAL_VIEWS
    else pattern
    for pattern in library_urls.urlpatterns
] + [re_path(r"^.+$", UnknownAddressView.as_view())]
