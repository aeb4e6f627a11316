"""The DPIA pages: who sees the list and each step, constant queries, and signing with a security key."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from governance.core.security import KEY_FIELD
from governance.privacy.forms.dpias import SignForm
from governance.privacy.models import DPIA
from governance.privacy.screening import dpia_of
from tests.core.key_answers import answer_to
from tests.factories import ProcessingActivityFactory, UserFactory
from tests.privacy.test_dpias import sign_both, submitted, write_and_advise

pytestmark = pytest.mark.django_db


def make_dpia(area, owner) -> DPIA:
    activity = ProcessingActivityFactory(business_area=area, owner=owner, special_category_condition="research")
    return dpia_of(activity)


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_runs_a_constant_number_of_queries(
    verified_client, area, iam, dpo, count, django_assert_max_num_queries
):
    for _ in range(count):
        make_dpia(area, iam)
    client = verified_client(dpo)
    client.get(reverse("privacy:dpia-list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("privacy:dpia-list"))
    assert response.status_code == 200
    assert len(response.context["dpias"]) == min(count, 25)


def test_iams_and_deputies_see_their_own_the_dpo_sees_all(
    verified_client, area, other_area, iam, other_iam, deputy, other_deputy_siro, dpo
):
    own, other = make_dpia(area, iam), make_dpia(other_area, other_iam)
    for person, seen in ((iam, {own}), (deputy, {own}), (other_deputy_siro, {other}), (dpo, {own, other})):
        page = verified_client(person).get(reverse("privacy:dpia-list"))
        assert page.status_code == 200, person.username
        assert set(page.context["dpias"]) == seen
    assert verified_client(iam).get(other.get_absolute_url()).status_code == 403


def test_the_detail_page_is_a_task_list_linking_the_next_step(verified_client, area, iam):
    dpia = make_dpia(area, iam)
    page = verified_client(iam).get(dpia.get_absolute_url()).content.decode()
    assert "govuk-task-list" in page and reverse("privacy:dpia-screening", args=[dpia.pk]) in page


def test_the_advice_page_is_the_dpos_only(verified_client, area, iam, deputy, dpo):
    dpia = make_dpia(area, iam)
    url = reverse("privacy:dpia-advice", args=[dpia.pk])
    for person in (iam, deputy):
        assert verified_client(person).get(url).status_code == 403
    assert verified_client(dpo).get(url).status_code == 200


def test_the_screening_page_reports_every_problem_at_once(verified_client, area, iam):
    dpia = make_dpia(area, iam)
    page = verified_client(iam).post(reverse("privacy:dpia-screening", args=[dpia.pk]), {}).content.decode()
    assert "Say whether a DPIA is needed" in page and "Give the reasons for the screening" in page


def test_the_request_page_links_its_dpia(verified_client, health, iam):
    request = submitted(health, "health_condition")
    page = verified_client(iam).get(request.get_absolute_url()).content.decode()
    assert "cannot be approved yet" in page and dpia_of(request).get_absolute_url() in page


def test_signing_with_a_security_key_and_without(client, verified_client, health, iam, deputy, dpo, signatures_pass):
    dpia = write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo)
    WebAuthnCredential.objects.create(user=iam, name="Key", credential_id=b"k", public_key=b"p", confirmed=True)
    browser = verified_client(iam)
    url = reverse("privacy:dpia-sign", args=[dpia.pk])
    data = {"advice_followed": "yes", "confirm": "on"}
    refused = browser.post(url, data)
    assert refused.status_code == 200 and refused.context["form"].key_error
    dpia.refresh_from_db()
    assert dpia.iam_signed_by is None
    answer = answer_to(SignForm, browser, iam, url)
    signed = browser.post(url, {**data, KEY_FIELD: answer})
    assert signed.status_code == 302
    dpia.refresh_from_db()
    assert dpia.iam_signed_by == iam and dpia.state == DPIA.State.AWAITING_SIGN_OFF


def test_the_home_task_list_names_each_step_to_whoever_takes_it(verified_client, health, iam, deputy, dpo):
    dpia = dpia_of(submitted(health, "health_condition"))
    assert "Answer the screening of 1 DPIA" in verified_client(iam).get("/").content.decode()
    listed = verified_client(iam).get(reverse("privacy:dpia-list") + "?status=screening")
    assert list(listed.context["dpias"]) == [dpia]
    write_and_advise(dpia, author=iam, dpo=dpo)
    assert "Sign off 1 DPIA" in verified_client(deputy).get("/").content.decode()
    assert "Advise on" not in verified_client(dpo).get("/").content.decode()


def test_the_review_page_records_a_review_and_reports_every_problem_at_once(verified_client, health, iam, deputy, dpo):
    dpia = sign_both(write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo), iam, deputy)
    detail = verified_client(iam).get(dpia.get_absolute_url()).content.decode()
    url = reverse("privacy:dpia-review", args=[dpia.pk])
    assert f'href="{url}"' in detail
    page = verified_client(iam).post(url, {}).content.decode()
    assert "govuk-error-summary" in page
    assert "Say whether the DPIA still describes the processing and its risks" in page
    assert "Say what the review found" in page
    done = verified_client(iam).post(url, {"outcome": "still_accurate", "notes": "Checked with the team"})
    assert done.status_code == 302 and done.url == dpia.get_absolute_url()
    dpia.refresh_from_db()
    assert (
        dpia.last_reviewed_by == iam and "Checked with the team" in verified_client(iam).get(done.url).content.decode()
    )
    assert verified_client(UserFactory()).get(url).status_code == 403


def test_a_review_falling_due_is_on_the_home_task_list_of_those_who_review_it(
    verified_client, health, iam, deputy, dpo, time_machine
):
    dpia = sign_both(write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo), iam, deputy)
    assert "Review 1 signed DPIA" not in verified_client(iam).get("/").content.decode()
    time_machine.move_to(dpia.review_date)
    for person in (iam, deputy, dpo):
        assert "Review 1 signed DPIA" in verified_client(person).get("/").content.decode(), person
    listed = verified_client(iam).get(reverse("privacy:dpia-list") + "?status=review")
    assert list(listed.context["dpias"]) == [dpia]
    assert "Review 1 signed DPIA" not in verified_client(UserFactory()).get("/").content.decode()
