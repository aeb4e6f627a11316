"""Small display helpers for templates."""

from __future__ import annotations

from datetime import timedelta
from html import escape as _html_escape

from django import template
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from governance.core import plurals
from governance.core.models.audit import AuditScoped
from governance.core.policy import has_oversight
from governance.templatetags.highlight_tags import mark_words
from governance.training.courses import uncleared_data_handler_ids

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A timedelta in words, to the minute: '30 minutes', '1 hour 5 minutes'."""
    if not value:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(plurals.plural(hours, "hour"))
    if minutes or not parts:
        parts.append(plurals.plural(minutes, "minute"))
    return " ".join(parts)


@register.filter
def plural(count, forms: str) -> str:
    """'{{ n|plural:"grant" }}' -> '1 grant', '2 grants', '1,240 grants'; '{{ n|plural:"person,people" }}'."""
    return plurals.plural(count, forms)


@register.filter
def number(value) -> str:
    """'{{ n|number }}' -> '1,240'."""
    return plurals.number(value)


@register.filter
def govuk_date(value) -> str:
    """'{{ d|govuk_date }}' -> '4 December 2026', in UK time for a moment."""
    return plurals.date_text(value)


@register.filter
def short_date(value) -> str:
    """'{{ d|short_date }}' -> '4 Dec 2026' (as ``date:"j M Y"``, without Django's localised formatting)."""
    return plurals.short_date_text(value)


@register.filter
def govuk_datetime(value) -> str:
    """'{{ t|govuk_datetime }}' -> '4 December 2026 at 14:30', in UK time."""
    return plurals.datetime_text(value)


@register.filter
def yesno_text(value) -> str:
    return "Yes" if value else "No"


@register.simple_tag(takes_context=True)
def sort_header(context, label: str, key: str, numeric: bool = False):
    """A sortable table header: a link that sorts by ``key``, then reverses, with ``aria-sort``."""
    request = context["request"]
    current = request.GET.get("ordering", "")
    params = request.GET.copy()
    params.pop("page", None)
    if current == key:
        params["ordering"], state = f"-{key}", "ascending"
    elif current == f"-{key}":
        params["ordering"], state = key, "descending"
    else:
        params["ordering"], state = key, "none"
    css = "govuk-table__header" + (" govuk-table__header--numeric" if numeric else "")
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a class="govuk-link" href="?{}">{}</a></th>',
        css,
        state,
        urlencode(sorted(params.lists()), doseq=True),
        label,
    )


@register.simple_tag(takes_context=True)
def query_without(context, *names: str) -> str:
    """The current query string without the named parameters (for pagination and export links)."""
    params = context["request"].GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


REVIEW_TAGS = {
    "overdue": ("Overdue", "govuk-tag--red"),
    "due_soon": ("Due soon", "govuk-tag--yellow"),
    "current": ("Current", "govuk-tag--green"),
}


@register.simple_tag
def review_tag(asset, today=None):
    label, css = REVIEW_TAGS[asset.review_status(today)]
    return format_html('<strong class="govuk-tag {}">{}</strong>', css, label)


@register.simple_tag(takes_context=True)
def person(context, user, link: bool = False):
    """A person's name, marked "not cleared for personal data" if they are a data handler
    whose data-protection training is not current. One query per page, however many names."""
    if user is None:
        return ""
    request = context.get("request")
    uncleared = getattr(request, "_uncleared_ids", None) if request is not None else None
    if uncleared is None:
        uncleared = uncleared_data_handler_ids()
        if request is not None:
            request._uncleared_ids = uncleared
    name = user.display_name
    if link:
        name = format_html('<a class="govuk-link" href="{}">{}</a>', user.get_absolute_url(), name)
    if user.pk in uncleared:
        return format_html(
            '{} <strong class="govuk-tag govuk-tag--red app-tag--inline">Not cleared for personal data</strong>', name
        )
    return mark_safe(_escape(name))  # noqa: S308 - escaped (a link made above is kept as it is)


@register.simple_tag(takes_context=True)
def timeline_link(context, obj) -> str:
    """The audit explorer filtered to ``obj`` (and its parts), for those who may open it."""
    request = context.get("request")
    if not isinstance(obj, models.Model) or request is None or not has_oversight(request.user):
        return ""
    if isinstance(obj, AuditScoped):
        query = urlencode({"object": obj.audit_scope()})
    else:
        query = urlencode({"content_type": ContentType.objects.get_for_model(obj).pk, "object": obj.pk})
    return f"{reverse('audit:explorer')}?{query}"


