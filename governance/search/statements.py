"""Each kind's ranking statement compiled once per shape of search, on PostgreSQL.

Building a kind's query (the match's union of index lookups, the full text, the trigram
conditions, the ranking's common table expressions) and compiling it to SQL took Django about
as long as PostgreSQL took to answer it: some 25 ms of the page for eight kinds. Yet what the
statement is depends on little: the kind, the number of words typed, whether one is negated,
whether the text reads as a record's number, and whether the person sees only part of the kind's
records. Everything else the text gives (the text itself, its words, its ``%...%`` pattern, the
number) arrives as parameters. So the statement is built once per shape, twice with different
stand-in texts to prove that nothing but those parameters moved (a shape whose SQL changed, or a
parameter not accounted for, is never reused: the search is then built as before), and afterwards
only the request's values are put in their places.

Who sees what is never part of what is kept. The person's records are still their kind's domain
selector's queryset (``records`` in ``kinds``), built and compiled on every search, and the kept
statement reads only the rows of that queryset (``pk IN (its SQL)``, its values its own
parameters); a selector answering every row of the table (oversight) gives a statement without
that condition, since it could exclude nothing.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

from governance.core.prepared import Mode, use_generic
from governance.search.first_rows import ranked_prefix, read_first
from governance.search.matching import FEW_VISIBLE, NEGATION, Ranking, independently, unless_few_visible

VISIBLE = "SELECT search_visible_rows"
"""Where the person's records go in a kept statement: replaced by their selector's SQL."""

_PLACEHOLDER = re.compile(r"%%|%s")
_PLAIN_CONSTANT = re.compile(r"^[\w ]*$", re.ASCII)
_STAND_IN_NUMBER = (-7_391_204_517, -7_391_204_519)

#: Up to this many ids listed by a selector, its kind's kept statement serves (``first_kept``).
SHORT_LIST = 100

#: Statements kept (per kind, shape and database): a few shapes a kind are what people type.
KEPT = 256

#: Up to this many records seen, a kind that checks a person's few first (``first_kept``) skips its candidates.
FEW = 100


@dataclass(frozen=True)
class Shape:
    """What a kind's statement depends on besides the values it is given."""

    kind: str
    words: int
    negated: bool
    referenced: bool
    restricted: bool
    limit: int
    alias: str
    few_first: bool = False
    """The person's records are read first, and the candidates looked up only if they are many."""


@dataclass(frozen=True)
class _Statement:
    """A prefix's SQL, and where each of its parameters comes from: ``("value", v)`` a constant,
    ``("text",)``, ``("like",)``, ``("word", i)``, ``("number",)`` what the request types; the
    person's records' parameters go in at ``visible_at``."""

    sql: str
    sources: tuple[tuple, ...]
    visible_at: int


_KEPT: OrderedDict[Shape, _Statement | None] = OrderedDict()
_LOCK = threading.Lock()
_EVERY_ROW: dict[tuple[str, str], str] = {}
"""Per model and database, the SQL of its every row's id: a selector compiling to it restricts nothing."""


def _stand_in(shape: Shape, which: int) -> tuple[str, int]:
    """A text of ``shape``'s words (the first negated if it is) and a number, each told apart by ``which``."""
    words = [f"searchslot{which}w{index}" for index in range(shape.words)]
    if shape.negated:
        words[0] = f"-{words[0]}"
    return " ".join(words), _STAND_IN_NUMBER[which]


def _forms(connection, text: str, number: int | None) -> dict[tuple, object]:
    """The values a text reaches the SQL as, by where they come from."""
    forms: dict[tuple, object] = {("text",): text, ("like",): f"%{connection.ops.prep_for_like_query(text)}%"}
    for index, word in enumerate(text.split()):
        forms.setdefault(("word", index), word)
    if number is not None:
        forms[("number",)] = number
    return forms


