"""History as business events: the audit entries of one action, read as one sentence.

One action writes many entries (an approval changes the request, its items, creates
the grant, its rights row and the email to the requester). They share a correlation
id (``governance.core.audit``), so an event is the entries of one correlation id; an
entry written without one is an event of its own. Each domain registers how to
describe its events (``describer``); an event no describer claims gets a plain
sentence from its first record ("changed the asset Winter Fuel Payments: review
date, sensitivity").

The portal's plumbing (rights rows, queued emails, internal keys, creation stamps)
is recorded and sealed like everything else but is not a business event: it is
left out unless someone who may read the audit trail asks for it.

Queries are constant per page: one for the events' newest entries, one for their
other entries (at most ``ENTRIES_SHOWN`` each), one per kind of record named in a
change (``governance.core.history.describe``). On PostgreSQL a scoped record's panel
(``history_for``) reads the first two with statements built once (``scoped_history``):
Django took longer to build and compile them on each view than PostgreSQL took to answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db import connections, models, router
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from governance.core.compiled import CompiledQuery, concrete_attnames, from_row
from governance.core.history import (
    HistoryRow,
    Known,
    describe,
    entries_of,
    hidden_types,
    is_rights_row,
    loaded_relations,
    noun_for,
    scoped_entries,
)
from governance.core.models import AuditEntry, Notification, User
from governance.core.models.audit import AuditScoped
from governance.core.policy import can_view_audit_trail

#: Entries of one event read from the database; a larger event says how many more there are.
ENTRIES_SHOWN = 100
#: How far back (in entry numbers) an event's other entries are looked for: one action's entries are
#: written together, so this bounds the rows read for a run that recorded a million under one id.
ENTRIES_REACH = 50_000

Describer = Callable[["Event"], str | None]
_DESCRIBERS: list[tuple[type[models.Model], Describer]] = []
_SYSTEM_MODELS: set[type[models.Model]] = {Notification}
noun_for(Notification, "email")


@dataclass
class Event:
    """The entries of one action: ``rows`` the business records, ``system_rows`` the plumbing."""

    key: str
    rows: list[HistoryRow]
    system_rows: list[HistoryRow] = field(default_factory=list)
    more: int = 0  # entries of the event not read (a very large action, such as an import)
    text: str = ""  # what the actor did, after their name: "approved request 4 for Dana Okafor: ..."

    @property
    def entry(self) -> AuditEntry:
        """The newest entry: when the event happened and who did it."""
        return max((row.entry for row in (*self.rows, *self.system_rows)), key=lambda e: (e.timestamp, e.pk))

    @property
    def actor(self):
        return self.entry.actor

    @property
    def timestamp(self):
        return self.entry.timestamp

    @property
    def reason(self) -> str:
        """The reason the person gave, once (every entry of the action carries it)."""
        return next((row.entry.reason for row in (*self.rows, *self.system_rows) if row.entry.reason), "")

    @property
    def cid(self) -> str:
        return self.entry.cid or ""

    def rows_of(self, model: type[models.Model]) -> list[HistoryRow]:
        return [row for row in self.rows if row.model is model]

    def first(self, model: type[models.Model], action: int | None = None) -> HistoryRow | None:
        return next((row for row in self.rows_of(model) if action is None or row.entry.action == action), None)

    @property
    def all_rows(self) -> list[HistoryRow]:
        return [*self.rows, *self.system_rows]


class EventList(list[Event]):
    """A page's events, and whether the plumbing is shown (and may be) for the template's option."""

    system_shown: bool = False
    may_show_system: bool = False


# --- the registries ----------------------------------------------------------------------------


def describer(model: type[models.Model]) -> Callable[[Describer], Describer]:
    """Register a function that describes events touching ``model``; it returns None to pass."""

    def register(func: Describer) -> Describer:
        _DESCRIBERS.append((model, func))
        return func

    return register


def describers() -> list[tuple[type[models.Model], Describer]]:
    return list(_DESCRIBERS)


def system_models(*models_: type[models.Model]) -> None:
    """Entries of these models are plumbing: shown to those who read the audit trail, on request."""
    _SYSTEM_MODELS.update(models_)


def is_system_model(model: type[models.Model] | None) -> bool:
    if model is None:
        return False
    return model in _SYSTEM_MODELS or is_rights_row(model)


def system_type_ids() -> list[int]:
    """The content types of the plumbing models (cached by ContentType: no query after the first)."""
    wanted = [m for m in apps.get_models() if is_system_model(m)]
    return sorted(ct.pk for ct in ContentType.objects.get_for_models(*wanted, for_concrete_models=False).values())


def may_show_system(user) -> bool:
    """Whoever may read the whole audit trail may see the plumbing on any history they can open."""
    return bool(user is not None and user.is_authenticated and can_view_audit_trail(user))


def wants_system(request) -> bool:
    """The "Show system entries" option, honoured only for those who may see them."""
    if request is None:
        return False
    return request.GET.get("system") == "1" and may_show_system(request.user)


# --- from entries to events ----------------------------------------------------------------------


def without_system(entries: QuerySet, types: list[int] | None = None) -> QuerySet:
    """``entries`` but the plumbing's (``types``: its content types, ``system_type_ids``, when at hand)."""
    return entries.exclude(content_type__in=system_type_ids() if types is None else types)


