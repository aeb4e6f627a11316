"""A change committed by another connection between a nightly job's read and its write.

The lifecycle jobs read a list of records, then act on each. ``change_between_read_and_write``
wraps the first step a job takes after reading (its first ``transaction.atomic()`` for one
record, or its first write such as ``notify``) so that, once, on the job's own thread, another
thread with its own database connection makes a change and commits it before the job goes on.
The change must finish: a job that already holds a lock the change needs would make it wait,
which the helper reports as a failure rather than hanging.

Only PostgreSQL has the row locks and a connection per thread these tests need
(``SKIP_UNLESS_POSTGRESQL``).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import types
from collections.abc import Callable, Iterator
from unittest import mock

import pytest
from django.db import connection, connections
from django.db import transaction as django_transaction

SKIP_UNLESS_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="A change committed by a second connection while a job runs needs PostgreSQL's row locks "
    "and a connection per thread.",
)

CHANGE_TIMEOUT = 20


def _commit_elsewhere(change: Callable[[], object]) -> None:
    """Run ``change`` on another thread (its own connection) and wait for it to commit."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            change()
        except BaseException as exc:  # reported on the job's thread below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=CHANGE_TIMEOUT)
    assert not thread.is_alive(), "The concurrent change waited on a lock the job took before reading."
    if errors:
        raise errors[0]


@contextlib.contextmanager
def change_between_read_and_write(
    change: Callable[[], object], module: types.ModuleType, *, writes: tuple[str, ...] = ()
) -> Iterator[dict]:
    """While the block runs, the first per-record transaction (or first call of one of ``writes``)
    of the job in ``module`` is preceded by ``change``, committed by another connection.

    Yields a dict whose ``"fired"`` says whether the change was made.
    """
    state = {"fired": False}
    job_thread = threading.current_thread()

    def fire_once() -> None:
        if not state["fired"] and threading.current_thread() is job_thread:
            state["fired"] = True
            _commit_elsewhere(change)

    def wrap(real: Callable) -> Callable:
        @functools.wraps(real)
        def wrapped(*args, **kwargs):
            fire_once()
            return real(*args, **kwargs)

        return wrapped

    patched_transaction = types.SimpleNamespace(**vars(django_transaction))
    patched_transaction.atomic = wrap(django_transaction.atomic)
    with contextlib.ExitStack() as stack:
        if getattr(module, "transaction", None) is django_transaction:
            stack.enter_context(mock.patch.object(module, "transaction", patched_transaction))
        for name in writes:
            stack.enter_context(mock.patch.object(module, name, wrap(getattr(module, name))))
        yield state
