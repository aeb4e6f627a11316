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
    return mark_safe(_Said(context).sentence(row))  # noqa: S308 - every part escaped in _Said.sentence


@register.simple_tag(takes_context=True)
def event_sentence(context, event) -> str:
    """'Priya Nair approved request 4 for Dana Okafor: ...': one business event, by names."""
    text = event.text.rstrip()
    end = "" if text.endswith((".", "?", "!")) else "."
    return format_html("{} {}{}", _actor(context, event.entry), text, end)


@register.simple_tag
def change_sentence(change) -> str:
    """One field's change as a clause: 'storage location changed from A to B', 'IAM set to Priya Nair'."""
    return mark_safe(_clause(change, _escape(_lower_first(change.label))))  # noqa: S308 - escaped in _clause


def _clause(change, label: str) -> str:
    """``change_sentence``'s text, its values escaped here, ``label`` escaped by the caller."""
    after, before = change.after, change.before
    if not before:
        for prefix, clause in (("Added: ", "added {} to {}"), ("Removed: ", "removed {} from {}")):
            if after.startswith(prefix):
                return clause.format(_text(after[len(prefix) :]), label)
    if before in ("", _NONE):
        return f"{label} set to {_text(after)}"
    if after in ("", _NONE):
        return f"{label} cleared (was {_text(before)})"
    return f"{label} changed from {_text(before)} to {_text(after)}"


def _text(value) -> str:
    """``_escape`` for the values of a change, which are plain text but for a rare name marked safe."""
    return _html_escape(value) if type(value) is str else _escape(value)


class _Said:
    """What one history tag has already written: each actor's name and each field's label, escaped once.

    An event of fifty entries names the same person and the same few fields on each of them."""

    def __init__(self, context):
        self.context = context
        self.actors: dict[object, str] = {}
        self.labels: dict[str, str] = {}

    def actor(self, entry) -> str:
        key = entry.actor_id if entry.actor_id is not None else ("email", entry.actor_email)
        found = self.actors.get(key)
        if found is None:
            found = self.actors[key] = _escape(_actor(self.context, entry))
        return found

    def label(self, text: str) -> str:
        found = self.labels.get(text)
        if found is None:
            found = self.labels[text] = _escape(_lower_first(text))
        return found

    def sentence(self, row) -> str:
        """``history_sentence``'s text."""
        verb = _escape(_VERBS.get(row.action, row.action.lower()))
        noun = _escape(row.noun or "record")
        if not row.name:
            return f"{self.actor(row.entry)} {verb} a {noun}"
        return f"{self.actor(row.entry)} {verb} the {noun} “{_escape(row.name)}”"

    def clause(self, change) -> str:
        """``change_sentence``'s text."""
        return _clause(change, self.label(change.label))


@register.simple_tag(takes_context=True)
def history_entries(context, rows, marks=None) -> str:
    """The entries of one event, each with its field changes, as a list (``includes/history_entries.html``).

    Built here rather than by a template loop: the audit explorer shows about 400 entries a page,
    and the template engine's per-node work was a third of the page's time. ``explorer`` in the
    context adds each entry's chain position; ``marks`` (words searched for) are highlighted."""
    return mark_safe(_entries(_Said(context), rows, marks))  # noqa: S308 - escaped in _entries


def _entries(written: _Said, rows, marks) -> str:
    """``history_entries``' markup, every part escaped where it is made (the sentences and clauses)."""
    explorer = written.context.get("explorer")
    items = []
    for row in rows:
        said = written.sentence(row)
        changed = bool(row.changes or row.system_changes)
        parts = [mark_words(mark_safe(said), marks) if marks else said, ":" if changed else "."]  # noqa: S308
        if explorer:
            position = _escape(row.entry.chain_index or "not yet sealed")
            parts.append(f' <span class="govuk-hint govuk-!-font-size-16">(entry {position})</span>')
        if changed:
            if marks:
                changes = "".join(f"<li>{mark_words(mark_safe(written.clause(c)), marks)}</li>" for c in row.changes)  # noqa: S308
            else:
                changes = "".join([f"<li>{written.clause(c)}</li>" for c in row.changes])
            system = "".join(
                f'<li>{written.clause(c)} <span class="govuk-hint govuk-!-font-size-16">(system)</span></li>'
                for c in row.system_changes
            )
            listed = f"\n      {changes}\n      {system}\n    "
            parts.append(f'\n    <ul class="govuk-list govuk-list--bullet govuk-body-s">{listed}</ul>')
        items.append(f"  <li>\n    {''.join(parts)}\n  </li>\n")
    return f'<ul class="govuk-list govuk-body-s">\n{"".join(items)}</ul>'


