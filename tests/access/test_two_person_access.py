"""Two people for high-risk access and for recertification: the second is never the first.

When the IAM's step passes to the Deputy SIRO (no active IAM, the IAM asked, or the IAM is the
Deputy SIRO), the SIRO gives the second approval; with the SIRO also out of the way, the SIRO's
named alternate. A grant is recertified by someone other than its holder, the SIRO standing in.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from governance.access import policy, recertification
from governance.access import requests as service
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.register.assets import reassign_iam
from governance.register.organisation import appoint_office_holder
from tests.access.test_access import S, submit
from tests.factories import DataItemFactory, UserFactory, make_asset, make_grant, make_review

pytestmark = pytest.mark.django_db


def _identifiable(area, manager):
    asset = make_asset(manager=manager, business_area=area, name="Claims with names", identifiability="identifiable")
    DataItemFactory(asset=asset, name="nino", sensitivity=S.DIRECT_IDENTIFIER)
    return asset


def _approve_at_iam_step(request, by):
    service.decide_as_iam(request, by=by, decision="approve", reason="Business case is sound")
    request.refresh_from_db()
    assert request.state == "submitted" and request.iam_decided_by == by
    return request


@pytest.mark.parametrize("iam_is", ["missing", "the deputy siro"])
def test_the_deputy_who_took_the_iam_step_cannot_approve_it_too(iam_is, area, handler, deputy_siro, siro):
    asset = _identifiable(area, None if iam_is == "missing" else deputy_siro)
    request = _approve_at_iam_step(submit(handler, asset, ["nino"]), deputy_siro)
    assert not policy.can_decide_as_deputy(deputy_siro, request)
    with pytest.raises(PermissionDenied):
        service.decide_as_deputy(request, by=deputy_siro, decision="approve", reason="Agreed")
    assert policy.deputy_step_person(request) == siro
    service.decide_as_deputy(request, by=siro, decision="approve", reason="Agreed")
    request.refresh_from_db()
    assert request.state == "approved"
    assert request.iam_decided_by == deputy_siro and request.deputy_decided_by == siro


def test_an_iam_who_asked_passes_both_steps_on(area, deputy_siro, siro):
    from tests.factories import make_data_protection_course, make_signoff

    iam = UserFactory(username="asking-iam", business_area=area, is_data_handler=True)
    make_signoff(iam, make_data_protection_course())
    request = submit(iam, _identifiable(area, iam), ["nino"])
    assert not policy.can_decide_as_iam(iam, request)
    request = _approve_at_iam_step(request, deputy_siro)
    assert not policy.can_decide_as_deputy(deputy_siro, request) and policy.can_decide_as_deputy(siro, request)


def test_the_named_alternate_stands_in_when_the_siro_took_the_first_step(area, handler, siro):
    """The SIRO is the area's Deputy SIRO too and took the IAM's step: the alternate approves."""
    from governance.register.organisation import set_deputy_siro

    set_deputy_siro(area, siro, by=system_user())
    alternate = UserFactory(username="alternate", business_area=area)
    appoint_office_holder(OfficeHolder.Office.SIRO_ALTERNATE, alternate, by=system_user())
    request = _approve_at_iam_step(submit(handler, _identifiable(area, None), ["nino"]), siro)
    assert not policy.can_decide_as_deputy(siro, request)
    assert policy.deputy_step_person(request) == alternate
    service.decide_as_deputy(request, by=alternate, decision="approve", reason="Agreed")
    request.refresh_from_db()
    assert request.state == "approved" and request.deputy_decided_by == alternate


def test_the_usual_two_people_are_unchanged(area, handler, iam, deputy_siro, siro):
    request = _approve_at_iam_step(submit(handler, _identifiable(area, iam), ["nino"]), iam)
    assert policy.deputy_step_person(request) == deputy_siro
    assert not policy.can_decide_as_deputy(siro, request) and not policy.can_decide_as_deputy(iam, request)


def test_the_siro_recertifies_a_grant_held_by_the_iam_and_deputy(area, siro):
    """The holder is the asset's IAM and the area's Deputy SIRO: nobody but the SIRO is left to review it."""
    from governance.register.organisation import set_deputy_siro

    holder = UserFactory(username="iam-deputy", business_area=area)
    set_deputy_siro(area, holder, by=system_user())
    asset = make_asset(manager=UserFactory(), business_area=area, name="Claims")
    grant = make_grant(holder, asset)
    reassign_iam(asset, holder, by=system_user())
    grant.refresh_from_db()
    review = make_review(grant)
    assert policy.reviewer_for(grant) == siro
    assert not policy.can_review(holder, review)
    with pytest.raises(PermissionDenied):
        recertification.decide(review, by=holder, decision="confirm")
    recertification.decide(review, by=siro, decision="confirm")
    review.refresh_from_db()
    assert review.decided_by == siro
