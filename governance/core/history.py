"""Audit entries turned into readable rows, in a constant number of queries.

django-auditlog's own ``changes_display_dict`` looks up each foreign-key value
with one query per value; here the values of a whole page of entries are
resolved with one query per related model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models

from governance.core.models import AuditEntry
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
    if isinstance(obj, AuditScoped):
        entries = AuditEntry.objects.filter(scope=obj.audit_scope())
    else:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        entries = AuditEntry.objects.filter(content_type=content_type, object_pk=str(obj.pk))
    hiding = _HIDDEN_PARTS.get(type(obj))
    if hiding is not None and not hiding[0](viewer, obj):
        hidden = ContentType.objects.get_for_models(*hiding[1], for_concrete_models=False).values()
        entries = entries.exclude(content_type__in=[content_type.pk for content_type in hidden])
    return entries.select_related("actor").order_by("-timestamp", "-pk")


def history_for(obj: models.Model, limit: int = 50, *, viewer=None) -> list[HistoryRow]:
    """The newest ``limit`` audit entries of ``obj`` (and of its parts) that ``viewer`` may see, described."""
    return describe(list(entries_of(obj, viewer)[:limit]))


def history_page(obj: models.Model, page_number, per_page: int = 100, *, viewer=None) -> tuple[list[HistoryRow], Page]:
    """One page of ``obj``'s whole history as ``viewer`` may see it, for the pages that show all of it."""
    page = Paginator(entries_of(obj, viewer), per_page).get_page(page_number)
    return describe(list(page.object_list)), page


def describe(entries: list[AuditEntry]) -> list[HistoryRow]:
    """Describe entries of any models, resolving foreign keys in bulk."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    parsed = []
    for entry in entries:
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        items = []
        for name, value in (entry.changes or {}).items():
            model_field = _field(model, name)
            items.append((name, model_field, value))
            if isinstance(model_field, models.ForeignKey) and isinstance(value, list):
                related = model_field.related_model
                if not isinstance(related, str):  # a model class once the app registry is ready
                    wanted[related].update(str(v) for v in value if v not in (None, "None", ""))
        parsed.append((entry, items))

    names = {related: {str(obj.pk): str(obj) for obj in _named(related, pks)} for related, pks in wanted.items() if pks}

    rows = []
    for entry, items in parsed:
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        kind = str(model._meta.verbose_name) if model is not None else "record"
        row = HistoryRow(
            entry=entry,
            action=ACTION_LABELS.get(entry.action, "Recorded"),
            subject=f"{kind[:1].upper()}{kind[1:]}: {entry.object_repr}",
        )
        for name, model_field, value in items:
            if model_field is not None and model_field.primary_key:
                continue  # a record's own number is not a change anyone made
            label = field_label(model_field, name)
            if isinstance(value, dict) and value.get("type") == "m2m":
                verb = "Added" if value.get("operation") == "add" else "Removed"
                row.changes.append(FieldChange(label, "", f"{verb}: {', '.join(map(str, value.get('objects', [])))}"))
                continue
            before, after = [*value, None, None][:2] if isinstance(value, list) else (None, value)
            row.changes.append(
                FieldChange(label, _display(model_field, before, names), _display(model_field, after, names))
            )
        rows.append(row)
    return rows


def _named(model: type[models.Model], pks: set[str]):
    """The records ``pks`` of ``model`` with what their names are made of, in one query.

    A name often reads its required foreign keys ("Grant 7: Benefit claims to Dana Okafor"):
    fetched with them, a history naming 50 grants costs one query, not one per grant and key.
    """
    joined = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and not f.null and f.related_model is not model
    ]
    return model._default_manager.filter(pk__in=pks).select_related(*joined)


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


def _display(model_field, value, names) -> str:
    if value in (None, "None", ""):
        return _EMPTY
    if model_field is None:
        return str(value)
    if isinstance(model_field, models.ForeignKey):
        return names.get(model_field.related_model, {}).get(str(value), f"#{value} (deleted)")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "Yes" if str(value) in ("True", "true", "1") else "No"
    return str(value)