_NO_EVENTS = (
    '\n    <tr class="govuk-table__row"><td class="govuk-table__cell" colspan="2">No entries match.</td></tr>\n    '
)
_EVENT = (
    '\n    <tr class="govuk-table__row">\n      <td class="govuk-table__cell govuk-body-s">{when}</td>'
    '\n      <td class="govuk-table__cell app-table__cell--wrap">'
    '\n        <p class="govuk-body govuk-!-margin-bottom-1">{sentence}</p>\n        {reason}\n        {rows}'
    "\n        {system}\n        {explorer}\n      </td>\n    </tr>\n    "
)
_CHANGES = (
    '\n        <details class="govuk-details govuk-!-margin-bottom-1">'
    '\n          <summary class="govuk-details__summary"><span class="govuk-details__summary-text">{summary}</span>'
    '</summary>\n          <div class="govuk-details__text">\n            {entries}'
    "\n          </div>\n        </details>\n        "
)


@register.simple_tag(takes_context=True)
def history_rows(context, events, marks=None) -> str:
    """The rows of a history table (``includes/history_table.html``): for each event, when, who did what
    (``event_sentence``), the reason, its entries (``history_entries``) and the system entries.

    Built here rather than by a template loop: an incident's page or an audit explorer page shows
    dozens of events, and the engine's work on each row's twenty nodes was as long as writing
    their entries. ``explorer`` in the context adds the trail's own details to each event;
    ``marks`` (words searched for) are highlighted."""
    if not events:
        return mark_safe(_NO_EVENTS)  # noqa: S308 - the tag's own markup
    written = _Said(context)
    explorer = context.get("explorer")
    history = context.get("history")
    rows = []
    for event in events:
        entry = event.entry
        sentence = event_sentence(context, event)
        reason = event.reason
        if reason:
            reason = f'<p class="govuk-body-s govuk-!-margin-bottom-1">Reason: {_marked(reason, marks)}</p>'
        rows.append(
            _EVENT.format(
                when=_escape(plurals.short_datetime_text(entry.timestamp)),
                sentence=mark_words(sentence, marks) if marks else sentence,
                reason=reason,
                rows=_CHANGES.format(summary="Show the recorded changes", entries=_entries(written, event.rows, marks))
                if event.rows
                else "",
                system=_system_entries(written, event, marks, explorer) if event.system_rows or event.more else "",
                explorer=_trail(entry, history) if explorer else "",
            )
        )
    # Every part is escaped where it is made (names, reasons, sentences, addresses) or is the tag's own markup.
    return mark_safe("".join(rows))  # noqa: S308


def _marked(text, marks) -> str:
    """``text`` escaped, with ``marks`` highlighted if any (``{{ text|mark_words:marks }}``)."""
    return str(mark_words(text, marks)) if marks else _escape(text)


def _system_entries(written: _Said, event, marks, explorer) -> str:
    """The details element of an event's system entries, and a note when more were recorded than read."""
    count = f" ({len(event.system_rows)})" if event.system_rows else ""
    more = ""
    if event.more:
        link = ""
        if explorer and event.cid:
            link = f': <a class="govuk-link" href="?cid={_escape(event.cid)}&amp;system=1">see them all</a>'
        more = f'<p class="govuk-body-s">More entries of this action are recorded than are shown here{link}.</p>'
    entries = f"{_entries(written, event.system_rows, marks)}\n            {more}"
    return _CHANGES.format(summary=f"System entries{count}", entries=entries)


def _trail(entry, history) -> str:
    """The audit explorer's line under an event: its area, the address it came from, and links to the same
    request's entries and to the record's timeline."""
    parts = []
    if entry.business_area:
        parts.append(f"{_escape(entry.business_area.name)}. ")
    if entry.remote_addr:
        parts.append(f"From {_escape(entry.remote_addr)}. ")
    if entry.cid:
        system = "&amp;system=1" if getattr(history, "system_shown", False) else ""
        parts.append(
            f'<a class="govuk-link" href="?cid={_escape(entry.cid)}{system}">Everything in the same request</a>'
        )
    if entry.scope:
        joint = " · " if entry.cid else ""
        parts.append(f'{joint}<a class="govuk-link" href="?object={_escape(entry.scope)}">This record\'s timeline</a>')
    return f'\n        <p class="govuk-body-s govuk-!-margin-bottom-0">{"".join(parts)}</p>\n        '
