"""``seed_scale`` at a tiny size: the privacy records, outputs and the access review it adds, each row audited."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from governance.access.models import AccessGrant, AccessReview, RecertificationCampaign, ReviewCampaign
from governance.core.audit_chain import verify
from governance.core.models import AuditEntry, OfficeHolder
from governance.outputs.models import OutputDecision, OutputSubmission, OutputVersion, Researcher
from governance.privacy.models import DPIA, ProcessingActivity, SharingAgreement
from governance.seeding.scale import BENCH_IAM_ASSETS, BENCH_IAM_GRANTS, Plan, seed

pytestmark = pytest.mark.django_db

TINY = Plan(
    staff=80,
    areas=3,
    assets=40,
    items_per_asset=12,
    signoffs=80,
    grants=60,
    contracts=60,
    audit=0,
    access_events=10,
    batch=500,
)


@pytest.fixture
def seeded():
    return seed(TINY, lambda message: None)


def test_every_record_the_new_pages_show_is_seeded_with_its_audit_entry(seeded):
    counts = {}
    for model in (
        ProcessingActivity,
        SharingAgreement,
        DPIA,
        Researcher,
        OutputSubmission,
        OutputVersion,
        OutputDecision,
        ReviewCampaign,
        RecertificationCampaign,
        AccessReview,
    ):
        rows = set(model.objects.values_list("pk", flat=True))
        assert rows, f"no {model.__name__} seeded"
        audited = AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), action=AuditEntry.Action.CREATE
        ).values_list("object_pk", flat=True)
        assert {int(pk) for pk in audited} == rows, model.__name__
        counts[model.__name__] = len(rows)
    assert counts["ProcessingActivity"] == TINY.assets // 20 or counts["ProcessingActivity"] == 5
    assert counts["AccessReview"] == TINY.grants
    assert set(DPIA.objects.values_list("state", flat=True)) >= {"screening", "needed", "in_assessment", "signed"}
    assert set(OutputSubmission.objects.values_list("state", flat=True)) == set(OutputSubmission.State.values)
    assert OfficeHolder.objects.filter(office=OfficeHolder.Office.DATA_PROTECTION_OFFICER, holder__username="bench.dpo")
    assert Researcher.objects.filter(user__username="bench.researcher", user__is_external=True).exists()
    assert verify().ok


def test_seeded_events_hold_a_few_entries_each(seeded):
    """One correlation id for the whole seed would make the trail one event (and its pages slow)."""
    from django.db.models import Count

    seeded_ids = AuditEntry.objects.filter(cid__startswith="seed-")
    assert seeded_ids.count() > 1000
    largest = seeded_ids.values("cid").annotate(n=Count("pk")).order_by("-n").first()
    assert largest["n"] <= 10


def test_the_benchmark_iam_holds_a_fiftieth_of_the_grants_on_their_own_assets(seeded):
    """The heavy IAM the "Your grants" and campaign pages are measured as: 2,000 grants at the default size."""
    assert Plan().grants // 50 == BENCH_IAM_GRANTS
    theirs = AccessGrant.objects.filter(asset__manager__username="bench.iam")
    assert theirs.count() >= max(20, TINY.grants // 50)
    assert theirs.values("asset").distinct().count() == BENCH_IAM_ASSETS
