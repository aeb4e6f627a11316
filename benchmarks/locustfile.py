"""Load test: the roles' everyday journeys against a real server (see benchmarks/README.md).

Each simulated user signs in through the real login pages with a password and a
one-time code (the benchmark users created by ``seed_scale`` share a known
authenticator key), then follows its role's journey.
"""

from __future__ import annotations

import re
import time

from django_otp.oath import TOTP
from locust import HttpUser, between, task

PASSWORD = "custodian-bench-2026"  # noqa: S105 - the synthetic benchmark accounts of seed_scale
KEY = bytes.fromhex("3132333435363738393031323334353637383930")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def one_time_code(steps_ahead: int = 0) -> str:
    generator = TOTP(KEY)
    generator.time = time.time() + 30 * steps_ahead
    return f"{generator.token():06d}"


class Journey(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = "staff"

    def on_start(self):
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
        # The same code cannot be used twice: try the current step, then the next.
        for ahead in (0, 1):
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
                break


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
