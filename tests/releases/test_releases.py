"""Statistical releases: who may do what, uploads, checks, sign-off, voiding, release and the evidence."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core import roles
from governance.core.audit import acting_as, system_user
from governance.core.models import AccessEvent, AuditEntry, OfficeHolder
from governance.disclosure import Rules
from governance.register.organisation import appoint_office_holder
from governance.releases import workflow as service
from governance.releases.models import DisclosureRuleSet, OutputTable, ReleaseSignOff, ReleaseSource, StatisticalRelease
from governance.releases.tasks import check_output_table
from tests.conftest import advance_clock, fresh_code
from tests.factories import TOTPDeviceFactory, UserFactory, make_asset

pytestmark = pytest.mark.django_db

Status = StatisticalRelease.Status
PLANNED = datetime.date.today() + datetime.timedelta(days=110)  # never a fixed date that will pass

# One small cell (South, 3): suppressed, and West (the next smallest) suppressed with it so
# that South cannot be recovered from the total. The rest are rounded to base 5.
SMALL_CELL_CSV = b"region,count\nNorth,120\nSouth,3\nEast,85\nWest,64\nTotal,272\n"
SAFE_CSV = b"region,count\nNorth,120\nSouth,40\nTotal,160\n"


def csv_upload(content: bytes = SMALL_CELL_CSV, name: str = "table.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def statistician(area):
    user = UserFactory(username="stat", business_area=area, groups=[roles.STATISTICIANS])
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def other_statistician(area):
    return UserFactory(username="stat2", business_area=area, groups=[roles.STATISTICIANS])


@pytest.fixture
def chief(area):
    user = UserFactory(username="chief", business_area=area, groups=[roles.STATISTICIANS])
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, user, by=system_user())
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def sdc(area):
    user = UserFactory(username="sdc", business_area=area, groups=[roles.DISCLOSURE_CONTROL])
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def asset(iam, area, deputy_siro):
    return make_asset(manager=iam, business_area=area, name="Benefit claims")


@pytest.fixture
def other_asset(other_iam, other_area):
    return make_asset(manager=other_iam, business_area=other_area, name="Pension records")


@pytest.fixture
def release(statistician):
    return service.create_release(
        by=statistician, title=f"Benefit statistics: {PLANNED:%B %Y}", planned_release_date=PLANNED
    )


@pytest.fixture
def source(release, statistician, asset):
    return service.add_source(release, by=statistician, asset=asset, extract_type="full")


@pytest.fixture
def table(release, statistician, source):
    return service.add_table(release, by=statistician, title="Claims by region", source=source, upload=csv_upload())


def sign(release, signer) -> ReleaseSignOff:
    device = TOTPDevice.objects.get(user=signer)
    return service.sign_off(release, by=signer, token=fresh_code(device))


# --- registering and who may see ------------------------------------------------------------------


def test_a_statistician_registers_a_release_with_sources(verified_client, statistician, asset):
    client = verified_client(statistician)
    response = client.post(
        "/releases/new/",
        {
            "title": "Benefit statistics",
            "summary": "",
            "planned_release_date_day": str(PLANNED.day),
            "planned_release_date_month": str(PLANNED.month),
            "planned_release_date_year": str(PLANNED.year),
        },
    )
    release = StatisticalRelease.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/releases/{release.pk}/sources/new/"
    assert (release.author, release.status, release.planned_release_date) == (statistician, Status.DRAFT, PLANNED)

    response = client.post(
        f"/releases/{release.pk}/sources/new/", {"asset": asset.pk, "extract_type": "sample", "sampling_weight": ""}
    )
    assert "Enter the sampling weight of the sample extract" in response.content.decode()
    assert 'class="govuk-error-summary"' in response.content.decode()
    client.post(
        f"/releases/{release.pk}/sources/new/", {"asset": asset.pk, "extract_type": "sample", "sampling_weight": "50"}
    )
    source = ReleaseSource.objects.get()
    assert (source.asset, source.extract_type, source.sampling_weight) == (asset, "sample", 50)


@pytest.mark.parametrize("who", ["staff", "iam", "auditor", "administrator", "deputy_siro", "sdc"])
def test_only_statisticians_register_releases(request, verified_client, who):
    client = verified_client(request.getfixturevalue(who))
    assert client.get("/releases/new/").status_code == 403
    response = client.post("/releases/new/", {"title": "X"})
    assert response.status_code == 403
    assert b"Only statisticians can register a statistical release" in response.content
    assert not StatisticalRelease.objects.exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("statistician", True),
        ("chief", True),
        ("sdc", True),
        ("iam", True),  # IAM of a source asset
        ("deputy_siro", True),  # Deputy SIRO of that asset's area
        ("auditor", True),
        ("siro", True),
        ("administrator", True),
        ("other_statistician", False),
        ("other_iam", False),
        ("other_deputy_siro", False),
        ("staff", False),
    ],
)
def test_who_may_see_a_release(request, verified_client, table, other_asset, who, allowed):
    client = verified_client(request.getfixturevalue(who))
    release = table.release
    pages = [f"/releases/{release.pk}/", f"/releases/{release.pk}/tables/{table.pk}/"]
    listed = [row.pk for row in client.get("/releases/").context["releases"]]
    for page in pages:
        response = client.get(page)
        assert response.status_code == (200 if allowed else 403), page
    assert listed == ([release.pk] if allowed else [])
    if not allowed:
        assert b"Unpublished statistics are restricted" in client.get(pages[0]).content


@pytest.mark.parametrize("who", ["chief", "sdc", "iam", "auditor", "other_statistician"])
def test_only_the_author_changes_a_release(request, verified_client, table, who):
    client = verified_client(request.getfixturevalue(who))
    release = table.release
    source = table.source
    for url in [
        f"/releases/{release.pk}/edit/",
        f"/releases/{release.pk}/sources/new/",
        f"/releases/{release.pk}/sources/{source.pk}/",
        f"/releases/{release.pk}/tables/new/",
        f"/releases/{release.pk}/tables/{table.pk}/edit/",
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(f"/releases/{release.pk}/tables/{table.pk}/remove/")
    assert response.status_code == 403
    assert b"Only the release&#x27;s author can change it" in response.content
    assert OutputTable.objects.filter(pk=table.pk).exists()


def test_unverified_session_is_refused(unverified_client, statistician, release):
    client = unverified_client(statistician, with_device=False)
    response = client.get(f"/releases/{release.pk}/")
    assert response.status_code == 302
    assert "/releases/" not in response["Location"]


# --- uploads and the check ---------------------------------------------------------------------------


def test_uploaded_table_is_checked_and_the_small_cell_suppressed(verified_client, statistician, source):
    client = verified_client(statistician)
    release = source.release
    response = client.post(
        f"/releases/{release.pk}/tables/new/",
        {"title": "Claims by region", "source": source.pk, "file": csv_upload()},
    )
    table = OutputTable.objects.get()
    assert response["Location"] == f"/releases/{release.pk}/tables/{table.pk}/"
    assert table.passed is True
    assert table.cell_count == 5
    page = client.get(response["Location"])
    rows = {row["key"][0]: row for row in page.context["rows"]}
    assert rows["South"]["published"] == "[c]" and rows["South"]["suppressed"]
    assert rows["West"]["published"] == "[c]"  # secondary: South is not recoverable from the total
    assert str(rows["North"]["published"]) == "120"
    assert str(rows["Total"]["published"]) == "270"
    # The statistician sees the protected table only: no raw values, no reasons, no rule settings.
    assert "raw" not in rows["South"] and "flags" not in rows["South"]
    assert b"Suppressed" in page.content
    assert b"Secondary" not in page.content and b"Threshold" not in page.content


def test_disclosure_control_sees_the_reasons_and_raw_values(verified_client, sdc, table):
    page = verified_client(sdc).get(f"/releases/{table.release_id}/tables/{table.pk}/")
    rows = {row["key"][0]: row for row in page.context["rows"]}
    assert str(rows["South"]["raw"]) == "3"
    assert rows["South"]["flags"] == ["threshold"]
    assert rows["West"]["flags"] == ["secondary"]
    assert AccessEvent.objects.filter(user=sdc, kind="view", object_pk=str(table.pk)).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"region,total_people\nNorth,1\n", "count"),
        (b"region,count\nNorth,-4\n", "negative"),
        (b"region,count\nNorth,lots\n", "not a number"),
        (b"", "empty"),
    ],
)
def test_bad_tables_get_a_clear_message_and_change_nothing(verified_client, statistician, source, content, message):
    client = verified_client(statistician)
    response = client.post(
        f"/releases/{source.release_id}/tables/new/",
        {"title": "Claims", "source": source.pk, "file": csv_upload(content)},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="govuk-error-summary"' in body
    assert message in body.lower()
    assert not OutputTable.objects.exists()


def test_a_50_mb_table_is_refused_before_it_is_read(verified_client, statistician, source):
    big = csv_upload(b"region,count\n" + b"North,1\n" * (50 * 1024 * 1024 // 8))
    response = verified_client(statistician).post(
        f"/releases/{source.release_id}/tables/new/", {"title": "Huge", "source": source.pk, "file": big}
    )
    assert "The selected file must be smaller than 5 MB" in response.content.decode()
    assert not OutputTable.objects.exists()


def test_replacing_a_table_with_a_bad_file_keeps_the_old_one(verified_client, statistician, table):
    response = verified_client(statistician).post(
        f"/releases/{table.release_id}/tables/{table.pk}/edit/",
        {"title": "Renamed", "source": table.source_id, "file": csv_upload(b"region,count\nNorth,x\n")},
    )
    assert response.status_code == 200
    table.refresh_from_db()
    assert (table.title, table.cell_count, table.passed) == ("Claims by region", 5, True)


def test_sample_source_tables_are_grossed_by_the_source_weight(statistician, release, asset):
    source = service.add_source(release, by=statistician, asset=asset, extract_type="sample", sampling_weight=50)
    table = service.add_table(
        release, by=statistician, title="Sample", source=source, upload=csv_upload(b"region,count\nNorth,41\n")
    )
    cell = service.result_of(table).cells[0]
    assert cell.published == 2050  # 41 x 50, already a multiple of the rounding base
    assert table.passed


# --- downloads ------------------------------------------------------------------------------------


def test_protected_download_hides_the_small_cell_and_is_recorded(verified_client, statistician, table):
    response = verified_client(statistician).get(f"/releases/{table.release_id}/tables/{table.pk}/protected/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines() == ["region,count", "North,120", "South,[c]", "East,85", "West,[c]", "Total,270"]
    event = AccessEvent.objects.get(kind="download")
    assert (event.user, event.object_pk, event.detail) == (statistician, str(table.pk), "Protected table (CSV)")


def test_protected_download_as_xlsx(verified_client, statistician, table):
    response = verified_client(statistician).get(
        f"/releases/{table.release_id}/tables/{table.pk}/protected/?format=xlsx"
    )
    assert response["Content-Disposition"].endswith('-protected.xlsx"')
    assert response.content.startswith(b"PK")


@pytest.mark.parametrize("who", ["statistician", "chief", "auditor", "iam"])
def test_the_raw_table_goes_only_to_disclosure_control(request, verified_client, table, who):
    response = verified_client(request.getfixturevalue(who)).get(f"/releases/{table.release_id}/tables/{table.pk}/raw/")
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(kind="download").exists()


def test_disclosure_control_downloads_the_raw_table(verified_client, sdc, table):
    response = verified_client(sdc).get(f"/releases/{table.release_id}/tables/{table.pk}/raw/")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "South,3" in body
    assert AccessEvent.objects.get(kind="download").detail == "Raw table (CSV)"


# --- sign-off and release ----------------------------------------------------------------------------


def test_chief_statistician_signs_off_with_a_fresh_code_and_the_author_releases(
    verified_client, statistician, chief, table, django_capture_on_commit_callbacks
):
    release = table.release
    client = verified_client(chief)
    response = client.post(f"/releases/{release.pk}/sign-off/", {"confirm": "on", "otp_token": "000000"})
    assert "Enter a new code from your authenticator app" in response.content.decode()
    assert not ReleaseSignOff.objects.exists()

    advance_clock(1.1)  # django-otp throttles the app for a second after a wrong code (and the refusal is kept)
    code = fresh_code(TOTPDevice.objects.get(user=chief))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/releases/{release.pk}/sign-off/", {"confirm": "on", "otp_token": code, "comments": "OK"}
        )
    assert response.status_code == 302
    signed = ReleaseSignOff.objects.get()
    assert (signed.signed_by, signed.signed_as, signed.comments) == (chief, "Chief Statistician", "OK")
    release.refresh_from_db()
    assert release.status == Status.SIGNED_OFF
    assert [(m.subject, m.to) for m in mail.outbox] == [(f"Signed off: {release.title}", [statistician.email])]

    response = verified_client(statistician).post(f"/releases/{release.pk}/release/", {"confirm": "on"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.status, release.released_by) == (Status.RELEASED, statistician)


def test_the_author_cannot_sign_off_their_own_release(verified_client, chief, asset):
    release = service.create_release(by=chief, title="Chief's own", planned_release_date=PLANNED)
    source = service.add_source(release, by=chief, asset=asset, extract_type="full")
    service.add_table(release, by=chief, title="T", source=source, upload=csv_upload(SAFE_CSV))
    response = verified_client(chief).get(f"/releases/{release.pk}/sign-off/")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        sign(release, chief)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseSignOff.objects.create(
            release=release,
            release_author=chief,
            signed_by=chief,
            signed_as="x",
            rules=service.current_rule_set(),
            fingerprint="x",
        )


@pytest.mark.parametrize("who", ["statistician", "other_statistician", "iam", "auditor", "siro", "administrator"])
def test_only_the_chief_statistician_or_disclosure_control_sign_off(request, verified_client, table, who):
    client = verified_client(request.getfixturevalue(who))
    assert client.get(f"/releases/{table.release_id}/sign-off/").status_code == 403
    assert client.post(f"/releases/{table.release_id}/sign-off/", {"confirm": "on"}).status_code == 403
    assert not ReleaseSignOff.objects.exists()


def test_disclosure_control_may_sign_off(sdc, table):
    signed = sign(table.release, sdc)
    assert signed.signed_as == "Disclosure control officer"


def test_a_failing_table_blocks_sign_off(statistician, chief, release, source):
    # Every interior cell is small: after suppression nothing safe would be left.
    service.add_table(
        release,
        by=statistician,
        title="Too detailed",
        source=source,
        upload=csv_upload(b"region,count\nNorth,2\nSouth,3\nEast,1\nTotal,6\n"),
    )
    assert OutputTable.objects.get().passed is False
    with pytest.raises(ValidationError) as refused:
        sign(release, chief)
    assert "the disclosure check failed" in " ".join(refused.value.messages)


def test_release_needs_a_sign_off(verified_client, statistician, table):
    response = verified_client(statistician).post(f"/releases/{table.release_id}/release/", {"confirm": "on"})
    assert "has not been signed off by a second person" in response.content.decode()
    assert StatisticalRelease.objects.get().status == Status.DRAFT


def test_changing_a_table_after_sign_off_voids_it(statistician, chief, table, django_capture_on_commit_callbacks):
    release = table.release
    sign(release, chief)
    with django_capture_on_commit_callbacks(execute=True):
        service.replace_table(
            table, by=statistician, title=table.title, source=table.source, upload=csv_upload(SAFE_CSV)
        )
    signed = ReleaseSignOff.objects.get()
    assert signed.voided_at is not None and "changed" in signed.voided_reason
    release.refresh_from_db()
    assert release.status == Status.DRAFT
    with pytest.raises(ValidationError):
        service.mark_released(release, by=statistician)
    assert f"Sign-off voided: {release.title}" in [message.subject for message in mail.outbox]


def test_adding_a_table_after_sign_off_voids_it(statistician, chief, table):
    sign(table.release, chief)
    service.add_table(table.release, by=statistician, title="Another", source=table.source, upload=csv_upload(SAFE_CSV))
    assert ReleaseSignOff.objects.get().voided_at is not None


def test_changing_the_rules_voids_sign_offs_and_checks_tables_again(
    verified_client, sdc, chief, statistician, table, django_capture_on_commit_callbacks
):
    release = table.release
    sign(release, chief)
    old_rules = service.current_rule_set()
    form = {
        "method": "suppression",
        "threshold": "2",  # South (3) is no longer small
        "min_contributors": "3",
        "p_percent": "10",
        "p_coalition": "1",
        "nk_n": "2",
        "nk_k": "85",
        "rounding_base": "1",
        "totals": "independent",
        "max_suppressed_share": "0.5",
        "min_sample_cases": "30",
        "sampling_weight": "1",
        "perturbation_max": "2",
        "perturbation_key": "",
        "frequency_protection": "0",
        "frequency_range": "0",
        "protection_scale": "1",
        "secondary_cost": "cells",
        "optimal_max_cells": "100",
        "group_disclosure": "counts",
        "note": "Lower threshold agreed by the SDC panel",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(sdc).post("/releases/rules/", form)
    assert response.status_code == 302
    new_rules = service.current_rule_set()
    assert new_rules.version == old_rules.version + 1
    assert ReleaseSignOff.objects.get().voided_at is not None
    table.refresh_from_db()
    assert table.rules == new_rules  # re-checked by the task enqueued on commit
    assert not any(cell.suppressed for cell in service.result_of(table).cells)
    release.refresh_from_db()
    assert release.status == Status.DRAFT


def test_released_releases_cannot_change(statistician, chief, table):
    release = table.release
    sign(release, chief)
    service.mark_released(release, by=statistician)
    with pytest.raises(PermissionDenied):
        service.add_table(release, by=statistician, title="Late", source=table.source, upload=csv_upload(SAFE_CSV))
    with pytest.raises(PermissionDenied):
        service.remove_table(table, by=statistician)


# --- the rules are not published ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["statistician", "chief", "iam", "siro", "administrator", "staff"])
def test_the_rules_are_seen_only_by_disclosure_control_and_auditors(request, verified_client, who):
    client = verified_client(request.getfixturevalue(who))
    response = client.get("/releases/rules/")
    assert response.status_code == 403
    assert b"only disclosure control and auditors can see them" in response.content


def test_auditors_read_the_rules_but_cannot_change_them(verified_client, auditor):
    client = verified_client(auditor)
    page = client.get("/releases/rules/")
    assert page.status_code == 200
    assert b"Minimum frequency" in page.content and b"Save a new version" not in page.content
    assert client.post("/releases/rules/", {"threshold": "1"}).status_code == 403
    assert DisclosureRuleSet.objects.count() == 1


def test_invalid_rules_are_refused_with_field_errors(verified_client, sdc):
    response = verified_client(sdc).post("/releases/rules/", {"method": "suppression", "threshold": "0"})
    body = response.content.decode()
    assert 'class="govuk-error-summary"' in body
    assert "Enter the reason for the change" in body
    assert DisclosureRuleSet.objects.count() == 1


def test_bad_protection_rules_get_a_clear_message_and_change_nothing(verified_client, sdc):
    form = {
        "method": "suppression",
        "threshold": "10",
        "min_contributors": "3",
        "p_percent": "150",
        "nk_n": "2",
        "nk_k": "85",
        "rounding_base": "5",
        "totals": "independent",
        "max_suppressed_share": "0.5",
        "min_sample_cases": "30",
        "sampling_weight": "1",
        "perturbation_max": "2",
        "frequency_protection": "-1",
        "protection_scale": "-0.5",
        "secondary_cost": "cells",
        "optimal_max_cells": "100",
        "note": "Try it",
    }
    before = service.current_rule_set()
    body = verified_client(sdc).post("/releases/rules/", form).content.decode()
    assert 'class="govuk-error-summary"' in body
    assert "The p% rule&#x27;s p must be between 0 and 100" in body
    assert "The protection of a hidden count must be 0 or more" in body
    assert "The protection level multiplier must be 0 or more" in body
    assert 'value="150"' in body  # what was typed is kept
    assert DisclosureRuleSet.objects.count() == 1 and service.current_rule_set() == before
    # The service refuses them too, whatever the path.
    with pytest.raises(ValidationError) as refused:
        service.save_rules(Rules(p_percent=Decimal(150), frequency_protection=-1), by=sdc, note="x")
    assert "The p% rule's p must be between 0 and 100." in refused.value.messages
    assert "The protection level of counts must be 0 or more." in refused.value.messages
    assert DisclosureRuleSet.objects.count() == 1


def test_the_audit_trail_records_changes_without_the_method_or_raw_values(sdc, table):
    with acting_as(sdc):
        service.save_rules(Rules(threshold=7), by=sdc, note="Tighter")
    rule_entry = AuditEntry.objects.filter(content_type__model="disclosureruleset").latest("pk")
    assert rule_entry.actor == sdc
    assert "parameters" not in json.dumps(rule_entry.changes)
    table_entries = AuditEntry.objects.filter(content_type__model="outputtable")
    assert table_entries.exists()
    for entry in table_entries:
        text = json.dumps(entry.changes)
        assert "South" not in text and '"data"' not in text and '"result"' not in text
    assert all(entry.scope == f"statisticalrelease:{table.release_id}" for entry in table_entries)


# --- speed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize("who", ["statistician", "iam", "auditor"])
def test_the_list_runs_a_constant_number_of_queries(
    request, verified_client, statistician, source, count, who, django_assert_max_num_queries
):
    for n in range(count):
        release = StatisticalRelease.objects.create(
            title=f"Release {n}", planned_release_date=PLANNED, author=statistician
        )
        ReleaseSource.objects.create(release=release, asset=source.asset, extract_type="full")
    client = verified_client(request.getfixturevalue(who))
    client.get("/releases/")
    with django_assert_max_num_queries(14):
        response = client.get("/releases/")
    assert len(response.context["releases"]) == min(25, count + 1)


def test_signers_find_releases_to_sign_from_home(verified_client, chief, sdc, statistician):
    assert b"Releases to sign off" in verified_client(chief).get("/").content
    sdc_home = verified_client(sdc).get("/").content
    assert b"Releases to sign off" in sdc_home and b"Disclosure-control rules" in sdc_home
    assert b"Releases to sign off" not in verified_client(statistician).get("/").content


def test_the_five_safes_panel_counts_the_assets_releases(statistician, chief, table, asset):
    from governance.five_safes import _releases_from

    assert _releases_from(asset) == "Statistical releases from this asset: 0 released after sign-off, 1 in preparation"
    sign(table.release, chief)
    service.mark_released(table.release, by=statistician)
    assert _releases_from(asset) == "Statistical releases from this asset: 1 released after sign-off, 0 in preparation"


@pytest.mark.parametrize(("who", "status"), [("statistician", 200), ("auditor", 200), ("other_statistician", 403)])
def test_the_full_history_page_follows_the_release_rule(request, verified_client, table, who, status):
    response = verified_client(request.getfixturevalue(who)).get(f"/releases/{table.release_id}/history/")
    assert response.status_code == status
    if status == 200:
        assert "output table “Claims by region”" in response.content.decode()  # told as a sentence


def test_large_tables_are_shown_a_page_at_a_time_and_can_show_only_protected_cells(
    verified_client, statistician, source
):
    lines = [
        "region,count",
        *(f"Area {n:03d},{100 + n}" for n in range(249)),
        "Area 249,4",
        f"Total,{sum(range(100, 349)) + 4}",
    ]
    table = service.add_table(
        source.release, by=statistician, title="Big", source=source, upload=csv_upload("\n".join(lines).encode())
    )
    client = verified_client(statistician)
    first = client.get(f"/releases/{table.release_id}/tables/{table.pk}/")
    assert len(first.context["rows"]) == 200 and first.context["is_paginated"]
    second = client.get(f"/releases/{table.release_id}/tables/{table.pk}/?page=2")
    assert len(second.context["rows"]) == 51
    protected = client.get(f"/releases/{table.release_id}/tables/{table.pk}/?show=protected")
    assert [row["key"][0] for row in protected.context["rows"]] == ["Area 000", "Area 249"]


# --- what the review of this feature asked to be proven --------------------------------------


def test_the_trail_holds_no_digest_that_could_be_matched_against_guesses(sdc, chief, statistician, table):
    with acting_as(chief):
        sign(table.release, chief)
    with acting_as(sdc):
        service.save_rules(Rules(threshold=7), by=sdc, note="Tighter")
    secrets_ = {table.table_digest, service.current_rule_set().digest, ReleaseSignOff.objects.get().fingerprint}
    for entry in AuditEntry.objects.all():
        text = json.dumps(entry.changes)
        assert not any(secret in text for secret in secrets_), entry


def test_a_check_is_always_of_the_table_as_it_is_now(statistician, chief, table):
    stale_copy = OutputTable.objects.get(pk=table.pk)
    failing = b"region,count\nNorth,2\nSouth,3\nEast,1\nTotal,6\n"
    service.replace_table(table, by=statistician, title=table.title, source=table.source, upload=csv_upload(failing))
    service.check_again(stale_copy, by=statistician)  # an object loaded before the new upload
    table.refresh_from_db()
    assert table.passed is False and table.result["table_digest"] == table.table_digest
    with pytest.raises(ValidationError):
        sign(table.release, chief)


def test_after_a_rule_change_the_old_protected_table_is_neither_shown_nor_downloaded(verified_client, sdc, iam, table):
    with acting_as(sdc):
        DisclosureRuleSet.objects.create(
            version=2, parameters=Rules(threshold=5).to_json(), digest=Rules(threshold=5).digest, created_by=sdc
        )  # in force, but the table has not been checked again yet
    client = verified_client(iam)
    page = client.get(f"/releases/{table.release_id}/tables/{table.pk}/")
    assert page.context["rows"] == [] and b"shown once the table passes" in page.content
    response = client.get(f"/releases/{table.release_id}/tables/{table.pk}/protected/")
    assert response.status_code == 302 and not AccessEvent.objects.filter(kind="download").exists()


def test_a_failed_tables_values_are_hidden_from_everyone_but_disclosure_control(verified_client, iam, sdc, source):
    table = service.add_table(
        source.release,
        by=source.release.author,
        title="Too detailed",
        source=source,
        upload=csv_upload(b"region,count\nNorth,2\nSouth,3\nWest,200\nTotal,205\n"),
    )
    assert table.passed is False
    assert verified_client(iam).get(f"/releases/{table.release_id}/tables/{table.pk}/").context["rows"] == []
    assert len(verified_client(sdc).get(f"/releases/{table.release_id}/tables/{table.pk}/").context["rows"]) == 4


@pytest.mark.parametrize("who", ["iam", "auditor", "deputy_siro"])
def test_only_the_author_and_signers_check_a_table_again(request, verified_client, table, who):
    response = verified_client(request.getfixturevalue(who)).post(
        f"/releases/{table.release_id}/tables/{table.pk}/check/"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["siro", "administrator", "deputy_siro", "iam"])
def test_oversight_cannot_take_the_raw_table_away(request, verified_client, table, who):
    response = verified_client(request.getfixturevalue(who)).get(f"/releases/{table.release_id}/tables/{table.pk}/raw/")
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["other_statistician", "other_iam", "staff"])
def test_people_who_cannot_see_a_release_cannot_download_or_probe_its_tables(request, verified_client, table, who):
    client = verified_client(request.getfixturevalue(who))
    assert client.get(f"/releases/{table.release_id}/tables/{table.pk}/protected/").status_code == 403
    assert client.get(f"/releases/{table.release_id}/tables/999999/").status_code == 403  # not 404: nothing leaks


@pytest.mark.parametrize("who", ["sdc", "iam", "other_statistician"])
def test_only_the_author_or_the_chief_statistician_marks_a_release_released(
    request, verified_client, chief, table, who
):
    sign(table.release, chief)
    response = verified_client(request.getfixturevalue(who)).post(
        f"/releases/{table.release_id}/release/", {"confirm": "on"}
    )
    assert response.status_code == 403
    assert StatisticalRelease.objects.get().status == Status.SIGNED_OFF


@pytest.mark.parametrize("who", ["chief", "sdc", "other_statistician"])
def test_only_the_author_adds_tables_or_removes_sources(request, verified_client, table, who):
    client = verified_client(request.getfixturevalue(who))
    added = client.post(
        f"/releases/{table.release_id}/tables/new/",
        {"title": "Sneaked in", "source": table.source_id, "file": csv_upload(SAFE_CSV)},
    )
    removed = client.post(f"/releases/{table.release_id}/sources/{table.source_id}/remove/")
    assert (added.status_code, removed.status_code) == (403, 403)
    assert OutputTable.objects.count() == 1 and ReleaseSource.objects.count() == 1


def test_a_signed_off_release_cannot_be_signed_twice(chief, sdc, table):
    sign(table.release, chief)
    with pytest.raises(ValidationError):
        sign(table.release, sdc)


def test_downloaded_headers_cannot_carry_spreadsheet_formulas(verified_client, statistician, source):
    upload = csv_upload(b'"=HYPERLINK(""http://x"")",count\nNorth,120\nSouth,40\nTotal,160\n')
    table = service.add_table(source.release, by=statistician, title="Formula", source=source, upload=upload)
    response = verified_client(statistician).get(f"/releases/{table.release_id}/tables/{table.pk}/protected/")
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("\"'=HYPERLINK")


def test_a_sample_weight_below_one_is_refused(statistician, release, asset):
    with pytest.raises(ValidationError):
        service.add_source(release, by=statistician, asset=asset, extract_type="sample", sampling_weight=Decimal("0.5"))


def test_the_perturbation_key_is_never_sent_back(verified_client, sdc, auditor):
    with acting_as(sdc):
        service.save_rules(Rules(method="perturbation", perturbation_key="very-secret-key"), by=sdc, note="Noise")
    assert b"very-secret-key" not in verified_client(sdc).get("/releases/rules/").content
    page = verified_client(auditor).get("/releases/rules/").content
    assert b"very-secret-key" not in page and b"Set (kept secret)" in page


def test_source_weights_are_shown_only_to_the_author_and_disclosure_control(
    verified_client, statistician, iam, release, asset
):
    service.add_source(release, by=statistician, asset=asset, extract_type="sample", sampling_weight=50)
    assert b"Sampling weight 50" in verified_client(statistician).get(f"/releases/{release.pk}/").content
    assert b"Sampling weight" not in verified_client(iam).get(f"/releases/{release.pk}/").content


# --- disclosure records -------------------------------------------------------------------------------


def _record_urls(table) -> list[str]:
    return [f"/releases/{table.release_id}/tables/{table.pk}/record/", f"/releases/{table.release_id}/record/"]


def test_disclosure_records_are_refused_to_anonymous_and_unverified_users(client, unverified_client, sdc, table):
    for url in _record_urls(table):
        assert client.get(url).status_code == 302
        unverified = unverified_client(sdc, with_device=False).get(url)
        assert unverified.status_code == 302 and not unverified["Location"].startswith(url)


@pytest.mark.parametrize("who", ["statistician", "chief", "iam", "siro", "staff"])
def test_disclosure_records_are_methodology_seen_only_by_disclosure_control_and_auditors(
    request, verified_client, table, who
):
    client = verified_client(request.getfixturevalue(who))
    for url in _record_urls(table):
        response = client.get(url)
        assert response.status_code == 403
        assert b"disclosure control and auditors only" in response.content


@pytest.mark.parametrize("who", ["sdc", "auditor"])
def test_the_disclosure_record_names_the_rules_engine_checks_and_outcome(request, verified_client, table, who):
    client = verified_client(request.getfixturevalue(who))
    record = client.get(_record_urls(table)[0]).json()
    rule_set = service.current_rule_set()
    assert record["rule_set"] == {"version": rule_set.version, "digest": rule_set.digest}
    assert record["engine"] == "2.3"
    assert record["outcome"]["passed"] is True
    assert record["checks"]["lp_audit"]["hidden_checked"] == 2  # South (3) and its partner
    assert record["checks"]["lp_audit"]["protection_short"] == 0
    assert record["checks"]["secondary_suppression"]["method"] == "optimal"
    assert "South" not in json.dumps(record)  # no labels or values, only what was checked
    whole = client.get(_record_urls(table)[1]).json()
    assert whole["outcome"]["passed"] is True and [t["table"]["id"] for t in whole["tables"]] == [table.pk]
    assert AccessEvent.objects.filter(detail="Disclosure record (JSON)").count() == 2


def test_a_table_of_another_release_has_no_record_here(verified_client, sdc, table, statistician, asset):
    other = service.create_release(by=statistician, title="Other", planned_release_date=PLANNED)
    response = verified_client(sdc).get(f"/releases/{other.pk}/tables/{table.pk}/record/")
    assert response.status_code == 404


# --- large tables are checked off the request -------------------------------------------------------------


def test_a_large_table_is_checked_by_a_task_with_a_progress_page(
    settings, verified_client, statistician, source, django_capture_on_commit_callbacks
):
    settings.DISCLOSURE_BACKGROUND_CELLS = 3
    client = verified_client(statistician)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        table = service.add_table(
            source.release, by=statistician, title="Big", source=source, upload=csv_upload(SMALL_CELL_CSV)
        )
    assert table.result is None and table.passed is None  # the upload answered without checking
    page = client.get(table.get_absolute_url()).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page and "Refresh now" in page
    assert len(callbacks) == 1
    callbacks[0]()  # the task, run eagerly as after commit
    table.refresh_from_db()
    assert table.passed is True and service.is_current(table)
    checked_at = table.checked_at
    page = client.get(table.get_absolute_url()).content.decode()
    assert 'http-equiv="refresh"' not in page
    # Idempotent: a duplicated or retried task finds the check done and changes nothing.
    assert check_output_table.delay(table.pk, table.table_digest).get() is False
    table.refresh_from_db()
    assert table.checked_at == checked_at


def test_a_background_check_of_a_replaced_upload_stores_nothing(settings, statistician, source):
    settings.DISCLOSURE_BACKGROUND_CELLS = 3
    table = service.add_table(
        source.release, by=statistician, title="Big", source=source, upload=csv_upload(SMALL_CELL_CSV)
    )
    stale_digest = table.table_digest
    service.replace_table(table, by=statistician, title="Big", source=source, upload=csv_upload(SAFE_CSV))
    assert service.run_background_check(table.pk, stale_digest) is False


def test_tables_sharing_cells_are_audited_together(statistician, source):
    # Alone, each table is safe: the first hides North (4) and South (30); the second publishes
    # South. Together, North = 144 - 30 - 50 - 60: the release must not be signed off like this.
    release = source.release
    regions = b"region,count\nNorth,4\nSouth,30\nEast,50\nWest,60\nTotal,144\n"
    service.add_table(release, by=statistician, title="By region", source=source, upload=csv_upload(regions))
    service.add_table(
        release, by=statistician, title="South only", source=source, upload=csv_upload(b"region,count\nSouth,30\n")
    )
    assert all(table.passed for table in OutputTable.objects.filter(release=release))
    problems = service.readiness(release).problems
    assert any("By region: North" in problem and "combining the release's tables" in problem for problem in problems)


def test_a_table_by_sub_region_with_a_hierarchy_file_is_audited_with_the_table_by_region(
    statistician, verified_client, source
):
    # Each table alone is safe; holding both, NE+NW is North, so NE/F = 15 - 12.
    release = source.release
    by_region = (
        b"Region,Sex,count\nNorth,F,15\nNorth,M,40\nNorth,Total,55\nSouth,F,30\nSouth,M,35\nSouth,Total,65\n"
        b"Total,F,45\nTotal,M,75\nTotal,Total,120\n"
    )
    by_sub_region = (
        b"Region,Sex,count\nNE,F,3\nNE,M,20\nNE,Total,23\nNW,F,12\nNW,M,20\nNW,Total,32\n"
        b"SE,F,15\nSE,M,15\nSE,Total,30\nSW,F,15\nSW,M,20\nSW,Total,35\nTotal,F,45\nTotal,M,75\nTotal,Total,120\n"
    )
    service.add_table(release, by=statistician, title="By region", source=source, upload=csv_upload(by_region))
    response = verified_client(statistician).post(
        f"/releases/{release.pk}/tables/new/",
        {
            "title": "By sub-region",
            "source": source.pk,
            "file": csv_upload(by_sub_region),
            "hierarchy_column": "Region",
            "hierarchy_file": SimpleUploadedFile("regions.hrc", b"North\n@NE\n@NW\nSouth\n@SE\n@SW\n"),
        },
    )
    assert response.status_code == 302
    stored = OutputTable.objects.get(release=release, title="By sub-region")
    assert stored.data["hierarchies"] == [[0, [["NE", "North"], ["NW", "North"], ["SE", "South"], ["SW", "South"]]]]
    assert all(table.passed for table in OutputTable.objects.filter(release=release))
    problems = service.readiness(release).problems
    assert "By sub-region: NE, F could be worked out exactly by combining the release's tables." in problems


def test_a_hierarchy_file_needs_its_column_and_must_fit_the_table(statistician, verified_client, source):
    release = source.release
    url = f"/releases/{release.pk}/tables/new/"
    table = b"Region,count\nNorth,10\nSouth,20\nTotal,30\n"
    body = (
        verified_client(statistician)
        .post(
            url,
            {
                "title": "T",
                "source": source.pk,
                "file": csv_upload(table),
                "hierarchy_file": SimpleUploadedFile("r.hrc", b"North\n"),
            },
        )
        .content.decode()
    )
    assert "Enter the name of the column the hierarchy file is for" in body
    body = (
        verified_client(statistician)
        .post(
            url,
            {
                "title": "T",
                "source": source.pk,
                "file": csv_upload(table),
                "hierarchy_column": "Region",
                "hierarchy_file": SimpleUploadedFile("r.hrc", b"North\n"),
            },
        )
        .content.decode()
    )
    assert "does not place &#x27;South&#x27;" in body
    assert not OutputTable.objects.filter(release=release).exists()


def test_tables_that_share_nothing_hidden_pass_together(statistician, source):
    release = source.release
    regions = b"region,count\nNorth,4\nSouth,30\nEast,50\nWest,60\nTotal,144\n"
    service.add_table(release, by=statistician, title="By region", source=source, upload=csv_upload(regions))
    service.add_table(
        release, by=statistician, title="East only", source=source, upload=csv_upload(b"region,count\nEast,50\n")
    )
    assert service.readiness(release).problems == []


def test_the_release_audit_is_remembered_between_readiness_views(statistician, source, monkeypatch):
    """The readiness page asks on every view; the same tables are audited together once, a change afresh."""
    from governance.disclosure import secondary

    release = source.release
    regions = b"region,count\nNorth,4\nSouth,30\nEast,50\nWest,60\nTotal,144\n"
    service.add_table(release, by=statistician, title="By region", source=source, upload=csv_upload(regions))
    south = service.add_table(
        release, by=statistician, title="South only", source=source, upload=csv_upload(b"region,count\nSouth,30\n")
    )
    secondary.forget_audits()
    runs = []
    real = secondary.audit
    monkeypatch.setattr(secondary, "audit", lambda *args, **kwargs: runs.append(1) or real(*args, **kwargs))
    first = service.readiness(release).problems
    assert service.readiness(release).problems == first and len(runs) == 1
    service.replace_table(
        south, by=statistician, title="East only", source=source, upload=csv_upload(b"region,count\nEast,50\n")
    )
    assert service.readiness(release).problems == [] and len(runs) == 2
