"""The nightly leavers job against an administrator acting at the same moment (tests/races.py)."""

from __future__ import annotations

import datetime

import pytest

from governance.core.audit import system_user
from governance.core.models import User
from governance.register import people
from tests.factories import UserFactory
from tests.races import SKIP_UNLESS_POSTGRESQL, change_between_read_and_write

pytestmark = [SKIP_UNLESS_POSTGRESQL, pytest.mark.django_db(transaction=True)]


def test_a_leaving_date_moved_while_the_leavers_job_runs_stands(administrator):
    today = datetime.date.today()
    leaver = UserFactory(username="leaving")
    people.mark_leaver(leaver, today + datetime.timedelta(days=1), by=system_user())
    later = today + datetime.timedelta(days=30)

    def postpone() -> None:
        people.mark_leaver(leaver, later, by=administrator)

    with change_between_read_and_write(postpone, people) as race:
        count = people.deactivate_due_leavers(today + datetime.timedelta(days=1))
    assert race["fired"]
    leaver = User.objects.get(pk=leaver.pk)
    assert (leaver.is_active, leaver.leaver_date, count) == (True, later, 0)
