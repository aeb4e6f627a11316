"""The nightly risk review reminders against an IAM closing the risk at the same moment (tests/races.py)."""

from __future__ import annotations

import datetime

import pytest

from governance.assurance import risks
from governance.assurance.models import InformationRisk
from governance.core.models import Notification
from tests.assurance.test_risks import TODAY, risk_fields
from tests.races import SKIP_UNLESS_POSTGRESQL, change_between_read_and_write

pytestmark = [SKIP_UNLESS_POSTGRESQL, pytest.mark.django_db(transaction=True)]


def test_a_risk_closed_while_the_reminders_run_gets_none(iam, asset, deputy_siro):
    risk = risks.record_risk(asset, by=iam, **risk_fields(iam, review_date=TODAY - datetime.timedelta(days=3)))

    def close() -> None:
        risks.update_risk(InformationRisk.objects.get(pk=risk.pk), by=iam, status=InformationRisk.Status.CLOSED)

    with change_between_read_and_write(close, risks, writes=("remind",)) as race:
        run = risks.send_risk_review_reminders()
    assert race["fired"]
    assert (run.reminded, run.escalated) == (0, 0)
    assert not Notification.objects.filter(dedupe_key__startswith="risk-review").exists()