# --- history as sentences ----------------------------------------------------------------------

_VERBS = {"Created": "created", "Changed": "changed", "Deleted": "deleted", "Viewed": "viewed"}
_NONE = "(none)"


def _lower_first(text: str) -> str:
    """'Storage location' -> 'storage location', but 'IAM reason' stays as it is."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _actor(context, entry) -> str:
    return person(context, entry.actor) if entry.actor is not None else entry.actor_email or "Someone not recorded"


def _escape(value) -> str:
    """``conditional_escape``'s text, without its check for lazy arguments on each call: an audit
    explorer page escapes thousands of names and values."""
    as_html = getattr(value, "__html__", None)
    return str(as_html()) if as_html is not None else _html_escape(str(value))


@register.simple_tag(takes_context=True)
def history_sentence(context, row) -> str:
    """'Priya Nair changed the asset “Benefit claims”': who did what to which record, by name."""
    entry = row.entry
    verb = _escape(_VERBS.get(row.action, row.action.lower()))
    noun = _escape(row.noun or "record")
    actor = _escape(_actor(context, entry))
    if not row.name:
        return mark_safe(f"{actor} {verb} a {noun}")  # noqa: S308 - every part escaped
    return mark_safe(f"{actor} {verb} the {noun} “{_escape(row.name)}”")  # noqa: S308 - every part escaped


@register.simple_tag(takes_context=True)
def event_sentence(context, event) -> str:
    """'Priya Nair approved request 4 for Dana Okafor: ...': one business event, by names."""
    text = event.text.rstrip()
    end = "" if text.endswith((".", "?", "!")) else "."
    return format_html("{} {}{}", _actor(context, event.entry), text, end)


@register.simple_tag
def change_sentence(change) -> str:
    """One field's change as a clause: 'storage location changed from A to B', 'IAM set to Priya Nair'."""
    label = _escape(_lower_first(change.label))
    after, before = change.after, change.before
    for prefix, clause in (("Added: ", "added {} to {}"), ("Removed: ", "removed {} from {}")):
        if not before and after.startswith(prefix):
            return mark_safe(clause.format(_escape(after[len(prefix) :]), label))  # noqa: S308 - escaped
    if before in ("", _NONE):
        return mark_safe(f"{label} set to {_escape(after)}")  # noqa: S308 - escaped
    if after in ("", _NONE):
        return mark_safe(f"{label} cleared (was {_escape(before)})")  # noqa: S308 - escaped
    return mark_safe(f"{label} changed from {_escape(before)} to {_escape(after)}")  # noqa: S308 - escaped


@register.simple_tag(takes_context=True)
def history_entries(context, rows, marks=None) -> str:
    """The entries of one event, each with its field changes, as a list (``includes/history_entries.html``).

    Built here rather than by a template loop: the audit explorer shows about 400 entries a page,
    and the template engine's per-node work was a third of the page's time. ``explorer`` in the
    context adds each entry's chain position; ``marks`` (words searched for) are highlighted."""
    explorer = context.get("explorer")
    items = []
    for row in rows:
        said = history_sentence(context, row)
        changed = bool(row.changes or row.system_changes)
        parts = [mark_words(said, marks) if marks else said, ":" if changed else "."]
        if explorer:
            position = _escape(row.entry.chain_index or "not yet sealed")
            parts.append(f' <span class="govuk-hint govuk-!-font-size-16">(entry {position})</span>')
        if changed:
            changes = "".join(
                f"<li>{mark_words(change_sentence(c), marks) if marks else change_sentence(c)}</li>"
                for c in row.changes
            )
            system = "".join(
                f'<li>{change_sentence(c)} <span class="govuk-hint govuk-!-font-size-16">(system)</span></li>'
                for c in row.system_changes
            )
            listed = f"\n      {changes}\n      {system}\n    "
            parts.append(f'\n    <ul class="govuk-list govuk-list--bullet govuk-body-s">{listed}</ul>')
        items.append(f"  <li>\n    {''.join(parts)}\n  </li>\n")
    # Every part is escaped where it is made (the sentences and clauses) or is the tag's own markup.
    return mark_safe(f'<ul class="govuk-list govuk-body-s">\n{"".join(items)}</ul>')  # noqa: S308
