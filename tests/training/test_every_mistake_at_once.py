"""Signing a training declaration reports every mistake on the first response, and writes nothing."""

from __future__ import annotations

import pytest

from governance.training import courses as service
from governance.training.models import TrainingSignOff
from tests.every_mistake import wrong_code
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def test_no_confirmation_a_stale_version_and_a_wrong_code_are_reported_together(verified_client, staff, administrator):
    course = make_course()
    old = service.current_versions([course])[course.pk]
    service.publish_version(course, by=administrator, declaration_text="New words.")
    response = verified_client(staff).post(
        f"/training/{course.pk}/sign/", {"version": old.pk, "otp_token": wrong_code(staff.totpdevice_set.get())}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirm that you have received the training" in page
    assert "A new version of the declaration was published" in page
    assert "Enter a new code from your authenticator app" in page
    assert not TrainingSignOff.objects.exists()
