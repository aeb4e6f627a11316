"""Training forms report their save-time rules together with the missing fields, on the first submit."""

from __future__ import annotations

import datetime

import pytest

from governance.training import courses as service
from governance.training.models import CourseVersion, TrainingSignOff
from tests.conftest import fresh_code
from tests.factories import make_course

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def course(db):
    return make_course()


def test_a_resign_date_not_after_today_is_reported_with_the_missing_declaration(verified_client, administrator, course):
    before = CourseVersion.objects.filter(course=course).count()
    response = verified_client(administrator).post(
        f"/training/courses/{course.pk}/publish/",
        {
            "declaration_text": "",
            "requires_resign": "True",
            "resign_by_day": TODAY.day,
            "resign_by_month": TODAY.month,
            "resign_by_year": TODAY.year,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the words of the declaration" in page
    assert "The date to sign again by must be after today" in page
    assert CourseVersion.objects.filter(course=course).count() == before


def test_a_stale_version_is_reported_with_the_missing_confirmation_and_the_code_is_kept(
    verified_client, staff, course, administrator
):
    client = verified_client(staff)
    old = service.current_versions([course])[course.pk]
    service.publish_version(course, by=administrator, declaration_text="New words.")
    code = fresh_code(staff.totpdevice_set.get())
    response = client.post(f"/training/{course.pk}/sign/", {"version": old.pk, "otp_token": code})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirm that you have received the training" in page
    assert "A new version of the declaration was published" in page
    assert not TrainingSignOff.objects.exists()
    # The code was not checked, so not used up: it still signs the version in force.
    current = service.current_versions([course])[course.pk]
    response = client.post(f"/training/{course.pk}/sign/", {"version": current.pk, "confirm": "on", "otp_token": code})
    assert response.status_code == 302
    assert TrainingSignOff.objects.filter(user=staff, version=current).exists()
