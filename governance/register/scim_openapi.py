"""An OpenAPI description of the SCIM endpoint, for the fuzzing run (``scripts/api-fuzz``).

SCIM describes itself (``/Schemas``, ``/ResourceTypes``) rather than with OpenAPI, so this
builds an OpenAPI 3.0 document from the same published schemas (``scim_schemas``): each
operation a provider uses, with request bodies shaped like the resources, so that a fuzzer
sends both plausible and broken provisioning requests. Responses are only described as SCIM
JSON: the check is that nothing answers with a server error.
"""

from __future__ import annotations

from typing import Any

from governance.register.scim_schemas import ENTERPRISE, GROUP, PORTAL, USER, published_schemas

SCIM_JSON = "application/scim+json"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
_TYPES = {"string": "string", "boolean": "boolean", "reference": "string", "integer": "integer"}


def _property(attribute: dict) -> dict:
    if attribute["type"] == "complex":
        item: dict[str, Any] = {
            "type": "object",
            "properties": {sub["name"]: _property(sub) for sub in attribute.get("subAttributes", [])},
        }
    else:
        item = {"type": _TYPES.get(attribute["type"], "string")}
    return {"type": "array", "items": item} if attribute.get("multiValued") else item


def _object(schema: dict) -> dict:
    return {"type": "object", "properties": {a["name"]: _property(a) for a in schema["attributes"]}}


def _resources() -> dict[str, dict]:
    schemas = {schema["id"]: schema for schema in published_schemas()}
    user = _object(schemas[USER])
    user["properties"] |= {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [USER, ENTERPRISE, PORTAL]}},
        "externalId": {"type": "string"},
        ENTERPRISE: _object(schemas[ENTERPRISE]),
        PORTAL: _object(schemas[PORTAL]),
    }
    user["required"] = ["schemas", "userName"]
    group = _object(schemas[GROUP])
    group["properties"] |= {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [GROUP]}},
        "externalId": {"type": "string"},
    }
    group["required"] = ["schemas", "displayName"]
    return {"User": user, "Group": group}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {SCIM_JSON: {"schema": schema}}}


def _answers(*codes: str) -> dict:
    described = {"description": "A SCIM resource, list or error", "content": {SCIM_JSON: {"schema": {}}}}
    return {code: described for code in codes}


_LIST_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": schema}
    for name, schema in (
        ("filter", {"type": "string"}),
        ("startIndex", {"type": "integer"}),
        ("count", {"type": "integer"}),
        ("attributes", {"type": "string"}),
        ("excludedAttributes", {"type": "string"}),
    )
]
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]{1,6}$"}}
_PATCH = {
    "type": "object",
    "required": ["schemas", "Operations"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [PATCH_OP]}},
        "Operations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["op"],
                "properties": {
                    "op": {"type": "string", "enum": ["add", "replace", "remove", "Add", "Replace", "Remove"]},
                    "path": {"type": "string"},
                    "value": {},
                },
            },
        },
    },
}
_SEARCH = {
    "type": "object",
    "required": ["schemas"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [SEARCH_REQUEST]}},
        "filter": {"type": "string"},
        "attributes": {"type": "array", "items": {"type": "string"}},
        "excludedAttributes": {"type": "array", "items": {"type": "string"}},
        "startIndex": {"type": "integer"},
        "count": {"type": "integer"},
    },
}


def openapi_document(base: str = "/scim/v2") -> dict:
    """The SCIM endpoint's operations as an OpenAPI 3.0 document."""
    resources = _resources()
    writes = _answers("200", "400", "403", "404", "409")
    paths: dict[str, dict] = {}
    for name, schema in resources.items():
        collection, one = f"{base}/{name}s", f"{base}/{name}s/{{id}}"
        paths[collection] = {
            "get": {"operationId": f"list{name}s", "parameters": _LIST_PARAMETERS, "responses": _answers("200", "400")},
            "post": {
                "operationId": f"create{name}",
                "requestBody": _body(schema),
                "responses": _answers("201", "400", "403", "409"),
            },
        }
        paths[one] = {
            "parameters": [_ID],
            "get": {"operationId": f"read{name}", "responses": _answers("200", "404")},
            "put": {"operationId": f"replace{name}", "requestBody": _body(schema), "responses": writes},
            "patch": {"operationId": f"patch{name}", "requestBody": _body(_PATCH), "responses": writes},
            "delete": {"operationId": f"delete{name}", "responses": _answers("204", "403", "404")},
        }
        search = {"operationId": f"search{name}s", "requestBody": _body(_SEARCH), "responses": _answers("200", "400")}
        paths[f"{collection}/.search"] = {"post": search}
    paths[f"{base}/.search"] = {
        "post": {"operationId": "searchAll", "requestBody": _body(_SEARCH), "responses": _answers("200", "400")}
    }
    for name in ("ServiceProviderConfig", "ResourceTypes", "Schemas"):
        paths[f"{base}/{name}"] = {"get": {"operationId": f"read{name}", "responses": _answers("200")}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Custodian SCIM 2.0 provisioning", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"scim": {"type": "http", "scheme": "bearer"}}},
        "security": [{"scim": []}],
    }
