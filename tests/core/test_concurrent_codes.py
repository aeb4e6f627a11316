"""Codes used once, even at once: the same one-time code posted by several sessions at the same
moment signs in at most one of them, and none of them sees an error page.

As the outside test did it: each session has passed the password step, then all post the
code together (threads released by a barrier, each with its own database connection).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from governance.core.security import issue_backup_codes, verify_fresh_code
from tests.conftest import fresh_code
from tests.core.test_login import LOGIN, STEP, post_password
from tests.factories import TOTPDeviceFactory, UserFactory

SESSIONS = 6

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent requests need a database with row locks and a connection per thread: PostgreSQL.",
    ),
    pytest.mark.django_db(transaction=True),
]


def _at_once(work, count: int = SESSIONS) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except Exception as exc:  # a thread's failure is an outcome to assert on, not a crash
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _signed_in(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def _sessions_at_the_code_step(username: str) -> list[Client]:
    clients = [Client() for _ in range(SESSIONS)]
    for client in clients:
        assert post_password(client, username).status_code == 200
    return clients


def test_one_authenticator_code_posted_by_six_sessions_at_once_signs_in_one():
    user = UserFactory(username="racer")
    device = TOTPDeviceFactory(user=user)
    clients = _sessions_at_the_code_step("racer")
    code = fresh_code(device)
    responses = _at_once(lambda n: clients[n].post(LOGIN, {STEP: "token", "token-otp_token": code}))
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    assert sum(_signed_in(client) for client in clients) == 1
    assert sum(r.status_code == 302 for r in responses) == 1


def test_one_backup_code_posted_by_six_sessions_at_once_signs_in_one():
    user = UserFactory(username="backup-racer")
    TOTPDeviceFactory(user=user)
    code = issue_backup_codes(user)[0]
    clients = _sessions_at_the_code_step("backup-racer")
    responses = _at_once(lambda n: clients[n].post(LOGIN, {STEP: "backup", "backup-otp_token": code}))
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    assert sum(_signed_in(client) for client in clients) == 1


def test_a_fresh_code_for_a_high_risk_step_is_accepted_once_at_once():
    user = UserFactory(username="signer")
    device = TOTPDeviceFactory(user=user)
    code = fresh_code(device)
    outcomes = _at_once(lambda n: verify_fresh_code(user, code))
    assert outcomes.count(True) == 1 and outcomes.count(False) == SESSIONS - 1, outcomes
