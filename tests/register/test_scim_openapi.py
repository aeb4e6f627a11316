"""The SCIM endpoint's OpenAPI description, which the fuzzing run (scripts/api-fuzz) reads."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from governance.register.scim_schemas import ENTERPRISE, PORTAL

pytestmark = pytest.mark.django_db


def test_the_description_names_every_operation_a_provider_uses(tmp_path):
    target = tmp_path / "scim.json"

    call_command("scim_openapi", "--file", str(target))

    document = json.loads(target.read_text())
    assert document["openapi"].startswith("3.0")
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert {
        "GET /scim/v2/Users",
        "POST /scim/v2/Users",
        "PATCH /scim/v2/Users/{id}",
        "DELETE /scim/v2/Groups/{id}",
        "PUT /scim/v2/Groups/{id}",
        "POST /scim/v2/.search",
        "GET /scim/v2/ServiceProviderConfig",
    } <= operations
    user = document["paths"]["/scim/v2/Users"]["post"]["requestBody"]["content"]["application/scim+json"]["schema"]
    assert {"userName", "active", "emails", ENTERPRISE, PORTAL} <= set(user["properties"])
    assert user["properties"][PORTAL]["properties"]["dataHandler"] == {"type": "boolean"}
