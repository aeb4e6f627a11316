"""The policy traceability page and its registry: every statement names tests, and every named test exists."""

from __future__ import annotations

import importlib

import pytest
from django.urls import reverse

from governance.assurance.traceability import STATEMENTS


@pytest.mark.parametrize("statement", STATEMENTS, ids=lambda s: s.key)
def test_every_statement_names_tests_that_exist(statement):
    assert statement.controls, f"{statement.key} names no control"
    assert statement.tests, f"{statement.key} names no test"
    for node in statement.tests:
        path, _, name = node.partition("::")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name.partition("[")[0], None)), f"{node} does not exist"


@pytest.mark.django_db
def test_staff_see_statements_and_controls_but_not_the_evidence(verified_client, staff, client):
    assert client.get(reverse("policy")).status_code == 302
    page = verified_client(staff).get(reverse("policy")).content.decode()
    assert all(s.controls[0] in page for s in STATEMENTS)
    assert "See the evidence" not in page and "hold current information-security training" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["auditor", "siro"])
def test_oversight_sees_the_live_figures_and_evidence(who, request, verified_client, django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("policy")).content.decode()
    assert "hold current information-security training" in page and "See the evidence" in page
    assert "No assurance round opened yet" in page
