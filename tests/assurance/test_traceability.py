"""The policy traceability page and its registry: every statement of the published policy is there, every
statement the portal enforces names tests that exist, and the figures come from the daily snapshot."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from governance.access.models import AccessGrant
from governance.assurance.traceability import KEY_TESTS, STATEMENTS
from governance.register.models import InformationAsset
from governance.trends.models import ComplianceSnapshot
from governance.trends.snapshots import take_snapshot
from tests.factories import UserFactory, make_asset, make_grant

#: A phrase of each statement of the published confidentiality policy and data management approach.
PUBLISHED = (
    "own data protection policies and procedures",
    "legal gateway and lawful basis",
    "overall responsibility for all DWP official statistics",
    "likely to identify an individual",
    "information security training on a regular basis",
    "sign to say that they have received this training",
    "The majority of data accessed by analysts is anonymised",
    "business-case controlled based on the minimum data required",
    "photographic passes",
    "held in a secure environment",
    "confidentiality, integrity and availability",
    "physical token, password and pin",
    "unauthorised access and data leakage",
    "A single SIRO",
    "Chief Data Officer",
    "Information Asset Managers",
    "Knowledge and Information Management Division",
    "details of the methodology are not published",
    "grossed and rounded",
    "100% data extract",
    "Security Assurance for Research and Analysis",
    "minimise the risk of re-identification",
    "accesses to such information are recorded",
)


@pytest.mark.parametrize("statement", STATEMENTS, ids=lambda s: s.key)
def test_every_statement_names_tests_that_exist(statement):
    assert statement.controls, f"{statement.key} names no control"
    if statement.outside:
        assert not statement.tests and statement.controls[0].startswith("Outside the portal")
        return
    assert statement.tests, f"{statement.key} names no test"
    assert len(statement.tests) >= len(statement.controls) or statement.key == "layered-authentication"
    for node in statement.tests:
        path, _, name = node.partition("::")
        assert name.partition("[")[0] in defined_tests(path), f"{node} does not exist"


ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def defined_tests(path: str) -> frozenset[str]:
    """The test functions a file defines, read from its source (importing it would apply its module marks)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_"))


def test_every_statement_of_the_published_policy_appears():
    texts = " ".join(s.text for s in STATEMENTS)
    missing = [phrase for phrase in PUBLISHED if phrase not in texts]
    assert not missing, missing


def test_layered_authentication_names_the_security_key_tests_as_well_as_the_codes():
    statement = next(s for s in STATEMENTS if s.key == "layered-authentication")
    assert set(KEY_TESTS) <= set(statement.tests)
    assert any("test_login.py" in t for t in statement.tests)
    assert any("Security key with its PIN" in c for c in statement.controls)


@pytest.mark.django_db
def test_staff_see_statements_and_controls_but_not_the_evidence(verified_client, staff, client):
    assert client.get(reverse("policy")).status_code == 302
    page = verified_client(staff).get(reverse("policy")).content.decode()
    assert all(escape(s.controls[0]) in page for s in STATEMENTS)
    assert "See the evidence" not in page and "hold current information-security training" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["auditor", "siro"])
def test_oversight_sees_the_snapshot_figures_and_evidence(who, request, verified_client, django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    before = client.get(reverse("policy")).content.decode()
    assert "Not measured yet" in before
    take_snapshot()
    with django_assert_max_num_queries(30):
        page = client.get(reverse("policy")).content.decode()
    assert "hold current information-security training" in page and "See the evidence" in page
    assert "No assurance round opened yet" in page and "Not measured yet" not in page


@pytest.mark.django_db
def test_the_page_counts_no_table_the_snapshot_holds(verified_client, auditor, area):
    """Figures come from the snapshot: records added after it do not change the page until the next one."""
    take_snapshot()
    client = verified_client(auditor)
    client.get(reverse("policy"))
    make_asset(manager=None, business_area=area, name="Added after the snapshot")
    page = client.get(reverse("policy")).content.decode()
    snapshot = ComplianceSnapshot.objects.get()
    assert f"{snapshot.figures['policy']['assets']} assets," in page
    assert InformationAsset.objects.count() == snapshot.figures["policy"]["assets"] + 1


@pytest.mark.django_db
def test_the_anonymised_share_counts_live_grants_by_their_assets(verified_client, auditor, area):
    kinds = ("anonymised", "anonymised", "pseudonymised", "identifiable")
    grants = []
    for n, kind in enumerate(kinds):
        asset = make_asset(
            manager=UserFactory(business_area=area), business_area=area, name=f"A{n}", identifiability=kind
        )
        grants.append(make_grant(UserFactory(business_area=area), asset))
    AccessGrant.objects.filter(pk=grants[1].pk).update(state=AccessGrant.State.REVOKED)  # no longer live
    snapshot, _ = take_snapshot()
    figures = snapshot.figures["policy"]
    live = AccessGrant.objects.filter(state__in=("active", "suspended"))
    reduced = live.filter(asset__identifiability__in=("anonymised", "pseudonymised")).count()
    assert (figures["grants_live"], figures["grants_anonymised_or_pseudonymised"]) == (live.count(), reduced) == (3, 2)
    assert figures["grants_anonymised"] == live.filter(asset__identifiability="anonymised").count() == 1
    page = verified_client(auditor).get(reverse("policy")).content.decode()
    assert "67% of 3 live grants are on anonymised or pseudonymised assets (33% anonymised)" in page
