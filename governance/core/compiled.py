"""Querysets whose SQL is built and compiled once, for figures a page asks for on every view.

Building a queryset (resolving its filters and annotations) and compiling it to SQL costs Django
about as long as PostgreSQL takes to answer a small grouped count: a millisecond or two for a
five-part union. A page that asks the same aggregates on every view, with only today's date, the
time or a person's id changing (a person's role facts on every page, the SIRO's report), pays that
on every request for nothing.

``CompiledQuery`` builds the queryset once for sentinel values of the parameters that change,
finds where each lands among the SQL's parameters, and afterwards only puts the request's values
in those places. It builds the queryset a second time, with other sentinels, to prove that nothing
else moved: a value the builder derives from a parameter in Python (``today + 1 day``) would
otherwise be frozen at the first sentinel's, so such a builder is refused when first run, not
answered wrongly. What does not change from one view to the next but shapes the query (a round,
its period) is passed as ``fixed`` arguments, and each set of them is compiled apart.

A builder must not read the clock: a date it reads for itself would be the same in both builds, so
nothing could tell it from a constant. Today's date is passed as a varying parameter; statements
are also compiled again each day, so a selector that reads today's date deep inside still gets
today's, but a time read that way would be kept: pass ``now`` too.

Rows come back as the queryset's own iteration would give them (``values()`` names, the
database's converters applied), without building the queryset again.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.http import Http404
from django.utils import timezone

from governance.core.prepared import fetch_all, may_prepare

M = TypeVar("M", bound=Model)

#: Two sentinels for each kind of parameter: values no real parameter of these queries takes.
_SENTINELS: dict[type, tuple[Any, Any]] = {
    int: (-7_391_204_517, -7_391_204_519),
    datetime.date: (datetime.date(1901, 2, 3), datetime.date(1902, 3, 4)),
    datetime.datetime: (
        datetime.datetime(1901, 2, 3, 4, 5, 6, 7, tzinfo=datetime.UTC),
        datetime.datetime(1902, 3, 4, 5, 6, 7, 8, tzinfo=datetime.UTC),
    ),
    # Ids sent as one array (``core.expressions.AmongIds`` on PostgreSQL).
    list: ([-7_391_204_517], [-7_391_204_519]),
    # Text that reaches the SQL as it is (a record's audit scope).
    str: ("\x1fsentinel-7391204517", "\x1fsentinel-7391204519"),
}


def _sentinel(kind: type, which: int, index: int) -> Any:
    """The sentinel ``which`` (0 or 1) of the ``index``-th varying parameter: each parameter its own,
    so two of one kind (a period's start and end) are told apart where they land."""
    base = _SENTINELS[kind][which]
    if kind is int:
        return base - 10 * index
    if kind is list:
        return [base[0] - 10 * index]
    if kind is str:
        return f"{base}-{index}"
    if kind is datetime.date:
        return base + datetime.timedelta(days=index)
    return base + datetime.timedelta(seconds=index)


#: Compiled statements kept per query (each database and set of fixed arguments is one).
KEPT = 32


@dataclass(frozen=True)
class _Statement:
    reusable: bool  # False where a list of ids is spread over one placeholder each (SQLite): built each time
    sql: str
    params: tuple[Any, ...]
    # (position among params, parameter name, how the database was sent it: "raw" or an adapter name)
    slots: tuple[tuple[int, str, str], ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]


def concrete_attnames(model: type[Model]) -> tuple[str, ...]:
    """The columns a queryset of ``model`` loads, in order: what ``CompiledQuery.instances`` reads."""
    return tuple(field.attname for field in model._meta.concrete_fields)


#: Whether a model's instances may be made without ``__init__`` (``from_row``), by model.
_PLAIN: dict[type[Model], bool] = {}


def _plain(model: type[Model]) -> bool:
    """Whether ``Model.__init__`` would do nothing for ``model`` but store the values: neither it nor
    ``from_db`` overridden, and each column kept as it is given (Django's own attribute for it)."""
    found = _PLAIN.get(model)
    if found is None:
        found = _PLAIN[model] = (
            model.__init__ is Model.__init__
            and model.from_db.__func__ is Model.from_db.__func__  # type: ignore[attr-defined]
            and all(
                type(getattr(model, field.attname, None)) in (DeferredAttribute, ForeignKeyDeferredAttribute)
                for field in model._meta.concrete_fields
            )
        )
    return found


def from_row(model: type[M], names: Sequence[str], values: Sequence[Any], using: str = "default") -> M:
    """``model.from_db(using, names, values)``: an instance loaded with the columns ``names`` (in the
    model's order), the others deferred, as a queryset makes one.

    ``Model.__init__`` sets each of the model's fields in turn, deferred or not, and costs ten times
    what storing the values does: a page that makes hundreds of instances from a compiled statement's
    rows (an incident's links, grants and history) spent milliseconds there. Where ``__init__`` would
    only store them (no override, no signal receiver, no field of its own kind of attribute), they
    are stored directly. Whether either signal has a receiver at all is asked first: asking for each
    model's receivers costs more than storing the values, and nothing in the portal connects one."""
    watched = (pre_init.receivers or post_init.receivers) and (
        pre_init.has_listeners(model) or post_init.has_listeners(model)
    )
    if watched or not _plain(model):
        return model.from_db(using, names, values)
    instance = model.__new__(model)
    stored = instance.__dict__
    stored.update(zip(names, values, strict=True))
    state = stored["_state"] = ModelState()
    state.adding = False
    state.db = using
    return instance


def related_columns(model: type[Model], paths: Sequence[str]) -> tuple[str, ...]:
    """The ``values_list`` names that load ``model`` with ``select_related(*paths)``, for ``with_related``:
    its concrete columns, then each related record's (a path after the one it goes through)."""
    columns = list(concrete_attnames(model))
    for path in paths:
        columns += [f"{path}__{name}" for name in concrete_attnames(_related_model(model, path))]
    return tuple(columns)


def with_related(model: type[M], paths: Sequence[str], row: Sequence[Any], using: str = "default") -> M:
    """An instance of ``model`` from a row of ``related_columns(model, paths)``, with each related record
    attached as ``select_related`` attaches it: None where the key is empty, nothing beyond an empty one."""
    names = concrete_attnames(model)
    instance = from_row(model, names, row[: len(names)], using)
    at = len(names)
    loaded: dict[str, Model | None] = {"": instance}
    for path in paths:
        parent_path, _, name = path.rpartition("__")
        related = _related_model(model, path)
        columns = concrete_attnames(related)
        values, at = row[at : at + len(columns)], at + len(columns)
        parent = loaded.get(parent_path)
        if parent is None:  # an empty key on the way: select_related goes no further
            loaded[path] = None
            continue
        empty = values[columns.index(related._meta.pk.attname)] is None
        record = None if empty else from_row(related, columns, values, using)
        field: Any = parent._meta.get_field(name)
        field.set_cached_value(parent, record)
        loaded[path] = record
    return instance


def _related_model(model: type[Model], path: str) -> type[Model]:
    found: Any = model
    for name in path.split("__"):
        found = found._meta.get_field(name).related_model
    return found


def _forms(connection, kind: type, value: Any) -> dict[str, Any]:
    """The ways a parameter of ``kind`` can reach the SQL's parameters: as given, or adapted."""
    forms: dict[str, Any] = {"raw": value}
    if kind is datetime.datetime:
        forms["datetime"] = connection.ops.adapt_datetimefield_value(value)
    elif kind is datetime.date:
        forms["date"] = connection.ops.adapt_datefield_value(value)
    return forms


def _names(query) -> tuple[str, ...]:
    """The names of a ``values()`` query's columns, in their order (as ``ValuesIterable`` finds them)."""
    if query.selected:
        return tuple(query.selected)
    return (*query.extra_select, *query.values_select, *query.annotation_select)


def _adapted(connection, form: str, value: Any) -> Any:
    if form == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    if form == "date":
        return connection.ops.adapt_datefield_value(value)
    return value


class CompiledQuery:
    """A queryset built by ``build(*fixed, **varying)``, compiled once per database and ``fixed``.

    ``varying`` names the parameters that change from one call to the next and their types
    (``int``, ``str``, ``datetime.date``, ``datetime.datetime``, or ``list`` for ids); each must reach the SQL
    as a parameter of its own, unchanged. A list reaches PostgreSQL as one array (``AmongIds``);
    where the database spreads it over a placeholder per id (SQLite, in development), the SQL
    depends on its length, and the queryset is built for each call instead. ``fixed`` arguments must
    be hashable: they key the compiled statement.
    """

    def __init__(self, build: Callable[..., QuerySet], **varying: type):
        for name, kind in varying.items():
            if kind not in _SENTINELS:
                raise ImproperlyConfigured(
                    f"{name}: a varying parameter must be an int, a text, a date, a datetime or a list"
                )
        self.build = build
        self.varying = varying
        self._statements: OrderedDict[tuple, _Statement] = OrderedDict()
        self._lock = threading.Lock()

    def _compile(self, alias: str, fixed: tuple) -> _Statement:
        connection = connections[alias]
        compiled = []
        for which in (0, 1):
            sentinels = {name: _sentinel(kind, which, index) for index, (name, kind) in enumerate(self.varying.items())}
            queryset = self.build(*fixed, **sentinels)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            compiled.append((queryset, compiler, sql, tuple(params)))
        (queryset, compiler, sql, params), (_, _, other_sql, other_params) = compiled
        lists = [name for name, kind in self.varying.items() if kind is list]
        if lists and not any(_sentinel(list, 0, index) in params for index in self._indexes(list)):
            return _Statement(False, "", (), (), (), ())
        if sql != other_sql or len(params) != len(other_params):
            raise ImproperlyConfigured(f"{self.build.__qualname__}: its SQL changes with its parameters' values")
        slots = []
        for position, (first, second) in enumerate(zip(params, other_params, strict=True)):
            if first == second:
                continue
            found = [
                (name, form)
                for index, (name, kind) in enumerate(self.varying.items())
                for form, value in _forms(connection, kind, _sentinel(kind, 0, index)).items()
                if value == first and _adapted(connection, form, _sentinel(kind, 1, index)) == second
            ]
            if not found:
                raise ImproperlyConfigured(
                    f"{self.build.__qualname__}: parameter {position} is derived from a varying parameter in Python; "
                    "pass the derived value as a parameter of its own"
                )
            slots.append((position, *found[0]))
        names = _names(queryset.query)
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = tuple(
            (index, tuple(functions), expression)
            for index, (functions, expression) in compiler.get_converters(fields).items()
        )
        return _Statement(True, sql, params, tuple(slots), names, converters)

    def _indexes(self, kind: type) -> list[int]:
        return [index for index, varying in enumerate(self.varying.values()) if varying is kind]

    def _statement(self, alias: str, fixed: tuple) -> _Statement:
        key = (alias, connections[alias].vendor, timezone.localdate(), fixed)
        with self._lock:
            statement = self._statements.get(key)
            if statement is not None:
                self._statements.move_to_end(key)
                return statement
        statement = self._compile(alias, fixed)
        with self._lock:
            self._statements[key] = statement
            while len(self._statements) > KEPT:
                self._statements.popitem(last=False)
        return statement

    def rows(self, *fixed: Hashable, using: str = "default", **values: Any) -> list[tuple]:
        """The query's rows for these values, as tuples in the order of its columns."""
        self._check(values)
        statement = self._statement(using, fixed)
        if not statement.reusable:
            built = self._built(fixed, using, values)
            return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in built]
        connection = connections[using]
        params = list(statement.params)
        for position, name, form in statement.slots:
            params[position] = _adapted(connection, form, values[name])
        if may_prepare(connection):
            rows = fetch_all(connection, statement.sql, params)  # prepared from its second run (``prepared``)
        else:
            with connection.cursor() as cursor:
                cursor.execute(statement.sql, params)
                rows = cursor.fetchall()
        if not statement.converters:
            return [tuple(row) for row in rows]
        converted = []
        for read in rows:
            row = list(read)
            for index, functions, expression in statement.converters:
                value = row[index]
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
            converted.append(tuple(row))
        return converted

    def subquery(self, *fixed: Hashable, using: str = "default", **values: Any) -> RawSQL | QuerySet:
        """The query for these values as part of another (``pk__in=``): its SQL as compiled once, with the
        values in their places; or, where it cannot be kept (a list on SQLite), the queryset itself."""
        self._check(values)
        statement = self._statement(using, fixed)
        if not statement.reusable:
            return self._built(fixed, using, values)
        connection = connections[using]
        params = list(statement.params)
        for position, name, form in statement.slots:
            params[position] = _adapted(connection, form, values[name])
        return RawSQL(statement.sql, params)  # noqa: S611 - Django's own SQL for the builder's queryset

    def dicts(self, *fixed: Hashable, using: str = "default", **values: Any) -> list[dict[str, Any]]:
        """The query's rows as ``values()`` would give them: dictionaries keyed by its names."""
        self._check(values)
        statement = self._statement(using, fixed)
        if not statement.reusable:
            built = self._built(fixed, using, values)
            names = _names(built.query)
            return [row if isinstance(row, dict) else dict(zip(names, row, strict=True)) for row in built]
        return [dict(zip(statement.names, row, strict=True)) for row in self.rows(*fixed, using=using, **values)]

    def instances(self, model: type[M], *fixed: Hashable, using: str = "default", **values: Any) -> list[M]:
        """The rows as instances of ``model``, for a builder whose ``values_list`` names the model's
        concrete fields' attnames in their order (``concrete_attnames``), as a queryset would load them."""
        names = concrete_attnames(model)
        return [from_row(model, names, row, using) for row in self.rows(*fixed, using=using, **values)]

    def _check(self, values: dict[str, Any]) -> None:
        if set(values) != set(self.varying):
            raise TypeError(f"expected values for {sorted(self.varying)}, got {sorted(values)}")

    def _built(self, fixed: tuple, using: str, values: dict[str, Any]) -> QuerySet:
        return self.build(*fixed, **values).using(using)


class RecordWith:
    """One record of ``model`` by its primary key, with its ``related`` records (``select_related``), by a
    statement built once: the record a page is about, read on every view of it, where the ORM built and
    compiled a join of three tables and PostgreSQL planned it afresh each time."""

    def __init__(self, model: type[Model], related: Sequence[str]):
        self.model, self.related = model, tuple(related)
        self._query = CompiledQuery(self._build, pk=int)

    def _build(self, *, pk: int) -> QuerySet:
        columns = related_columns(self.model, self.related)
        return self.model._default_manager.filter(pk=pk).order_by().values_list(*columns)

    def get_or_404(self, pk: int, using: str = "default") -> Any:
        """The record ``pk`` with its related records, as ``select_related`` gives it; Http404 when there is none."""
        rows = self._query.rows(using=using, pk=pk)
        if not rows:
            raise Http404(f"No {self.model._meta.object_name} matches the given query.")
        return with_related(self.model, self.related, rows[0], using)
