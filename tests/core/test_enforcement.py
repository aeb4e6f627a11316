"""Every page needs a signed-in user with a verified second factor.

The page inventory below is checked against the URL configuration, so a new
page cannot be added without being covered here.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp_webauthn.models import WebAuthnCredential

from governance.contracts.calendar import issue_feed_token
from governance.contracts.records import add_asset
from governance.releases.models import OutputTable, ReleaseSource, StatisticalRelease
from tests.factories import (
    DataItemFactory,
    InformationAssetFactory,
    UserFactory,
    make_contract,
    make_grant,
    make_review,
    make_signoff,
)

# Pages that open without signing in.
PUBLIC = {"two_factor:login", "logout"}
# Pages that open after the password but before a second factor is verified.
UNVERIFIED = {"two_factor:login", "two_factor:setup", "two_factor:qr", "logout"}
# The contract manager's iCalendar feed: calendar applications cannot sign in with a second factor,
# so the feed opens by a long random key in its address alone (stored hashed, revocable, every read recorded).
PUBLIC |= {"contracts:calendar-feed"}
UNVERIFIED |= {"contracts:calendar-feed"}
# The load balancer's probes and the metrics scraper cannot sign in: the probes say only "ok" or
# "unavailable"; the metrics answer the scraper's token or network only (a 404 while neither is set).
OPERATIONS = {"health-live", "health-ready", "metrics"}
PUBLIC |= OPERATIONS
UNVERIFIED |= OPERATIONS
# Single sign-on: how a session starts (off to the provider and back) and how the provider ends
# one (back-channel logout). Not configured here, so they answer 404 (tests/core/test_single_sign_on.py).
SINGLE_SIGN_ON = {"sso:start", "sso:callback", "sso:back_channel_logout"}
PUBLIC |= SINGLE_SIGN_ON
UNVERIFIED |= SINGLE_SIGN_ON

# One URL per named page; {pk} is replaced with a real object's key.
PAGES = {
    "home": "/",
    "health-live": "/health/live/",
    "health-ready": "/health/ready/",
    "metrics": "/metrics",
    "sso:start": "/account/sso/start/",
    "sso:callback": "/account/sso/callback/",
    "sso:back_channel_logout": "/account/sso/back-channel-logout/",
    "about": "/about/",
    "areas:list": "/areas/",
    "areas:detail": "/areas/{area}/",
    "areas:create": "/areas/new/",
    "areas:edit": "/areas/{area}/edit/",
    "areas:delete": "/areas/{area}/delete/",
    "people:detail": "/people/{person}/",
    "people:import": "/people/import/",
    "access:mine": "/access/",
    "access:request-create": "/access/ask/{asset}/",
    "access:requests": "/access/requests/",
    "access:request": "/access/requests/{request}/",
    "access:request-edit": "/access/requests/{request}/edit/",
    "access:request-submit": "/access/requests/{request}/submit/",
    "access:request-decide": "/access/requests/{request}/decide/",
    "access:request-approve": "/access/requests/{request}/approve/",
    "access:request-withdraw": "/access/requests/{request}/withdraw/",
    "access:decisions": "/access/decisions/",
    "access:grants": "/access/grants/",
    "access:your-grants": "/access/your-grants/",
    "access:grant": "/access/grants/{grant}/",
    "access:grant-revoke": "/access/grants/{grant}/revoke/",
    "access:grant-restore": "/access/grants/{grant}/restore/",
    "access:reviews": "/access/reviews/",
    "access:review": "/access/reviews/{review}/",
    "access:data": "/access/data/{asset}/",
    "access:extract": "/access/data/{asset}/extract.csv",
    "access:extract-upload": "/access/data/{asset}/upload/",
    "access:register": "/access/register/",
    "audit:explorer": "/audit/",
    "audit:verifications": "/audit/verifications/",
    "training:mine": "/training/",
    "training:sign": "/training/{course}/sign/",
    "training:signoff": "/training/signoffs/{signoff}/",
    "training:courses": "/training/courses/",
    "training:course-create": "/training/courses/new/",
    "training:course": "/training/courses/{course}/",
    "training:course-edit": "/training/courses/{course}/edit/",
    "training:publish": "/training/courses/{course}/publish/",
    "training:compliance": "/training/compliance/",
    "training:compliance-people": "/training/compliance/{area}/{course}/",
    "assets:list": "/assets/",
    "assets:create": "/assets/new/",
    "assets:export": "/assets/export/",
    "assets:import": "/assets/import/",
    "assets:accountability": "/assets/accountability/",
    "assets:history": "/assets/{asset}/history/",
    "assets:detail": "/assets/{asset}/",
    "assets:edit": "/assets/{asset}/edit/",
    "assets:reassign": "/assets/{asset}/iam/",
    "assets:review": "/assets/{asset}/review/",
    "assets:item-create": "/assets/{asset}/items/new/",
    "assets:item-edit": "/assets/{asset}/items/{item}/edit/",
    "assets:item-delete": "/assets/{asset}/items/{item}/delete/",
    "two_factor:login": "/account/login/",
    "two_factor:setup": "/account/two-factor/setup/",
    "two_factor:qr": "/account/two-factor/qrcode/",
    "two_factor:setup_complete": "/account/two-factor/setup/complete/",
    "two_factor:backup_tokens": "/account/two-factor/backup-codes/",
    "two_factor:profile": "/account/security/",
    "two_factor:key_add": "/account/security/keys/add/",
    "two_factor:key_remove": "/account/security/keys/{security_key}/remove/",
    "logout": "/account/logout/",
    "admin:index": "/admin/",
}
# Research contracts.
PAGES |= {
    "contracts:list": "/contracts/",
    "contracts:create": "/contracts/new/",
    "contracts:export": "/contracts/export/",
    "contracts:calendar": "/contracts/calendar/",
    "contracts:calendar-export": "/contracts/calendar/export/",
    "contracts:calendar-feed-settings": "/contracts/calendar/feed/",
    "contracts:calendar-feed": "/contracts/calendar/feed/{feed_token}.ics",
    "contracts:organisation-list": "/contracts/contractors/",
    "contracts:organisation-create": "/contracts/contractors/new/",
    "contracts:organisation-detail": "/contracts/contractors/{organisation}/",
    "contracts:organisation-edit": "/contracts/contractors/{organisation}/edit/",
    "contracts:detail": "/contracts/{contract}/",
    "contracts:history": "/contracts/{contract}/history/",
    "contracts:edit": "/contracts/{contract}/edit/",
    "contracts:manager": "/contracts/{contract}/manager/",
    "contracts:review-outcome": "/contracts/{contract}/flag/",
    "contracts:transition": "/contracts/{contract}/status/under_assurance/",
    "contracts:assurance": "/contracts/{contract}/assurance/sara/",
    "contracts:asset-add": "/contracts/{contract}/data/add/",
    "contracts:asset-items": "/contracts/{contract}/data/{contract_asset}/",
    "contracts:asset-remove": "/contracts/{contract}/data/{contract_asset}/remove/",
    "contracts:asset-review": "/contracts/{contract}/data/{contract_asset}/review/",
    "contracts:risk": "/contracts/{contract}/risk/",
    "contracts:certificate": "/contracts/{contract}/destruction/",
    "contracts:document": "/contracts/{contract}/documents/1/",
    "contracts:extension-create": "/contracts/{contract}/extensions/new/",
    "contracts:extension": "/contracts/{contract}/extensions/1/",
    "releases:list": "/releases/",
    "releases:create": "/releases/new/",
    "releases:rules": "/releases/rules/",
    "releases:detail": "/releases/{release}/",
    "releases:history": "/releases/{release}/history/",
    "releases:edit": "/releases/{release}/edit/",
    "releases:source-add": "/releases/{release}/sources/new/",
    "releases:source-edit": "/releases/{release}/sources/{source}/",
    "releases:source-remove": "/releases/{release}/sources/{source}/remove/",
    "releases:table-add": "/releases/{release}/tables/new/",
    "releases:table": "/releases/{release}/tables/{table}/",
    "releases:table-edit": "/releases/{release}/tables/{table}/edit/",
    "releases:table-remove": "/releases/{release}/tables/{table}/remove/",
    "releases:table-check": "/releases/{release}/tables/{table}/check/",
    "releases:protected": "/releases/{release}/tables/{table}/protected/",
    "releases:record": "/releases/{release}/record/",
    "releases:table-record": "/releases/{release}/tables/{table}/record/",
    "releases:raw": "/releases/{release}/tables/{table}/raw/",
    "releases:sign-off": "/releases/{release}/sign-off/",
    "releases:release": "/releases/{release}/release/",
    "two_factor:api_token_create": "/account/security/api-tokens/new/",
    "two_factor:api_token_revoke": "/account/security/api-tokens/1/revoke/",
    # The API's schema and documentation are pages; its endpoints answer anonymous callers
    # with a 401 in JSON (API_ENDPOINTS below), and password-only sessions like every page.
    "api-docs:schema": "/api/schema/",
    "api-docs:swagger": "/api/docs/",
    "api-docs:redoc": "/api/redoc/",
}
# Information security incidents (the middleware refuses before any lookup, so ids need not exist).
PAGES |= {
    "incidents:list": "/incidents/",
    "incidents:report": "/incidents/report/",
    "incidents:export": "/incidents/export/",
    "incidents:detail": "/incidents/1/",
    "incidents:triage": "/incidents/1/triage/",
    "incidents:action-create": "/incidents/1/actions/new/",
    "incidents:action-update": "/incidents/1/actions/1/",
    "incidents:ico": "/incidents/1/ico/",
    "incidents:subjects": "/incidents/1/people-affected/",
    "incidents:close": "/incidents/1/close/",
    "incidents:restore-grant": "/incidents/1/grants/{grant}/restore/",
    "incidents:suspend-grant": "/incidents/1/grants/{grant}/suspend/",
    "incidents:review-asset": "/incidents/1/assets/{asset}/review/",
    "incidents:flag-contract": "/incidents/1/contracts/{contract}/flag/",
}
API_ENDPOINTS = {
    "api:api-root": "/api/",
    "api:asset-list": "/api/assets/",
    "api:asset-detail": "/api/assets/{asset}/",
    "api:data-item-list": "/api/data-items/",
    "api:data-item-detail": "/api/data-items/{item}/",
    "api:person-list": "/api/people/",
    "api:person-detail": "/api/people/{person}/",
    "api:person-hr-import": "/api/people/import/",
    "api:course-list": "/api/courses/",
    "api:course-detail": "/api/courses/{course}/",
    "api:training-status-list": "/api/training/status/",
    "api:sign-off-list": "/api/training/sign-offs/",
    "api:sign-off-detail": "/api/training/sign-offs/{signoff}/",
    "api:access-request-list": "/api/access-requests/",
    "api:access-request-detail": "/api/access-requests/{request}/",
    "api:access-request-iam-decision": "/api/access-requests/{request}/iam-decision/",
    "api:access-request-deputy-decision": "/api/access-requests/{request}/deputy-decision/",
    "api:grant-list": "/api/grants/",
    "api:grant-detail": "/api/grants/{grant}/",
    "api:grant-revoke": "/api/grants/{grant}/revoke/",
    "api:access-event-list": "/api/access-events/",
    "api:access-event-detail": "/api/access-events/1/",
    "api:contract-list": "/api/contracts/",
    "api:contract-detail": "/api/contracts/{contract}/",
    "api:contract-transition": "/api/contracts/{contract}/transition/",
    "api:contract-calendar": "/api/contracts/calendar/",
    "api:release-list": "/api/releases/",
    "api:release-detail": "/api/releases/{release}/",
    "api:audit-entry-list": "/api/audit/entries/",
    "api:audit-entry-detail": "/api/audit/entries/1/",
    "api:audit-verification-list": "/api/audit/verifications/",
    "api:audit-verification-detail": "/api/audit/verifications/1/",
}
PAGES |= API_ENDPOINTS
# SCIM provisioning: a SCIM token only, so everyone else gets a SCIM error (401) and password-only
# sessions are sent to sign in like every page (tests/register/test_scim.py).
SCIM_ENDPOINTS = {
    "scim:root": "/scim/v2/",
    "scim:search": "/scim/v2/.search",
    "scim:users-search": "/scim/v2/Users/.search",
    "scim:users": "/scim/v2/Users",
    "scim:groups-search": "/scim/v2/Groups/.search",
    "scim:groups": "/scim/v2/Groups",
    "scim:me": "/scim/v2/Me",
    "scim:service-provider-config": "/scim/v2/ServiceProviderConfig",
    "scim:resource-types": "/scim/v2/ResourceTypes",
    "scim:schemas": "/scim/v2/Schemas",
    "scim:bulk": "/scim/v2/Bulk",
}
PAGES |= SCIM_ENDPOINTS
# Assurance: risks, rounds, returns, the SIRO's report and the policy traceability page.
PAGES |= {
    "assurance:rounds": "/assurance/",
    "assurance:round-open": "/assurance/open/",
    "assurance:mine": "/assurance/mine/",
    "assurance:round": "/assurance/rounds/1/",
    "assurance:report": "/assurance/rounds/1/report/",
    "assurance:report-csv": "/assurance/rounds/1/report.csv",
    "assurance:report-pdf": "/assurance/rounds/1/report.pdf",
    "assurance:return": "/assurance/returns/1/",
    "assurance:return-sign": "/assurance/returns/1/sign/",
    "assurance:return-correct": "/assurance/returns/1/correct/",
    "assurance:return-accept": "/assurance/returns/1/accept/",
    "assurance:return-send-back": "/assurance/returns/1/send-back/",
    "assurance:risk-create": "/assurance/assets/{asset}/risks/new/",
    "assurance:risk-edit": "/assurance/risks/1/",
    "policy": "/policy/",
}


def _named_patterns(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin is covered by its index and its own site-wide check
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _named_patterns(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_named_page_is_in_the_inventory():
    missing = _named_patterns(get_resolver()) - set(PAGES)
    assert not missing, f"Add these pages to PAGES in {__file__}: {sorted(missing)}"


@pytest.fixture
def urls(area, staff):
    item = DataItemFactory(asset=InformationAssetFactory(business_area=area), sensitivity="non_personal")
    signoff = make_signoff(staff)
    grant = make_grant(staff, item.asset)
    review = make_review(grant)
    keys = {
        "request": grant.request_id,
        "grant": grant.pk,
        "review": review.pk,
        "area": area.pk,
        "person": staff.pk,
        "asset": item.asset_id,
        "item": item.pk,
        "course": signoff.course_id,
        "signoff": signoff.pk,
    }
    # Research contracts: a contract with one asset provided, and a real feed key (the feed is public by key).
    contract = make_contract()
    contract_asset = add_asset(contract, item.asset, by=contract.manager)
    keys |= {
        "contract": contract.pk,
        "contract_asset": contract_asset.pk,
        "organisation": contract.organisation_id,
        "feed_token": issue_feed_token(contract.manager, by=contract.manager),
    }
    # A statistical release with one source and one (unchecked) table.
    release = StatisticalRelease.objects.create(
        title="Benefit statistics",
        planned_release_date=datetime.date.today() + datetime.timedelta(days=90),
        author=staff,
    )
    source = ReleaseSource.objects.create(release=release, asset=item.asset, extract_type="full")
    table = OutputTable.objects.create(
        release=release, source=source, title="By region", original_name="t.csv", data={}, uploaded_by=staff
    )
    keys |= {"release": release.pk, "source": source.pk, "table": table.pk}
    # A registered security key (its owner's; the key pages refuse everyone else).
    key = WebAuthnCredential.objects.create(user=staff, name="Key", credential_id=b"k", public_key=b"p", confirmed=True)
    keys |= {"security_key": key.pk}
    return {name: url.format(**keys) for name, url in PAGES.items()}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_is_sent_to_login(client, urls, name):
    response = client.get(urls[name])
    if name == "metrics" or name in SINGLE_SIGN_ON - {"sso:back_channel_logout"}:
        assert response.status_code == 404, name  # off in tests: no token, no network; no provider
    elif name in PUBLIC:
        assert response.status_code in (200, 405), name
    elif name in SCIM_ENDPOINTS:
        assert response.status_code == 401, name
        assert response["Content-Type"] == "application/scim+json", name
    elif name in API_ENDPOINTS:
        assert response.status_code == 401, name
        assert response["Content-Type"] == "application/json", name
    else:
        assert response.status_code == 302, name
        assert response["Location"].startswith("/account/login/"), name


@pytest.mark.parametrize("name", sorted(PAGES))
def test_password_only_with_device_is_sent_back_to_login(unverified_client, urls, name):
    client = unverified_client(UserFactory(username="halfway", is_staff=True))
    response = client.get(urls[name])
    if name in UNVERIFIED:
        assert response.status_code != 403, name
        return
    assert response.status_code == 302, name
    assert response["Location"].startswith("/account/login/"), name


@pytest.mark.parametrize("name", sorted(PAGES))
def test_password_only_without_device_is_sent_to_setup(unverified_client, urls, name):
    client = unverified_client(UserFactory(username="newcomer", is_staff=True), with_device=False)
    response = client.get(urls[name])
    if name in UNVERIFIED:
        return
    assert response.status_code == 302, name
    assert response["Location"].startswith("/account/two-factor/setup/"), name


def test_admin_pages_need_a_verified_second_factor(unverified_client, verified_client, administrator):
    client = unverified_client(administrator)
    for url in ("/admin/", "/admin/governance/user/", "/admin/governance/businessarea/add/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/login/"), url


def test_admin_opens_for_a_verified_administrator(verified_client, administrator):
    client = verified_client(administrator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/governance/user/").status_code == 200


def test_admin_has_no_login_of_its_own(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_forged_forwarded_for_is_ignored(client, db):
    response = client.get("/account/login/", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert response.wsgi_request.META["REMOTE_ADDR"] == "127.0.0.1"


def test_forwarded_for_is_believed_for_trusted_proxies_only(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.get("/account/login/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3")
    # One trusted proxy: the address it saw is the last entry; anything before it is client-supplied.
    assert response.wsgi_request.META["REMOTE_ADDR"] == "10.1.2.3"


def test_security_headers(client, db):
    response = client.get("/account/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Correlation-ID"]
