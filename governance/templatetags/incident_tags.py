"""The incident page's lists of grants, built in Python.

An incident may name dozens of grants and involve dozens more on the assets it touches: a
line or a table row each, where the template engine's work per node (each lookup, filter
and number localised) was half the page's rendering. As for the history's entries
(``portal_tags.history_entries``), the markup is written once here, and each name escaped where
it is put in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from html import escape as _html_escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from governance.access.models import AccessGrant

register = template.Library()

_ROW = (
    '\n        <tr class="govuk-table__row">'
    '\n          <td class="govuk-table__cell">Grant {}{}</td>'
    '\n          <td class="govuk-table__cell">{}{}</td>'
    '\n          <td class="govuk-table__cell">{}</td>'
    "\n        </tr>\n        "
)
_SUSPEND = (
    '\n            <a class="govuk-link" href="{}">Suspend'
    '<span class="govuk-visually-hidden"> {}</span></a>\n          '
)
_RESTORE = (
    '\n            <a class="govuk-link" href="{}">Restore access'
    '<span class="govuk-visually-hidden"> of grant {}</span></a>\n          '
)


def _escape(value) -> str:
    """``django.utils.html.escape``'s text, without its check for lazy arguments on each call: each row
    escapes its holder's and asset's names."""
    return _html_escape(str(value))


_PLACEHOLDER = 987654321  # a grant id, replaced by each row's: one reverse() per link for the whole table
_STATES = {state.value: _escape(state.label) for state in AccessGrant.State}
_SUSPENSIONS = {reason.value: _escape(reason.label) for reason in AccessGrant.Suspension}


@register.simple_tag
def named_grant_items(grants: Iterable[AccessGrant], holders_shown: Collection[int]) -> SafeString:
    """A list item for each grant the incident names: 'Grant 12: Dana Okafor on Benefit claims (active)',
    or 'Grant 12' alone when the viewer may not see who holds it."""
    items = []
    for grant in grants:
        if grant.pk in holders_shown:
            state = (_STATES.get(grant.state) or _escape(grant.get_state_display())).lower()
            holder, asset = _escape(grant.holder.display_name), _escape(grant.asset.name)
            items.append(f"<li>Grant {grant.pk}: {holder} on {asset} ({state})</li>")
        else:
            items.append(f"<li>Grant {grant.pk}</li>")
    return mark_safe("".join(items))  # noqa: S308 - the names escaped here, the rest the tag's own markup


def _url_halves(name: str, incident_pk: int) -> tuple[str, str]:
    """The URL ``name`` of a grant of the incident, split where the grant's id goes."""
    before, after = reverse(name, args=[incident_pk, _PLACEHOLDER]).split(str(_PLACEHOLDER))
    return before, after


@register.simple_tag
def linked_grant_rows(incident, grants: Iterable[AccessGrant], holders_shown: Collection[int], user) -> SafeString:
    """The rows of the handler's table of live grants: each grant, its state, and the link to suspend it
    or to restore what this incident suspended (never on one's own grant).

    Fifty rows a page: each row is one ``str.format`` of parts escaped where they are made, and
    the two links' addresses are reversed once for the table, not once a row."""
    suspend_before, suspend_after = _url_halves("incidents:suspend-grant", incident.pk)
    restore_before, restore_after = _url_halves("incidents:restore-grant", incident.pk)
    viewer = user.pk  # the request's user is a lazy object: asked once, not once a row
    rows = []
    for grant in grants:
        shown = grant.pk in holders_shown
        restorable = getattr(grant, "restorable_here", False)  # annotated by ``linked.live_grants``
        holder_and_asset = (_escape(grant.holder.display_name), _escape(grant.asset.name)) if shown else ("", "")
        suspension = ""
        if grant.suspension:
            elsewhere = (
                " (another incident)" if grant.suspension == AccessGrant.Suspension.INCIDENT and not restorable else ""
            )
            label = _SUSPENSIONS.get(grant.suspension) or _escape(grant.get_suspension_display())
            suspension = f'<br><span class="govuk-body-s">{label}{elsewhere}</span>'
        action = ""
        if grant.holder_id != viewer:
            if grant.state == AccessGrant.State.ACTIVE:
                whose = "{}'s access to {}".format(*holder_and_asset) if shown else f"grant {grant.pk}"
                action = _SUSPEND.format(f"{suspend_before}{grant.pk}{suspend_after}", whose)
            elif restorable:
                action = _RESTORE.format(f"{restore_before}{grant.pk}{restore_after}", grant.pk)
        state = _STATES.get(grant.state) or _escape(grant.get_state_display())
        rows.append(
            _ROW.format(
                grant.pk,
                ": {} on {}".format(*holder_and_asset) if shown else "",
                state,
                suspension,
                action,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every part escaped where it is made, or the tag's own markup
