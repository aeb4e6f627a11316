"""Demonstration access: an extract, a live grant, a request awaiting a decision, a rejected one."""

from __future__ import annotations

import datetime
import random
from typing import cast

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from governance.access import requests as access
from governance.access.extracts import latest_extract, upload_extract
from governance.access.models import AccessRequest
from governance.core.models import User
from governance.register.models import InformationAsset

CASELOAD = "Benefit caseload statistics extract"


def _synthetic_extract(asset: InformationAsset) -> bytes:
    """A small made-up extract whose columns are the asset's data items (no real person)."""
    rng = random.Random(20261124)  # noqa: S311 - demo data, not security
    names = list(asset.items.order_by("name").values_list("name", flat=True))
    values = {
        "pseudo_id": lambda n: f"P{100000 + n}",
        "benefit_type": lambda n: rng.choice(["Universal Credit", "Pension Credit", "Jobseeker's Allowance"]),
        "date_of_birth": lambda n: f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "sex": lambda n: rng.choice(["F", "M"]),
        "local_authority": lambda n: rng.choice(["Leeds", "Cardiff", "Newcastle upon Tyne", "Glasgow", "Norwich"]),
        "claim_start_date": lambda n: f"20{rng.randint(18, 26)}-{rng.randint(1, 12):02d}-01",
    }
    lines = [",".join(names)]
    for n in range(200):
        lines.append(",".join(values.get(name, lambda n: "")(n) for name in names))
    return ("\n".join(lines) + "\n").encode()


def load_access(system: User) -> None:
    asset = InformationAsset.objects.filter(name=CASELOAD).select_related("manager").first()
    if asset is None or AccessRequest.objects.filter(asset=asset).exists():
        return
    iam = cast(User, asset.manager)  # the demo register names the caseload's IAM
    if latest_extract(asset) is None:
        upload_extract(asset, SimpleUploadedFile("caseload.csv", _synthetic_extract(asset)), by=iam)
    people = {u.username: u for u in User.objects.filter(username__in=["sam.staff", "dana.handler", "tom.iam"])}
    items = {item.name: item for item in asset.items.all()}
    end = timezone.localdate() + datetime.timedelta(days=120)

    # Sam: counts by benefit and area, approved (nothing personal).
    granted = access.save_request(
        requester=people["sam.staff"],
        asset=asset,
        purpose="Quarterly benefit caseload tables",
        business_case="The published caseload tables need counts by benefit and local authority.",
        requested_end_date=end,
        items={items["benefit_type"]: "Tables are by benefit", items["local_authority"]: "Tables are by area"},
        submit=True,
    )
    access.decide_as_iam(granted, by=iam, decision="approve", reason="Counts only, for the published tables")

    # Tom: wants dates of birth, awaiting the IAM.
    access.save_request(
        requester=people["tom.iam"],
        asset=asset,
        purpose="Age profile of new claims",
        business_case="A one-off analysis of the age of new claimants for the Work and Health Programme.",
        requested_end_date=end,
        items={items["date_of_birth"]: "Age at claim", items["claim_start_date"]: "To compute age at claim"},
        submit=True,
    )

    # Sam again: every item including identifiers, rejected as more than the minimum.
    rejected = access.save_request(
        requester=people["sam.staff"],
        asset=asset,
        purpose="Explore the data",
        business_case="To see what is there.",
        requested_end_date=end,
        items={item: "Might be useful" for item in items.values() if item.sensitivity == "non_personal"},
        submit=True,
    )
    access.decide_as_iam(rejected, by=iam, decision="reject", reason="No business case for exploratory access")
