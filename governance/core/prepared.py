"""Statements run as PostgreSQL prepared statements on a connection kept between requests.

Django sends every statement as text with its values written in (client-side binding), so
PostgreSQL parses, analyses and plans it afresh each time. Two kinds of statement are sent
otherwise. The search's are long (several common table expressions, a union of index lookups
per kind) and their planning cost more than running them: about 17 ms of planning for 7 ms of
execution over the eight kinds of a contract manager's search. And the statements compiled
once (``compiled``), which pages run on every view with only an id or a date changing: a
person's role facts on every page, a campaign's counts and rows, an incident's links, grants
and history, whose planning was a millisecond or two each.

Sent with server-side binding and prepared once the connection has run the same statement
twice, each is parsed once per connection, and PostgreSQL may keep one generic plan for it when
that plan is estimated no worse than planning each time (its own ``plan_cache_mode = auto``).
The search writes in the values its plans depend on most (the text search configuration, the
empty string a missing field reads as), so a generic plan still uses the expression indexes.

Only a connection that answers many requests gains, so nothing is prepared on a connection's
first run of a statement (a connection opened per request never prepares). Where connections go
through a pooler in transaction mode (``DISABLE_SERVER_SIDE_CURSORS``, Django's setting for
that case), a prepared statement could be missing on the server connection of the next
transaction, so statements are then sent unprepared, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import Cursor
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import Int8Dumper

INERROR = TransactionStatus.INERROR

#: A statement is prepared on its second run on a connection (psycopg counts the runs).
THRESHOLD = 2


class _Preparing(Cursor):
    """A server-side binding cursor (psycopg's own, as Django's ``ServerBindingCursor`` is) whose
    statements psycopg prepares from their ``THRESHOLD``-th run.

    Django opens psycopg connections with preparing turned off (``prepare_threshold`` None, for
    poolers); it is turned on for this cursor's own statements only, and back off after, so the
    connection's other statements (client-side bound, which psycopg never prepares) are untouched.
    """

    def __init__(self, connection, *args, **kwargs):
        super().__init__(connection, *args, **kwargs)
        # Every whole number as a bigint. psycopg otherwise sends each as the smallest type that holds
        # it (smallint, integer...), and PostgreSQL keeps ``id IN (...)`` as one array comparison only
        # when its values share a type: a Deputy SIRO's thousands of grant ids, some below 32,768 and
        # some above, became thousands of ORs (half a second).
        self.adapters.register_dumper(int, Int8Dumper)

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
        connection = self.connection
        threshold = connection.prepare_threshold
        connection.prepare_threshold = THRESHOLD if threshold is None else threshold
        try:
            return super().execute(query, params, prepare=prepare, binary=binary)
        finally:
            connection.prepare_threshold = threshold

    def _maybe_prepare_gen(self, pgq, *, prepare=None, binary=None):
        # What Django logs of a statement is the cursor's query (``last_executed_query``), which psycopg
        # 3.3 keeps only when it sends the statement unprepared: kept here whichever way it goes, so
        # a prepared statement is logged and counted with its text like any other.
        self._query = pgq
        return super()._maybe_prepare_gen(pgq, prepare=prepare, binary=binary)


def may_prepare(connection: BaseDatabaseWrapper) -> bool:
    """Whether statements may be prepared on ``connection``: PostgreSQL (psycopg 3), no pooler in transaction mode."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")


def fetch_all(connection: BaseDatabaseWrapper, sql: str, params) -> list[tuple]:
    """Every row of ``sql`` run through a preparing cursor, wrapped as Django wraps its own (so that
    the statement is logged, counted and given to execute wrappers like any other)."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.validate_thread_sharing()
        raw: Any = _Preparing(connection.connection)  # a database cursor, which Django's wrappers take
        cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


ROW_BY_ROW = "row by row"
"""A plan mode: the generic plan, made with hash joins turned off, so that it joins row by row.

