"""Research contract pages: who sees and changes what, the forms, the Five Safes and the history."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime

import pytest
from auditlog.context import disable_auditlog
from django.core import mail
from guardian.shortcuts import get_perms

from governance.contracts import records as service
from governance.contracts.models import (
    AssuranceCheck,
    ContractAsset,
    ContractDataItem,
    ExternalOrganisation,
    ResearchContract,
    ResearchContractUserObjectPermission,
    RetentionDateChange,
)
from governance.contracts.states import transition
from governance.core.models import AuditEntry, User
from governance.register.people import mark_leaver
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    Status,
    approved_contract,
    asset,
    contract,
    gateway,
    iam,
    manager,
    other_asset,
    other_iam,
    other_manager,
    provide,
    released_contract,
    upload,
)
from tests.factories import (
    BusinessAreaFactory,
    ExternalOrganisationFactory,
    ResearchContractFactory,
    UserFactory,
    contract_manager,
    make_asset,
)

# Database tests: so marked, they run before the transactional (browser) tests.
pytestmark = pytest.mark.django_db


def contract_form(organisation, **overrides) -> dict:
    start, end = TODAY, TODAY + datetime.timedelta(days=365)
    retention, destruction = end + datetime.timedelta(days=30), end + datetime.timedelta(days=60)
    data = {
        "reference": "DWP-RES-2026-099",
        "title": "Universal Credit and earnings",
        "purpose": "To evaluate how Universal Credit affects earnings, for the public good.",
        "organisation": organisation.pk,
        "manager": "carla",
        "contact_name": "Dr Amara Osei",
        "contact_role": "Principal investigator",
        "contact_email": "a.osei@northshire.example.ac.uk",
        "contact_phone": "",
        "security_contact_name": "",
        "security_contact_email": "",
        "legal_gateway": "",
        "lawful_basis": "public_task",
        "special_category_condition": "",
    }
    for name, value in (
        ("start_date", start),
        ("end_date", end),
        ("retention_end_date", retention),
        ("destruction_due_date", destruction),
    ):
        data.update({f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year})
    data.update(overrides)
    return data


# --- recording a contract -------------------------------------------------------------


def test_a_contract_manager_records_a_contract(verified_client, manager, gateway):
    organisation = ExternalOrganisationFactory(name="University of Northshire")
    client = verified_client(manager)
    assert client.get("/contracts/new/").status_code == 200
    response = client.post("/contracts/new/", contract_form(organisation, legal_gateway=gateway.pk))
    assert response.status_code == 302, response.context["form"].errors
    contract = ResearchContract.objects.get(reference="DWP-RES-2026-099")
    assert response["Location"] == contract.get_absolute_url()
    assert (contract.status, contract.manager, contract.legal_gateway) == (Status.DRAFT, manager, gateway)
    assert contract.assurance_checks.count() == 4
    assert {"view_researchcontract", "change_researchcontract"} <= set(get_perms(manager, contract))
    dates = RetentionDateChange.objects.get(contract=contract)
    assert dates.retention_end_date == contract.retention_end_date and dates.changed_by == manager
    created = AuditEntry.objects.get(
        scope=contract.audit_scope(), action=AuditEntry.Action.CREATE, object_repr=str(contract)
    )
    assert created.actor == manager


def test_a_contract_can_name_another_contract_manager(
    verified_client, manager, other_manager, django_capture_on_commit_callbacks
):
    organisation = ExternalOrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(manager).post("/contracts/new/", contract_form(organisation, manager="otto"))
    assert response.status_code == 302
    contract = ResearchContract.objects.get()
    assert contract.manager == other_manager
    assert "change_researchcontract" in get_perms(other_manager, contract)
    assert not get_perms(manager, contract)
    assert [m.to for m in mail.outbox] == [[other_manager.email]]


def test_the_contract_form_explains_what_is_wrong_and_saves_nothing(verified_client, manager, contract, staff):
    organisation = ExternalOrganisationFactory()
    data = contract_form(
        organisation,
        reference=contract.reference.lower(),
        manager="staff",
        destruction_due_date_day="1",
        destruction_due_date_month="1",
        destruction_due_date_year=str(TODAY.year),
        retention_end_date_day="31",
        retention_end_date_month="2",
    )
    response = verified_client(manager).post("/contracts/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "reference" in errors and "retention_end_date" in errors
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert 'value="31"' in content
    # The error summary links to the day box of the date, which exists.
    assert 'href="#id_retention_end_date_day"' in content and 'id="id_retention_end_date_day"' in content
    assert ResearchContract.objects.count() == 1

    # A person who is not a research contract manager cannot be named.
    response = verified_client(manager).post("/contracts/new/", contract_form(organisation, manager="staff"))
    assert "is not an active research contract manager" in response.content.decode()
    # Destruction must come after retention.
    late = TODAY + datetime.timedelta(days=10)
    response = verified_client(manager).post(
        "/contracts/new/",
        contract_form(
            organisation,
            destruction_due_date_day=late.day,
            destruction_due_date_month=late.month,
            destruction_due_date_year=late.year,
        ),
    )
    assert "destruction due date must be on or after the retention end date" in response.content.decode()
    assert ResearchContract.objects.count() == 1


@pytest.mark.parametrize("who", ["staff", "iam", "auditor", "administrator", "deputy_siro"])
def test_only_research_contract_managers_record_contracts(request, verified_client, who):
    response = verified_client(request.getfixturevalue(who)).get("/contracts/new/")
    assert response.status_code == 403
    assert b"Only research contract managers can record research contracts" in response.content


# --- who sees a contract ------------------------------------------------------------------


@pytest.fixture
def provided(contract, asset):
    provide(contract, asset, "date_of_birth")
    return contract


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("manager", True),
        ("iam", True),  # an IAM of an asset provided
        ("deputy_siro", True),  # the Deputy SIRO of that asset's area
        ("auditor", True),
        ("siro", True),
        ("administrator", True),
        ("other_manager", False),
        ("other_iam", False),
        ("other_deputy_siro", False),
        ("staff", False),
    ],
)
def test_who_may_see_a_contract(request, verified_client, provided, other_asset, who, allowed):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    response = client.get(f"/contracts/{provided.pk}/")
    listed = [c.pk for c in client.get("/contracts/").context["contracts"]]
    history = client.get(f"/contracts/{provided.pk}/history/")
    if allowed:
        assert response.status_code == 200
        assert listed == [provided.pk]
        assert history.status_code == 200
    else:
        assert response.status_code == 403
        assert b"Only the contract&#x27;s manager, the IAMs of the assets it provides" in response.content
        assert listed == []
        assert history.status_code == 403


@pytest.mark.parametrize("who", ["iam", "deputy_siro", "auditor", "administrator", "other_manager", "staff"])
def test_only_the_named_manager_changes_a_contract(request, verified_client, provided, who):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    urls = [
        f"/contracts/{provided.pk}/edit/",
        f"/contracts/{provided.pk}/assurance/sara/",
        f"/contracts/{provided.pk}/data/add/",
        f"/contracts/{provided.pk}/risk/",
        f"/contracts/{provided.pk}/status/under_assurance/",
        f"/contracts/{provided.pk}/destruction/",
        f"/contracts/{provided.pk}/extensions/new/",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post(f"/contracts/{provided.pk}/status/under_assurance/", {"reason": ""})
    assert response.status_code == 403
    assert b"Only the contract&#x27;s named manager can change it" in response.content
    response = client.post(f"/contracts/{provided.pk}/edit/", contract_form(provided.organisation, title="Hijacked"))
    assert response.status_code == 403
    provided.refresh_from_db()
    assert (provided.status, provided.title) == (Status.DRAFT, "Evaluation of work coach support")


def test_the_manager_edits_the_contract_and_the_dates_history_grows(verified_client, manager, contract):
    retention = contract.retention_end_date + datetime.timedelta(days=10)
    destruction = retention + datetime.timedelta(days=30)
    data = contract_form(
        contract.organisation,
        reference=contract.reference,
        title="Evaluation of work coach support (phase 2)",
        legal_gateway=contract.legal_gateway_id,
        retention_end_date_day=retention.day,
        retention_end_date_month=retention.month,
        retention_end_date_year=retention.year,
        destruction_due_date_day=destruction.day,
        destruction_due_date_month=destruction.month,
        destruction_due_date_year=destruction.year,
    )
    data.pop("manager")
    response = verified_client(manager).post(f"/contracts/{contract.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    contract.refresh_from_db()
    assert contract.title.endswith("(phase 2)")
    assert (contract.retention_end_date, contract.destruction_due_date) == (retention, destruction)
    assert RetentionDateChange.objects.filter(contract=contract).count() == 2


def test_after_release_the_form_keeps_the_terms_fixed(verified_client, manager, contract, asset):
    released_contract(contract, asset)
    client = verified_client(manager)
    form = client.get(f"/contracts/{contract.pk}/edit/").context["form"]
    assert form.fields["retention_end_date"].disabled and form.fields["title"].disabled
    assert not form.fields["contact_email"].disabled
    data = contract_form(contract.organisation, title="Changed title", contact_email="new@example.ac.uk")
    data.pop("manager")
    response = client.post(f"/contracts/{contract.pk}/edit/", data)
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.title == "Evaluation of work coach support"  # disabled fields keep their value
    assert contract.contact_email == "new@example.ac.uk"


# --- the contract manager's rights move --------------------------------------------------------


def test_the_manager_hands_a_contract_over_and_the_rights_move(
    verified_client, manager, other_manager, contract, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(manager).post(f"/contracts/{contract.pk}/manager/", {"manager": "otto"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.manager == other_manager
    assert not get_perms(User.objects.get(pk=manager.pk), contract)
    assert {"view_researchcontract", "change_researchcontract"} <= set(get_perms(other_manager, contract))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, other_manager.email])
    assert verified_client(User.objects.get(pk=manager.pk)).get(f"/contracts/{contract.pk}/").status_code == 403


def test_only_research_contract_managers_can_be_named(verified_client, manager, contract, staff):
    response = verified_client(manager).post(f"/contracts/{contract.pk}/manager/", {"manager": "staff"})
    assert response.status_code == 200
    assert "is not an active research contract manager" in response.content.decode()
    assert ResearchContract.objects.get(pk=contract.pk).manager == manager


@pytest.mark.parametrize(("who", "allowed"), [("administrator", True), ("auditor", False), ("other_manager", False)])
def test_administrators_reassign_contracts_others_cannot(
    request, verified_client, contract, other_manager, who, allowed
):
    response = verified_client(request.getfixturevalue(who)).post(
        f"/contracts/{contract.pk}/manager/", {"manager": "otto"}
    )
    contract.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert contract.manager == other_manager
    else:
        assert response.status_code == 403
        assert contract.manager.username == "carla"


def test_a_manager_who_leaves_keeps_no_rights(verified_client, manager, contract, administrator):
    mark_leaver(manager, by=administrator)
    assert not ResearchContractUserObjectPermission.objects.filter(user=manager).exists()
    listed = verified_client(administrator).get("/contracts/?attention=manager_needed").context["contracts"]
    assert [c.pk for c in listed] == [contract.pk]
    page = verified_client(administrator).get(f"/contracts/{contract.pk}/")
    assert "has left. An administrator must name a new contract manager" in page.content.decode()


def test_reassignment_is_atomic(contract, other_manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(service, "notify", broken)
    with pytest.raises(RuntimeError):
        service.reassign_manager(contract, other_manager, by=contract.manager)
    assert ResearchContract.objects.get(pk=contract.pk).manager == contract.manager
    assert "change_researchcontract" in get_perms(User.objects.get(pk=contract.manager_id), contract)
    assert not get_perms(other_manager, contract)


# --- the contract page ---------------------------------------------------------------------


def test_the_contract_page_shows_the_five_safes_from_live_records(verified_client, manager, contract, asset, iam):
    approved_contract(contract, asset, review=False)
    page = verified_client(manager).get(f"/contracts/{contract.pk}/")
    safes = {line.name: line for line in page.context["safes"]}
    assert [line.name for line in page.context["safes"]] == [
        "Safe people",
        "Safe projects",
        "Safe settings",
        "Safe data",
        "Safe outputs",
    ]
    assert safes["Safe people"].status == "met"
    assert safes["Safe projects"].status == "met"
    assert "Benefit claims is held in: Analytical secure environment" in safes["Safe settings"].evidence
    assert safes["Safe data"].status == "not_met"  # the IAM has not reviewed yet
    assert any("awaiting IAM review" in line for line in safes["Safe data"].evidence)
    assert safes["Safe outputs"].evidence[0] == (
        "Not applicable: outputs are released by the contractor under the contract."
    )
    content = page.content.decode()
    assert "Five Safes" in content and "govuk-summary-list" in content
    assert "Before data can be released" in content

    service.review_asset(contract.contract_assets.get(), by=iam, approved=True)
    safes = {line.name: line for line in verified_client(manager).get(f"/contracts/{contract.pk}/").context["safes"]}
    assert safes["Safe data"].status == "met"


def test_the_page_and_history_show_every_part_of_the_contract(verified_client, manager, contract, asset, auditor):
    approved_contract(contract, asset)
    client = verified_client(auditor)
    page = client.get(f"/contracts/{contract.pk}/")
    subjects = {row.subject.split(":")[0] for event in page.context["history"] for row in event.rows}
    assert {"Research contract", "Security assurance check", "Asset provided", "Data item provided"} <= subjects
    assert "Re-identification risk assessment" in subjects
    full = client.get(f"/contracts/{contract.pk}/history/?system=1")  # the rights rows too, for the auditor
    assert full.status_code == 200
    shown = sum(len(event.rows) + len(event.system_rows) for event in full.context["history"])
    assert shown == AuditEntry.objects.filter(scope=contract.audit_scope()).count()
    statuses = [(c.from_status, c.to_status) for c in page.context["status_changes"]]
    assert statuses[0] == ("under_assurance", "approved")


@pytest.mark.parametrize("items", [2, 60])
def test_the_contract_page_runs_a_bounded_number_of_queries(
    verified_client, manager, contract, area, items, django_assert_max_num_queries
):
    from tests.factories import DataItemFactory

    for n in range(3):
        asset = make_asset(manager=UserFactory(), business_area=area, name=f"Asset {n}")
        for m in range(items):
            DataItemFactory(asset=asset, name=f"item_{m:03d}")
        provide(contract, asset, *[f"item_{m:03d}" for m in range(items)])
    client = verified_client(manager)
    client.get(f"/contracts/{contract.pk}/")
    with django_assert_max_num_queries(40):
        response = client.get(f"/contracts/{contract.pk}/")
    assert sum(len(row.items.all()) for row in response.context["facts"].assets) == 3 * items


# --- lists ---------------------------------------------------------------------------------


def _many_contracts(count: int, manager, asset) -> None:
    """``count`` contracts for ``manager`` (with the manager's rights), half providing ``asset``."""
    organisation = ExternalOrganisationFactory()
    with disable_auditlog():
        for n in range(count):
            contract = ResearchContractFactory(reference=f"BULK-{n:05d}", manager=manager, organisation=organisation)
            ResearchContractUserObjectPermission.objects.create(
                user=manager, content_object=contract, permission_id=_view_perm_id()
            )
            if n % 2:
                ContractAsset.objects.create(contract=contract, asset=asset)


def _view_perm_id() -> int:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(codename="view_researchcontract").pk


@pytest.mark.parametrize("count", [10, 120])  # past two pages: enough to show the queries do not grow
@pytest.mark.parametrize("who", ["manager", "iam", "auditor"])
def test_the_list_runs_a_bounded_number_of_queries(
    request, verified_client, manager, asset, who, count, django_assert_max_num_queries
):
    _many_contracts(count, manager, asset)
    client = verified_client(request.getfixturevalue(who))
    client.get("/contracts/")
    with django_assert_max_num_queries(16):
        response = client.get("/contracts/?ordering=destruction&status=draft")
    expected = count if who != "iam" else count // 2
    assert response.context["paginator"].count == expected
    assert len(response.context["contracts"]) == min(expected, 25)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=northshire", {"RC-A"}),
        ("q=rc-b", {"RC-B"}),
        ("status=data_released", {"RC-B"}),
        ("attention=destruction_overdue", set()),
        ("attention=mine", {"RC-A", "RC-B"}),
    ],
)
def test_list_filters(verified_client, manager, asset, gateway, query, expected):
    from tests.factories import make_contract

    northshire = ExternalOrganisationFactory(name="University of Northshire")
    make_contract(manager=manager, reference="RC-A", organisation=northshire)
    released = make_contract(manager=manager, reference="RC-B", lawful_basis="public_task", legal_gateway=gateway)
    released_contract(released, asset)
    names = {c.reference for c in verified_client(manager).get(f"/contracts/?{query}").context["contracts"]}
    assert names == expected


