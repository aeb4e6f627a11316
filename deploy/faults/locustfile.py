"""The load run of the fault tests: the roles' journeys (benchmarks/locustfile.py) across two instances.

Each simulated user is given one of ``LOAD_HOSTS`` in turn, while each role's
signed-in session is shared by all its users: a session made on one instance is
used on the other, which holds only because sessions live in the database. The
contract managers also write: each records a new contractor, and every one recorded
is listed in ``LOAD_WRITES`` so the audit trail can be checked against them.

The instances run the production profile over plain HTTP on loopback, so their
cookies are marked Secure; the client here sends them anyway (loopback only).
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import uuid
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

from locust import task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import benchmarks.locustfile as journeys

HOSTS = itertools.cycle(os.environ.get("LOAD_HOSTS", "http://127.0.0.1:18101").split(","))
WRITES = os.environ.get("LOAD_WRITES", "load-writes.txt")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _loopback_secure_ok(self, cookie, request):
    return request.host.split(":")[0] in ("127.0.0.1", "localhost") or _return_ok_secure(self, cookie, request)


# requests copies cookie jars with the default policy, so the policy class itself is changed,
# in the load generator's process only.
_return_ok_secure = DefaultCookiePolicy.return_ok_secure
DefaultCookiePolicy.return_ok_secure = _loopback_secure_ok


class TwoInstances:
    abstract = True

    def __init__(self, environment):
        self.host = next(HOSTS)
        super().__init__(environment)


class Staff(TwoInstances, journeys.Staff):
    pass


class InformationAssetManager(TwoInstances, journeys.InformationAssetManager):
    pass


class Oversight(TwoInstances, journeys.Oversight):
    pass


class Auditor(TwoInstances, journeys.Auditor):
    pass


class ContractManager(TwoInstances, journeys.Journey):
    fixed_count = 2  # always two writers, one per instance, whatever the number of users
    role = "contracts"

    @task(1)
    def calendar(self):
        self.client.get("/contracts/calendar/", name="contract calendar")

    @task(2)
    def record_contractor(self):
        page = self.client.get("/contracts/contractors/new/", name="contractor form")
        token = CSRF.search(page.text)
        if token is None:
            return
        name = f"Load test contractor {uuid.uuid4().hex[:12]}"
        with self.client.post(
            "/contracts/contractors/new/",
            {"csrfmiddlewaretoken": token.group(1), "name": name, "kind": "university"},
            name="record contractor",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and not response.headers.get("Location", "").startswith("/account/"):
                with open(WRITES, "a") as writes:
                    writes.write(name + "\n")
                response.success()
            else:
                response.failure(f"contractor not recorded: {response.status_code}")
