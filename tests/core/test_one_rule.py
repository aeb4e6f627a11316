"""Every visibility rule, every role of the role world: the list, the API and the predicate agree.

Each "who may see" rule is written once, as a queryset in its domain's ``selectors``; pages,
API lists, exports and home counts list through it, and ``policy`` answers for one record
from the same facts. This walks the role table's world (both areas' records), adds the two
viewers that once split list from page (a superuser, and someone holding an area's
oversight through a group), and checks, object by object, that the selector lists exactly
the records the predicate opens and that each API list returns exactly the selector's.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from governance.access.models import AccessGrant, AccessRequest
from governance.access.policy import can_view_grant, can_view_request
from governance.access.selectors import visible_grants, visible_requests
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.policy import can_view_return
from governance.assurance.selectors import visible_returns
from governance.contracts import policy as contracts_policy
from governance.contracts.models import ResearchContract
from governance.contracts.selectors import visible_contracts
from governance.core.models import BusinessArea, User
from governance.core.policy import OVERSEE_AREA_PERM, oversees_area
from governance.core.selectors import overseen_areas
from governance.incidents import policy as incidents_policy
from governance.incidents.models import Incident
from governance.incidents.selectors import visible_incidents
from governance.outputs.models import OutputSubmission
from governance.outputs.policy import can_view_output
from governance.outputs.selectors import visible_outputs
from governance.privacy import policy as privacy_policy
from governance.privacy import selectors as privacy_selectors
from governance.privacy.models import DPIA, ProcessingActivity, SharingAgreement
from governance.privacy.policy import can_see_dpia
from governance.privacy.selectors import visible_dpias
from governance.register.policy import can_view_person
from governance.register.selectors import visible_people
from governance.releases import policy as releases_policy
from governance.releases.models import StatisticalRelease
from governance.releases.selectors import visible_releases
from tests.api.conftest import TokenClient, issue
from tests.conftest import sign_in_verified
from tests.core.role_pages_world import build_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# rule: (model, selector, predicate, API list or None, page list or None)
RULES = {
    "areas overseen": (BusinessArea, overseen_areas, oversees_area, None, None),
    "people": (User.objects.filter(is_system=False), visible_people, can_view_person, "/api/people/", None),
    "access requests": (
        AccessRequest,
        visible_requests,
        can_view_request,
        "/api/access-requests/",
        "/access/requests/",
    ),
    "grants": (AccessGrant, visible_grants, can_view_grant, "/api/grants/", "/access/grants/"),
    "research contracts": (
        ResearchContract,
        visible_contracts,
        contracts_policy.can_view,
        "/api/contracts/",
        "/contracts/",
    ),
    "releases": (StatisticalRelease, visible_releases, releases_policy.can_view, "/api/releases/", "/releases/"),
    "incidents": (Incident, visible_incidents, incidents_policy.can_view, None, "/incidents/"),
    # The researcher's own list; everyone else is refused it (and sees outputs on the contract's page).
    "safe outputs": (OutputSubmission, visible_outputs, can_view_output, None, "/outputs/"),
    "DPIAs": (DPIA, visible_dpias, can_see_dpia, None, "/privacy/dpias/"),
    "processing activities": (
        ProcessingActivity,
        privacy_selectors.visible_activities,
        privacy_policy.can_view_activity,
        None,
        "/privacy/activities/",
    ),
    "sharing agreements": (
        SharingAgreement,
        privacy_selectors.visible_agreements,
        privacy_policy.can_view_agreement,
        None,
        "/privacy/agreements/",
    ),
}


@pytest.fixture
def viewers():
    world = build_world()
    people = dict(world.people)
    other_area = BusinessArea.objects.get(code="wab")
    overseers = Group.objects.create(name="Overseers of Working Age Benefits")
    assign_perm(OVERSEE_AREA_PERM, overseers, other_area)
    people["oversight through a group"] = UserFactory(username="r-group-deputy", groups=[overseers])
    people["superuser"] = UserFactory(username="r-root", is_superuser=True)
    return people


def _everything(source):
    queryset = source.objects.all() if isinstance(source, type) else source
    return list(queryset)


def _api_ids(user, url: str) -> set[int]:
    # A token is made with an app code here; a holder of a security key would confirm with it on
    # the token page (tests/api/test_tokens.py covers that), which a list's rule does not depend on.
    with mock.patch("governance.core.api_tokens.has_security_key", return_value=False):
        client = TokenClient(issue(user).plaintext)
    found: set[int] = set()
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = response.json()
        found |= {row["id"] for row in body["results"]}
        url = body.get("next")
    return found


def _page_ids(client, url: str) -> set[int] | None:
    """The records a list page shows (its first page: the world is smaller than a page), or None if refused."""
    response = client.get(url)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, (url, response.status_code)
    return {record.pk for record in response.context["object_list"]}


def test_every_rule_agrees_for_every_role(viewers, client):
    disagreements, pages_compared = [], 0
    for rule, (source, selector, predicate, api_url, page_url) in RULES.items():
        records = _everything(source)
        assert records, f"the world has no {rule}"
        for role, viewer in viewers.items():
            listed = set(selector(viewer).values_list("pk", flat=True))
            opened = {record.pk for record in records if predicate(viewer, record)}
            if listed != opened:
                disagreements.append((rule, role, "list only", listed - opened, "page only", opened - listed))
            if api_url and _api_ids(viewer, api_url) != listed:
                disagreements.append((rule, role, "the API lists otherwise"))
            if page_url:
                shown = _page_ids(sign_in_verified(client, viewer), page_url)
                pages_compared += shown is not None
                if shown is not None and shown != listed:
                    disagreements.append((rule, role, "the page lists otherwise", shown ^ listed))
    assert not disagreements, disagreements
    assert pages_compared > 40  # every role opens most of the five lists


def test_assurance_returns_agree_for_every_role(viewers):
    round_ = AssuranceRound.objects.get()
    returns = list(AssuranceReturn.objects.filter(round=round_))
    for role, viewer in viewers.items():
        listed = set(visible_returns(viewer, round_).values_list("pk", flat=True))
        assert listed == {r.pk for r in returns if can_view_return(viewer, r)}, role


def test_the_two_viewers_that_once_split_the_rules_see_what_their_oversight_gives(viewers):
    other_area = BusinessArea.objects.get(code="wab")
    group_deputy, superuser = viewers["oversight through a group"], viewers["superuser"]
    assert set(overseen_areas(group_deputy)) == {other_area}
    assert visible_people(group_deputy).filter(business_area=other_area).count() == (
        User.objects.filter(business_area=other_area, is_system=False).count()
    )
    assert visible_grants(group_deputy).filter(asset__business_area=other_area).exists()
    assert set(overseen_areas(superuser)) == set(BusinessArea.objects.all())
