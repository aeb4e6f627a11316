"""On PostgreSQL the seed writes its audit entries with COPY: the same entries, hashes and links as ``bulk_create``."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from governance.core.audit import system_user
from governance.core.audit_bulk import ROW_DEFAULTS, append_rows
from governance.core.audit_chain import append_sealed, verify
from governance.core.models import AuditEntry, BusinessArea
from governance.register.models import DataItem, InformationAsset
from governance.seeding.bulk import AuditedBulk

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite keeps bulk_create"
)

# Every stored column but the id, so that a column added to the trail later is compared too.
STORED = tuple(field.attname for field in AuditEntry._meta.concrete_fields if not field.primary_key)


def _rows(system) -> list[dict]:
    asset_type = ContentType.objects.get_for_model(InformationAsset)
    now = timezone.now()
    plain = [
        {
            "content_type_id": asset_type.pk,
            "object_pk": str(n),
            "object_id": n,
            "object_repr": f"Asset “{n}” — ü",
            "action": AuditEntry.Action.CREATE if n % 2 else AuditEntry.Action.UPDATE,
            "changes": {"name": [None, f"Asset {n}"], "count": [n, n + 1], "flag": [False, True]},
            "actor_id": system.pk,
            "actor_email": system.email or None,
            "cid": f"seed-test-{n // 10}",
            "timestamp": now + datetime.timedelta(microseconds=n),
            "additional_data": {"scope": f"asset:{n}", "area": 7},
            "scope": f"asset:{n}",
            "business_area_id": 7,
        }
        for n in range(1, 40)
    ]
    plain.append(
        {
            "content_type_id": asset_type.pk,
            "object_pk": "99",
            "object_repr": "Tab\tand new\nline and back\\slash",
            "action": AuditEntry.Action.UPDATE,
            "changes": {"note": [None, 'a\tb\nc\\d "quoted"'], "nothing": [None, None]},
            "timestamp": now,
            "reason": "Because.",
        }
    )
    return plain


def _stored(first_index: int) -> list[tuple]:
    return list(AuditEntry.objects.filter(chain_index__gte=first_index).order_by("chain_index").values_list(*STORED))


@postgresql_only
def test_copy_writes_exactly_what_bulk_create_would():
    system = system_user()
    rows = _rows(system)
    head = AuditEntry.objects.exclude(chain_index=None).order_by("-chain_index").first()
    first_index = (head.chain_index if head else 0) + 1

    with transaction.atomic():
        assert append_sealed([AuditEntry(**{**ROW_DEFAULTS, **row}) for row in rows]) == len(rows)
        by_bulk_create = _stored(first_index)
        transaction.set_rollback(True)
    assert append_rows(rows) == len(rows)
    by_copy = _stored(first_index)

    assert by_copy == by_bulk_create
    assert len(by_copy) == len(rows)

    # Values only Django's encoder can write (which bulk_create's JSON column refuses) take the
    # long way to the canonical text, and still verify.
    asset_type = ContentType.objects.get_for_model(InformationAsset)
    dated = {"due": [None, timezone.localdate()], "amount": [None, decimal.Decimal("1.50")]}
    append_rows([{**rows[0], "object_pk": "100", "changes": dated}])
    assert AuditEntry.objects.get(object_pk="100", content_type=asset_type).changes["amount"] == [None, "1.50"]
    result = verify()
    assert result.ok, result.first_break


def test_seeded_objects_each_have_their_entry_by_the_system_account_and_the_chain_verifies():
    system = system_user()
    bulk = AuditedBulk(system, cid="seed-copytest", batch=7)
    areas = bulk.create(BusinessArea, [BusinessArea(name=f"Area {n}", code=f"c{n:02d}") for n in range(5)])
    assets = bulk.create(
        InformationAsset,
        [
            InformationAsset(
                name=f"Asset {n}",
                description="Synthetic.",
                business_area=areas[n % 5],
                classification="official",
                storage_location="Secure environment",
                retention_rule="Seven years",
                next_review_date=timezone.localdate() + datetime.timedelta(days=30),
            )
            for n in range(12)
        ],
    )
    items = bulk.create(
        DataItem, [DataItem(asset=a, name=f"item_{k}", description="An item") for a in assets for k in range(2)]
    )
    assert bulk.rows_written == 5 + 12 + 24
    assert bulk.entries_written == bulk.times.entries == 5 + 12 + 24

    seeded = AuditEntry.objects.filter(cid__startswith="seed-copytest-")
    per_model = {
        ContentType.objects.get_for_id(row["content_type_id"]).model_class(): row["n"]
        for row in seeded.values("content_type_id").annotate(n=Count("pk"))
    }
    assert per_model == {BusinessArea: 5, InformationAsset: 12, DataItem: 24}
    assert set(seeded.values_list("actor_id", "actor_email", "action").distinct()) == {
        (system.pk, system.email or None, AuditEntry.Action.CREATE)
    }
    item_entries = seeded.filter(content_type=ContentType.objects.get_for_model(DataItem))
    assert {int(pk) for pk in item_entries.values_list("object_pk", flat=True)} == {i.pk for i in items}
    scoped = item_entries.get(object_pk=str(items[0].pk))
    assert scoped.scope == items[0].audit_scope() and scoped.business_area_id == assets[0].business_area_id
    assert scoped.changes["name"] == [None, "item_0"]
    assert not AuditEntry.objects.filter(digest="").exists()
    result = verify()
    assert result.ok, result.first_break
