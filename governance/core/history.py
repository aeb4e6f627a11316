"""Audit entries turned into readable rows, in a constant number of queries.

django-auditlog's own ``changes_display_dict`` looks up each foreign-key value
with one query per value; here the values of a whole page of entries are
resolved with one query per related model.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from governance.core.models import AuditEntry, BusinessArea, User
from governance.core.models.audit import AuditScoped

ACTION_LABELS = {
    AuditEntry.Action.CREATE: "Created",
    AuditEntry.Action.UPDATE: "Changed",
    AuditEntry.Action.DELETE: "Deleted",
    AuditEntry.Action.ACCESS: "Viewed",
}
_EMPTY = "(none)"


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class HistoryRow:
    entry: AuditEntry
    action: str
    subject: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    # The record's kind as people name it ("asset"), and its name, for event sentences.
    noun: str = ""
    name: str = ""
    model: type[models.Model] | None = None
    # Changes to bookkeeping fields (internal keys, creation stamps, email bodies): shown to auditors on request.
    system_changes: list[FieldChange] = field(default_factory=list)
    # Each changed field's displayed (before, after), by field name, for the describers.
    values: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Many-to-many changes by field name: (operation, the names added or removed).
    related: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def after(self, name: str) -> str:
        """The value a field was set to, as people read it, or "" when it did not change."""
        return self.values.get(name, ("", ""))[1]

    def changed(self, name: str) -> bool:
        return name in self.values


# Parts of a record some viewers may not see in its history: model -> (may see them?, part models).
# A domain declares its own (the register: who holds rights on an asset), wired at start-up,
# so this module needs to know no domain above it.
_HIDDEN_PARTS: dict[type[models.Model], tuple[Callable[[Any, Any], bool], tuple[type[models.Model], ...]]] = {}


def hide_parts(model: type[models.Model], may_see: Callable[[Any, Any], bool], *parts: type[models.Model]) -> None:
    """Leave the entries of ``parts`` out of ``model``'s history for viewers ``may_see(viewer, obj)`` refuses."""
    _HIDDEN_PARTS[model] = (may_see, parts)


def entries_of(obj: models.Model, viewer=None):
    """The audit entries of ``obj`` (and of its parts, for scoped models), newest first: one indexed range.

    What ``viewer`` may not know is left out here, not in templates, so every page
    that renders a history gets the same filter: an asset's rights rows (who holds
    access) only for those who oversee it. No viewer means the least that is shown.
    """
    hidden = hidden_types(obj, viewer)
    if isinstance(obj, AuditScoped):
        return scoped_entries(obj.audit_scope(), hidden)
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return _shown(AuditEntry.objects.filter(content_type=content_type, object_pk=str(obj.pk)), hidden)


def hidden_types(obj: models.Model, viewer=None) -> tuple[int, ...]:
    """The content types of the parts of ``obj`` whose entries ``viewer`` may not see (``hide_parts``)."""
    hiding = _HIDDEN_PARTS.get(type(obj))
    if hiding is None or hiding[0](viewer, obj):
        return ()
    hidden = ContentType.objects.get_for_models(*hiding[1], for_concrete_models=False).values()
    return tuple(sorted(content_type.pk for content_type in hidden))


def scoped_entries(scope: str, hidden: tuple[int, ...] = ()):
    """``entries_of`` a scoped record, from its scope and the content types its viewer may not see."""
    return _shown(AuditEntry.objects.filter(scope=scope), hidden)


def _shown(entries, hidden: tuple[int, ...]):
    if hidden:
        entries = entries.exclude(content_type__in=list(hidden))
    return entries.select_related("actor").order_by("-timestamp", "-pk")


# What a record is called in a sentence, when its verbose name is not what people say.
_NOUNS: dict[type[models.Model], str] = {}
# Bookkeeping fields: their changes are recorded and sealed like any other, but they are the
# portal's plumbing, not a business fact, so they are shown to auditors only, on request.
SYSTEM_FIELDS = {"dedupe_key", "created_at", "updated_at", "body", "html_body", "content_hash", "digest", "key_id"}
_SYSTEM_FIELDS: dict[type[models.Model], set[str]] = {}