def event_heads(entries: QuerySet) -> QuerySet:
    """Of ``entries``, the newest of each correlation id (and every entry without one): one per event.

    An anti-join on the indexed correlation id, so the newest page of events is read
    from the timestamp index like the entries were, with no grouping over the table.
    """
    later = entries.order_by().filter(cid=OuterRef("cid"), pk__gt=OuterRef("pk"))
    return entries.filter(Q(cid__isnull=True) | Q(cid="") | ~Exists(later))


#: Columns of an entry no history shows (the chain's seals, the library's copies): not read for an event's
#: other entries, of which a page shows hundreds.
UNSHOWN_COLUMNS = (
    "serialized_data",
    "changes_text",
    "additional_data",
    "object_id",
    "remote_port",
    "content_hash",
    "prev_digest",
    "digest",
    "key_id",
)


def events_from(
    heads: list[AuditEntry],
    entries: QuerySet,
    *,
    system: bool,
    known: Known | None = None,
) -> EventList:
    """The events whose newest entries are ``heads``, with their other ``entries``, described
    (``known``: names already at hand, see ``describe``)."""
    return _events(heads, *_members(heads, entries), system=system, known=known)


def _ranked(entries: QuerySet, shown: int) -> QuerySet:
    """Of ``entries``, each event's newest ``shown`` in entry order, each with its event's ``size``."""
    return (
        entries.annotate(
            position=Window(RowNumber(), partition_by=[F("cid")], order_by=F("pk").desc()),
            size=Window(Count("pk"), partition_by=[F("cid")]),
        )
        .filter(position__lte=shown)
        .order_by("pk")
    )


def _members(heads: list[AuditEntry], entries: QuerySet) -> tuple[dict[str, list[AuditEntry]], dict[str, int]]:
    """The heads' events' entries (up to the head, ``ENTRIES_REACH`` back), by correlation id, and how
    many each event has."""
    cids = {head.cid: head.pk for head in heads if head.cid}
    if not cids:
        return {}, {}
    # Each event's entries up to its newest: one range of the (cid, id) index per event.
    reach = Q()
    for cid, newest in cids.items():
        reach |= Q(cid=cid, pk__lte=newest, pk__gt=newest - ENTRIES_REACH)
    # No join to the people: the planner may merge-join the whole staff table in id order to
    # reach a few actors with high ids. The actors are the heads' (one action, one person),
    # attached below, and any other read by key in one query.
    ranked = _ranked(entries.filter(reach).select_related(None).defer(*UNSHOWN_COLUMNS), ENTRIES_SHOWN)
    return _grouped(heads, ((entry, entry.size) for entry in ranked))


def _grouped(
    heads: list[AuditEntry], ranked: Iterable[tuple[AuditEntry, int]]
) -> tuple[dict[str, list[AuditEntry]], dict[str, int]]:
    """The entries read with their events' sizes, by correlation id (the heads as the page read them),
    each with its actor."""
    members: dict[str, list[AuditEntry]] = {}
    sizes: dict[str, int] = {}
    by_pk = {head.pk: head for head in heads}
    read = []
    for entry, size in ranked:
        sizes[entry.cid] = size
        entry = by_pk.get(entry.pk, entry)  # the head itself, as the page read it
        members.setdefault(entry.cid, []).append(entry)
        read.append(entry)
    _attach_actors(read, heads)
    return members, sizes


def _events(
    heads: list[AuditEntry],
    members: dict[str, list[AuditEntry]],
    sizes: dict[str, int],
    *,
    system: bool,
    known: Known | None,
) -> EventList:
    grouped = [(head, members.get(head.cid, [head]) if head.cid else [head]) for head in heads]
    described = iter(describe([entry for _, group in grouped for entry in group], known))
    events = EventList()
    events.system_shown = system
    for head, group in grouped:
        rows = [next(described) for _ in group]
        business = [row for row in rows if not is_system_model(row.model)]
        plumbing = [row for row in rows if is_system_model(row.model)]
        event = Event(
            key=head.cid or f"entry-{head.pk}",
            rows=business,
            system_rows=plumbing if system else [],
            more=max(0, sizes.get(head.cid, len(group)) - len(group)),
        )
        if not system:
            for row in event.rows:
                row.system_changes = []
        event.text = sentence(event)
        events.append(event)
    return events


