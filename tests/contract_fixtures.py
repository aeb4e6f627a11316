"""Fixtures and helpers shared by the research contract tests (imported by name into each module)."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.contracts import records as service
from governance.contracts.models import AssuranceCheck, ContractAsset, ResearchContract
from governance.contracts.states import transition
from governance.register.models import DataItem, InformationAsset
from tests.conftest import fresh_code
from tests.factories import (
    DataItemFactory,
    LegalGatewayFactory,
    TOTPDeviceFactory,
    UserFactory,
    contract_manager,
    make_asset,
    make_contract,
)

TODAY = datetime.date.today()
Status = ResearchContract.Status

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office_file(kind: str) -> bytes:
    """A minimal DOCX or XLSX: a zip with the parts that make it one."""
    part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def upload(name: str = "evidence.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def manager(area):
    return contract_manager(username="carla", first_name="Carla", last_name="Jones", business_area=area)


@pytest.fixture
def other_manager(area):
    return contract_manager(username="otto", first_name="Otto", last_name="Grey", business_area=area)


@pytest.fixture
def iam(area):
    return UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)


@pytest.fixture
def asset(area, iam):
    asset = make_asset(manager=iam, business_area=area, name="Benefit claims")
    DataItemFactory(asset=asset, name="nino", sensitivity=DataItem.Sensitivity.DIRECT_IDENTIFIER)
    DataItemFactory(asset=asset, name="date_of_birth", sensitivity=DataItem.Sensitivity.PERSONAL)
    DataItemFactory(asset=asset, name="health_condition", sensitivity=DataItem.Sensitivity.SPECIAL_CATEGORY)
    return asset


@pytest.fixture
def other_iam(other_area):
    return UserFactory(username="priya", first_name="Priya", last_name="Nair", business_area=other_area)


@pytest.fixture
def other_asset(other_area, other_iam):
    asset = make_asset(manager=other_iam, business_area=other_area, name="Pension payments")
    DataItemFactory(asset=asset, name="award_amount", sensitivity=DataItem.Sensitivity.PERSONAL)
    return asset


@pytest.fixture
def gateway(db):
    return LegalGatewayFactory(name="Commissioned research (data processor)")


@pytest.fixture
def contract(manager, gateway):
    return make_contract(
        manager=manager,
        reference="DWP-RES-2026-001",
        title="Evaluation of work coach support",
        legal_gateway=gateway,
        lawful_basis=InformationAsset.LawfulBasis.PUBLIC_TASK,
    )


def items_of(asset: InformationAsset, *names: str) -> dict[int, str]:
    return {item.pk: f"Needed for {item.name}" for item in asset.items.filter(name__in=names)}


def provide(contract: ResearchContract, asset: InformationAsset, *names: str) -> ContractAsset:
    row = service.add_asset(contract, asset, by=contract.manager)
    return service.set_items(row, by=contract.manager, chosen=items_of(asset, *names))


def complete_assurance(contract: ResearchContract) -> None:
    for check in contract.assurance_checks.all():
        service.record_assurance(
            check,
            by=contract.manager,
            outcome=AssuranceCheck.Outcome.MET,
            assessor=contract.manager,
            assessed_on=TODAY,
            evidence=upload(f"{check.kind}.pdf"),
        )


def assess_risk(contract: ResearchContract, level: str = "low") -> None:
    service.record_risk_assessment(
        contract,
        by=contract.manager,
        level=level,
        mitigations="Pseudonymised, banded, small cells suppressed",
        assessor=contract.manager,
        assessed_on=TODAY,
    )


def approved_contract(contract: ResearchContract, asset: InformationAsset, *, review: bool = True) -> ResearchContract:
    """A contract ready for release: assurance complete, data chosen, risk assessed, approved."""
    row = provide(contract, asset, "date_of_birth")
    complete_assurance(contract)
    assess_risk(contract)
    transition(contract, Status.UNDER_ASSURANCE, by=contract.manager)
    transition(contract, Status.APPROVED, by=contract.manager)
    if review:
        service.review_asset(row, by=asset.manager, approved=True)
    contract.refresh_from_db()
    return contract


def fresh(user) -> dict[str, str]:
    """A new authenticator code for ``user`` (given an app if they have none): releasing data asks for one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDeviceFactory(user=user)
    return {"token": fresh_code(device)}


def released_contract(contract: ResearchContract, asset: InformationAsset, **kwargs) -> ResearchContract:
    approved_contract(contract, asset)
    transition(contract, Status.DATA_RELEASED, by=contract.manager, **fresh(contract.manager), **kwargs)
    contract.refresh_from_db()
    return contract