# The fields a model's name (``__str__``) reads, when it reads few of them.
_NAME_READS: dict[type[models.Model], tuple[str, ...]] = {}
# Their columns, when all are the model's own (``_own_columns``).
_OWN_COLUMNS: dict[type[models.Model], tuple[str, ...] | None] = {}


def name_reads(model: type[models.Model], *fields: str) -> None:
    """Load only ``fields`` (``asset__name`` through a relation) when a history names ``model``'s records.

    By default every foreign key is joined and every column read, so a name built from any
    of them costs no query. A model named on many entries (a grant on each review decision,
    hundreds on a page of the audit trail) says what its name reads, and the objects built
    to name it are a fraction of the size. Reading a field left out would cost a query per
    name: the tests build each declared name in one query.
    """
    _NAME_READS[model] = fields
    _OWN_COLUMNS.pop(model, None)


# A person is named by their own name (holders, requesters and deciders on every page of history).
name_reads(User, "first_name", "last_name", "username")
name_reads(BusinessArea, "name")


def named_by_own_columns(record: models.Model) -> bool:
    """Whether ``record``'s name can be built from what is loaded, without a query: its model names
    its records from its own columns (``name_reads`` without a relation) and none of them is deferred."""
    columns = _own_columns(type(record))
    return columns is not None and all(column in record.__dict__ for column in columns)


def _own_columns(model: type[models.Model]) -> tuple[str, ...] | None:
    """The columns ``model``'s name reads (``name_reads``), when all are its own; None otherwise.

    A column is loaded when its value is in the instance's ``__dict__`` (``get_deferred_fields``
    builds the set of every deferred column to say so): asked for each record a page has read."""
    if model not in _OWN_COLUMNS:
        reads = _NAME_READS.get(model, ())
        concrete = {field.name: field.attname for field in model._meta.concrete_fields}
        own = bool(reads) and not any("__" in path for path in reads)
        _OWN_COLUMNS[model] = tuple(concrete[path] for path in reads if path in concrete) if own else None
    return _OWN_COLUMNS[model]


def loaded_relations(records: Iterable[models.Model]) -> list[models.Model]:
    """The records already read with ``records`` (``select_related``, a set relation), followed through
    theirs, that can be named without a query: a detail page has read its record's area, people and
    organisation, which its history names on almost every entry."""
    found: list[models.Model] = []
    waiting = list(records)
    seen = {id(record) for record in waiting}
    while waiting:
        current = waiting.pop()
        for related in current._state.fields_cache.values():
            if not isinstance(related, models.Model) or id(related) in seen:
                continue
            seen.add(id(related))
            waiting.append(related)
            if named_by_own_columns(related):
                found.append(related)
    return found


def noun_for(model: type[models.Model], noun: str) -> None:
    """Name ``model``'s records ``noun`` in history sentences ("asset", not "information asset")."""
    _NOUNS[model] = noun


def system_fields(model: type[models.Model], *names: str) -> None:
    """Treat changes to ``names`` of ``model`` as bookkeeping, shown to auditors only on request."""
    _SYSTEM_FIELDS.setdefault(model, set()).update(names)


def is_rights_row(model: type[models.Model] | None) -> bool:
    return model is not None and issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase)


def noun_of(model: type[models.Model] | None) -> str:
    if model is None:
        return "record"
    if model in _NOUNS:
        return _NOUNS[model]
    if is_rights_row(model):
        return "access right"
    return str(model._meta.verbose_name)


def name_of(model: type[models.Model] | None, entry: AuditEntry) -> str:
    """The record's name as recorded; a rights row ("Claims | Dana Okafor | access_informationasset")
    reads as who holds it on what, without the permission's internal code."""
    if is_rights_row(model):
        record, _, rest = entry.object_repr.partition(" | ")
        holder = rest.rpartition(" | ")[0] if " | " in rest else rest
        return f"{holder} on {record}" if holder else record
    return entry.object_repr


