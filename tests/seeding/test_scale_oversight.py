"""``seed_scale`` at a tiny size: the incidents, the assurance round and the snapshots it adds, each row audited."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from governance.assurance.facts import iam_ids_with_assets
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.returns import verify_digest
from governance.core.audit_chain import verify
from governance.core.models import AuditEntry
from governance.incidents.models import Incident, IncidentAction, IncidentLink
from governance.seeding.scale import seed
from governance.seeding.scale_oversight import MANY_GRANTS, SNAPSHOT_DAYS
from governance.trends.models import ComplianceSnapshot
from tests.seeding.test_scale_records import TINY

pytestmark = pytest.mark.django_db


def test_the_oversight_records_are_seeded_each_with_its_audit_entry():
    """One seed for every check: seeding is the slow part."""
    seed(TINY, lambda message: None)
    every_record_audited()
    incidents_in_every_state_naming_one_grant_and_one_naming_fifty()
    a_round_with_a_return_per_iam_most_signed_as_the_signing_service_stores_them()
    a_year_of_daily_snapshots_ending_today()


def every_record_audited() -> None:
    for model in (Incident, IncidentLink, IncidentAction, AssuranceRound, AssuranceReturn, ComplianceSnapshot):
        rows = set(model.objects.values_list("pk", flat=True))
        assert rows, f"no {model.__name__} seeded"
        audited = AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), action=AuditEntry.Action.CREATE
        ).values_list("object_pk", flat=True)
        assert {int(pk) for pk in audited} == rows, model.__name__
    assert verify().ok


def incidents_in_every_state_naming_one_grant_and_one_naming_fifty() -> None:
    assert set(Incident.objects.values_list("state", flat=True)) == set(Incident.State.values)
    named = Incident.objects.annotate(grants=Count("links", filter=Q(links__grant__isnull=False)))
    counts = sorted(named.values_list("grants", flat=True))
    assert counts[:-1] == [1] * (len(counts) - 1)
    assert counts[-1] == MANY_GRANTS
    assert named.get(grants=MANY_GRANTS).state == Incident.State.TRIAGED
    for incident in Incident.objects.all():  # what save() would have set, as bulk_create calls no save()
        assert incident.ico_deadline == incident.aware_at + datetime.timedelta(hours=72)


def a_round_with_a_return_per_iam_most_signed_as_the_signing_service_stores_them() -> None:
    round_ = AssuranceRound.objects.get()
    assert round_.state == AssuranceRound.State.OPEN
    returns = list(round_.returns.all())
    assert sorted(r.iam_id for r in returns) == sorted(iam_ids_with_assets())
    signed = [r for r in returns if r.digest]
    assert len(signed) >= len(returns) // 2
    assert all(verify_digest(r) for r in signed)
    assert all(r.facts["summary"]["assets"] >= 1 for r in returns)
    assert round_.returns.filter(iam__username="bench.iam", state=AssuranceReturn.State.DRAFT).exists()
    assert round_.returns.filter(state=AssuranceReturn.State.ACCEPTED).exists()


def a_year_of_daily_snapshots_ending_today() -> None:
    days = list(ComplianceSnapshot.objects.order_by("taken_on").values_list("taken_on", flat=True))
    today = timezone.localdate()
    assert len(days) == SNAPSHOT_DAYS
    assert days[-1] == today
    assert days[0] == today - datetime.timedelta(days=SNAPSHOT_DAYS - 1)
