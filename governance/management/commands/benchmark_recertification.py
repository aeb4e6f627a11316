"""Time an IAM's bulk decisions in an access review campaign on the current database.

Builds one IAM with an asset and ``--grants`` live grants for each of keep, shorten and revoke
(written in bulk with their audit entries, as the scale seed writes them), opens a campaign for
them, and times one ``decide_many`` call per decision, as one request of the campaign page makes
it. Runs inside a transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import datetime
import time
import uuid

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.access import recertification
from governance.access.models import AccessGrant, AccessRequest, AccessReview, ReviewCampaign
from governance.core.audit import system_user
from governance.core.models import User
from governance.core.models.audit import seal_pending
from governance.management.base import AuditedCommand
from governance.register.assets import create_asset, save_data_item
from governance.register.models import DataItem, InformationAsset, InformationAssetUserObjectPermission
from governance.register.organisation import create_area
from governance.seeding.bulk import AuditedBulk


class Rollback(Exception):
    pass


class QueryCounter:
    """Counts the SQL statements run (a database execute wrapper, without the debug log's cap)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


DECISIONS = ("confirm", "shorten", "revoke")
REASON = "Benchmark of the access review"


class Command(AuditedCommand):
    help = "Time keeping, shortening and revoking N grants in one bulk decision each (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--grants", type=int, default=500, help="How many grants each bulk decision covers.")
        parser.add_argument(
            "--page",
            action="store_true",
            help="Post each decision to the campaign's page as its IAM (the whole request) instead of calling "
            "the service.",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark writes and rolls back a campaign: never in production.")
        count = options["grants"]
        results: list[tuple[str, float, int]] = []
        reverse("access:campaigns")  # a running server has its URLs loaded before its first bulk decision
        try:
            with transaction.atomic():
                campaign, reviews = self._world(count)
                client = self._client(campaign.iam) if options["page"] else None
                for n, decision in enumerate(DECISIONS):
                    ids = [r.pk for r in reviews[n * count : (n + 1) * count]]
                    counter = QueryCounter()
                    ends_on = timezone.localdate() + datetime.timedelta(days=30)
                    with connection.execute_wrapper(counter):
                        start = time.perf_counter()
                        if client is not None:
                            self._post(client, campaign, ids, decision, ends_on)
                        else:
                            recertification.decide_many(
                                campaign,
                                by=campaign.iam,
                                review_ids=ids,
                                decision=decision,
                                reason=REASON,
                                ends_on=ends_on,
                            )
                        seal_pending()  # what the request's commit does after it: seal what is left
                        elapsed = time.perf_counter() - start
                    results.append((decision, elapsed, counter.count))
                raise Rollback
        except Rollback:
            pass
        how = "posted to the campaign's page" if options["page"] else "in one request"
        for decision, elapsed, ran in results:
            self.stdout.write(
                f"{decision:8} {count} grants {how}: {elapsed:.2f} s, {ran} queries "
                f"({1000 * elapsed / count:.1f} ms and {ran / count:.1f} queries per grant)"
            )

    def _client(self, iam: User) -> Client:
        """The IAM signed in, with a verified second factor, as on the portal."""
        device = TOTPDevice.objects.create(user=iam, name="Benchmark", confirmed=True)
        client = Client()
        client.force_login(iam)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    def _post(self, client: Client, campaign, ids: list[int], decision: str, ends_on: datetime.date) -> None:
        data: dict[str, object] = {"reviews": ids, "decision": decision, "reason": REASON}
        data |= {"ends_on_day": ends_on.day, "ends_on_month": ends_on.month, "ends_on_year": ends_on.year}
        response = client.post(reverse("access:campaign", args=[campaign.pk]), data)
        if response.status_code != 302:
            raise CommandError(f"The campaign's page answered {response.status_code} to the {decision} decision")

    def _world(self, count: int):
        """One IAM, one asset, three times ``count`` live grants and the campaign that reviews them."""
        system = system_user()
        tag = uuid.uuid4().hex[:8]
        bulk = AuditedBulk(system, cid=f"benchmark-recertification-{tag}")
        area = create_area(name=f"Benchmark area {tag}", code=f"b{tag}", deputy=None, by=system)
        iam = User.objects.create_user(username=f"bench-iam-{tag}", email=f"iam-{tag}@example.gov.uk")
        today = timezone.localdate()
        asset = create_asset(
            manager=iam,
            by=system,
            name=f"Benchmark caseload {tag}",
            description="Synthetic asset of the recertification benchmark.",
            business_area=area,
            classification=InformationAsset.Classification.OFFICIAL_SENSITIVE,
            contains_personal_data=False,
            lawful_basis=InformationAsset.LawfulBasis.PUBLIC_TASK,
            identifiability=InformationAsset.Identifiability.ANONYMISED,
            extract_type=InformationAsset.ExtractType.FULL,
            storage_location="Analytical secure environment",
            retention_rule="Seven years",
            next_review_date=today + datetime.timedelta(days=120),
        )
        item = save_data_item(
            asset, by=iam, name="claim_count", description="Claims", sensitivity=DataItem.Sensitivity.NON_PERSONAL
        )
        holders = bulk.create(
            User,
            [
                User(username=f"bench-{tag}-{n}", email=f"holder-{tag}-{n}@example.gov.uk", business_area=area)
                for n in range(3 * count)
            ],
        )
        end = today + datetime.timedelta(days=200)
        now = timezone.now()
        requests = bulk.create(
            AccessRequest,
            [
                AccessRequest(
                    requester=h,
                    asset=asset,
                    purpose="Benchmark",
                    business_case="Synthetic.",
                    requested_end_date=end,
                    state="approved",
                    approved_end_date=end,
                    iam_decision="approve",
                    iam_decided_by=iam,
                    submitted_at=now,
                    decided_at=now,
                )
                for h in holders
            ],
        )
        grants = bulk.create(
            AccessGrant,
            [
                AccessGrant(request=r, holder=r.requester, asset=asset, starts_on=today, ends_on=end, decided_by=iam)
                for r in requests
            ],
        )
        through = AccessGrant.items.through
        bulk.create_m2m(
            through,
            [through(accessgrant_id=g.pk, dataitem_id=item.pk) for g in grants],
            describe=lambda row: (asset, "items", item.name),
        )
        perm = Permission.objects.get(codename="access_informationasset")
        bulk.create(
            InformationAssetUserObjectPermission,
            [InformationAssetUserObjectPermission(user=h, content_object=asset, permission=perm) for h in holders],
        )
        period = ReviewCampaign.objects.order_by("period_start").values_list("period_start", flat=True).first()
        start = (period or today) - datetime.timedelta(days=1)
        review_campaign = bulk.create(
            ReviewCampaign, [ReviewCampaign(period_start=start, deadline=today + datetime.timedelta(days=21))]
        )[0]
        reviews = bulk.create(AccessReview, [AccessReview(campaign=review_campaign, grant=g) for g in grants])
        return recertification.open_campaign(review_campaign, iam), reviews
