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


# The tags as they were first written, one format_html per part and a reverse() per row: the rows
# written now by str.format from parts escaped where they are made must read exactly the same.
def _reference_rows(incident, grants, holders_shown, user):
    from django.urls import reverse
    from django.utils.html import format_html

    from governance.templatetags.incident_tags import _RESTORE, _ROW, _SUSPEND

    rows = []
    for made in grants:
        shown = made.pk in holders_shown
        restorable = getattr(made, "restorable_here", False)
        suspension = ""
        if made.suspension:
            elsewhere = (
                " (another incident)" if made.suspension == AccessGrant.Suspension.INCIDENT and not restorable else ""
            )
            suspension = format_html(
                '<br><span class="govuk-body-s">{}{}</span>', made.get_suspension_display(), elsewhere
            )
        action = ""
        if made.holder_id != user.pk:
            if made.state == AccessGrant.State.ACTIVE:
                whose = (
                    format_html("{}'s access to {}", made.holder.display_name, made.asset.name)
                    if shown
                    else format_html("grant {}", made.pk)
                )
                action = format_html(_SUSPEND, reverse("incidents:suspend-grant", args=[incident.pk, made.pk]), whose)
            elif restorable:
                action = format_html(_RESTORE, reverse("incidents:restore-grant", args=[incident.pk, made.pk]), made.pk)
        who = format_html(": {} on {}", made.holder.display_name, made.asset.name) if shown else ""
        rows.append(format_html(_ROW, made.pk, who, made.get_state_display(), suspension, action))
    return "".join(rows)


def _reference_items(grants, holders_shown):
    from django.utils.html import format_html

    return "".join(
        format_html(
            "<li>Grant {}{}</li>",
            made.pk,
            format_html(": {} on {} ({})", made.holder.display_name, made.asset.name, made.get_state_display().lower())
            if made.pk in holders_shown
            else "",
        )
        for made in grants
    )


def _every_kind_of_row():
    odd = User(pk=9, username="<b>&'\"", first_name="", last_name="")
    grants = []
    pk = 100
    for state in AccessGrant.State:
        for suspension in ("", *AccessGrant.Suspension):
            for restorable in (False, True):
                for holder in (HOLDER, HANDLER, odd):
                    pk += 1
                    grants.append(grant(pk, state, suspension, restorable, holder))
    return grants


def test_the_rows_read_as_the_template_code_they_replaced_for_every_state_suspension_and_viewer():
    grants = _every_kind_of_row()
    for shown in (set(), {g.pk for g in grants}, {g.pk for g in grants[::3]}):
        assert rows(*grants, shown=shown) == _reference_rows(INCIDENT, grants, shown, HANDLER)
        page = ITEMS.render({"grants": grants, "holders_shown": shown})
        assert page == _reference_items(grants, shown)
