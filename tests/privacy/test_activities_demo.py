"""The demo shows the record of processing and the sharing agreements, and loading it again adds nothing."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.utils import timezone

from governance.core.models import OfficeHolder
from governance.privacy.models import ProcessingActivity, SharingAgreement
from governance.privacy.selectors import agreements_past_review


def test_the_demo_records_activities_and_agreements(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    assert ProcessingActivity.objects.count() == 4
    assert ProcessingActivity.objects.filter(role="processor").count() == 1
    assert SharingAgreement.objects.filter(status="active").count() == 1
    assert SharingAgreement.objects.filter(status="draft").count() == 1
    assert SharingAgreement.objects.filter(agreements_past_review(timezone.localdate())).count() == 1
    assert OfficeHolder.objects.get(office=OfficeHolder.Office.DATA_PROTECTION_OFFICER).holder.username == "dee.dpo"
    call_command("load_demo", stdout=io.StringIO())
    assert (ProcessingActivity.objects.count(), SharingAgreement.objects.count()) == (4, 2)
