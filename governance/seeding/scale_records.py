"""The records the privacy, safe-outputs and access-review pages show, in proportion to the rest of the seed.

Processing activities (one for every 20 assets), sharing agreements (one for every 8 contracts),
DPIAs in every state on a share of both, researchers with outputs in every state (one researcher
for every 10 contracts holding data) and the current period's access review with its IAMs'
campaigns. Everything goes through ``AuditedBulk``, so each row has its audit entry.
"""

from __future__ import annotations

import datetime
import hashlib

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from governance.access.models import AccessReview, RecertificationCampaign, ReviewCampaign
from governance.access.recertification import period_start
from governance.contracts.models import ExternalOrganisation, LegalGateway, ResearchContract
from governance.core import roles
from governance.core.models import OfficeHolder, User
from governance.outputs.models import OutputDecision, OutputSubmission, OutputVersion, Researcher
from governance.privacy.models import DPIA, ProcessingActivity, ScreeningCriterion, SharingAgreement

from .bulk import AuditedBulk

DPIA_STATES = list(DPIA.State.values)
OUTPUT_STATES = list(OutputSubmission.State.values)


def seed_records(
    plan, rng, *, areas, assets, items_by_asset, staff, bench, grants, bulk: AuditedBulk, progress
) -> None:
    progress.begin("privacy records")
    _offices(bench)
    activities = _activities(plan, rng, assets, bench, bulk)
    agreements = _agreements(plan, rng, areas, assets, items_by_asset, staff, bench, bulk)
    dpias = _dpias(activities, agreements, bench, bulk)
    progress(f"{len(activities)} processing activities, {len(agreements)} sharing agreements, {dpias} DPIAs")
    progress.begin("research outputs")
    outputs = _outputs(plan, bench, bulk)
    if outputs:
        progress(f"{outputs} research outputs")
    progress.begin("access reviews")
    reviews = _campaign(rng, grants, bench, bulk)
    progress(f"{reviews} access reviews in the current campaign")


def _offices(bench) -> None:
    """The Data Protection Officer and a disclosure-control officer among the benchmark users."""
    if not OfficeHolder.objects.filter(office=OfficeHolder.Office.DATA_PROTECTION_OFFICER).exists():
        OfficeHolder.objects.create(office=OfficeHolder.Office.DATA_PROTECTION_OFFICER, holder=bench["dpo"])
    bench["checker"].groups.add(Group.objects.get(name=roles.DISCLOSURE_CONTROL))  # audited through the m2m signal


