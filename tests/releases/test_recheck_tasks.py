"""After a rule change, the nightly re-check enqueues one check per stale table instead of solving them all at once."""

# ruff: noqa: F811 - the release fixtures are imported by name

from __future__ import annotations

from unittest import mock

import pytest

from governance.core.audit import acting_as
from governance.disclosure import Rules
from governance.releases import workflow as service
from governance.releases.models import OutputTable
from governance.releases.tasks import recheck_release_tables
from tests.releases.test_releases import (  # noqa: F401 - fixtures
    asset,
    csv_upload,
    release,
    sdc,
    source,
    statistician,
    table,
)

pytestmark = pytest.mark.django_db


def test_the_recheck_enqueues_one_check_per_stale_table_and_solves_none(sdc, statistician, release, source, table):
    second = service.add_table(release, by=statistician, title="Claims by age", source=source, upload=csv_upload())
    with acting_as(sdc):
        service.save_rules(Rules(threshold=7), by=sdc, note="Tighter")
    with mock.patch.object(service, "enqueue") as enqueue, mock.patch.object(service, "_run_check") as solve:
        assert recheck_release_tables.apply().get() == 2
    assert enqueue.call_args_list == [
        mock.call("governance.releases.tasks.check_output_table", t.pk, t.table_digest) for t in (table, second)
    ]
    assert not solve.called
    # Each enqueued check brings its table up to the rules in force.
    for call in enqueue.call_args_list:
        service.run_background_check(*call.args[1:])
    assert all(service.is_current(t) for t in OutputTable.objects.all())
