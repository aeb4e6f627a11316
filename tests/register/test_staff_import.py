"""The HR extract: joiners, movers and leavers, all or nothing, audited."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from governance.core.models import AuditEntry, User
from governance.core.tasks import purge_pending_imports
from governance.register.models import InformationAsset
from tests.factories import UserFactory, make_asset

HEADER = "staff_number,name,email,business_area,line_manager,data_handler,leaver_date"


def upload(client, *lines):
    file = SimpleUploadedFile("hr.csv", ("\n".join([HEADER, *lines]) + "\n").encode())
    return client.post("/people/import/", {"kind": "staff", "file": file})


def confirm(client, response):
    return client.post("/people/import/", {"confirm": "1", "token": response.context["token"]})


@pytest.fixture
def existing(area, other_area):
    mover = UserFactory(username="mover", staff_number="S0001", business_area=area, email="mover@example.gov.uk")
    leaver = UserFactory(username="leaver", staff_number="S0002", business_area=area, email="leaver@example.gov.uk")
    return mover, leaver


def test_joiners_movers_and_leavers(verified_client, administrator, area, other_area, existing):
    mover, leaver = existing
    asset = make_asset(manager=leaver, business_area=area)
    client = verified_client(administrator)
    response = upload(
        client,
        f"S0003,Jo Joiner,jo.joiner@example.gov.uk,{area.code},S0004,yes,",  # manager is a joiner further down
        f"S0004,Max Manager,max.manager@example.gov.uk,{area.code},,no,",
        f"S0001,Mo Mover,mover@example.gov.uk,{other_area.code},S0004,no,",
        f"S0002,Lee Leaver,leaver@example.gov.uk,{area.code},,no,2026-01-31",
    )
    result = response.context["result"]
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 2)
    assert not User.objects.filter(staff_number="S0003").exists()  # checked, not saved

    assert confirm(client, response).status_code == 302
    joiner = User.objects.get(staff_number="S0003")
    assert (joiner.username, joiner.first_name, joiner.last_name) == ("jo.joiner", "Jo", "Joiner")
    assert joiner.is_data_handler and joiner.line_manager.staff_number == "S0004"
    assert not joiner.has_usable_password()
    mover.refresh_from_db()
    assert (mover.business_area, mover.first_name) == (other_area, "Mo")
    leaver.refresh_from_db()
    assert not leaver.is_active and str(leaver.leaver_date) == "2026-01-31"
    assert InformationAsset.objects.get(pk=asset.pk).manager is None  # the leaver's asset needs an IAM
    created = AuditEntry.objects.get(object_repr=str(joiner), action=AuditEntry.Action.CREATE)
    assert created.actor == administrator


def test_row_errors_change_nothing(verified_client, administrator, area, existing):
    client = verified_client(administrator)
    response = upload(
        client,
        f"S0009,Good Row,good@example.gov.uk,{area.code},,no,",
        "S0010,Bad Area,bad@example.gov.uk,nowhere,,no,",
        f"S0011,No Email,not-an-email,{area.code},,no,",
        f"S0012,Lost Manager,lost@example.gov.uk,{area.code},S9999,no,",
        f"S0013,Self Managed,self@example.gov.uk,{area.code},S0013,no,",
        f"S0014,Bad Date,date@example.gov.uk,{area.code},,no,31/31/2026",
        f"S0009,Twice,twice@example.gov.uk,{area.code},,no,",
    )
    errors = {(e.row, e.column) for e in response.context["result"].errors}
    assert {
        (3, "business_area"),
        (4, "email"),
        (5, "line_manager"),
        (6, "line_manager"),
        (7, "leaver_date"),
        (8, ""),
    } <= errors
    assert not User.objects.filter(staff_number__in=["S0009", "S0010"]).exists()


@pytest.mark.parametrize("who", ["staff", "deputy_siro", "auditor"])
def test_only_administrators_load_the_hr_extract(request, verified_client, who):
    response = verified_client(request.getfixturevalue(who)).get("/people/import/")
    assert response.status_code == 403
    assert b"Only administrators can load the HR extract" in response.content


def _pending_files(settings) -> list:
    folder = Path(settings.MEDIA_ROOT) / "pending-imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_previewed_file_is_kept_until_confirmed_and_then_deleted(verified_client, administrator, area, settings):
    client = verified_client(administrator)
    response = upload(client, f"S0009,Pat Preview,pat@example.gov.uk,{area.code},,no,")
    assert len(_pending_files(settings)) == 1

    confirm(client, response)

    assert _pending_files(settings) == []


def test_an_unconfirmed_file_is_deleted_by_the_nightly_task_after_its_age(
    verified_client, administrator, area, settings
):
    settings.IMPORT_PENDING_MAX_AGE_HOURS = 24
    client = verified_client(administrator)
    upload(client, f"S0010,Una Unconfirmed,una@example.gov.uk,{area.code},,no,")
    (kept,) = _pending_files(settings)

    assert purge_pending_imports() == 0  # a fresh preview stays: it may still be confirmed
    assert kept.exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert purge_pending_imports() == 1
    assert not kept.exists()
    assert purge_pending_imports() == 0  # a second run finds nothing


def test_a_file_past_its_age_can_no_longer_be_confirmed(verified_client, administrator, area, settings):
    client = verified_client(administrator)
    response = upload(client, f"S0011,Late Confirmer,late@example.gov.uk,{area.code},,no,")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        purge_pending_imports()
    confirm(client, response)
    assert not User.objects.filter(staff_number="S0011").exists()
