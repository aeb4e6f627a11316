"""Demonstration statistical releases, prepared by sara.statistician.

One release awaits sign-off by chris.statistician (the Chief Statistician): its
tables have small cells, which the check suppresses. One was signed off by
olu.disclosure and released. Safe to run again: releases already there are skipped.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from governance.core.models import User
from governance.register.models import InformationAsset
from governance.releases import workflow as service
from governance.releases.models import StatisticalRelease

REGION_TABLE = b"""region,count
North East,412
North West,1290
Yorkshire and The Humber,7
East Midlands,655
West Midlands,880
Total,3244
"""

REGION_SEX_TABLE = b"""region,sex,count
North East,Female,210
North East,Male,202
North East,Total,412
North West,Female,4
North West,Male,690
North West,Total,694
Yorkshire and The Humber,Female,515
Yorkshire and The Humber,Male,498
Yorkshire and The Humber,Total,1013
East Midlands,Female,330
East Midlands,Male,325
East Midlands,Total,655
West Midlands,Female,441
West Midlands,Male,439
West Midlands,Total,880
Total,Female,1500
Total,Male,2154
Total,Total,3654
"""

HOUSEHOLD_SAMPLE_TABLE = b"""household_type,count
Single adult,118
Couple,204
Lone parent,22
Couple with children,301
Total,645
"""


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def load_releases(system: User) -> None:
    author = User.objects.get(username="sara.statistician")
    if StatisticalRelease.objects.filter(author=author).exists():
        return
    today = timezone.localdate()
    caseload = InformationAsset.objects.get(name="Benefit caseload statistics extract")
    survey = InformationAsset.objects.get(name="Households Below Average Income")

    pending = service.create_release(
        by=author,
        title="Benefit caseload statistics: quarterly release",
        summary="People claiming working-age benefits, by region and sex.",
        planned_release_date=today + datetime.timedelta(days=21),
    )
    source = service.add_source(pending, by=author, asset=caseload, extract_type="full")
    service.add_table(
        pending, by=author, title="Claimants by region", source=source, upload=_upload("region.csv", REGION_TABLE)
    )
    service.add_table(
        pending,
        by=author,
        title="Claimants by region and sex",
        source=source,
        upload=_upload("region-sex.csv", REGION_SEX_TABLE),
    )

    released = service.create_release(
        by=author,
        title="Households below average income: annual estimates",
        summary="Estimated households by type, grossed from the survey sample.",
        planned_release_date=today - datetime.timedelta(days=14),
    )
    sample = service.add_source(
        released, by=author, asset=survey, extract_type="sample", sampling_weight=Decimal("2500")
    )
    service.add_table(
        released,
        by=author,
        title="Households by type",
        source=sample,
        upload=_upload("households.csv", HOUSEHOLD_SAMPLE_TABLE),
    )
    officer = User.objects.get(username="olu.disclosure")
    state = service.readiness(released)
    if state.ready:
        service._record_sign_off(
            released, state, by=officer, comments="Grossed and rounded; small estimate suppressed.", ip_address=None
        )
        service.mark_released(released, by=author)
