"""A fresh sign-in at the provider as the fresh proof for a critical step, against the real provider.

Someone who signed in through the provider and holds no portal key confirms a release
sign-off by signing in there again (``max_age=0``, ``prompt=login``). The proof is good
for that step on that release only, once, for that person, and only with an ``auth_time``
after the portal asked.
"""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import ApiToken, OfficeHolder, SecurityEvent
from governance.core.security import PROVIDER_FIELD, verify_fresh_second_factor
from governance.register.organisation import appoint_office_holder
from governance.releases import workflow as service
from governance.releases.models import ReleaseSignOff
from governance.training import courses as training
from governance.training.models import TrainingSignOff
from tests.core.sso_provider import sign_in
from tests.factories import UserFactory, make_asset, make_course

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("oidc_provider")]

SAFE_CSV = b"region,count\nNorth,120\nSouth,40\nTotal,160\n"


def make_release(area, title: str):
    author = UserFactory(business_area=area, groups=[roles.STATISTICIANS])
    release = service.create_release(
        by=author, title=title, planned_release_date=timezone.localdate() + datetime.timedelta(30)
    )
    source = service.add_source(
        release, by=author, asset=make_asset(business_area=area, name=f"{title} extract"), extract_type="full"
    )
    service.add_table(release, by=author, title="T", source=source, upload=SimpleUploadedFile("t.csv", SAFE_CSV))
    return release


@pytest.fixture
def chief(area):
    """The Chief Statistician, known to the provider as subject-alice; no portal key, no authenticator app."""
    user = UserFactory(username="chief", business_area=area, oidc_subject="subject-alice")
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, user, by=system_user())
    return user


@pytest.fixture
def signed_in(sso, chief, client):
    """The chief signed in through the provider, and the browser that holds the provider's cookies."""
    browser = requests.Session()
    assert sign_in(client, sso, "subject-alice", browser=browser).status_code == 302
    return browser


def sign_off_url(release) -> str:
    return reverse("releases:sign-off", args=[release.pk])


def step_up(client, sso, browser, page: str, *, account="subject-alice", change=None):
    start = reverse("sso:step_up") + "?" + urlencode({"next": page})
    return sign_in(client, sso, account, browser=browser, change=change, start_url=start)


def step_up_refusals() -> list[str]:
    return list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_REFUSED).values_list("detail", flat=True))


def test_a_release_is_signed_off_after_a_fresh_sign_in_at_the_provider(sso, chief, client, signed_in, area):
    release = make_release(area, "Benefit statistics")
    page = client.get(sign_off_url(release)).content.decode()
    assert "Sign in again with" in page and "Code from your authenticator app" not in page

    start = client.get(reverse("sso:step_up") + "?" + urlencode({"next": sign_off_url(release)}))
    query = parse_qs(urlparse(start["Location"]).query)
    assert query["max_age"] == ["0"] and query["prompt"] == ["login"]

    back = step_up(client, sso, signed_in, sign_off_url(release))
    assert back.status_code == 302 and back["Location"] == sign_off_url(release)
    assert 'data-step-up="ready"' in client.get(sign_off_url(release)).content.decode()

    answer = client.post(sign_off_url(release), {"confirm": "on"})

    assert answer.status_code == 302, answer.content.decode()
    assert ReleaseSignOff.objects.get(release=release).signed_by == chief
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SSO_VERIFIED, user=chief, detail__startswith="step-up used for"
    ).exists()


def test_without_a_fresh_sign_in_the_step_is_refused(sso, chief, client, signed_in, area):
    release = make_release(area, "Benefit statistics")

    answer = client.post(sign_off_url(release), {"confirm": "on"})

    assert answer.status_code == 200
    assert "Sign in again with" in answer.content.decode()
    assert not ReleaseSignOff.objects.exists()
    assert any("no fresh sign-in at the provider" in text for text in step_up_refusals())


def test_a_stale_auth_time_gives_no_proof(sso, chief, client, signed_in, area):
    release = make_release(area, "Benefit statistics")
    stale = int(timezone.now().timestamp()) - 3600

    back = step_up(client, sso, signed_in, sign_off_url(release), change={"set": {"auth_time": stale}})

    assert back.status_code == 403
    assert any("auth_time" in text for text in step_up_refusals())
    assert client.get(reverse("home")).status_code == 200  # still signed in: only the step is refused
    client.post(sign_off_url(release), {"confirm": "on"})
    assert not ReleaseSignOff.objects.exists()


def test_a_step_up_without_the_token_proof_gives_no_proof(sso, chief, client, signed_in, area):
    release = make_release(area, "Benefit statistics")

    assert (
        sign_in(
            client,
            sso,
            "subject-alice",
            amr=["pwd"],
            browser=signed_in,
            start_url=reverse("sso:step_up") + "?" + urlencode({"next": sign_off_url(release)}),
        ).status_code
        == 403
    )

    client.post(sign_off_url(release), {"confirm": "on"})
    assert not ReleaseSignOff.objects.exists()


