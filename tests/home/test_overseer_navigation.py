"""The SIRO, Deputy SIROs and auditors find the assurance rounds and the policy page in the header."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _navigation(client) -> dict[str, str]:
    return {item["text"]: item["href"] for item in client.get(reverse("home")).context["navigation"]}


@pytest.mark.parametrize("who", ["siro", "deputy_siro", "auditor"])
def test_overseers_have_assurance_and_the_policy_in_the_navigation(who, request, verified_client):
    links = _navigation(verified_client(request.getfixturevalue(who)))
    assert links["Assurance"] == reverse("assurance:rounds")
    assert links["Policy"] == reverse("policy")


def test_staff_do_not(verified_client, staff):
    links = _navigation(verified_client(staff))
    assert "Assurance" not in links and "Policy" not in links
