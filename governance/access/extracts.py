"""Asset extracts: the IAM uploads the data; each holder sees and downloads only their granted columns."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from governance.access.models import AccessGrant, AssetExtract
from governance.access.policy import can_upload_extract
from governance.core.models import User
from governance.register.models import InformationAsset


def latest_extract(asset: InformationAsset) -> AssetExtract | None:
    return asset.extracts.order_by("-uploaded_at", "-pk").first()


@transaction.atomic
def upload_extract(asset: InformationAsset, upload, *, by: User) -> AssetExtract:
    """Store a CSV extract whose columns are all data items of the asset."""
    if not can_upload_extract(by, asset):
        raise PermissionDenied("Only the asset's IAM, its Deputy SIRO or an administrator can upload its extract.")
    if not upload.name.lower().endswith(".csv"):
        raise ValidationError({"file": "The extract must be a CSV file"})
    if upload.size > settings.EXTRACT_MAX_BYTES:
        raise ValidationError(
            {"file": f"The extract must be smaller than {settings.EXTRACT_MAX_BYTES // (1024 * 1024)} MB"}
        )
    content = upload.read()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": "The extract must be saved as UTF-8"}) from exc
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if not header or not any(header):
        raise ValidationError({"file": "The first row must name the columns"})
    known = {name.lower(): name for name in asset.items.values_list("name", flat=True)}
    unknown = [h for h in header if h.lower() not in known]
    if unknown:
        raise ValidationError(
            {"file": f"Every column must be a data item of the asset. Not in its data dictionary: {', '.join(unknown)}"}
        )
    if len(set(h.lower() for h in header)) != len(header):
        raise ValidationError({"file": "Each column may appear once"})
    rows = sum(1 for _ in reader)
    extract = AssetExtract(
        asset=asset,
        original_name=upload.name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        columns=[known[h.lower()] for h in header],
        row_count=rows,
        uploaded_by=by,
    )
    extract.file.save(f"{secrets.token_hex(16)}.csv", ContentFile(content), save=False)
    extract.save()
    return extract


def _granted_indexes(extract: AssetExtract, grant: AccessGrant) -> tuple[list[str], list[int]]:
    granted = {name.lower() for name in grant.items.values_list("name", flat=True)}
    pairs = [(i, name) for i, name in enumerate(extract.columns) if name.lower() in granted]
    return [name for _, name in pairs], [i for i, _ in pairs]


def granted_rows(
    extract: AssetExtract, grant: AccessGrant, limit: int | None = None
) -> tuple[list[str], Iterator[list]]:
    """The extract's header and rows cut down to the grant's items: the minimum data, enforced."""
    header, indexes = _granted_indexes(extract, grant)

    def rows():
        with extract.file.open("rb") as handle:
            reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig"))
            next(reader, None)
            for n, row in enumerate(reader):
                if limit is not None and n >= limit:
                    return
                yield [row[i] if i < len(row) else "" for i in indexes]

    return header, rows()