def test_a_proof_for_one_release_or_action_is_refused_for_another(sso, chief, client, signed_in, area):
    first, second = make_release(area, "First"), make_release(area, "Second")
    assert step_up(client, sso, signed_in, sign_off_url(first)).status_code == 302

    client.post(sign_off_url(second), {"confirm": "on"})  # the same action on another release
    assert not ReleaseSignOff.objects.exists()

    request = page_request(client, chief, reverse("two_factor:api_token_create"))
    with pytest.raises(ValidationError) as refused:  # another action altogether
        verify_fresh_second_factor(chief, request=request)
    assert PROVIDER_FIELD in refused.value.error_dict

    assert client.post(sign_off_url(first), {"confirm": "on"}).status_code == 302  # its own step: accepted
    assert [s.release for s in ReleaseSignOff.objects.all()] == [first]


def page_request(client, user, url: str):
    """A POST to ``url`` in the client's session, as the service sees it."""
    request = RequestFactory().post(url)
    request.session, request.user = client.session, user
    request.resolver_match = resolve(url)
    return request


def test_a_proof_is_used_once(sso, chief, client, signed_in, area):
    release = make_release(area, "Benefit statistics")
    assert step_up(client, sso, signed_in, sign_off_url(release)).status_code == 302
    request = page_request(client, chief, sign_off_url(release))

    verify_fresh_second_factor(chief, request=request)
    with pytest.raises(ValidationError):
        verify_fresh_second_factor(chief, request=request)


def test_a_proof_not_used_in_time_is_refused(sso, chief, client, signed_in, area, settings):
    release = make_release(area, "Benefit statistics")
    assert step_up(client, sso, signed_in, sign_off_url(release)).status_code == 302
    request = page_request(client, chief, sign_off_url(release))

    with (
        time_machine.travel(timezone.now() + datetime.timedelta(seconds=settings.OIDC_STEP_UP_SECONDS + 1)),
        pytest.raises(ValidationError) as refused,
    ):
        verify_fresh_second_factor(chief, request=request)
    assert PROVIDER_FIELD in refused.value.error_dict


def test_a_step_up_answered_by_another_person_is_refused(sso, chief, client, signed_in, area):
    UserFactory(username="bob", oidc_subject="subject-bob")
    release = make_release(area, "Benefit statistics")

    # Bob signs in at the provider in a browser of his own (the provider would first end Alice's session in hers).
    back = step_up(client, sso, requests.Session(), sign_off_url(release), account="subject-bob")

    assert back.status_code == 403
    assert any("another person" in text for text in step_up_refusals())
    assert client.get(reverse("home")).wsgi_request.user == chief
    client.post(sign_off_url(release), {"confirm": "on"})
    assert not ReleaseSignOff.objects.exists()


def test_the_step_up_page_is_only_for_someone_signed_in_through_the_provider(
    sso, chief, client, verified_client, signed_in
):
    assert client.get(reverse("sso:step_up") + "?next=https://elsewhere.example/").status_code == 400
    assert client.get(reverse("sso:step_up") + "?next=/no-such-page/").status_code == 400
    local = verified_client(UserFactory(username="local"))
    assert local.get(reverse("sso:step_up") + "?next=/").status_code == 404


def test_training_is_signed_after_a_fresh_sign_in_at_the_provider(sso, chief, client, signed_in):
    """Everyone signs training here: someone signed in through the provider has no code to give."""
    course = make_course()
    sign = reverse("training:sign", args=[course.pk])
    version = training.current_versions([course])[course.pk]
    assert "Code from your authenticator app" not in client.get(sign).content.decode()

    refused = client.post(sign, {"version": version.pk, "confirm": "on"})
    assert refused.status_code == 200 and "Sign in again with" in refused.content.decode()

    assert step_up(client, sso, signed_in, sign).status_code == 302
    assert client.post(sign, {"version": version.pk, "confirm": "on"}).status_code == 302
    assert TrainingSignOff.objects.filter(user=chief).count() == 1


def test_an_api_token_is_created_after_a_fresh_sign_in_at_the_provider(sso, chief, client, signed_in):
    page = reverse("two_factor:api_token_create")
    expires = timezone.localdate() + datetime.timedelta(days=30)
    form = {
        "description": "Reports",
        "expires_on_day": expires.day,
        "expires_on_month": expires.month,
        "expires_on_year": expires.year,
    }
    assert "Sign in again with" in client.post(page, form).content.decode()
    assert not ApiToken.objects.exists()

    assert step_up(client, sso, signed_in, page).status_code == 302
    assert client.post(page, form).status_code == 200

    assert ApiToken.objects.get().user == chief
