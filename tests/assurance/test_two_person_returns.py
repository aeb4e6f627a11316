"""An assurance return needs two people: the IAM signs, another accepts. Where the area's Deputy
SIRO is the IAM who signed, the SIRO stands in (then the SIRO's named alternate)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from governance.assurance import policy, returns
from governance.assurance.models import AssuranceReturn
from tests.assurance.conftest import open_round
from tests.assurance.test_returns import sign
from tests.factories import TOTPDeviceFactory, make_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def deputys_return(area, deputy_siro, siro, django_capture_on_commit_callbacks) -> AssuranceReturn:
    """The Deputy SIRO is also the IAM of an asset in their own area."""
    make_asset(manager=deputy_siro, business_area=area, name="Deputy's own asset")
    TOTPDeviceFactory(user=deputy_siro)
    with django_capture_on_commit_callbacks(execute=True):
        round_ = open_round(siro)
    return AssuranceReturn.objects.get(round=round_, iam=deputy_siro)


def test_the_siro_accepts_the_return_of_an_iam_who_is_the_deputy(deputys_return, deputy_siro, siro):
    signed = sign(deputys_return, deputy_siro)
    assert not policy.can_decide_return(deputy_siro, signed)
    with pytest.raises(PermissionDenied):
        returns.accept_return(signed, by=deputy_siro)
    assert policy.can_decide_return(siro, signed)
    accepted = returns.accept_return(signed, by=siro)
    assert (accepted.state, accepted.decided_by, accepted.signed_by) == ("accepted", siro, deputy_siro)


def test_the_signer_never_decides_the_return_they_signed(deputys_return, deputy_siro, siro):
    signed = sign(deputys_return, deputy_siro)
    assert policy.return_signers(signed) == {deputy_siro.pk}
    assert not policy.can_decide_return(deputy_siro, policy.return_as_signed_by(signed, deputy_siro))
    with pytest.raises(PermissionDenied):
        returns.send_back_return(signed, by=deputy_siro, reason="Mine")