def test_an_iam_filters_the_contracts_awaiting_their_review(
    verified_client, manager, contract, asset, iam, other_asset
):
    provide(contract, asset, "date_of_birth")
    transition(contract, Status.UNDER_ASSURANCE, by=manager)
    listed = verified_client(iam).get("/contracts/?attention=my_review").context["contracts"]
    assert [c.pk for c in listed] == [contract.pk]
    service.review_asset(contract.contract_assets.get(), by=iam, approved=True)
    assert not verified_client(iam).get("/contracts/?attention=my_review").context["contracts"]


def test_export_lists_only_what_the_user_may_see_and_is_recorded(verified_client, manager, contract, other_manager):
    from governance.core.models import AccessEvent
    from tests.factories import make_contract

    make_contract(manager=other_manager, reference="THEIRS-1")
    response = verified_client(manager).get("/contracts/export/")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert contract.reference in text and "THEIRS-1" not in text
    event = AccessEvent.objects.get(kind="export")
    assert event.user == manager and "1 contracts" in event.detail


# --- data provided through the pages ---------------------------------------------------------


def test_the_manager_chooses_items_with_justifications(verified_client, manager, contract, asset):
    client = verified_client(manager)
    response = client.post(f"/contracts/{contract.pk}/data/add/", {"asset": asset.pk})
    row = ContractAsset.objects.get(contract=contract)
    assert response["Location"] == f"/contracts/{contract.pk}/data/{row.pk}/"
    dob, nino = asset.items.get(name="date_of_birth"), asset.items.get(name="nino")
    response = client.post(
        f"/contracts/{contract.pk}/data/{row.pk}/",
        {f"include_{dob.pk}": "on", f"justification_{dob.pk}": "", f"include_{nino.pk}": ""},
    )
    assert response.status_code == 200
    assert "Explain why date_of_birth is needed" in response.content.decode()
    assert not ContractDataItem.objects.exists()
    response = client.post(f"/contracts/{contract.pk}/data/{row.pk}/", {})
    assert "Select at least one data item" in response.content.decode()
    response = client.post(
        f"/contracts/{contract.pk}/data/{row.pk}/",
        {f"include_{dob.pk}": "on", f"justification_{dob.pk}": "Age at the start of the claim"},
    )
    assert response.status_code == 302
    item = ContractDataItem.objects.get()
    assert (item.name, item.justification) == ("date_of_birth", "Age at the start of the claim")
    # The same asset cannot be added twice; another contract's row cannot be reached through this one.
    response = client.post(f"/contracts/{contract.pk}/data/add/", {"asset": asset.pk})
    assert response.status_code == 200 and "asset" in response.context["form"].errors


