"""Load test: the roles' everyday journeys against a real server (see benchmarks/README.md).

Each simulated user signs in through the real login pages with a password and a
one-time code (the benchmark users created by ``seed_scale`` share a known
authenticator key), then follows its role's journey.
"""

from __future__ import annotations

import re
import time

from django_otp.oath import TOTP
from gevent.lock import Semaphore
from locust import HttpUser, between, task

PASSWORD = "custodian-bench-2026"  # noqa: S105 - the synthetic benchmark accounts of seed_scale
KEY = bytes.fromhex("3132333435363738393031323334353637383930")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def one_time_code(steps_ahead: int = 0) -> str:
    generator = TOTP(KEY)
    generator.time = time.time() + 30 * steps_ahead
    return f"{generator.token():06d}"


class Journey(HttpUser):
    """A role's simulated users. The first signs in through the real pages; the rest share its session.

    A one-time code is accepted once per 30-second step and device, so twenty users of one
    benchmark account cannot each sign in; sharing the signed-in session keeps every request
    authenticated (middleware, session and second-factor checks still run on each one).
    """

    abstract = True
    wait_time = between(1, 3)
    role = "staff"
    _sessions: dict[str, dict] = {}  # shared on purpose: one signed-in session per role
    _login_lock = Semaphore()

    def on_start(self):
        with self._login_lock:
            cookies = self._sessions.get(self.role)
            if cookies is None:
                self._sign_in()
                cookies = self.client.cookies.get_dict()
                self._sessions[self.role] = cookies
        self.client.cookies.update(cookies)

    def _sign_in(self) -> None:
        page = self.client.get("/account/login/", name="login")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/account/login/",
            {
                "csrfmiddlewaretoken": token,
                "portal_login_view-current_step": "auth",
                "auth-username": f"bench.{self.role}",
                "auth-password": PASSWORD,
            },
            name="login: password",
        )
        # The same code cannot be used twice: try the next step, then wait for a fresh one.
        for ahead in (0, 1, 1):
            page = self.client.post(
                "/account/login/",
                {
                    "csrfmiddlewaretoken": token,
                    "portal_login_view-current_step": "token",
                    "token-otp_token": one_time_code(ahead),
                },
                name="login: code",
            )
            if "Enter your one-time code" not in page.text:
                return
            time.sleep(30)
        raise RuntimeError(f"bench.{self.role} could not sign in")


class Staff(Journey):
    weight = 6
    role = "staff"

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(3)
    def browse_register(self):
        self.client.get("/assets/", name="asset list")
        self.client.get("/assets/?personal_data=yes&review=overdue", name="asset list, filtered")

    @task(2)
    def training(self):
        self.client.get("/training/", name="my training")

    @task(1)
    def access(self):
        self.client.get("/access/", name="my access")


class InformationAssetManager(Journey):
    weight = 2
    role = "iam"

    @task(2)
    def decisions(self):
        self.client.get("/access/decisions/", name="decisions")
        self.client.get("/access/grants/", name="grant list")

    @task(1)
    def register(self):
        self.client.get("/assets/?iam=bench.iam", name="my assets")


class Oversight(Journey):
    weight = 1
    role = "siro"

    @task(2)
    def dashboards(self):
        self.client.get("/training/compliance/", name="compliance dashboard")
        self.client.get("/assets/accountability/", name="accountability")


class Auditor(Journey):
    weight = 1
    role = "auditor"

    @task(2)
    def trail(self):
        self.client.get("/audit/", name="audit explorer")
        self.client.get("/access/register/", name="access register")