A search's statement that joins the records matched to their tables (a request's or a grant's asset
and person, to rank their names) has its generic plan estimated for any words: as if thousands of
requests matched, so it hashed all 50,000 people and 5,000 assets before finding that "benefit"
matched none (18 ms). Planned for the words instead, it took 3 to 5 ms of planning. Joined row by
row, the same generic plan answers in 0.3 to 0.7 ms, and a common name or word (2,000 people called
Nolan, a word in every request's purpose) was no slower than either."""

Mode = bool | None | str
"""True: the generic plan; False: planned afresh; None: as PostgreSQL chooses; or ``ROW_BY_ROW``."""

_MODES: dict[Mode, tuple[str, str]] = {
    True: ("force_generic_plan", "on"),
    False: ("force_custom_plan", "on"),
    None: ("auto", "on"),
    ROW_BY_ROW: ("force_generic_plan", "off"),
}
"""Each mode's ``plan_cache_mode`` and ``enable_hashjoin``."""


class _PlanModes:
    """The plan mode the connection's session is in during one search, switched only when it changes."""

    def __init__(self, connection: BaseDatabaseWrapper):
        self.connection = connection
        self.mode: str | None = None  # None: the session's own setting, untouched
        self.hash_joins: str | None = None

    def use(self, generic: Mode) -> None:
        mode, hash_joins = _MODES[generic]
        # Hash joins are turned off only for the statements that ask it. A generic plan is made on the
        # statement's first run in its mode (and again whenever PostgreSQL invalidates it), so always so.
        changes = [("plan_cache_mode", mode)] if mode != self.mode else []
        if hash_joins != (self.hash_joins or "on"):
            changes.append(("enable_hashjoin", hash_joins))
        if not changes:
            return
        with self.connection.cursor() as cursor:
            for setting, value in changes:
                cursor.execute(f"SET {setting} = {value}")
                # Noted as each is made, so that one made before a failure is set back too (``reset``).
                if setting == "plan_cache_mode":
                    self.mode = value
                else:
                    self.hash_joins = value

    def reset(self) -> None:
        if self.mode is None and self.hash_joins is None:
            return
        with self.connection.cursor() as cursor:
            if self.mode is not None:
                cursor.execute("RESET plan_cache_mode")
            if self.hash_joins is not None:
                cursor.execute("RESET enable_hashjoin")


_modes: ContextVar[_PlanModes | None] = ContextVar("search_plan_modes", default=None)


@contextmanager
def plan_modes(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Within it, a kind's prepared statement may run on its generic plan, planned once (``use_generic``).

    Left to choose (``auto``), PostgreSQL plans most of the search's statements afresh on every run,
    its estimate of the generic plan being poorer than its guess for the values: 8 to 30 ms of
    planning for a contract's, a grant's or an incident's statement that runs in 1 to 3 ms on its
    generic plan. Which statements do is the kind's to say (``Kind.generic_plan``), from measuring
    every role's searches; the setting affects only prepared statements (the search's, and any
    statement compiled once that a selector runs within the search). The session is set back after,
    even when a statement failed; in a failed transaction that would be refused, but a setting made in
    it is undone with it."""
    if not may_prepare(connection):
        yield
        return
    modes = _PlanModes(connection)
    token = _modes.set(modes)
    try:
        yield
    finally:
        _modes.reset(token)
        broken = connection.connection is None or connection.connection.info.transaction_status == INERROR
        if not broken:
            modes.reset()


def use_generic(connection: BaseDatabaseWrapper, generic: Mode) -> None:
    """Run the next prepared statements on their generic plan (True), planned afresh each time (False),
    as PostgreSQL chooses (None), or on a generic plan joining row by row (``ROW_BY_ROW``), within
    ``plan_modes``."""
    modes = _modes.get()
    if modes is not None and modes.connection.alias == connection.alias:
        modes.use(generic)
