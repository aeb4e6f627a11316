"""Request bodies the API must refuse cleanly: JSON nested too deep is a 400, never a 500."""

from __future__ import annotations

import pytest

from governance.core.rest.parsers import MAX_DEPTH, nesting_depth
from governance.register.models import InformationAsset

pytestmark = pytest.mark.django_db


def test_nesting_depth_counts_brackets_outside_strings_only():
    assert nesting_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert nesting_depth(b'"\\"[[[["') == 0
    assert nesting_depth(b"[]") == 1


@pytest.mark.parametrize("depth", [100_000, MAX_DEPTH + 1])
def test_a_body_nested_too_deep_is_refused_with_400_in_the_api_error_format(api, deputy_siro, depth, settings):
    settings.DEBUG = True  # in development a 500 would carry a traceback
    body = "[" * depth + "]" * depth
    response = api(deputy_siro, write=True).post("/api/assets/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested more than" in response.json()["detail"]
    assert not InformationAsset.objects.exists()


def test_a_body_nested_within_the_bound_is_parsed_as_usual(api, deputy_siro):
    body = '{"name": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    response = api(deputy_siro, write=True).post("/api/assets/", body, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()
