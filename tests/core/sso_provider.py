"""A real OpenID provider for the single sign-on tests: npm's oidc-provider, run by Node on 127.0.0.1.

``oidc_provider`` (session-scoped; ``running_provider`` for another portal origin, such as a
live server's) installs the provider's pinned package once
(``tests/oidc_provider/package-lock.json``), writes its configuration (a fresh signing key,
the portal as client, the accounts and their claims), starts it and stops it at the end.
Without Node the tests are skipped, unless ``REQUIRE_OIDC_PROVIDER=1`` (CI), when they fail.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import selectors
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse
from jwt.algorithms import RSAAlgorithm

from tests.factories import UserFactory

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc_provider"
PORTAL = "http://testserver"
CLIENT_ID = "custodian-test"
START_SECONDS = 30
TOKEN_AND_PIN = ["hwk", "pin"]
REDIRECTS = 10

# The provider's people: their subject is the account id; groups are the provider's group ids.
ACCOUNTS = {
    "subject-alice": {
        "email": "alice@example.gov.uk",
        "name": "Alice Example",
        "groups": ["group-auditors", "group-unmapped"],
        "upn": "alice@example.gov.uk",
    },
    "subject-bob": {"email": "bob@example.gov.uk", "name": "Bob Example", "groups": []},
    "subject-stranger": {"email": "stranger@example.gov.uk", "name": "Not Known", "groups": []},
}


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_OIDC_PROVIDER") == "1":
        pytest.fail(f"REQUIRE_OIDC_PROVIDER=1 but {reason}")
    pytest.skip(reason)


def _install() -> None:
    """npm ci into tests/oidc_provider/node_modules, once for each version of its lock file.

    Test processes (xdist workers, or two test runs at once) take a file lock first: two
    ``npm ci`` in one folder at once remove each other's files.
    """
    with open(PROVIDER_DIR / ".install-lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            _install_unlocked()
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _install_unlocked() -> None:
    lock = (PROVIDER_DIR / "package-lock.json").read_bytes()
    stamp = PROVIDER_DIR / "node_modules" / f".installed-{hashlib.sha256(lock).hexdigest()[:16]}"
    if stamp.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is not installed, so the test OpenID provider cannot be installed")
    done = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        _unavailable(f"npm ci for the test OpenID provider failed: {done.stderr[-500:]}")
    stamp.touch()


@dataclass
class TestProvider:
    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen
    accounts: dict = field(default_factory=dict)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.issuer}{path}"

    def change_next_id_token(self, *, set: dict | None = None, unset: list | None = None, tamper: bool = False):
        """The next ID token the provider issues has these claims changed (re-signed) or its signature spoilt."""
        body = {"set": set or {}, "unset": unset or [], "tamper": tamper}
        requests.post(self.url("/test/next-id-token"), json=body, timeout=10).raise_for_status()

    def back_channel_logout(self, account: str, sid: str) -> str:
        """Have the provider end ``sid`` and return the logout token it sent to the portal."""
        answer = requests.post(self.url("/test/backchannel-logout"), json={"account": account, "sid": sid}, timeout=10)
        answer.raise_for_status()
        return answer.json()["logout_token"]


@contextlib.contextmanager
def running_provider(portal: str = PORTAL) -> Iterator[TestProvider]:
    """Start the provider with ``portal`` (its origin) as its client, and stop it afterwards."""
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is not installed, so the test OpenID provider cannot run")
    _install()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key, as_dict=True) | {"kid": "test-signing-key", "alg": "RS256", "use": "sig"}
    secret = secrets.token_urlsafe(32)
    config = {
        "jwks": {"keys": [jwk]},
        "client": {
            "client_id": CLIENT_ID,
            "client_secret": secret,
            "redirect_uris": [f"{portal}/account/sso/callback/"],
            "post_logout_redirect_uris": [f"{portal}/account/login/"],
            "backchannel_logout_uri": f"{portal}/account/sso/back-channel-logout/",
            "backchannel_logout_session_required": True,
            "token_endpoint_auth_method": "client_secret_post",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        },
        "accounts": ACCOUNTS,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(json.dumps(config))
        process = subprocess.Popen(  # noqa: S603 - node from PATH, our provider script
            [node, str(PROVIDER_DIR / "provider.mjs"), str(path)],
            cwd=PROVIDER_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            with selectors.DefaultSelector() as waiting:
                waiting.register(process.stdout, selectors.EVENT_READ)
                ready = waiting.select(timeout=START_SECONDS)
            line = process.stdout.readline() if ready else ""
            if not line.startswith("listening "):
                process.kill()
                _unavailable(f"the test OpenID provider did not start: {line} {process.stderr.read()[-1000:]}")
            port = int(line.split()[1])
            yield TestProvider(f"http://127.0.0.1:{port}", CLIENT_ID, secret, process, ACCOUNTS)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[TestProvider]:
    """The provider for the Django test client's portal (http://testserver), for the whole run."""
    with running_provider() as provider:
        yield provider


def switch_on(settings, provider: TestProvider) -> TestProvider:
    """Single sign-on against ``provider``, the token proof (amr hwk) required."""
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = provider.issuer
    settings.OIDC_OP_DISCOVERY_URL = ""
    settings.OIDC_RP_CLIENT_ID = provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    settings.OIDC_REQUIRED_AMR = ["hwk"]
    settings.OIDC_REQUIRED_ACR = []
    settings.OIDC_GROUP_ROLES = {}
    settings.OIDC_LINK_CLAIM = ""
    return provider


@pytest.fixture
def sso(settings, oidc_provider):
    """Single sign-on switched on against the test provider, the token proof (amr hwk) required."""
    return switch_on(settings, oidc_provider)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", oidc_subject="subject-alice")


def sign_in(
    client: Client,
    provider: TestProvider,
    account: str,
    *,
    amr=TOKEN_AND_PIN,
    fresh=False,
    change=None,
    browser=None,
    start_url: str | None = None,
):
    """Start at the portal, sign ``account`` in at the provider, and bring the answer back to the portal.

    ``start_url`` starts elsewhere than the sign-in (a step-up); ``browser`` keeps the
    provider's cookies between calls, as a browser would.
    """
    start = client.get(start_url or reverse("sso:start") + ("?fresh=1" if fresh else ""))
    assert start.status_code == 302, start
    browser = browser or requests.Session()
    url = start["Location"]
    assert url.startswith(provider.issuer)
    query = parse_qs(urlparse(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    for _ in range(REDIRECTS):
        if url.startswith(PORTAL):
            break
        answer = browser.get(urljoin(provider.issuer, url), allow_redirects=False, timeout=10)
        if answer.status_code == 200 and "/interaction/" in url:
            answer = browser.post(
                urljoin(provider.issuer, url) + "/login",
                json={"account": account, "amr": list(amr)},
                allow_redirects=False,
                timeout=10,
            )
        assert answer.status_code in (302, 303), answer.text
        url = answer.headers["Location"]
    else:
        pytest.fail("the provider never sent the browser back to the portal")
    if change:
        provider.change_next_id_token(**change)
    return client.get(url.removeprefix(PORTAL))