def test_a_row_of_another_contract_is_not_reachable(verified_client, manager, contract, asset, other_manager):
    from tests.factories import make_contract

    theirs = make_contract(manager=other_manager)
    row = service.add_asset(theirs, asset, by=other_manager)
    client = verified_client(manager)
    assert client.get(f"/contracts/{contract.pk}/data/{row.pk}/").status_code == 404
    assert client.post(f"/contracts/{contract.pk}/data/{row.pk}/remove/").status_code == 404
    assert ContractAsset.objects.filter(pk=row.pk).exists()


def test_the_iam_reviews_through_the_page_others_are_refused(verified_client, manager, contract, asset, iam, other_iam):
    row = provide(contract, asset, "date_of_birth")
    url = f"/contracts/{contract.pk}/data/{row.pk}/review/"
    for user in (manager, other_iam):
        response = verified_client(user).post(url, {"decision": "approve"})
        assert response.status_code == 403
        assert b"Only the Information Asset Manager of this asset" in response.content
    client = verified_client(iam)
    response = client.post(url, {"decision": "changes", "notes": ""})
    assert "Say what must change" in response.content.decode()
    response = client.post(url, {"decision": "approve", "notes": "Minimum"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.review_state, row.reviewed_by) == (ContractAsset.Review.APPROVED, iam)


def test_assurance_is_recorded_with_evidence_through_the_page(verified_client, manager, contract):
    client = verified_client(manager)
    url = f"/contracts/{contract.pk}/assurance/sara/"
    page = client.get(url)
    assert page.context["form"].initial["assessor"] == manager
    response = client.post(
        url,
        {
            "outcome": "met",
            "assessor": "carla",
            "assessed_on_day": TODAY.day,
            "assessed_on_month": TODAY.month,
            "assessed_on_year": TODAY.year,
        },
    )
    assert "Upload the evidence for this assessment" in response.content.decode()
    response = client.post(
        url,
        {
            "outcome": "met",
            "assessor": "carla",
            "assessed_on_day": TODAY.day,
            "assessed_on_month": TODAY.month,
            "assessed_on_year": TODAY.year,
            "evidence": upload("sara.pdf"),
        },
    )
    assert response.status_code == 302
    check = contract.assurance_checks.get(kind=AssuranceCheck.Kind.SARA)
    assert check.is_complete and check.evidence.original_name == "sara.pdf"
    assert client.get("/contracts/1/assurance/unknown/").status_code in (403, 404)


def test_the_transition_page_lists_what_is_missing_and_refuses(verified_client, manager, contract, asset):
    approved_contract(contract, asset, review=False)
    client = verified_client(manager)
    page = client.get(f"/contracts/{contract.pk}/status/data_released/")
    assert page.context["unmet"] == ["Benefit claims: awaiting review by its IAM (Ian Roberts)"]
    today = {"released_on_day": TODAY.day, "released_on_month": TODAY.month, "released_on_year": TODAY.year}
    response = client.post(f"/contracts/{contract.pk}/status/data_released/", today)
    assert response.status_code == 200
    assert "Benefit claims: awaiting review by its IAM (Ian Roberts)" in response.content.decode()
    assert ResearchContract.objects.get(pk=contract.pk).status == Status.APPROVED
    assert client.get(f"/contracts/{contract.pk}/status/closed_for_good/").status_code == 404
    assert client.get(f"/contracts/{contract.pk}/status/destruction_certified/").status_code == 404


# --- contractors -----------------------------------------------------------------------------


def test_contract_managers_record_contractors(verified_client, manager, staff):
    client = verified_client(manager)
    response = client.post(
        "/contracts/contractors/new/", {"name": "Institute for Pensions Research", "kind": "research_institute"}
    )
    assert response.status_code == 302
    organisation = ExternalOrganisation.objects.get()
    response = client.post(
        "/contracts/contractors/new/", {"name": "institute for pensions research", "kind": "company"}
    )
    assert "is already recorded" in response.content.decode()
    staff_client = verified_client(staff)
    assert staff_client.get("/contracts/contractors/").status_code == 403
    assert staff_client.get(f"/contracts/contractors/{organisation.pk}/").status_code == 403
    assert staff_client.post("/contracts/contractors/new/", {"name": "X", "kind": "other"}).status_code == 403
    assert ExternalOrganisation.objects.count() == 1


def test_the_contractor_edit_page_shows_the_values_saves_with_an_audit_entry_and_reports_every_error(
    verified_client, manager
):
    organisation = ExternalOrganisationFactory(
        name="Institute for Pensions Research",
        kind=ExternalOrganisation.Kind.RESEARCH_INSTITUTE,
        registration_number="RC000123",
        address="1 Example Street",
    )
    ExternalOrganisationFactory(name="University of Northtown")
    client = verified_client(manager)
    url = f"/contracts/contractors/{organisation.pk}/edit/"

    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.instance.pk == organisation.pk
    html = page.content.decode()
    assert 'value="Institute for Pensions Research"' in html and 'value="RC000123"' in html
    assert "1 Example Street" in html

    data = {"name": "Pensions Research Institute", "kind": "research_institute", "registration_number": "RC000123"}
    response = client.post(url, {**data, "address": "2 Example Street", "website": "example.org"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.address, organisation.website) == (
        "Pensions Research Institute",
        "2 Example Street",
        "https://example.org",
    )
    assert ExternalOrganisation.objects.count() == 2
    entry = AuditEntry.objects.filter(
        object_pk=str(organisation.pk), action=AuditEntry.Action.UPDATE, object_repr__contains="Pensions"
    ).latest("pk")
    assert entry.actor == manager and "name" in entry.changes_dict

    response = client.post(url, {"name": "university of northtown", "kind": "", "website": "not a web address"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "kind", "website"}
    organisation.refresh_from_db()
    assert organisation.name == "Pensions Research Institute"


def test_a_contractor_page_lists_only_contracts_the_viewer_may_see(verified_client, manager, other_manager, contract):
    from tests.factories import make_contract

    theirs = make_contract(manager=other_manager, organisation=contract.organisation, reference="THEIRS-2")
    page = verified_client(manager).get(f"/contracts/contractors/{contract.organisation_id}/")
    assert [c.pk for c in page.context["contracts"]] == [contract.pk]
    assert theirs.pk not in [c.pk for c in page.context["contracts"]]


def test_areas_filter_uses_the_assets_areas(verified_client, auditor, contract, asset, other_asset, area):
    provide(contract, asset, "date_of_birth")
    empty = BusinessAreaFactory()
    client = verified_client(auditor)
    assert [c.pk for c in client.get(f"/contracts/?business_area={area.pk}").context["contracts"]] == [contract.pk]
    assert not client.get(f"/contracts/?business_area={empty.pk}").context["contracts"]


def test_a_second_contract_manager_group_member_sees_nothing_by_default(verified_client, contract):
    newcomer = contract_manager(username="newcomer")
    assert not verified_client(newcomer).get("/contracts/").context["contracts"]


def test_the_demo_has_contracts_in_each_state_and_loads_again_unchanged(db):
    from governance.contracts.models import RetentionExtension
    from governance.seeding.demo.load import load_demo

    load_demo()
    contracts = ResearchContract.objects.select_related("manager")
    assert {c.manager.username for c in contracts} == {"carla.contracts"}
    assert {c.status for c in contracts} == {
        Status.DRAFT,
        Status.UNDER_ASSURANCE,
        Status.DATA_RELEASED,
        Status.RETENTION_ENDED,
        Status.CLOSED,
    }
    closed = contracts.get(status=Status.CLOSED)
    assert len(closed.destruction_certificate.document.sha256) == 64
    assert RetentionExtension.objects.get(state="pending").contract.reference == "DWP-RES-2025-011"
    overdue = contracts.get(status=Status.RETENTION_ENDED)
    assert overdue.destruction_overdue()
    reviews = set(ContractAsset.objects.values_list("asset__manager__username", flat=True))
    assert reviews == {"ian.manager", "priya.iam", "tom.iam"}
    counts = (ResearchContract.objects.count(), ContractAsset.objects.count(), AuditEntry.objects.count())
    load_demo()
    assert (ResearchContract.objects.count(), ContractAsset.objects.count()) == counts[:2]


# --- the admin --------------------------------------------------------------------------------


def test_administrators_keep_the_legal_gateways_in_the_admin(verified_client, administrator):
    from governance.contracts.models import LegalGateway

    client = verified_client(administrator)
    response = client.post(
        "/admin/governance/legalgateway/add/",
        {"name": "Digital Economy Act research", "legislation": "DEA 2017 Part 5 Chapter 5", "is_active": "on"},
    )
    assert response.status_code == 302
    gateway = LegalGateway.objects.get()
    assert AuditEntry.objects.get(object_repr=str(gateway)).actor == administrator


@pytest.mark.parametrize(
    "path",
    [
        "/admin/governance/researchcontract/",
        "/admin/governance/contractstatuschange/",
        "/admin/governance/accessevent/",
        "/admin/governance/contractdocument/",
        "/admin/governance/calendarfeedtoken/",
    ],
)
def test_contract_evidence_is_read_only_in_the_admin(verified_client, administrator, contract, path):
    client = verified_client(administrator)
    assert client.get(path).status_code == 200
    assert client.get(path + "add/").status_code == 403


def test_the_admin_runs_the_daily_retention_check_through_the_state_machine(
    verified_client, administrator, manager, gateway, asset
):
    from tests.factories import make_contract

    ended = make_contract(
        manager=manager,
        legal_gateway=gateway,
        lawful_basis="public_task",
        start_date=TODAY - datetime.timedelta(days=100),
        end_date=TODAY - datetime.timedelta(days=10),
        retention_end_date=TODAY - datetime.timedelta(days=1),
        destruction_due_date=TODAY + datetime.timedelta(days=20),
    )
    released_contract(ended, asset)
    response = verified_client(administrator).post(
        "/admin/governance/researchcontract/",
        {"action": "end_due_retention", "_selected_action": [ended.pk]},
        follow=True,
    )
    assert "1 contract moved to retention ended" in response.content.decode()
    assert ResearchContract.objects.get(pk=ended.pk).status == Status.RETENTION_ENDED


def test_the_navigation_offers_research_contracts(verified_client, staff):
    content = verified_client(staff).get("/").content.decode()
    assert 'href="/contracts/"' in content and ">Contracts<" in content.replace("\n", "").replace(" ", "")
