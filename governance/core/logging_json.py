"""JSON log lines (python-json-logger) that carry what operators need and nothing a person could misuse.

Each line is one object: time, level, logger, message, the correlation id of the
request or task it belongs to, and for request lines the person's numeric id, the
method, the path, the view, the status and the duration. Only those keys are
written: whatever else a caller passes in ``extra`` (Django attaches the whole
request to its own error lines, and a request's text includes its query string)
is dropped. Paths are written without their query string, and a path part that
is a credential (a calendar feed's key, a reset token) is replaced by
``[redacted]``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from pythonjsonlogger.json import JsonFormatter

ALLOWED_KEYS = (
    "time",
    "level",
    "logger",
    "message",
    "correlation_id",
    "user_id",
    "method",
    "path",
    "view",
    "status",
    "duration_ms",
    "task",
    "exc_info",
)
# URL parameters whose value is a credential and never reaches a log.
_SECRET_PARTS = ("token", "key", "secret", "code", "uid")
REDACTED = "[redacted]"


def loggable_path(request: HttpRequest) -> str:
    """``request.path`` without the query string and with credential parameters replaced."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in (match.kwargs if match else {}).items():
        if any(part in name.lower() for part in _SECRET_PARTS) and str(value):
            path = path.replace(str(value), REDACTED)
    return path[:300]


class NoTracebackForRefusals(logging.Filter):
    """Drop the traceback from a refusal's line (a 4xx answer, such as Django's "Forbidden" warning).

    A refusal is the portal working as meant: one line says which path was refused and why.
    Errors (5xx) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info, record.exc_text = None, None
        return True


class PortalJsonFormatter(JsonFormatter):
    """``LOGGING`` formatter for ``LOG_FORMAT=json``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["asctime", "levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)
        self._cid_getter: Callable[[], str | None] | None = None

    def correlation_id(self) -> str | None:
        if self._cid_getter is None:
            if not apps.ready:  # gunicorn's master and early start-up lines: no request, no id
                return None
            self._cid_getter = import_string(settings.AUDITLOG_CID_GETTER)  # as django-auditlog reads it
        return self._cid_getter()

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 in UTC with milliseconds, whatever the machine's zone: lines from several machines sort."""
        return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):  # Django's "Not Found: /path?query" lines: status and safe path only
            record = logging.makeLogRecord(record.__dict__)
            record.msg, record.args = "%s %s", (getattr(record, "status_code", ""), loggable_path(request))
        return super().format(record)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.setdefault("correlation_id", self.correlation_id())
        for key in list(log_data):
            if key not in ALLOWED_KEYS:
                del log_data[key]
