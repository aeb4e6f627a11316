"""The incident page's lists of grants: who is named, which link each row offers, everything escaped."""

from __future__ import annotations

from django.template import engines

from governance.access.models import AccessGrant
from governance.core.models import User
from governance.incidents.models import Incident
from governance.register.models import InformationAsset

ROWS = engines["django"].from_string(
    "{% load incident_tags %}{% linked_grant_rows incident grants holders_shown user %}"
)
ITEMS = engines["django"].from_string("{% load incident_tags %}{% named_grant_items grants holders_shown %}")

HANDLER = User(pk=7, username="handler")
HOLDER = User(pk=8, username="dana", first_name="Dana", last_name="O'Brien")
ASSET = InformationAsset(pk=3, name="Claims <A&B>")
INCIDENT = Incident(pk=42)


def grant(pk, state=AccessGrant.State.ACTIVE, suspension="", restorable=False, holder=HOLDER):
    made = AccessGrant(pk=pk, state=state, suspension=suspension, holder=holder, asset=ASSET)
    made.restorable_here = restorable
    return made


def rows(*grants, shown=()):
    return ROWS.render({"incident": INCIDENT, "grants": grants, "holders_shown": set(shown), "user": HANDLER})


def test_an_active_grant_is_suspended_from_its_row_by_its_holders_name_when_shown():
    page = rows(grant(11), shown={11})
    assert "Grant 11: Dana O&#x27;Brien on Claims &lt;A&amp;B&gt;</td>" in page
    assert '<a class="govuk-link" href="/incidents/42/grants/11/suspend/">Suspend' in page
    assert "Dana O&#x27;Brien's access to Claims &lt;A&amp;B&gt;</span>" in page


def test_a_holder_the_viewer_may_not_see_is_left_out_and_the_grant_named_by_number():
    page = rows(grant(11))
    assert '<td class="govuk-table__cell">Grant 11</td>' in page
    assert '<span class="govuk-visually-hidden"> grant 11</span>' in page
    assert "Dana" not in page and "Claims" not in page


def test_what_this_incident_suspended_is_restored_here_and_another_incidents_suspension_is_not():
    here = grant(12, AccessGrant.State.SUSPENDED, AccessGrant.Suspension.INCIDENT, restorable=True)
    elsewhere = grant(13, AccessGrant.State.SUSPENDED, AccessGrant.Suspension.INCIDENT)
    page = rows(here, elsewhere)
    assert '<a class="govuk-link" href="/incidents/42/grants/12/restore/">Restore access' in page
    assert "/grants/13/" not in page
    assert page.count("(another incident)") == 1
    assert "Suspended while an information security incident is handled (another incident)</span>" in page


def test_no_link_on_the_viewers_own_grant():
    page = rows(grant(14, holder=HANDLER), grant(15, AccessGrant.State.SUSPENDED, "incident", True, HANDLER))
    assert "<a " not in page


def test_the_grants_named_read_with_their_state_or_by_number_alone():
    page = ITEMS.render({"grants": [grant(11), grant(16, AccessGrant.State.REVOKED)], "holders_shown": {16}})
    assert page == "<li>Grant 11</li><li>Grant 16: Dana O&#x27;Brien on Claims &lt;A&amp;B&gt; (revoked)</li>"
