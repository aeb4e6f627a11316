"""Every endpoint: anonymous, a token of someone without the right, another owner's object, success.

Objects outside the caller's policy-restricted queryset are a 404: the API does not
say that they exist.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from governance.access.models import AccessGrant, AccessRequest
from governance.contracts.models import ResearchContract
from governance.core import roles
from governance.core.access_events import record_access
from governance.core.models import AuditEntry
from governance.register.models import InformationAsset
from governance.releases import workflow as releases
from tests.factories import DataItemFactory, UserFactory, make_asset, make_contract, make_grant

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/assets/",
    "/api/data-items/",
    "/api/courses/",
    "/api/training/status/",
    "/api/training/sign-offs/",
    "/api/access-requests/",
    "/api/grants/",
    "/api/access-events/",
    "/api/contracts/",
    "/api/contracts/calendar/",
    "/api/releases/",
    "/api/audit/entries/",
    "/api/audit/verifications/",
]
OVERSIGHT_ONLY = {"/api/access-events/", "/api/audit/entries/", "/api/audit/verifications/"}


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_gets_401_in_json_not_a_redirect(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("url", LISTS)
def test_staff_token_reads_lists_except_oversight(api, staff, url):
    response = api(staff).get(url)
    assert response.status_code == (403 if url in OVERSIGHT_ONLY else 200), response.content


@pytest.mark.parametrize("url", sorted(OVERSIGHT_ONLY))
def test_auditor_reads_oversight_lists(api, auditor, url):
    assert api(auditor).get(url).status_code == 200


def test_session_without_second_factor_is_sent_to_verify(unverified_client, staff):
    client = unverified_client(staff)
    response = client.get("/api/assets/")
    assert response.status_code == 302
    # A bogus scheme does not slip a password-only session past the middleware...
    assert client.get("/api/assets/", HTTP_AUTHORIZATION="Basic eDp5").status_code == 302
    # ...and a token header is checked as a token, never falling back to the session.
    assert client.get("/api/assets/", HTTP_AUTHORIZATION="Bearer cus_x.y").status_code == 401


def test_verified_session_reads(verified_client, staff):
    assert verified_client(staff).get("/api/assets/").status_code == 200


def test_docs_and_schema_are_pages_behind_sign_in_and_second_factor(client, unverified_client, verified_client, staff):
    for url in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert client.get(url).status_code == 302
    unverified = unverified_client(staff)
    assert unverified.get("/api/schema/").status_code == 302
    client.logout()
    signed_in = verified_client(UserFactory())
    schema = signed_in.get("/api/schema/?format=json")
    assert schema.status_code == 200 and "/api/assets/" in schema.json()["paths"]
    docs = signed_in.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()
    redoc = signed_in.get("/api/redoc/").content.decode()
    assert "drf_spectacular_sidecar/redoc" in redoc and "cdn." not in redoc.lower()


def test_a_token_is_not_a_way_into_the_docs(api, staff):
    assert api(staff).get("/api/schema/").status_code == 302


# --- assets ---------------------------------------------------------------------------------


def _asset_body(area, **extra):
    body = {
        "name": "Housing benefit claims",
        "description": "Claims and awards.",
        "business_area": area.pk,
        "classification": "official_sensitive",
        "contains_personal_data": True,
        "identifiability": "identifiable",
        "extract_type": "full",
        "lawful_basis": "consent",
        "storage_location": "Secure analytical environment",
        "retention_rule": "Seven years after the claim ends",
        "next_review_date": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
    }
    body.update(extra)
    return body


def test_asset_create_refused_for_staff_allowed_for_deputy_and_audited_as_api(api, staff, deputy_siro, area):
    refused = api(staff, write=True).post_json("/api/assets/", _asset_body(area))
    assert refused.status_code == 403
    assert not InformationAsset.objects.exists()

    client = api(deputy_siro, write=True)
    response = client.post_json("/api/assets/", _asset_body(area, manager=staff.pk))
    assert response.status_code == 201, response.content
    asset = InformationAsset.objects.get()
    assert asset.manager == staff
    entry = AuditEntry.objects.get(content_type__model="informationasset", object_pk=str(asset.pk), action=0)
    assert entry.actor == deputy_siro
    assert entry.additional_data["via"] == "api"
    assert entry.additional_data["api_token"] == client.token.removeprefix("cus_").split(".")[0]
    assert entry.cid == response["X-Correlation-ID"]


def test_asset_bad_write_gives_field_errors_and_changes_nothing(api, deputy_siro, area):
    response = api(deputy_siro, write=True).post_json(
        "/api/assets/", _asset_body(area, name="", identifiability="sort of")
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"name", "identifiability"}
    assert not InformationAsset.objects.exists()


def test_asset_edit_by_iam_refused_for_others(api, staff, area):
    iam = UserFactory(business_area=area)
    asset = make_asset(manager=iam, business_area=area)
    assert api(staff, write=True).patch_json(f"/api/assets/{asset.pk}/", {"name": "Mine"}).status_code == 403
    response = api(iam, write=True).patch_json(f"/api/assets/{asset.pk}/", {"storage_location": "Vault 2"})
    assert response.status_code == 200
    asset.refresh_from_db()
    assert asset.storage_location == "Vault 2"
    reassign = api(iam, write=True).patch_json(f"/api/assets/{asset.pk}/", {"manager": staff.pk})
    assert reassign.status_code == 400
    asset.refresh_from_db()
    assert asset.manager == iam


# --- access ---------------------------------------------------------------------------------


def test_access_request_created_as_the_caller_only(api, staff, area):
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area)
    item = DataItemFactory(asset=asset, sensitivity="non_personal")
    other = UserFactory()
    body = {
        "requester": other.pk,
        "asset": asset.pk,
        "purpose": "Caseload tables",
        "business_case": "Needed for the monthly publication.",
        "requested_end_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "items": [{"data_item": item.pk, "justification": "Counts by area"}],
    }
    response = api(staff, write=True).post_json("/api/access-requests/", body)
    assert response.status_code == 201, response.content
    request = AccessRequest.objects.get()
    assert request.requester == staff and request.state == "submitted"
    assert api(other).get(f"/api/access-requests/{request.pk}/").status_code == 404
    assert api(staff).get(f"/api/access-requests/{request.pk}/").status_code == 200


def test_iam_decision_through_the_service(api, staff, area):
    iam = UserFactory(business_area=area)
    asset = make_asset(manager=iam, business_area=area)
    item = DataItemFactory(asset=asset, sensitivity="non_personal")
    from governance.access import requests as access

    request = access.save_request(
        requester=staff,
        asset=asset,
        purpose="p",
        business_case="b",
        requested_end_date=timezone.localdate() + datetime.timedelta(days=30),
        items={item: "why"},
        submit=True,
    )
    url = f"/api/access-requests/{request.pk}/iam-decision/"
    assert api(staff, write=True).post_json(url, {"decision": "approve", "reason": "x"}).status_code == 403
    no_reason = api(iam, write=True).post_json(url, {"decision": "approve", "reason": " "})
    assert no_reason.status_code == 400
    response = api(iam, write=True).post_json(url, {"decision": "approve", "reason": "Sound business case"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert AccessGrant.objects.get().holder == staff


def test_grants_visible_to_holder_and_iam_revoked_by_iam_only(api, staff):
    grant = make_grant(staff)
    iam = grant.asset.manager
    assert api(UserFactory()).get(f"/api/grants/{grant.pk}/").status_code == 404
    assert api(staff).get(f"/api/grants/{grant.pk}/").status_code == 200
    url = f"/api/grants/{grant.pk}/revoke/"
    assert api(staff, write=True).post_json(url, {"reason": "Mine"}).status_code == 403
    assert api(iam).post_json(url, {"reason": "No longer needed"}).status_code == 403  # read-only token
    response = api(iam, write=True).post_json(url, {"reason": "No longer needed"})
    assert response.status_code == 200 and response.json()["state"] == "revoked"


def test_access_events_for_oversight_only(api, staff, auditor):
    record_access(RequestFactory().get("/"), None, "export", "register", user=staff)
    assert api(staff).get("/api/access-events/").status_code == 403
    assert len(api(auditor).get("/api/access-events/").json()["results"]) == 1


# --- contracts ------------------------------------------------------------------------------


def test_contract_transition_refusal_names_unmet_preconditions(api, staff):
    manager = UserFactory(groups=[roles.CONTRACT_MANAGERS])
    contract = make_contract(manager=manager)
    assert api(staff).get(f"/api/contracts/{contract.pk}/").status_code == 404
    assert api(manager).get(f"/api/contracts/{contract.pk}/").status_code == 200
    url = f"/api/contracts/{contract.pk}/transition/"
    response = api(manager, write=True).post_json(url, {"target": "approved"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    contract.refresh_from_db()
    assert contract.status == ResearchContract.Status.DRAFT
    reader = UserFactory(groups=[roles.AUDITORS])  # may read every contract, may not move one
    assert api(reader).get(f"/api/contracts/{contract.pk}/").status_code == 200
    assert api(reader, write=True).post_json(url, {"target": "under_assurance"}).status_code == 403


def test_calendar_lists_only_visible_contracts(api, staff):
    manager = UserFactory(groups=[roles.CONTRACT_MANAGERS])
    make_contract(manager=manager)
    assert api(staff).get("/api/contracts/calendar/").json()["results"] == []
    assert len(api(manager).get("/api/contracts/calendar/").json()["results"]) == 1


# --- releases and audit ---------------------------------------------------------------------


def test_release_status_only_for_those_who_may_see_it(api, staff):
    author = UserFactory(groups=[roles.STATISTICIANS])
    release = releases.create_release(
        by=author, title="Benefit statistics", planned_release_date=timezone.localdate() + datetime.timedelta(days=9)
    )
    assert api(staff).get(f"/api/releases/{release.pk}/").status_code == 404
    body = api(author).get(f"/api/releases/{release.pk}/").json()
    assert body["status"] == "draft" and body["table_count"] == 0 and body["signed_off_by"] is None
    assert not {"data", "result", "parameters", "table_digest", "fingerprint"} & set(body)


def test_audit_entries_newest_first_with_a_cursor(api, auditor, staff):
    for n in range(3):
        make_asset(business_area=staff.business_area, name=f"Asset {n}")
    client = api(auditor)
    first = client.get("/api/audit/entries/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"] and "cursor=" in first["next"]
    stamps = [row["timestamp"] for row in first["results"]]
    assert stamps == sorted(stamps, reverse=True)
    assert first["results"][0]["id"] == AuditEntry.objects.order_by("-timestamp", "-id").first().pk
    assert api(staff).get("/api/audit/entries/").status_code == 403


def test_throttled_per_token(api, staff, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "2/minute"}}
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        one, two = api(staff), api(staff)
        assert [one.get("/api/courses/").status_code for _ in range(3)] == [200, 200, 429]
        assert two.get("/api/courses/").status_code == 200  # a second token has its own count
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "600/minute"}}
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_data_items_kept_by_the_assets_editors(api, staff, area):
    iam = UserFactory(business_area=area)
    asset = make_asset(manager=iam, business_area=area)
    body = {"asset": asset.pk, "name": "postcode", "description": "Home postcode", "sensitivity": "personal"}
    assert api(staff, write=True).post_json("/api/data-items/", body).status_code == 403
    bad = api(iam, write=True).post_json("/api/data-items/", {**body, "sensitivity": "very"})
    assert bad.status_code == 400 and "sensitivity" in bad.json()
    created = api(iam, write=True).post_json("/api/data-items/", body)
    assert created.status_code == 201, created.content
    item_url = f"/api/data-items/{created.json()['id']}/"
    assert api(staff, write=True).patch_json(item_url, {"description": "x"}).status_code == 403
    changed = api(iam, write=True).patch_json(item_url, {"description": "Postcode at claim"})
    assert changed.status_code == 200 and changed.json()["description"] == "Postcode at claim"
    other = make_asset(business_area=area, name="Other asset")
    assert api(iam, write=True).patch_json(item_url, {"asset": other.pk}).status_code == 400


def test_only_the_redoc_page_gets_a_nonce_and_blob_workers(verified_client, staff):
    import re

    client = verified_client(staff)
    redoc = client.get("/api/redoc/")
    policy = redoc["Content-Security-Policy"]
    nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", policy).group(1)
    assert f"script-src 'self' 'nonce-{nonce}'" in policy and "worker-src blob:" in policy
    assert "unsafe-inline" not in policy and "fonts.googleapis" not in redoc.content.decode()
    assert redoc.content.decode().count(f'nonce="{nonce}"') == 3  # its style and its two scripts
    assert nonce != re.search(r"'nonce-([^']+)'", client.get("/api/redoc/")["Content-Security-Policy"]).group(1)
    other = client.get("/api/docs/")["Content-Security-Policy"]
    assert "nonce" not in other and "blob:" not in other and "style-src 'self';" in other