#: Records (or their names) a caller has at hand, by model and primary key as text (``describe``'s ``known``).
Known = dict[type[models.Model], dict[str, "str | models.Model"]]


def describe(entries: list[AuditEntry], known: Known | None = None) -> list[HistoryRow]:
    """Describe entries of any models, resolving foreign keys in bulk.

    ``known`` gives names the caller already has (the record whose history it is, named by its
    parts' entries), by model and primary key as text: they are not read again. They may be the
    records themselves, named (``str``) only if an entry names them. A page describes
    hundreds of entries naming the same few models and fields: each model, field and label is
    looked up once per call, not once per entry or per change."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    parsed = []
    models_of: dict[int, type[models.Model] | None] = {}
    fields_of: dict[tuple[type[models.Model] | None, str], Any] = {}
    for entry in entries:
        model = models_of.get(entry.content_type_id, _UNSEEN)
        if model is _UNSEEN:
            model = models_of[entry.content_type_id] = ContentType.objects.get_for_id(
                entry.content_type_id
            ).model_class()
        items = []
        for name, value in (entry.changes or {}).items():
            key = (model, name)
            model_field = fields_of[key] if key in fields_of else fields_of.setdefault(key, _field(model, name))
            items.append((name, model_field, value))
            if isinstance(model_field, models.ForeignKey) and isinstance(value, list):
                related = model_field.related_model
                if not isinstance(related, str):  # a model class once the app registry is ready
                    wanted[related].update(str(v) for v in value if v not in (None, "None", ""))
        parsed.append((entry, model, items))

    names: dict[type[models.Model], dict[str, str]] = {}
    for related, pks in wanted.items():
        have = (known or {}).get(related, {})
        missing = {pk for pk in pks if pk not in have}
        found = _names(related, missing) if missing else {}
        names[related] = {**{pk: str(have[pk]) for pk in pks if pk in have}, **found}

    labels: dict[tuple[type[models.Model] | None, str], str] = {}
    displayed = _Displayed(names)
    kinds: dict[type[models.Model] | None, tuple[str, str, set[str], bool]] = {}
    rows = []
    for entry, model, items in parsed:
        if model not in kinds:
            kind = str(model._meta.verbose_name) if model is not None else "record"
            hidden = SYSTEM_FIELDS | _SYSTEM_FIELDS.get(model, set()) if model is not None else SYSTEM_FIELDS
            rights = is_rights_row(model)
            if rights:
                hidden = hidden | {"content_type", "object_pk", "permission"}
            kinds[model] = (f"{kind[:1].upper()}{kind[1:]}", noun_of(model), hidden, rights)
        kind, noun, hidden, rights = kinds[model]
        row = HistoryRow(
            entry=entry,
            action=ACTION_LABELS.get(entry.action, "Recorded"),
            subject=f"{kind}: {entry.object_repr}",
            noun=noun,
            name=name_of(model, entry) if rights else entry.object_repr,
            model=model,
        )
        for name, model_field, value in items:
            if model_field is not None and model_field.primary_key:
                continue  # a record's own number is not a change anyone made
            key = (model, name)
            label = labels[key] if key in labels else labels.setdefault(key, field_label(model_field, name))
            into = row.system_changes if name in hidden else row.changes
            if isinstance(value, dict) and value.get("type") == "m2m":
                operation = "add" if value.get("operation") == "add" else "remove"
                objects = [str(o) for o in value.get("objects", [])]
                row.related[name] = (operation, objects)
                verb = "Added" if operation == "add" else "Removed"
                into.append(FieldChange(label, "", f"{verb}: {', '.join(objects)}"))
                continue
            before, after = [*value, None, None][:2] if isinstance(value, list) else (None, value)
            shown = (displayed(model_field, before), displayed(model_field, after))
            row.values[name] = shown
            into.append(FieldChange(label, *shown))
        rows.append(row)
    return rows


_UNSEEN: Any = object()


def _names(related: type[models.Model], pks: set[str]) -> dict[str, str]:
    """The names of ``related`` records, one query: their own foreign keys come in the same
    query, so a name built from them (a grant named by its asset and holder) costs nothing more."""
    reads = _NAME_READS.get(related)
    if reads is None:
        joins = [
            f.name
            for f in related._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and not isinstance(f.related_model, str)
        ]
        found = related._default_manager.select_related(*joins)
    else:
        joins = sorted({path.rpartition("__")[0] for path in reads if "__" in path})
        found = related._default_manager.only("pk", *reads)
        if joins:  # select_related() with no names would join every foreign key
            found = found.select_related(*joins)
    # No ordering: the names go into a dictionary, and a model ordered by a relation's column (a data
    # item by its asset's name) would join that table for nothing.
    return {str(obj.pk): str(obj) for obj in found.filter(pk__in=pks).order_by()}


_ACRONYMS = {"iam": "IAM", "siro": "SIRO", "ip": "IP", "url": "URL", "otp": "one-time", "sha256": "SHA-256", "id": "ID"}


def field_label(model_field, name: str) -> str:
    """A field's label as people read it: its verbose name, with acronyms in capitals ("IAM reason")."""
    text = str(model_field.verbose_name) if model_field is not None else name.replace("_", " ")
    words = [_ACRONYMS.get(word.lower(), word) for word in text.split()]
    label = " ".join(words)
    return label[:1].upper() + label[1:]


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def govuk_date(day: datetime.date) -> str:
    """4 March 2027: the GOV.UK style, no leading zero."""
    return f"{day.day} {day:%B %Y}"