def _literal(value) -> str | None:
    """``value`` written into SQL, when it is a plain word or a whole number; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _PLAIN_CONSTANT.match(value):
        return f"'{value}'"
    return None


def _build(shape: Shape, model, build: Callable[[QuerySet, str, Q | None], tuple[str, tuple]]) -> _Statement | None:
    """The statement of ``shape``, or None when its SQL or parameters do not follow from the shape alone."""
    connection = connections[shape.alias]
    base = model._default_manager.db_manager(shape.alias).all()
    if shape.restricted:
        base = base.filter(pk__in=RawSQL(VISIBLE, ()))  # noqa: S611 - a fixed marker, replaced below
    built = []
    for which in (0, 1):
        text, number = _stand_in(shape, which)
        also = Q(pk=number) if shape.referenced else None
        try:
            with independently(), unless_few_visible() if shape.few_first else nullcontext():
                sql, params = build(base, text, also)
        except EmptyResultSet:
            return None
        if sql.count(FEW_VISIBLE) > 1:
            return None
        built.append((sql, tuple(params), _forms(connection, text, number if shape.referenced else None)))
    (sql, params, forms), (other_sql, other_params, other_forms) = built
    if sql != other_sql or len(params) != len(other_params) or sql.count(VISIBLE) != (1 if shape.restricted else 0):
        return None
    sources: list[tuple] = []
    for first, second in zip(params, other_params, strict=True):
        if first == second:
            sources.append(("value", first))
            continue
        found = [key for key, value in forms.items() if value == first and other_forms.get(key) == second]
        if not found:
            return None
        sources.append(found[0])
    # Constants written in (the text search configuration, '' for a missing field, the limit): a generic
    # plan then still matches the expression indexes. Only the request's and the person's values stay parameters.
    pieces, kept, index = [], [], 0
    parts = _PLACEHOLDER.split(sql)
    tokens = _PLACEHOLDER.findall(sql)
    for position, part in enumerate(parts):
        pieces.append(part)
        if position == len(tokens):
            break
        placeholder = tokens[position]
        if placeholder == "%%":
            pieces.append(placeholder)
            continue
        source = sources[index]
        index += 1
        literal = _literal(source[1]) if source[0] == "value" else None
        if literal is None:
            pieces.append("%s")
            kept.append(source)
        else:
            pieces.append(literal)
    written = "".join(pieces)
    head = written.split(VISIBLE)[0] if shape.restricted else written
    visible_at = _PLACEHOLDER.findall(head).count("%s")
    return _Statement(written, tuple(kept), visible_at)


def _kept(shape: Shape, model, build) -> _Statement | None:
    with _LOCK:
        if shape in _KEPT:
            _KEPT.move_to_end(shape)
            return _KEPT[shape]
    statement = _build(shape, model, build)
    with _LOCK:
        _KEPT[shape] = statement
        while len(_KEPT) > KEPT:
            _KEPT.popitem(last=False)
    return statement


def _every_row(model, alias: str) -> str:
    key = (model._meta.label, alias)
    sql = _EVERY_ROW.get(key)
    if sql is None:
        every = model._default_manager.db_manager(alias).order_by().values("pk")
        sql = _EVERY_ROW[key] = every.query.get_compiler(alias).as_sql()[0]
    return sql


def restricts(visible: QuerySet) -> bool:
    """Whether ``visible`` (a kind's selector's queryset) leaves out any row of its table."""
    if visible.query.is_empty():
        return True
    try:
        sql, params = visible.order_by().values("pk").query.get_compiler(visible.db).as_sql()
    except EmptyResultSet:
        return True
    return _restricting(visible.model, visible.db, sql, params)


def _restricting(model, alias: str, sql: str, params) -> bool:
    return sql != _every_row(model, alias) or bool(params)


def _listed(visible: QuerySet) -> list[int] | None:
    """The ids the selector lists the person's records by, when that is all it restricts them by
    (``visible_grants`` lists them); None otherwise."""
    where = visible.query.where
    if len(where.children) != 1 or where.negated or where.connector != "AND":
        return None
    lookup = where.children[0]
    if not isinstance(lookup, In) or not getattr(getattr(lookup.lhs, "target", None), "primary_key", False):
        return None
    if not isinstance(lookup.rhs, list | tuple | set) or not all(type(pk) is int for pk in lookup.rhs):
        return None
    return sorted(set(lookup.rhs))


def _number_of(also: Q | None) -> int | None:
    """The record number a reference condition names (``Q(pk=n)``), or None for any other condition."""
    if also is None or also.negated or len(also.children) != 1:
        return None
    lookup = also.children[0]
    if isinstance(lookup, tuple) and lookup[0] == "pk" and type(lookup[1]) is int:
        return lookup[1]
    return None


def first_kept(
    key: str,
    visible: QuerySet,
    text: str,
    ranking: Ranking,
    *,
    also: Q | None,
    limit: int,
    generic_plan: Callable[[bool, bool], Mode],
    few_first: bool = False,
) -> tuple[int, list] | None:
    """``first_rows.first_matches`` through the kind's kept statement: how many of ``visible`` ``text``
    matches and the first ``limit``; None when this search has no kept statement (then build it).
    ``generic_plan`` says, from whether the person sees only some records and whether a number was
    typed, whether the statement runs on its generic plan (``prepared.plan_modes``). ``few_first``: a
    person who sees only some records has them read first, and when they are ``FEW`` or fewer, each is
    checked against the words without looking up the candidates (``matching.unless_few_visible``)."""
    connection = connections[visible.db]
    number = _number_of(also)
    if connection.vendor != "postgresql" or text != " ".join(text.split()) or (also is not None and number is None):
        return None
    if visible.query.is_empty():
        return 0, []
    model = visible.model
    listed = _listed(visible)
    if listed is not None:
        if not listed:
            return 0, []
        if len(listed) > SHORT_LIST:
            # Thousands of ids (a Deputy SIRO's grants): the search built afresh with the list written in
            # was as fast as any kept statement (a generic plan takes any list for ten ids; planned for
            # the list, the matches were joined to it row by row), so it is left as it was.
            return None
        visible_sql, visible_params, restricted = "", [], True
    else:
        try:
            visible_sql, visible_params = visible.order_by().values("pk").query.get_compiler(visible.db).as_sql()
        except EmptyResultSet:
            return 0, []
        restricted = _restricting(model, visible.db, visible_sql, visible_params)
    few_first = few_first and restricted and listed is None
    negated = bool(NEGATION.search(text))
    shape = Shape(key, len(text.split()), negated, also is not None, restricted, limit, visible.db, few_first)

    def build(queryset: QuerySet, stand_in: str, stand_in_also: Q | None) -> tuple[str, tuple]:
        return ranked_prefix(queryset, stand_in, ranking, also=stand_in_also, limit=limit)

    statement = _kept(shape, model, build)
    if statement is None:
        return None
    forms = _forms(connection, text, number)
    params = [source[1] if source[0] == "value" else forms[source] for source in statement.sources]
    sql = statement.sql
    if listed is not None:
        # A selector that lists the person's records by id (``visible_grants``): the same rows, its own
        # list, sent as one array and read once, first, as a table of its own. As a subquery of its
        # values PostgreSQL could walk the grants' newest-first index once per matching person, testing
        # each row against the list; and as one array the statement is the same for everyone, so it is
        # prepared once whatever the length of each person's list.
        table, column = model._meta.db_table, model._meta.pk.column
        every_listed = f'SELECT "{table}"."{column}" FROM "{table}" WHERE "{table}"."{column}" = ANY(%s)'  # noqa: S608
        params[0:0] = [listed]
        sql = f"WITH search_visible AS MATERIALIZED ({every_listed}), {sql.removeprefix('WITH ')}"
        sql = sql.replace(VISIBLE, "SELECT * FROM search_visible")
    elif few_first:
        # Read once, first, as a table of its own: counted to know whether they are few, and the rows matched.
        params[0:0] = visible_params
        sql = f"WITH search_visible AS MATERIALIZED ({visible_sql}), {sql.removeprefix('WITH ')}"
        sql = sql.replace(VISIBLE, "SELECT * FROM search_visible")
        few = f"SELECT COUNT(*) <= {FEW} FROM (SELECT FROM search_visible LIMIT {FEW + 1}) AS search_few"  # noqa: S608
        sql = sql.replace(FEW_VISIBLE, few)
    elif restricted:
        # Otherwise a subquery, which the planner may answer from either side: from the few rows the
        # words match (a Deputy SIRO's area's 1,250 people) or from the few the person sees.
        params[statement.visible_at : statement.visible_at] = visible_params
        sql = sql.replace(VISIBLE, visible_sql)
    use_generic(connection, generic_plan(restricted, also is not None))
    return read_first(model, ranking.related, (sql, tuple(params)), connection)


@contextmanager
def forgotten():
    """Within it, no statement is kept from before (for tests that build them afresh)."""
    with _LOCK:
        saved = OrderedDict(_KEPT)
        _KEPT.clear()
    try:
        yield
    finally:
        with _LOCK:
            _KEPT.clear()
            _KEPT.update(saved)