def _activities(plan, rng, assets, bench, bulk: AuditedBulk) -> list[ProcessingActivity]:
    today = timezone.localdate()
    personal = [a for a in assets if a.contains_personal_data and a.manager_id]
    if not personal:
        return []
    count = max(plan.assets // 20, 5)
    bench_assets = [a for a in personal if a.manager_id == bench["iam"].pk]
    chosen = []
    for n in range(count):
        first = bench_assets[n] if n < min(len(bench_assets), 3) else personal[(n * 11) % len(personal)]
        same_iam = [a for a in personal[(n * 7) % len(personal) :][:40] if a.manager_id == first.manager_id]
        chosen.append([first, *same_iam[:2]])
    activities = bulk.create(
        ProcessingActivity,
        [
            ProcessingActivity(
                name=f"{its[0].name.rsplit(' ', 1)[0].capitalize()} processing {n:04d}",
                purposes="Administering and evaluating the benefit.",
                business_area_id=its[0].business_area_id,
                owner_id=its[0].manager_id,
                lawful_basis="public_task",
                special_category_condition="substantial_public_interest" if its[0].special_category else "",
                schedule_1_condition="statutory_government" if its[0].special_category else "",
                data_subjects="Benefit claimants",
                next_review_date=today + datetime.timedelta(days=rng.randint(-60, 300)),
                last_reviewed_on=today - datetime.timedelta(days=rng.randint(30, 400)),
                created_by=bench["iam"] if its[0].manager_id == bench["iam"].pk else None,
            )
            for n, its in enumerate(chosen)
        ],
    )
    through = ProcessingActivity.assets.through
    names = {a.pk: a.name for its in chosen for a in its}
    by_pk = {a.pk: a for a in activities}
    rows = {(activity.pk, asset.pk) for activity, its in zip(activities, chosen, strict=True) for asset in its}
    bulk.create_m2m(
        through,
        [through(processingactivity_id=a, informationasset_id=i) for a, i in sorted(rows)],
        describe=lambda row: (by_pk[row.processingactivity_id], "assets", names[row.informationasset_id]),
    )
    return activities


def _agreements(plan, rng, areas, assets, items_by_asset, staff, bench, bulk: AuditedBulk) -> list[SharingAgreement]:
    gateway = LegalGateway.objects.order_by("pk").first()
    organisations = list(ExternalOrganisation.objects.order_by("pk")[:50])
    if gateway is None or not organisations:
        return []
    today = timezone.localdate()
    now = timezone.now()
    count = max(plan.contracts // 8, 4)
    statuses = ["draft", "active", "active", "ended"]
    deputy_of = {a.pk: a.deputy_siro_id for a in areas}
    agreements, chosen = [], []
    for n in range(count):
        asset = assets[(n * 17) % len(assets)]
        status = statuses[n % len(statuses)]
        start = today - datetime.timedelta(days=rng.randint(0, 700))
        end = start + datetime.timedelta(days=rng.randint(200, 1100))
        if status == "ended":
            end = min(end, today - datetime.timedelta(days=1))
            start = min(start, end - datetime.timedelta(days=30))
        manager_id = bench["contracts"].pk if n % 5 == 0 else (asset.manager_id or deputy_of[asset.business_area_id])
        agreements.append(
            SharingAgreement(
                reference=f"DSA-SCALE-{n:05d}",
                title=f"Sharing {asset.name.lower()}",
                kind=rng.choice(SharingAgreement.Kind.values),
                organisation=organisations[n % len(organisations)],
                direction=rng.choice(SharingAgreement.Direction.values),
                business_area_id=asset.business_area_id,
                manager_id=manager_id,
                purpose="Synthetic agreement.",
                legal_gateway=gateway,
                lawful_basis="public_task",
                frequency=rng.choice(SharingAgreement.Frequency.values),
                security_conditions="Sent over the secure transfer service; held encrypted.",
                start_date=start,
                review_date=start + datetime.timedelta(days=365),
                end_date=end,
                status=status,
                approved_by_id=deputy_of[asset.business_area_id] if status != "draft" else None,
                approved_at=now if status != "draft" else None,
            )
        )
        chosen.append(asset)
    agreements = bulk.create(SharingAgreement, agreements)
    by_pk = {a.pk: a for a in agreements}
    names = {asset.pk: asset.name for asset in chosen}
    through = SharingAgreement.assets.through
    bulk.create_m2m(
        through,
        [
            through(sharingagreement_id=a.pk, informationasset_id=asset.pk)
            for a, asset in zip(agreements, chosen, strict=True)
        ],
        describe=lambda row: (by_pk[row.sharingagreement_id], "assets", names[row.informationasset_id]),
    )
    items = SharingAgreement.data_items.through
    item_names = {}
    rows = []
    for agreement, asset in zip(agreements, chosen, strict=True):
        for item in items_by_asset[asset.pk][:2]:
            item_names[item.pk] = item.name
            rows.append(items(sharingagreement_id=agreement.pk, dataitem_id=item.pk))
    bulk.create_m2m(
        items,
        rows,
        describe=lambda row: (by_pk[row.sharingagreement_id], "data_items", item_names[row.dataitem_id]),
    )
    return agreements


def _dpias(activities, agreements, bench, bulk: AuditedBulk) -> int:
    """A DPIA for every second activity and every third agreement, the states in turn."""
    now = timezone.now()
    today = timezone.localdate()
    deputies = {a.business_area_id: a.business_area.deputy_siro_id for a in activities}
    deputies.update({a.business_area_id: a.business_area.deputy_siro_id for a in agreements})
    subjects: list[tuple[str, object, int, int]] = [
        ("processing_activity", a, a.owner_id, a.business_area_id) for a in activities[::2]
    ]
    subjects += [("sharing_agreement", a, a.manager_id, a.business_area_id) for a in agreements[::3]]
    dpias = []
    for n, (field, subject, owner_id, area_id) in enumerate(subjects):
        state = DPIA_STATES[n % len(DPIA_STATES)]
        screened = state != "screening"
        assessed = state in ("awaiting_advice", "awaiting_sign_off", "signed")
        deputy_id = deputies.get(area_id)
        signed = state == "signed" and deputy_id and deputy_id != owner_id
        if state == "signed" and not signed:
            state = "awaiting_sign_off"
        dpias.append(
            DPIA(
                title=f"DPIA: {subject}"[:250],
                **{field: subject},
                business_area_id=area_id,
                iam_id=owner_id,
                state=state,
                special_category=n % 4 == 0,
                identifiable_at_scale=n % 3 == 0,
                criteria=[ScreeningCriterion.DATA_MATCHING] if screened else [],
                screening_outcome=("not_needed" if state == "not_needed" else "needed") if screened else "",
                screening_reasons="Synthetic screening." if screened else "",
                screened_by_id=owner_id if screened else None,
                screened_at=now if screened else None,
                author_id=owner_id if assessed else None,
                description="Synthetic assessment." if assessed else "",
                necessity="Needed for the benefit." if assessed else "",
                residual_risk="low" if assessed else "",
                dpo_advice="Proceed." if state in ("awaiting_sign_off", "signed") else "",
                dpo_advice_by=bench["dpo"] if state in ("awaiting_sign_off", "signed") else None,
                dpo_advice_at=now if state in ("awaiting_sign_off", "signed") else None,
                advice_followed=True if state in ("awaiting_sign_off", "signed") else None,
                iam_signed_by_id=owner_id if signed else None,
                iam_signed_at=now if signed else None,
                deputy_signed_by_id=deputy_id if signed else None,
                deputy_signed_at=now if signed else None,
                review_date=today + datetime.timedelta(days=365) if signed else None,
            )
        )
    return len(bulk.create(DPIA, dpias))


def _outputs(plan, bench, bulk: AuditedBulk) -> int:
    """Researchers on contracts that hold data, five outputs each, in every state; the bench researcher's first."""
    contracts = list(
        ResearchContract.objects.filter(status=ResearchContract.Status.DATA_RELEASED).order_by("pk")[
            : max(plan.contracts // 60, 1)
        ]
    )
    if not contracts:
        return 0
    unusable = make_password(None)
    users = bulk.create(
        User,
        [
            User(
                username=f"seed.researcher.{n:05d}",
                first_name="Research",
                last_name=f"Fellow {n:05d}",
                email=f"researcher.{n:05d}@example.ac.uk",
                is_external=True,
                password=unusable,
            )
            for n in range(len(contracts) - 1)
        ],
    )
    researcher_users = [bench["researcher"], *users]
    bulk.create(
        Researcher,
        [
            Researcher(user=u, contract=c, invited_by_id=c.manager_id)
            for u, c in zip(researcher_users, contracts, strict=True)
        ],
    )
    now = timezone.now()
    submissions = []
    for n, (user, contract) in enumerate(zip(researcher_users, contracts, strict=True)):
        for k in range(len(OUTPUT_STATES)):
            state = OUTPUT_STATES[(n + k) % len(OUTPUT_STATES)]
            submissions.append(
                OutputSubmission(
                    contract=contract,
                    submitted_by=user,
                    kind="table" if k % 2 == 0 else "model",
                    title=f"Table {k + 1} of {contract.reference}",
                    description="Counts of claims by region.",
                    publication="Working paper",
                    state=state,
                    submitted_at=now - datetime.timedelta(days=n % 30, hours=k),
                    updated_at=now,
                    destroyed_at=now if state == "destroyed" else None,
                )
            )
    submissions = bulk.create(OutputSubmission, submissions)
    versions = []
    for submission in submissions:
        count = 2 if submission.state in ("resubmitted", "cleared") else 1
        for number in range(1, count + 1):
            body = f"{submission.pk}:{number}".encode()
            versions.append(
                OutputVersion(
                    submission=submission,
                    number=number,
                    original_name=f"table_{submission.pk}_v{number}.csv",
                    content_type="text/csv",
                    size=len(body),
                    sha256=hashlib.sha256(body).hexdigest(),
                    parsed={},
                    findings=[],
                    uploaded_by_id=submission.submitted_by_id,
                    uploaded_at=submission.submitted_at,
                )
            )
    versions = bulk.create(OutputVersion, versions)
    first_version: dict[int, OutputVersion] = {}
    for version in versions:
        first_version.setdefault(version.submission_id, version)
    outcome = {"changes_requested": "changes_requested", "resubmitted": "changes_requested"}
    outcome |= {"cleared": "cleared", "refused": "refused", "destroyed": "cleared"}
    bulk.create(
        OutputDecision,
        [
            OutputDecision(
                submission=s,
                version=first_version[s.pk],
                outcome=outcome[s.state],
                reason="Checked against the rules of thumb.",
                by=bench["checker"],
                at=now,
            )
            for s in submissions
            if s.state in outcome
        ],
    )
    return len(submissions)


def _campaign(rng, grants, bench, bulk: AuditedBulk) -> int:
    """This period's access review: a review for every grant, each IAM's campaign, a third decided."""
    today = timezone.localdate()
    start = period_start(today)
    if ReviewCampaign.objects.filter(period_start=start).exists():
        return 0
    now = timezone.now()
    (campaign,) = bulk.create(
        ReviewCampaign, [ReviewCampaign(period_start=start, deadline=today + datetime.timedelta(days=21))]
    )
    iams: dict[int, User] = {}
    for grant in grants:
        if grant.asset.manager_id:
            iams.setdefault(grant.asset.manager_id, grant.asset.manager)
    recerts = bulk.create(
        RecertificationCampaign,
        [RecertificationCampaign(review_campaign=campaign, iam=iam) for iam in iams.values()],
    )
    recert_of = {r.iam_id: r for r in recerts}
    reviews = []
    for n, grant in enumerate(grants):
        manager_id = grant.asset.manager_id
        decided = manager_id is not None and n % 3 == 0 and manager_id != bench["iam"].pk
        reviews.append(
            AccessReview(
                campaign=campaign,
                grant=grant,
                decision="confirm" if decided else "",
                decided_by_id=manager_id if decided else None,
                decided_at=now if decided else None,
                reason="Still needed." if decided else "",
                recertification=recert_of.get(manager_id) if decided else None,
            )
        )
    return len(bulk.create(AccessReview, reviews))
