"""django-scim2's endpoints, with the lists and discovery documents a SCIM client expects.

The library counts a list by reading every row (``sum(1 for _ in qs)``) and then builds each
resource on its own, so each person's groups and business area, and each group's members,
were a query apiece. Here the count is a ``COUNT`` and the page's related rows are fetched
together; a filter's matches are counted and paged in the database as well (the library reads
them all, so ``userName pr`` would read everyone). Its ResourceTypes and Schemas lists lacked
``totalResults`` (RFC 7644 section 3.4.2 requires it), answered an unknown id with an empty
404 rather than a SCIM error, and published attributes the portal never keeps: here they
publish ``scim_schemas``. People the provider deleted (kept as leavers) are not found and not
listed (RFC 7644 section 3.6). The searches (``POST .../.search``) read ``attributes``,
``excludedAttributes``, ``startIndex`` and ``count`` from the body and need no filter, and the
service's root ``/.search`` searches Users and Groups together (section 3.4.3). Writes and the
token check are the library's.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from django.urls import re_path, reverse
from django_scim import constants, exceptions
from django_scim import urls as library_urls
from django_scim.utils import get_base_scim_location_getter
from django_scim.views import (
    GroupSearchView,
    GroupsView,
    ResourceTypesView,
    SchemasView,
    SCIMView,
    UserSearchView,
    UsersView,
)
from scim2_filter_parser.parser import SCIMParserError

from governance.register.scim import MAX_PAGE, SHAPE_ATTRIBUTE, scim_pk
from governance.register.scim_schemas import published_schemas

MEMBERS = "scim_members"  # the members of a group SCIM knows, fetched for a page of groups at once


class PagedListMixin:
    """A list page: ``COUNT`` for the total, then the page's rows and their related rows in a few queries.

    A body must be a JSON object, and an id that cannot be a portal number is not found (no lookup fails).
    """

    page_prefetch: tuple = ()
    list_model: Any = None

    def load_body(self, body: bytes) -> dict:
        return json_object(body)

    def get_object(self):
        uuid = self.kwargs.get(self.lookup_url_kwarg)  # type: ignore[attr-defined]
        if scim_pk(uuid) is None:
            raise exceptions.NotFoundError(str(uuid)[:100])
        return super().get_object()  # type: ignore[misc]

    def _build_response(self, request, qs, start, count) -> HttpResponse:
        count = _bounded(count)
        try:
            qs = self.visible(qs)
            total = qs.count() if isinstance(qs, QuerySet) else len(qs)
            page = list(qs[start - 1 : start - 1 + count]) if count and start - 1 < total else []
        except ValueError as exc:
            raise exceptions.BadRequestError(str(exc)) from None
        return _page_response(start, total, self.resources(request, page))

    def resources(self, request, page: list) -> list[dict]:
        prefetch_related_objects(page, *self.prefetches())
        return [self.scim_adapter(obj, request=request).to_dict() for obj in page]  # type: ignore[attr-defined]

    def prefetches(self) -> tuple:
        return self.page_prefetch

    def visible(self, qs: Any) -> Any:
        """The rows SCIM may show (all, unless a resource type hides some)."""
        return qs

    def matching(self, request, query: str | None) -> QuerySet:
        """Every resource, or those the filter selects, in order: a query, read page by page by ``_build_response``."""
        if not query:
            return self.visible(self.list_model.objects.order_by("pk"))
        try:
            found = filtered(self.__class__.parser_getter(), self.list_model, query, request)  # type: ignore[attr-defined]
        except (ValueError, SCIMParserError) as exc:
            raise exceptions.BadRequestError(f"Invalid filter: {exc}", scim_type="invalidFilter") from None
        return self.visible(found)

    def _search(self, request, query, start, count) -> HttpResponse:
        return self._build_response(request, self.matching(request, query), start, count)


def filtered(parser: Any, model: Any, query: str, request) -> QuerySet:
    """The rows a SCIM filter selects, as a query the database counts and pages (``LIMIT``/``OFFSET``).

    The library's parser writes ``SELECT DISTINCT <table>.* ... WHERE <filter>`` for ``objects.raw``,
    which a list could only read whole (``userName pr`` would read everyone). Here the same
    ``WHERE`` (its joins and parameters too) selects the primary keys of a subquery instead.
    """
    built = parser.query_class(query, parser.table_name(), parser.attr_map, parser.joins)
    if built.where_sql is None:
        return model.objects.none()
    sql, params = parser.get_raw_args(built, request)
    table = parser.table_name()
    head = f"SELECT DISTINCT {table}.*"
    sql = sql.strip().rstrip(";").strip()
    if not sql.startswith(head):
        raise ValueError("The filter could not be read")
    keys = f"SELECT {table}.{model._meta.pk.column}" + sql[len(head) :]
    # The parser names only the columns of ``attr_map`` and passes every value the client sent as a parameter.
    return model.objects.filter(pk__in=RawSQL(keys, tuple(params))).order_by("pk")  # noqa: S611


def json_object(body: bytes) -> dict:
    """A request's body: a JSON object in UTF-8 (empty is ``{}``), or a SCIM ``invalidSyntax`` error."""
    try:
        loaded = json.loads(body.decode(constants.ENCODING).strip() or "{}")
    except (UnicodeDecodeError, ValueError):
        raise exceptions.BadRequestError("The body is not JSON in UTF-8", scim_type="invalidSyntax") from None
    if not isinstance(loaded, dict):
        raise exceptions.BadRequestError("The body must be a JSON object", scim_type="invalidSyntax")
    return loaded


