"""Every page needs a signed-in user with a verified second factor.

The page inventory below is checked against the URL configuration, so a new
page cannot be added without being covered here.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from governance.models import OutputTable, ReleaseSource, StatisticalRelease
from governance.services.contract_calendar import issue_feed_token
from governance.services.contracts import add_asset
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

# One URL per named page; {pk} is replaced with a real object's key.
PAGES = {
    "home": "/",
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
    "access:grant": "/access/grants/{grant}/",
    "access:grant-revoke": "/access/grants/{grant}/revoke/",
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
    "releases:raw": "/releases/{release}/tables/{table}/raw/",
    "releases:sign-off": "/releases/{release}/sign-off/",
    "releases:release": "/releases/{release}/release/",
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
        title="Benefit statistics", planned_release_date=datetime.date(2027, 3, 1), author=staff
    )
    source = ReleaseSource.objects.create(release=release, asset=item.asset, extract_type="full")
    table = OutputTable.objects.create(
        release=release, source=source, title="By region", original_name="t.csv", data={}, uploaded_by=staff
    )
    keys |= {"release": release.pk, "source": source.pk, "table": table.pk}
    return {name: url.format(**keys) for name, url in PAGES.items()}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_is_sent_to_login(client, urls, name):
    response = client.get(urls[name])
    if name in PUBLIC:
        assert response.status_code in (200, 405), name
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
