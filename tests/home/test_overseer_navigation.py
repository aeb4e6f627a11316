"""The SIRO, Deputy SIROs and auditors find the assurance rounds in the header, and the policy page under it."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _navigation(client) -> dict[str, str]:
    return {item["text"]: item["href"] for item in client.get(reverse("home")).context["navigation"]}


@pytest.mark.parametrize("who", ["siro", "deputy_siro", "auditor"])
def test_overseers_have_assurance_and_the_policy_in_the_navigation(who, request, verified_client):
    client = verified_client(request.getfixturevalue(who))
    links = _navigation(client)
    assert links["Assurance"] == reverse("assurance:rounds")
    policy = client.get(reverse("policy"))
    assert [item["text"] for item in policy.context["navigation"] if item["active"]] == ["Assurance"]
    assert f'href="{reverse("policy")}"' in client.get(reverse("assurance:rounds")).content.decode()
    assert f'href="{reverse("policy")}"' in client.get(reverse("home")).content.decode()


def test_staff_do_not(verified_client, staff):
    links = _navigation(verified_client(staff))
    assert "Assurance" not in links and "Policy" not in links
