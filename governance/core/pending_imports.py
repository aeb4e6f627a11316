"""Spreadsheets kept between an import's dry run and its confirmation.

Files go through the default storage (``STORAGES``), so a confirmation may reach any
web instance. An HR extract holds personal data, so a file is kept only as long as it is needed:
under a random name in private storage, read once and deleted when the import is
confirmed, and deleted by the nightly ``purge_pending_imports`` task once it is older
than ``IMPORT_PENDING_MAX_AGE_HOURS`` (one day by default) when nobody confirmed it.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "pending-imports"
SUFFIXES = (".csv", ".xlsx")


def keep(content: bytes, original_name: str) -> tuple[str, str]:
    """Store an uploaded file for confirmation; returns its random token and suffix."""
    token = secrets.token_urlsafe(16)
    suffix = ".xlsx" if original_name.lower().endswith(".xlsx") else ".csv"
    default_storage.save(f"{FOLDER}/{token}{suffix}", ContentFile(content))
    return token, suffix


def take(token: str, suffix: str) -> bytes | None:
    """The kept file's content, deleted as it is read; None when it has gone (expired or used)."""
    if suffix not in SUFFIXES or not token.replace("-", "").replace("_", "").isalnum():
        return None
    name = f"{FOLDER}/{token}{suffix}"
    if not default_storage.exists(name):
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    finally:
        default_storage.delete(name)


def max_age() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.IMPORT_PENDING_MAX_AGE_HOURS)


def purge_stale(now: datetime.datetime | None = None) -> int:
    """Delete kept files older than ``max_age()``; returns how many. Safe to run repeatedly."""
    cutoff = (now or timezone.now()) - max_age()
    try:
        names = default_storage.listdir(FOLDER)[1]
    except FileNotFoundError:  # nothing was ever kept
        return 0
    removed = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        if name.endswith(SUFFIXES) and default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed
