"""The nightly grant jobs against a person acting at the same moment: what the person committed stands.

Each test lets the job read its list, then commits a change from another connection before the
job writes (tests/races.py), and checks the job neither overwrote nor undid it.
"""

from __future__ import annotations

import datetime

import pytest

from governance.access import grants as grant_service
from governance.access import lifecycle
from governance.access import recertification as recertification_service
from governance.access.models import AccessGrant, AccessReview
from governance.core.models import User
from governance.register.models import DataItem
from tests.access.test_access import items
from tests.factories import DataItemFactory, UserFactory, make_asset, make_grant, make_review
from tests.races import SKIP_UNLESS_POSTGRESQL, change_between_read_and_write

pytestmark = [SKIP_UNLESS_POSTGRESQL, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date.today()
ACCESS_PERM = "governance.access_informationasset"


def _has_access(user: User, asset) -> bool:
    return User.objects.get(pk=user.pk).has_perm(ACCESS_PERM, asset)


def test_a_revoke_made_while_the_training_sync_runs_is_not_overwritten_or_undone(handler, asset, iam):
    grant = make_grant(handler, asset, items(asset, "date_of_birth"))
    later = TODAY + datetime.timedelta(days=400)  # the holder's data-protection training has lapsed by then

    def revoke() -> None:
        grant_service.revoke(grant, by=iam, reason="No longer on the project")

    with change_between_read_and_write(revoke, lifecycle, writes=("_suspend",)) as race:
        run = lifecycle.sync_training(on=later)
    assert race["fired"]
    grant.refresh_from_db()
    assert (grant.state, grant.suspension, run.suspended_training) == ("revoked", "", 0)
    # A later sync, with the training current, gives nothing back.
    lifecycle.sync_training(on=TODAY)
    grant.refresh_from_db()
    assert grant.state == "revoked" and not _has_access(handler, asset)


def test_a_revoke_made_while_expiry_runs_stands(handler, asset, iam):
    grant = make_grant(handler, asset, items(asset, "claim_count"), days=1)
    after = TODAY + datetime.timedelta(days=2)

    def revoke() -> None:
        grant_service.revoke(grant, by=iam, reason="No longer on the project")

    with change_between_read_and_write(revoke, lifecycle) as race:
        run = lifecycle.expire_and_warn(on=after)
    assert race["fired"]
    grant.refresh_from_db()
    assert (grant.state, grant.end_reason, run.expired) == ("revoked", "No longer on the project", 0)


@pytest.fixture
def reviewed(area, iam, deputy_siro):
    asset = make_asset(manager=iam, business_area=area, name="Caseload")
    DataItemFactory(asset=asset, name="claim_count", sensitivity=DataItem.Sensitivity.NON_PERSONAL)
    grant = make_grant(UserFactory(business_area=area), asset)
    return make_review(grant)


def test_a_confirmation_made_while_recertification_is_enforced_stands(reviewed, iam):
    after = reviewed.campaign.deadline + datetime.timedelta(days=1)

    def confirm() -> None:
        recertification_service.decide(reviewed, by=iam, decision=AccessReview.Decision.CONFIRM)

    with change_between_read_and_write(confirm, recertification_service) as race:
        run = recertification_service.enforce_deadlines(on=after)
    assert race["fired"]
    grant = AccessGrant.objects.get(pk=reviewed.grant_id)
    assert (grant.state, run.suspended) == ("active", 0)
    assert _has_access(grant.holder, grant.asset)


def test_a_revoke_made_while_recertification_is_enforced_stands(reviewed, iam):
    after = reviewed.campaign.deadline + datetime.timedelta(days=1)

    def revoke() -> None:
        grant_service.revoke(reviewed.grant, by=iam, reason="No longer on the project")

    with change_between_read_and_write(revoke, recertification_service) as race:
        recertification_service.enforce_deadlines(on=after)
    assert race["fired"]
    grant = AccessGrant.objects.get(pk=reviewed.grant_id)
    assert (grant.state, grant.suspension) == ("revoked", "")
