"""Files go through STORAGES, so any instance can finish what another started."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage, storages

from governance.core.models import User
from tests.register.test_staff_import import confirm, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_storage(settings):
    """A storage that is not the local disk: what an S3 bucket is to several instances."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert type(default_storage._wrapped).__name__ != "FileSystemStorage"  # Django dropped the old one
    return storages["default"]


def test_a_pending_import_is_kept_in_the_configured_storage_and_removed_once_done(
    verified_client, administrator, area, shared_storage
):
    client = verified_client(administrator)
    response = upload(client, f"S0101,Jo Joiner,jo.joiner@example.gov.uk,{area.code},,no,")
    _folders, files = shared_storage.listdir("pending-imports")
    assert len(files) == 1
    assert confirm(client, response).status_code == 302
    assert User.objects.filter(staff_number="S0101").exists()
    assert shared_storage.listdir("pending-imports")[1] == []
