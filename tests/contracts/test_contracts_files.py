"""Evidence files: type and size limits, private storage with digests, permission-checked recorded downloads."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from governance.contracts import records as service
from governance.contracts.models import AssuranceCheck, ContractDocument, ResearchContract
from governance.core.models import AccessEvent, AuditEntry
from governance.core.uploads import safe_original_name
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    JPEG,
    PDF,
    PNG,
    TODAY,
    Status,
    asset,
    contract,
    gateway,
    iam,
    manager,
    office_file,
    other_asset,
    other_iam,
    other_manager,
    released_contract,
    upload,
)

# Database tests: so marked, they run before the transactional (browser) tests.
pytestmark = pytest.mark.django_db


def assurance_post(client, contract, file, outcome="met"):
    return client.post(
        f"/contracts/{contract.pk}/assurance/security/",
        {
            "outcome": outcome,
            "assessor": "carla",
            "assessed_on_day": TODAY.day,
            "assessed_on_month": TODAY.month,
            "assessed_on_year": TODAY.year,
            "evidence": file,
        },
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("assessment.pdf", PDF, "application/pdf"),
        ("screenshot.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("report.docx", office_file("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("scores.xlsx", office_file("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("controls.csv", b"control,status\nISO 27001,met\n", "text/csv"),
    ],
)
def test_allowed_files_are_stored_privately_with_a_random_name_and_digest(
    verified_client, manager, contract, name, content, content_type
):
    response = assurance_post(verified_client(manager), contract, upload(name, content))
    assert response.status_code == 302, response.content.decode()
    document = ContractDocument.objects.get()
    assert document.original_name == name
    assert document.content_type == content_type
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    path = Path(default_storage.path(document.file.name))
    assert path.read_bytes() == content
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert path.parent.name == str(contract.pk) and path.stem != Path(name).stem and len(path.stem) == 32
    assert AuditEntry.objects.filter(scope=contract.audit_scope(), object_repr=str(document)).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("installer.exe", b"MZ\x90\x00", "must be a PDF, PNG, JPEG, DOCX, XLSX or CSV"),
        ("page.html", b"<html></html>", "must be a PDF, PNG, JPEG, DOCX, XLSX or CSV"),
        ("no-extension", PDF, "must be a PDF, PNG, JPEG, DOCX, XLSX or CSV"),
        ("renamed.pdf", b"MZ\x90\x00 an executable", "is not a real PDF file"),
        ("renamed.png", PDF, "is not a real PNG file"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "is not a real Word (DOCX) file"),
        ("workbook.docx", office_file("xlsx"), "is not a real Word (DOCX) file"),
        ("binary.csv", b"a,b\n\x00\x01\x02", "is not a real CSV file"),
        ("latin1.csv", "caf\xe9,1\n".encode("latin-1"), "is not a real CSV file"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_bad_files_get_a_clear_message_and_change_nothing(verified_client, manager, contract, name, content, message):
    response = assurance_post(verified_client(manager), contract, upload(name, content))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "govuk-error-summary" in page and 'href="#id_evidence"' in page
    check = contract.assurance_checks.get(kind=AssuranceCheck.Kind.SECURITY)
    assert check.outcome == AssuranceCheck.Outcome.PENDING
    assert not ContractDocument.objects.exists()
    assert stored_files() == []


def test_files_over_the_size_limit_are_refused(verified_client, manager, contract, settings):
    settings.CONTRACT_UPLOAD_MAX_BYTES = 1024
    response = assurance_post(verified_client(manager), contract, upload("big.pdf", PDF + b"x" * 2000))
    assert "The selected file must be smaller than 1 KB" in response.content.decode()
    assert not ContractDocument.objects.exists() and stored_files() == []


def test_the_default_limit_is_ten_megabytes(verified_client, manager, contract):
    assert settings.CONTRACT_UPLOAD_MAX_BYTES == 10 * 1024 * 1024
    response = assurance_post(verified_client(manager), contract, upload("big.pdf", PDF + b"x" * (10 * 1024 * 1024)))
    assert "The selected file must be smaller than 10 MB" in response.content.decode()
    assert stored_files() == []


def test_the_service_checks_files_too(contract):
    check = contract.assurance_checks.first()
    with pytest.raises(ValidationError) as exc:
        service.record_assurance(
            check,
            by=contract.manager,
            outcome="met",
            assessor=contract.manager,
            assessed_on=TODAY,
            evidence=upload("x.pdf", b"not a pdf"),
        )
    assert exc.value.message_dict == {
        "evidence": ["The selected file is not a real PDF file: its contents do not match its name"]
    }
    assert stored_files() == []


def test_a_database_failure_after_storing_leaves_no_file(contract, monkeypatch):
    check = contract.assurance_checks.first()

    def broken(self, *args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(AssuranceCheck, "save", broken)
    with pytest.raises(RuntimeError):
        service.record_assurance(
            check, by=contract.manager, outcome="met", assessor=contract.manager, assessed_on=TODAY, evidence=upload()
        )
    assert stored_files() == []


def test_uploaded_names_are_made_safe():
    assert safe_original_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert safe_original_name("C:\\Users\\me\\report.pdf") == "report.pdf"
    assert safe_original_name('a"b<c>.pdf') == "abc.pdf"
    assert safe_original_name("") == "document"


def test_private_media_is_not_served_by_any_url(verified_client, manager, contract):
    client = verified_client(manager)
    assurance_post(client, contract, upload())
    document = ContractDocument.objects.get()
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))
    assert all(not str(settings.MEDIA_ROOT).startswith(str(path)) for path in settings.STATICFILES_DIRS)
    for url in (f"/{document.file.name}", f"/media/{document.file.name}", f"/private-media/{document.file.name}"):
        assert client.get(url).status_code == 404, url


# --- downloads ---------------------------------------------------------------------------


@pytest.fixture
def document(verified_client, manager, contract, asset):
    from tests.contract_fixtures import provide

    provide(contract, asset, "date_of_birth")
    assurance_post(verified_client(manager), contract, upload("SARA report.pdf"))
    return ContractDocument.objects.get()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("manager", True),
        ("iam", True),
        ("deputy_siro", True),
        ("auditor", True),
        ("staff", False),
        ("other_manager", False),
        ("other_iam", False),
        ("other_deputy_siro", False),
    ],
)
def test_downloads_are_permission_checked_and_recorded(request, verified_client, document, who, allowed):
    user = request.getfixturevalue(who)
    response = verified_client(user).get(
        f"/contracts/{document.contract_id}/documents/{document.pk}/", HTTP_USER_AGENT="Test browser/1.0"
    )
    if not allowed:
        assert response.status_code == 403
        assert b"Only people who can see this contract can download its documents" in response.content
        assert not AccessEvent.objects.exists()
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "SARA report.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    event = AccessEvent.objects.get()
    assert (event.user, event.kind, event.object_pk) == (user, "download", str(document.pk))
    assert event.ip_address == "127.0.0.1" and event.user_agent == "Test browser/1.0"
    assert document.sha256 in event.detail
    # The access is sealed into the audit trail too: one entry, for the access event itself.
    assert AuditEntry.objects.filter(object_repr__contains="download").count() == 1


def test_a_document_of_another_contract_is_not_reachable(verified_client, manager, document, other_manager):
    from tests.factories import make_contract

    mine = make_contract(manager=other_manager)
    response = verified_client(other_manager).get(f"/contracts/{mine.pk}/documents/{document.pk}/")
    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_a_changed_file_is_not_served(verified_client, manager, document):
    Path(default_storage.path(document.file.name)).write_bytes(PDF + b"tampered")
    response = verified_client(manager).get(f"/contracts/{document.contract_id}/documents/{document.pk}/")
    assert response.status_code == 403
    assert b"no longer matches the digest recorded" in response.content
    Path(default_storage.path(document.file.name)).unlink()
    assert (
        verified_client(manager).get(f"/contracts/{document.contract_id}/documents/{document.pk}/").status_code == 404
    )
    assert not AccessEvent.objects.exists()


def test_the_contract_page_lists_documents_digests_and_downloads(verified_client, manager, document, staff):
    client = verified_client(manager)
    client.get(f"/contracts/{document.contract_id}/documents/{document.pk}/")
    page = client.get(f"/contracts/{document.contract_id}/")
    content = page.content.decode()
    assert document.sha256 in content
    assert [event.kind for event in page.context["downloads"]] == ["download"]


# --- destruction certificate ----------------------------------------------------------------


def certificate_post(client, contract, file):
    return client.post(
        f"/contracts/{contract.pk}/destruction/",
        {
            "destroyed_on_day": TODAY.day,
            "destroyed_on_month": TODAY.month,
            "destroyed_on_year": TODAY.year,
            "certified_by": "Dr Robin Lee, Data Protection Officer",
            "certificate": file,
        },
    )


def test_a_bad_certificate_changes_nothing_and_a_good_one_certifies(verified_client, manager, contract, asset):
    released_contract(contract, asset)
    client = verified_client(manager)
    response = certificate_post(client, contract, upload("certificate.pdf", b"GIF89a"))
    assert "is not a real PDF file" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == Status.DATA_RELEASED
    assert not ContractDocument.objects.filter(kind="destruction_certificate").exists()

    response = certificate_post(client, contract, upload("certificate.pdf"))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == Status.DESTRUCTION_CERTIFIED
    certificate = contract.destruction_certificate
    assert certificate.document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert certificate.certified_by == "Dr Robin Lee, Data Protection Officer"
    assert certificate.recorded_by == manager
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert certificate.document.sha256 in page
    # A second certificate is refused.
    response = certificate_post(client, contract, upload("again.pdf"))
    assert response.status_code == 200
    assert ContractDocument.objects.filter(kind="destruction_certificate").count() == 1


def test_a_certificate_before_release_or_dated_before_release_is_refused(verified_client, manager, contract, asset):
    client = verified_client(manager)
    response = certificate_post(client, contract, upload())
    assert "A destruction certificate is recorded after data is released" in response.content.decode()
    released_contract(contract, asset)
    with pytest.raises(ValidationError) as exc:
        service.record_destruction(
            contract,
            by=manager,
            destroyed_on=contract.start_date.replace(year=contract.start_date.year - 1),
            certified_by="Someone",
            certificate=upload(),
        )
    assert "destroyed_on" in exc.value.message_dict
    assert ResearchContract.objects.get(pk=contract.pk).status == Status.DATA_RELEASED
    assert len(stored_files()) == ContractDocument.objects.count()  # the refused certificate left no file


def test_a_digest_is_shortened_with_the_whole_value_one_click_away(verified_client, manager, document):
    content = verified_client(manager).get(f"/contracts/{document.contract_id}/").content.decode()
    documents = content.split('id="documents"')[1]
    summary = documents.split('class="govuk-details__summary"')[1].split("</summary>")[0]
    assert f"{document.sha256[:12]}…" in summary and document.sha256 not in summary
    assert f"<code>{document.sha256}</code>" in documents.split("</details>")[0]


def test_the_contract_page_has_five_tabs_at_most_and_its_upkeep_as_links(verified_client, manager, document):
    content = verified_client(manager).get(f"/contracts/{document.contract_id}/").content.decode()
    assert content.count('class="govuk-tabs__tab"') <= 5
    assert "Dates and history" in content and 'id="changes"' in content
    assert '<a class="govuk-link" href="/contracts/' in content and ">Change details</a>" in content
    assert 'class="govuk-button govuk-button--secondary" data-module="govuk-button">Change details' not in content
