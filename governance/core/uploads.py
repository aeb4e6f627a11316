"""Uploaded evidence files: checked by name and by content, stored privately, fingerprinted.

A file is accepted only when its extension is one of the allowed types and its
first bytes are that type's signature (a renamed executable is refused), and
when it is not empty and not larger than ``CONTRACT_UPLOAD_MAX_BYTES``. It is
then stored under a random name in the default storage (``MEDIA_ROOT``, outside
the web root, served only by views that check permission) and its SHA-256
digest is taken from the same bytes that are written.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

# extension -> (stored content type, description for messages)
ALLOWED_TYPES = {
    ".pdf": ("application/pdf", "PDF"),
    ".png": ("image/png", "PNG"),
    ".jpg": ("image/jpeg", "JPEG"),
    ".jpeg": ("image/jpeg", "JPEG"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
    ".csv": ("text/csv", "CSV"),
}
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, DOCX, XLSX or CSV"
_OFFICE_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def max_bytes() -> int:
    return settings.CONTRACT_UPLOAD_MAX_BYTES


def max_size_text() -> str:
    limit = max_bytes()
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{max(limit // 1024, 1)} KB"


@dataclass(frozen=True)
class StoredFile:
    name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def safe_original_name(name: str) -> str:
    """The uploaded name without any folder part or control characters, for display and downloads."""
    base = os.path.basename((name or "").replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return cleaned.strip()[:200] or "document"


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower()


def _read(upload) -> bytes:
    """The whole upload (at most the size limit plus one byte, so an oversized file is never read in full)."""
    upload.seek(0)
    chunks, total = [], 0
    for chunk in upload.chunks():
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes():
            break
    upload.seek(0)
    return b"".join(chunks)


def _content_matches(extension: str, content: bytes) -> bool:
    if extension == ".pdf":
        return content.startswith(b"%PDF-")
    if extension == ".png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return content.startswith(b"\xff\xd8\xff")
    if extension in _OFFICE_PARTS:
        if not content.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())  # the directory only: nothing is extracted
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return "[Content_Types].xml" in names and _OFFICE_PARTS[extension] in names
    if extension == ".csv":
        if b"\x00" in content:
            return False
        try:
            content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
        return True
    return False


def check_upload(upload) -> None:
    """Raise ``ValidationError`` with a message the uploader can act on, or return if the file is acceptable."""
    if upload is None:
        raise ValidationError("Select a file")
    extension = _extension(upload.name)
    if extension not in ALLOWED_TYPES:
        raise ValidationError(f"The selected file must be a {ALLOWED_DESCRIPTION}")
    if upload.size == 0:
        raise ValidationError("The selected file is empty")
    if upload.size > max_bytes():
        raise ValidationError(f"The selected file must be smaller than {max_size_text()}")
    content = _read(upload)
    if len(content) > max_bytes():
        raise ValidationError(f"The selected file must be smaller than {max_size_text()}")
    if not _content_matches(extension, content):
        description = ALLOWED_TYPES[extension][1]
        raise ValidationError(f"The selected file is not a real {description} file: its contents do not match its name")


def store_upload(upload, folder: str) -> StoredFile:
    """Check ``upload`` and save it under ``folder`` with a random name. Returns where, and its digest."""
    check_upload(upload)
    extension = _extension(upload.name)
    content = _read(upload)
    digest = hashlib.sha256(content).hexdigest()
    name = default_storage.save(f"{folder}/{secrets.token_hex(16)}{extension}", ContentFile(content))
    return StoredFile(
        name=name,
        original_name=safe_original_name(upload.name),
        content_type=ALLOWED_TYPES[extension][0],
        size=len(content),
        sha256=digest,
    )


def discard(name: str) -> None:
    """Remove a stored file whose database record was not written (the upload changed nothing)."""
    if name and default_storage.exists(name):
        default_storage.delete(name)


def digest_of(name: str) -> str:
    """The SHA-256 digest of a stored file as it is now, to show it is unchanged since upload."""
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
