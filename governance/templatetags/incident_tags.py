"""The incident page's lists of grants, built in Python.

An incident may name dozens of grants and involve dozens more on the assets it touches: a
line or a table row each, where the template engine's work per node (each lookup, filter
and number localised) was half the page's rendering. As for the history's entries
(``portal_tags.history_entries``), the markup is written once here, escaped by
``format_html``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
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


@register.simple_tag
def named_grant_items(grants: Iterable[AccessGrant], holders_shown: Collection[int]) -> SafeString:
    """A list item for each grant the incident names: 'Grant 12: Dana Okafor on Benefit claims (active)',
    or 'Grant 12' alone when the viewer may not see who holds it."""
    return format_html_join(
        "",
        "<li>Grant {}{}</li>",
        (
            (
                grant.pk,
                format_html(
                    ": {} on {} ({})", grant.holder.display_name, grant.asset.name, grant.get_state_display().lower()
                )
                if grant.pk in holders_shown
                else "",
            )
            for grant in grants
        ),
    )


@register.simple_tag
def linked_grant_rows(incident, grants: Iterable[AccessGrant], holders_shown: Collection[int], user) -> SafeString:
    """The rows of the handler's table of live grants: each grant, its state, and the link to suspend it
    or to restore what this incident suspended (never on one's own grant)."""
    rows = []
    for grant in grants:
        shown = grant.pk in holders_shown
        restorable = getattr(grant, "restorable_here", False)  # annotated by ``linked.live_grants``
        suspension = ""
        if grant.suspension:
            elsewhere = (
                " (another incident)" if grant.suspension == AccessGrant.Suspension.INCIDENT and not restorable else ""
            )
            suspension = format_html(
                '<br><span class="govuk-body-s">{}{}</span>', grant.get_suspension_display(), elsewhere
            )
        action = ""
        if grant.holder_id != user.pk:
            if grant.state == AccessGrant.State.ACTIVE:
                whose = (
                    format_html("{}'s access to {}", grant.holder.display_name, grant.asset.name)
                    if shown
                    else format_html("grant {}", grant.pk)
                )
                action = format_html(_SUSPEND, reverse("incidents:suspend-grant", args=[incident.pk, grant.pk]), whose)
            elif restorable:
                action = format_html(
                    _RESTORE, reverse("incidents:restore-grant", args=[incident.pk, grant.pk]), grant.pk
                )
        rows.append(
            format_html(
                _ROW,
                grant.pk,
                format_html(": {} on {}", grant.holder.display_name, grant.asset.name) if shown else "",
                grant.get_state_display(),
                suspension,
                action,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - each row built by format_html