def _attach_actors(entries: list[AuditEntry], heads: list[AuditEntry]) -> None:
    """Give each entry its actor without a query each: the heads' actors, and the rest in one query."""
    actor_field = AuditEntry._meta.get_field("actor")
    known = {head.actor_id: head.actor for head in heads if head.actor_id is not None and actor_field.is_cached(head)}
    unknown = [e for e in entries if e.actor_id is not None and not actor_field.is_cached(e)]
    missing = {e.actor_id for e in unknown if e.actor_id not in known}
    if missing:
        known.update((user.pk, user) for user in User.objects.filter(pk__in=missing))
    for entry in unknown:
        actor_field.set_cached_value(entry, known[entry.actor_id])


def sentence(event: Event) -> str:
    """What the actor did: the first registered describer that claims the event, else the fallback."""
    present = {row.model for row in event.rows}
    for model, func in _DESCRIBERS:
        if model in present:
            text = func(event)
            if text:
                return text
    return fallback(event)


_VERBS = {
    AuditEntry.Action.CREATE: "created",
    AuditEntry.Action.UPDATE: "changed",
    AuditEntry.Action.DELETE: "deleted",
    AuditEntry.Action.ACCESS: "viewed",
}


def lower_first(text: str) -> str:
    """'Storage location' -> 'storage location', but 'IAM reason' stays as it is."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def a_or_an(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def plural(noun: str, count: int) -> str:
    if count == 1:
        return a_or_an(noun)
    if noun.endswith(("s", "sh", "ch", "x")):
        return f"{count} {noun}es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}s"


def fallback(event: Event) -> str:
    """'changed the asset Winter Fuel Payments: review date, sensitivity', and what else the action did."""
    rows = event.rows or event.system_rows
    if not rows:
        return "made a change"
    lead = rows[0]

    def record(row: HistoryRow) -> tuple[int, str]:
        return row.entry.content_type_id, row.entry.object_pk

    verb = _VERBS.get(lead.entry.action, "recorded")
    text = f"{verb} the {lead.noun} {lead.name}".rstrip()
    if lead.entry.action == AuditEntry.Action.UPDATE:
        same = [row for row in rows if record(row) == record(lead)]
        labels = list(dict.fromkeys(lower_first(c.label) for row in same for c in row.changes))
        if labels:
            text += ": " + ", ".join(labels)
    # Every other record the action touched, once each however many entries it has.
    others: Counter = Counter()
    seen = {record(lead)}
    for row in rows:
        if record(row) not in seen:
            seen.add(record(row))
            others[(_VERBS.get(row.entry.action, "recorded"), row.noun)] += 1
    if others:
        text += "; also " + ", ".join(f"{verb} {plural(noun, n)}" for (verb, noun), n in sorted(others.items()))
    return text


# --- the pages' entry points -----------------------------------------------------------------------


def _visible(obj: models.Model, request) -> tuple[QuerySet, bool]:
    viewer = getattr(request, "user", None)
    system = wants_system(request)
    entries = entries_of(obj, viewer)
    return (entries if system else without_system(entries)), system


def names_at_hand(records: Iterable[models.Model | None]) -> Known:
    """Records a page has read anyway, by model and primary key as text: ``describe``'s ``known``,
    so that the entries naming them (a link's incident, an item's asset) read nothing.

    The records' own relations already read (the area, the people, the organisation) are given
    too, when their names need no query (``loaded_relations``). Each is named only if an entry
    names it: an incident's page has read a hundred and more records, its history names a few."""
    present = [record for record in records if record is not None]
    known: Known = {}
    for record in [*loaded_relations(present), *present]:
        known.setdefault(type(record), {})[str(record.pk)] = record
    return known


def history_for(obj: models.Model, limit: int = 50, *, request=None, also: Iterable[models.Model] = ()) -> EventList:
    """The newest ``limit`` events of ``obj`` (and of its parts) that the person asking may see.

    The record's parts name it in their entries, so its name is at hand and not read again; a page
    that has read other records its history names (a grant's request and asset, an incident's
    people and links) passes them in ``also``.
    """
    viewer = getattr(request, "user", None)
    known = names_at_hand((obj, *also))
    alias = router.db_for_read(AuditEntry)
    if isinstance(obj, AuditScoped) and connections[alias].vendor == "postgresql":
        system = wants_system(request)
        heads, members, sizes = scoped_history(obj.audit_scope(), hidden_types(obj, viewer), system, limit, alias)
        events = _events(heads, members, sizes, system=system, known=known)
    else:
        entries, system = _visible(obj, request)
        events = events_from(list(event_heads(entries)[:limit]), entries, system=system, known=known)
    events.may_show_system = may_show_system(viewer)
    return events


