"""The morning contract reminders against a destruction recorded at the same moment (tests/races.py)."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime

import pytest

from governance.contracts import reminders
from governance.contracts.models import ResearchContract
from governance.contracts.records import record_destruction
from governance.core.models import Notification
from tests.contract_fixtures import TODAY, asset, contract, gateway, iam, manager, upload  # noqa: F401
from tests.contracts.test_contract_reminders import released  # noqa: F401
from tests.races import SKIP_UNLESS_POSTGRESQL, change_between_read_and_write

pytestmark = [SKIP_UNLESS_POSTGRESQL, pytest.mark.django_db(transaction=True)]


def test_a_destruction_recorded_while_the_reminders_run_gets_no_overdue_reminder(released):
    def destroy() -> None:
        contract = ResearchContract.objects.get(pk=released.pk)
        record_destruction(contract, by=contract.manager, destroyed_on=TODAY, certified_by="DPO", certificate=upload())

    overdue_day = released.destruction_due_date + datetime.timedelta(days=20)
    with change_between_read_and_write(destroy, reminders, writes=("notify",)) as race:
        run = reminders.send_contract_reminders(today=overdue_day)
    assert race["fired"]
    assert (run.destruction_overdue, run.escalated) == (0, 0)
    assert not Notification.objects.filter(dedupe_key__startswith="contract-destruction").exists()