def govuk_datetime(moment: datetime.datetime) -> str:
    """4 December 2026 at 9:59pm, in local time, to the minute: nobody reads microseconds."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    hour = moment.hour % 12 or 12
    return f"{govuk_date(moment.date())} at {hour}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}"


def readable(value: Any) -> str:
    """A recorded value as people read it: dates and times in GOV.UK style, never ISO or microseconds."""
    text = str(value)
    if _DATE.match(text):
        try:
            return govuk_date(datetime.date.fromisoformat(text))
        except ValueError:
            return text
    if _TIMESTAMP.match(text):
        try:
            return govuk_datetime(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            return text
    return text


_CHOICES: dict[Any, dict] = {}


def _choices(model_field) -> dict:
    """A field's choices as a dictionary, built once per field (the labels stay lazy, read when shown)."""
    found = _CHOICES.get(model_field)
    if found is None:
        found = _CHOICES[model_field] = dict(model_field.flatchoices)
    return found


class _Displayed:
    """``_display`` for one ``describe`` call, each field's value shown once: the fifty links an incident
    was reported with each record the same incident, person and time, and a date's text takes longer
    to make (its time zone asked for each time) than to look up. Only text and numbers are kept."""

    def __init__(self, names: dict[type[models.Model], dict[str, str]]):
        self.names = names
        self.shown: dict[tuple[int, type, Any], str] = {}

    def __call__(self, model_field, value) -> str:
        kind = type(value)
        if kind is not str and kind is not int:
            return _display(model_field, value, self.names)
        # The field by identity (its own hash is computed each time), and the value's type: 1 and "1"
        # are equal, and may be shown apart.
        key = (id(model_field), kind, value)
        found = self.shown.get(key)
        if found is None:
            found = self.shown[key] = _display(model_field, value, self.names)
        return found


def _display(model_field, value, names) -> str:
    if value in (None, "None", ""):
        return _EMPTY
    if model_field is None:
        return readable(value)
    if isinstance(model_field, models.ForeignKey):
        return names.get(model_field.related_model, {}).get(str(value), f"#{value} (deleted)")
    if model_field.choices:
        return str(_choices(model_field).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "Yes" if str(value) in ("True", "true", "1") else "No"
    return readable(value)