def history_page(obj: models.Model, page_number: Any, per_page: int = 100, *, request=None) -> tuple[EventList, Page]:
    """One page of ``obj``'s whole history, in events, for the pages that show all of it."""
    entries, system = _visible(obj, request)
    page = Paginator(event_heads(entries), per_page).get_page(page_number)
    events = events_from(list(page.object_list), entries, system=system, known=names_at_hand((obj,)))
    events.may_show_system = may_show_system(getattr(request, "user", None))
    return events, page


# --- a scoped record's history in two statements compiled once (PostgreSQL) ----------------------------

#: Each event's entries up to its newest and ``ENTRIES_REACH`` back, one range of the (cid, id) index
#: each: the events' correlation ids and newest entries go as two arrays, so the statement is the
#: same for any number of events and is compiled once, where a condition per event was not.
_REACHED = (
    "SELECT reached.id FROM unnest(%s::varchar[], %s::bigint[]) AS event(cid, newest) "
    "CROSS JOIN LATERAL (SELECT entry.id FROM {table} AS entry WHERE entry.cid = event.cid "
    "AND entry.id <= event.newest AND entry.id > event.newest - %s) AS reached"
)
_ENTRY = concrete_attnames(AuditEntry)
_ACTOR = concrete_attnames(User)
_MEMBER = tuple(name for name in _ENTRY if name not in UNSHOWN_COLUMNS)


def _scoped(hidden: tuple[int, ...], plumbing: tuple[int, ...] | None, *, scope: str) -> QuerySet:
    """What ``_visible`` gives for a scoped record: ``entries_of`` it, without the plumbing (the content
    types ``plumbing``) unless it is None. The content types are arguments, so they key the statement."""
    entries = scoped_entries(scope, hidden)
    return entries if plumbing is None else without_system(entries, list(plumbing))


def _heads_statement(hidden: tuple[int, ...], plumbing: tuple[int, ...] | None, limit: int, *, scope: str) -> QuerySet:
    actor = [f"actor__{name}" for name in _ACTOR]
    return event_heads(_scoped(hidden, plumbing, scope=scope)).values_list(*_ENTRY, *actor)[:limit]


def _members_statement(
    hidden: tuple[int, ...],
    plumbing: tuple[int, ...] | None,
    shown: int,
    reach: int,
    *,
    scope: str,
    cids: list,
    newest: list,
) -> QuerySet:
    table = connections[router.db_for_read(AuditEntry)].ops.quote_name(AuditEntry._meta.db_table)
    # The table's name from the model, the values as parameters: nothing from a request in the text.
    reached = RawSQL(_REACHED.format(table=table), (cids, newest, reach))  # noqa: S611
    entries = _scoped(hidden, plumbing, scope=scope).select_related(None).filter(pk__in=reached)
    return _ranked(entries, shown).values_list(*_MEMBER, "size")


_HEADS = CompiledQuery(_heads_statement, scope=str)
_MEMBERS = CompiledQuery(_members_statement, scope=str, cids=list, newest=list)


def scoped_history(
    scope: str, hidden: tuple[int, ...], system: bool, limit: int, alias: str
) -> tuple[list[AuditEntry], dict[str, list[AuditEntry]], dict[str, int]]:
    """The newest ``limit`` events' heads filed under ``scope`` (without the entries of ``hidden`` content
    types, and of the plumbing unless ``system``), their events' entries and sizes: what the querysets of
    ``history_for`` read, as the same instances, from two statements built once."""
    actor_field = AuditEntry._meta.get_field("actor")
    plumbing = None if system else tuple(system_type_ids())
    heads = []
    for row in _HEADS.rows(hidden, plumbing, limit, using=alias, scope=scope):
        head = from_row(AuditEntry, _ENTRY, row[: len(_ENTRY)], alias)
        actor = row[len(_ENTRY) :]
        actor_field.set_cached_value(head, None if actor[0] is None else from_row(User, _ACTOR, actor, alias))
        heads.append(head)
    cids = {head.cid: head.pk for head in heads if head.cid}
    if not cids:
        return heads, {}, {}
    shape = (hidden, plumbing, ENTRIES_SHOWN, ENTRIES_REACH)
    rows = _MEMBERS.rows(*shape, using=alias, scope=scope, cids=list(cids), newest=list(cids.values()))
    ranked = ((from_row(AuditEntry, _MEMBER, row[:-1], alias), row[-1]) for row in rows)
    return heads, *_grouped(heads, ranked)
