"""Every page needs a signed-in user with a verified second factor.

The pages are the role table's (tests/core/test_role_pages.py): its ``ROWS`` has a row for
every named URL (``test_every_named_url_has_a_row`` fails for a page without one), and it
already asks every page, GET and POST, as the anonymous (sent to sign in, or the page's public
answer) and as someone signed in with a password only who has an authenticator app (sent back
to the sign-in for a code, or the page's answer before a second factor). Here, for the same
pages: a password-only session with *no* authenticator app is sent to set one up.

The namespaces the table leaves to their own tests are checked here all three ways, with their
URLs read from the URL configuration: the API's endpoints (anonymous callers get a 401 in JSON;
password-only sessions are sent to sign in like every page), its schema and documentation pages,
and the admin (its index here, more below).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.core.test_role_pages import EXCLUDED_NAMESPACES, LOGIN, ROWS, url_for
from tests.factories import UserFactory


class AnyRecord(dict):
    """Record keys for URLs the middleware refuses before a view looks anything up: any id will do
    (a page that looked its record up first would answer 404, and fail here)."""

    def __missing__(self, kind: str) -> int | str:
        return {"assurance_kind": "sara", "feed_token": "not-a-real-key"}.get(kind, 1)


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(outermost namespace, full name, pattern) for every named URL pattern."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _patterns(pattern, inner, namespace or pattern.namespace or "")
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace, prefix + pattern.name, pattern


def _other_urls() -> dict[str, str]:
    """The named URLs of the namespaces the role table leaves out, but the admin's: one URL each,
    its keywords given placeholder values (the format-suffix variants of an endpoint share its name)."""
    urls = {}
    for namespace, name, pattern in _patterns(get_resolver()):
        if namespace not in EXCLUDED_NAMESPACES or namespace == "admin" or name in urls:
            continue
        keywords = set(pattern.pattern.regex.groupindex)
        if "format" in keywords:
            continue
        urls[name] = reverse(name, kwargs=dict.fromkeys(keywords, 1))
    return urls


# The admin is guarded by its index here and by the checks below; its other pages by the same middleware.
OTHER_URLS = _other_urls() | {"admin:index": reverse("admin:index")}
API_ENDPOINTS = frozenset(name for name in OTHER_URLS if name.startswith("api:"))
PAGE_URLS = {name: url_for(name, row, AnyRecord()) for name, row in ROWS.items()}
# Pages that open before a second factor is verified: the table's rows say what they answer then.
BEFORE_SECOND_FACTOR = frozenset(
    name for name, row in ROWS.items() if (row.public or {}).get("unverified:GET", LOGIN) != LOGIN
)


def test_every_named_page_is_checked():
    names = {name for namespace, name, _ in _patterns(get_resolver()) if namespace != "admin"}
    missing = names - set(PAGE_URLS) - set(OTHER_URLS)
    assert not missing, f"Not checked here: {sorted(missing)}"
    assert {"api-docs:schema", "api-docs:swagger", "api-docs:redoc", "api:api-root"} <= set(OTHER_URLS)


@pytest.mark.parametrize("name", sorted(OTHER_URLS))
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(OTHER_URLS[name])
    if name in API_ENDPOINTS:
        assert response.status_code == 401, name
        assert response["Content-Type"] == "application/json", name
    else:
        assert response.status_code == 302, name
        assert response["Location"].startswith("/account/login/"), name


@pytest.mark.parametrize("name", sorted(OTHER_URLS))
def test_password_only_with_device_is_sent_back_to_login(db, unverified_client, name):
    client = unverified_client(UserFactory(username="halfway", is_staff=True))
    response = client.get(OTHER_URLS[name])
    assert response.status_code == 302, name
    assert response["Location"].startswith("/account/login/"), name


@pytest.mark.parametrize("name", sorted(PAGE_URLS.keys() | OTHER_URLS.keys()))
def test_password_only_without_device_is_sent_to_setup(db, unverified_client, name):
    client = unverified_client(UserFactory(username="newcomer", is_staff=True), with_device=False)
    response = client.get(PAGE_URLS.get(name) or OTHER_URLS[name])
    if name in BEFORE_SECOND_FACTOR:
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