def _bounded(count: int | None) -> int:
    return max(0, min(count if count is not None else MAX_PAGE, MAX_PAGE))


def _page_response(start: int, total: int, resources: list[dict]) -> HttpResponse:
    doc = {
        "schemas": [constants.SchemaURI.LIST_RESPONSE],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start,
        "Resources": resources,
    }
    return HttpResponse(content=json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE)


class PeopleMixin(PagedListMixin):
    """People the provider deleted stay as leavers, but SCIM neither finds nor lists them."""

    page_prefetch = ("business_area", "groups")
    list_model = get_user_model()

    def visible(self, qs: Any) -> Any:
        return qs.filter(scim_deleted_at__isnull=True)

    def get_object(self):
        person = super().get_object()  # type: ignore[misc]
        if person.scim_deleted_at is not None:
            raise exceptions.NotFoundError(self.kwargs[self.lookup_url_kwarg])  # type: ignore[attr-defined]
        return person


class GroupsMixin(PagedListMixin):
    list_model = Group

    def prefetches(self) -> tuple:
        known = get_user_model().objects.filter(scim_deleted_at__isnull=True).order_by("pk")
        return ("provisioned", Prefetch("user_set", queryset=known, to_attr=MEMBERS))


class PortalUsersView(PeopleMixin, UsersView):
    pass


class PortalGroupsView(GroupsMixin, GroupsView):
    pass


def search_request(request) -> tuple[str | None, int, int]:
    """A SearchRequest's filter and page; its ``attributes`` and ``excludedAttributes`` shape each resource."""
    body = json_object(request.body)
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or constants.SchemaURI.SERACH_REQUEST not in schemas:
        raise exceptions.BadRequestError(
            f"A search needs the schema {constants.SchemaURI.SERACH_REQUEST}", scim_type="invalidSyntax"
        )
    setattr(request, SHAPE_ATTRIBUTE, (body.get("attributes"), body.get("excludedAttributes")))
    try:
        start = min(int(body.get("startIndex") or 1), 2**62)
        count = int(body["count"]) if body.get("count") is not None else None
    except (TypeError, ValueError, OverflowError):
        raise exceptions.BadRequestError("startIndex and count must be numbers", scim_type="invalidValue") from None
    query = body.get("filter")
    return (str(query) if query else None), max(start, 1), _bounded(count)


class SearchBodyMixin:
    """``POST /Users/.search`` and ``/Groups/.search``: the search request's body, with or without a filter."""

    def post(self, request, *args, **kwargs) -> HttpResponse:
        query, start, count = search_request(request)
        return self._search(request, query, start, count)  # type: ignore[attr-defined]


class PortalUserSearchView(SearchBodyMixin, PeopleMixin, UserSearchView):
    pass


class PortalGroupSearchView(SearchBodyMixin, GroupsMixin, GroupSearchView):
    pass


class RootSearchView(SCIMView):
    """``POST /.search``: the Users, then the Groups, that the filter selects.

    A filter on an attribute one resource type lacks selects none of that type.
    """

    http_method_names = ["post"]
    kinds = (PortalUserSearchView, PortalGroupSearchView)

    def post(self, request, *args, **kwargs) -> HttpResponse:
        query, start, count = search_request(request)
        views = [kind() for kind in self.kinds]
        found = [(view, view.matching(request, query)) for view in views]
        totals = [rows.count() if isinstance(rows, QuerySet) else len(rows) for _, rows in found]
        resources: list[dict] = []
        offset = start - 1
        for (view, rows), total in zip(found, totals, strict=True):
            wanted = count - len(resources)
            if wanted > 0 and offset < total:
                resources += view.resources(request, list(rows[offset : offset + wanted]))
            offset = max(0, offset - total)
        return _page_response(start, sum(totals), resources)


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
    "search": RootSearchView,
    "users": PortalUsersView,
    "users-search": PortalUserSearchView,
    "groups": PortalGroupsView,
    "groups-search": PortalGroupSearchView,
    "resource-types": PortalResourceTypesView,
    "schemas": PortalSchemasView,
}

# The library's URLs, names and namespace, with the endpoints above in place of its own.
app_name = library_urls.app_name
urlpatterns = [
    re_path(pattern.pattern.regex.pattern, _PORTAL_VIEWS[pattern.name].as_view(), name=pattern.name)
    if pattern.name in _PORTAL_VIEWS
    else pattern
    for pattern in library_urls.urlpatterns
] + [re_path(r"^.+$", UnknownAddressView.as_view())]
