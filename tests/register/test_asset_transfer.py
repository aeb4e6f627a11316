"""Register import (dry run, row-level errors, all-or-nothing, audited) and export (CSV, XLSX)."""

from __future__ import annotations

import datetime
import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.core.models import AuditEntry
from governance.register.models import DataItem, InformationAsset
from tests.factories import UserFactory, make_asset

HEADER = (
    "name,description,business_area,iam,technical_contact,classification,personal_data,special_category,"
    "identifiability,extract_type,lawful_basis,storage_location,retention_rule,next_review_date"
)


def csv_upload(*lines: str, name: str = "register.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


# A review date some months ahead, whatever today is.
NEXT_REVIEW = (datetime.date.today() + datetime.timedelta(days=150)).isoformat()


def row(name="Claims", area="das", iam="iam", personal="yes", lawful="public task", date=NEXT_REVIEW, **kw):
    values = {
        "description": "Claims data",
        "technical": "",
        "classification": "OFFICIAL-SENSITIVE",
        "special": "no",
        "identifiability": "pseudonymised",
        "extract": "100% extract",
        "storage": "Secure environment",
        "retention": "7 years",
    } | kw
    return ",".join(
        [
            name,
            values["description"],
            area,
            iam,
            values["technical"],
            values["classification"],
            personal,
            values["special"],
            values["identifiability"],
            values["extract"],
            lawful,
            values["storage"],
            values["retention"],
            date,
        ]
    )


@pytest.fixture
def iam(area):
    return UserFactory(username="iam", business_area=area)


def upload(client, file, kind="assets"):
    return client.post("/assets/import/", {"kind": kind, "file": file})


def test_dry_run_then_confirm_imports_with_an_audit_entry_per_record(verified_client, administrator, area, iam):
    client = verified_client(administrator)
    response = upload(client, csv_upload(HEADER, row("Claims"), row("Payments", lawful="Public task (6(1)(e))")))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and result.created == 2
    assert not InformationAsset.objects.exists()  # a dry run saves nothing
    token = response.context["token"]

    response = client.post("/assets/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    assets = InformationAsset.objects.order_by("name")
    assert [a.name for a in assets] == ["Claims", "Payments"]
    assert all(a.manager == iam for a in assets)
    for asset in assets:
        created = AuditEntry.objects.get(
            scope=asset.audit_scope(), action=AuditEntry.Action.CREATE, object_repr=asset.name
        )
        assert created.actor == administrator
    # The same correlation id ties the whole import together.
    import_entries = AuditEntry.objects.filter(actor=administrator).exclude(object_repr__startswith="Signed in")
    assert len({e.cid for e in import_entries}) == 1


def test_errors_are_reported_by_row_and_column_and_nothing_changes(verified_client, administrator, area, iam):
    make_asset(manager=iam, business_area=area, name="Existing", storage_location="Room 1")
    client = verified_client(administrator)
    lines = [
        HEADER,
        row("Existing", storage="Room 2"),  # valid: would update
        row("Bad date", date="31/02/2027"),  # row 3
        row("No basis", lawful=""),  # row 4
        row("Nobody", iam="ghost"),  # row 5
        row("Unknown area", area="zzz"),  # row 6
        row("Existing"),  # row 7 repeats row 2
        row("Bad choice", classification="TOP SECRET"),  # row 8
    ]
    response = upload(client, csv_upload(*lines))
    result = response.context["result"]
    found = {(e.row, e.column) for e in result.errors}
    assert {
        (3, "next_review_date"),
        (4, "lawful_basis"),
        (5, "iam"),
        (6, "business_area"),
        (8, "classification"),
    } <= found
    assert (7, "") in found
    content = response.content.decode()
    assert "Nothing has been imported" in content
    assert "No active member of staff has the username or staff number ghost" in content
    assert InformationAsset.objects.get(name="Existing").storage_location == "Room 1"
    assert InformationAsset.objects.count() == 1
    assert not response.context["token"]


def test_a_row_refused_by_the_services_rolls_back_the_whole_import(verified_client, deputy_siro, area, other_area, iam):
    # A Deputy SIRO may import into their own area only: the second row is refused, so neither lands.
    client = verified_client(deputy_siro)
    response = upload(client, csv_upload(HEADER, row("Mine"), row("Theirs", area=other_area.code)))
    result = response.context["result"]
    assert [(e.row, "Deputy SIRO" in e.message) for e in result.errors] == [(3, True)]
    assert not InformationAsset.objects.exists()
    assert not AuditEntry.objects.filter(actor=deputy_siro).exclude(object_repr__startswith="Signed in").exists()


def test_reimporting_an_export_round_trips(verified_client, administrator, area, iam):
    make_asset(manager=iam, business_area=area, name="Claims", storage_location='=HYPERLINK("x")')
    client = verified_client(administrator)
    exported = b"".join(client.get("/assets/export/?format=csv").streaming_content).decode("utf-8-sig")
    assert exported.splitlines()[0] == HEADER
    assert "'=HYPERLINK" in exported  # formulas are neutralised
    changed = exported.replace("Analytical secure environment", "x").replace("Claims,", "Claims,", 1)
    response = upload(client, csv_upload(*changed.strip().splitlines()))
    assert response.context["result"].ok, response.context["result"].errors
    assert response.context["result"].updated == 1


def test_export_respects_filters_and_offers_xlsx(verified_client, staff, area, other_area, iam):
    make_asset(manager=iam, business_area=area, name="Claims")
    make_asset(manager=None, business_area=other_area, name="Pensions")
    client = verified_client(staff)
    csv_text = b"".join(client.get(f"/assets/export/?business_area={area.pk}").streaming_content).decode("utf-8-sig")
    assert "Claims" in csv_text and "Pensions" not in csv_text
    response = client.get("/assets/export/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = tablib.Dataset().load(io.BytesIO(response.content), format="xlsx")
    assert sorted(book["name"]) == ["Claims", "Pensions"]


def test_export_without_filters_is_the_whole_register_and_is_recorded(verified_client, staff, area, other_area):
    from governance.core.models import AccessEvent

    make_asset(manager=None, business_area=area, name="Claims")
    make_asset(manager=None, business_area=other_area, name="Pensions")
    exported = b"".join(verified_client(staff).get("/assets/export/").streaming_content).decode("utf-8-sig")
    assert "Claims" in exported and "Pensions" in exported
    event = AccessEvent.objects.get(kind="export")
    assert (event.user, event.detail) == (staff, "Asset register CSV: 2 assets ()")


def test_data_items_import(verified_client, iam, area):
    asset = make_asset(manager=iam, business_area=area, name="Claims")
    client = verified_client(iam)
    lines = [
        "business_area,asset,name,description,sensitivity",
        f"{area.code},Claims,nino,National Insurance number,Direct identifier",
        f"{area.code},Claims,benefit_type,Benefit claimed,non_personal",
    ]
    response = upload(client, csv_upload(*lines), kind="items")
    assert response.context["result"].ok
    client.post("/assets/import/", {"confirm": "1", "token": response.context["token"]})
    assert sorted(DataItem.objects.filter(asset=asset).values_list("name", flat=True)) == ["benefit_type", "nino"]


def test_an_iam_cannot_import_items_into_another_asset(verified_client, iam, area, other_area):
    make_asset(manager=iam, business_area=area, name="Mine")
    make_asset(manager=UserFactory(), business_area=other_area, name="Theirs")
    lines = ["business_area,asset,name,description,sensitivity", f"{other_area.code},Theirs,x,x,personal"]
    response = upload(verified_client(iam), csv_upload(*lines), kind="items")
    assert not response.context["result"].ok
    assert not DataItem.objects.exists()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("notes.txt", b"hello"), "must be a CSV or XLSX"),
        (SimpleUploadedFile("big.csv", b"x" * (5 * 1024 * 1024 + 1)), "smaller than 5 MB"),
        (SimpleUploadedFile("broken.xlsx", b"not a zip"), "could not be read"),
        (SimpleUploadedFile("cols.csv", b"name,description\nA,B\n"), "Missing: business_area"),
        (SimpleUploadedFile("latin1.csv", "name\ncaf\xe9".encode("latin-1")), "UTF-8"),
    ],
)
def test_unreadable_files_get_a_clear_message(verified_client, administrator, file, message):
    response = upload(verified_client(administrator), file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not InformationAsset.objects.exists()


def test_confirming_needs_the_dry_runs_token(verified_client, administrator):
    response = verified_client(administrator).post("/assets/import/", {"confirm": "1", "token": "forged"}, follow=True)
    assert b"expired or was already done" in response.content


def test_staff_cannot_import(verified_client, staff):
    assert verified_client(staff).get("/assets/import/").status_code == 403


def test_xlsx_files_import_too(verified_client, administrator, area, iam):
    dataset = tablib.Dataset(headers=HEADER.split(","))
    dataset.append(row("From a spreadsheet").split(","))
    upload_file = SimpleUploadedFile("register.xlsx", dataset.export("xlsx"))
    client = verified_client(administrator)
    response = upload(client, upload_file)
    assert response.context["result"].ok, response.context["result"].errors
    client.post("/assets/import/", {"confirm": "1", "token": response.context["token"]})
    assert InformationAsset.objects.get(name="From a spreadsheet").manager == iam
