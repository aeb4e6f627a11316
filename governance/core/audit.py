"""Who the audit trail names as the actor, and which request a change belongs to.

Web requests get their actor and address from ``AuditlogMiddleware`` and a fresh
correlation id from ``RequestContextMiddleware``. Work outside a request (Celery
tasks, management commands) runs inside ``acting_as`` so its entries name an
actor too, by default the system account.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from auditlog.context import auditlog_value, set_actor

from governance.core.models import User

_correlation_id: ContextVar[str | None] = ContextVar("custodian_correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The correlation id of the work in progress (``AUDITLOG_CID_GETTER``)."""
    return _correlation_id.get()


@contextmanager
def correlation(cid: str | None = None) -> Iterator[str]:
    """Tag every audit entry written inside the block with one correlation id."""
    value = cid or uuid.uuid4().hex
    token = _correlation_id.set(value)
    try:
        yield value
    finally:
        _correlation_id.reset(token)


@contextmanager
def acting_as(actor, remote_addr: str | None = None) -> Iterator[None]:
    """Record ``actor`` on every audit entry written inside the block.

    Unlike auditlog's own ``set_actor``, this restores the enclosing actor on
    exit, so a task run eagerly inside a web request does not leave the rest of
    that request's changes without one.
    """
    previous = auditlog_value.get(None)
    try:
        with set_actor(actor, remote_addr=remote_addr):
            yield
    finally:
        if previous is not None:
            auditlog_value.set(previous)


def system_user():
    return User.objects.get_system_user()


def as_system(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``func`` with the system account as actor, under a fresh correlation id."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with correlation(), acting_as(system_user()):
            return func(*args, **kwargs)

    return wrapper
