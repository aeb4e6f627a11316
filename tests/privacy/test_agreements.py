"""Data-sharing agreements: drafting, approval by the area's Deputy SIRO with every missing thing named,
ending, visibility and refusals, the register's query count, exports, and review and end reminders."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import AccessEvent, Notification, OfficeHolder
from governance.privacy import agreements as service
from governance.privacy.models import SharingAgreement
from governance.privacy.policy import can_view_agreement
from governance.privacy.selectors import visible_agreements
from governance.register.organisation import appoint_office_holder
from tests.factories import (
    DataItemFactory,
    ExternalOrganisationFactory,
    LegalGatewayFactory,
    SharingAgreementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(area):
    person = UserFactory(username="dpo", business_area=area, email="dpo@example.gov.uk")
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, person, by=system_user())
    return person


@pytest.fixture
def manager(area):
    return UserFactory(username="cm", business_area=area, groups=[roles.CONTRACT_MANAGERS])


@pytest.fixture
def council():
    return ExternalOrganisationFactory(name="Anytown Council", kind="public_body")


@pytest.fixture
def gateway():
    return LegalGatewayFactory(name="Digital Economy Act 2017 s.35")


@pytest.fixture
def item(asset):
    return DataItemFactory(asset=asset, name="postcode", description="Home postcode", sensitivity="personal")


def form_data(asset, council, gateway, items=(), **overrides):
    today = timezone.localdate()
    data = {
        "reference": "DSA-0001",
        "title": "Claimant counts for the council",
        "kind": "dea_part_5",
        "organisation": council.pk,
        "direction": "out",
        "business_area": asset.business_area_id,
        "purpose": "Local labour-market statistics",
        "legal_gateway": gateway.pk,
        "lawful_basis": "public_task",
        "special_category_condition": "",
        "assets": [asset.pk],
        "data_items": [i.pk for i in items],
        "frequency": "quarterly",
        "security_conditions": "Secure file transfer; held in the council's accredited environment.",
    }
    for name, day in (
        ("start_date", today),
        ("review_date", today + datetime.timedelta(days=180)),
        ("end_date", today + datetime.timedelta(days=365)),
    ):
        data.update({f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year})
    data.update(overrides)
    return data


def draft(asset, council, gateway, by, items=(), **overrides) -> SharingAgreement:
    today = timezone.localdate()
    fields = {
        "reference": "DSA-0001",
        "title": "Claimant counts for the council",
        "kind": "dea_part_5",
        "organisation": council,
        "direction": "out",
        "business_area": asset.business_area,
        "purpose": "Local labour-market statistics",
        "legal_gateway": gateway,
        "lawful_basis": "public_task",
        "frequency": "quarterly",
        "security_conditions": "Secure file transfer.",
        "start_date": today,
        "review_date": today + datetime.timedelta(days=180),
        "end_date": today + datetime.timedelta(days=365),
    }
    fields.update(overrides)
    return service.create_agreement(by=by, assets=[asset], data_items=list(items), **fields)


def test_a_manager_drafts_an_agreement_and_the_dpo_is_told(
    verified_client, manager, asset, item, council, gateway, dpo, mailoutbox, django_capture_on_commit_callbacks
):
    client = verified_client(manager)
    form = client.get(reverse("privacy:agreement-create") + f"?asset={asset.pk}")
    assert form.status_code == 200 and "Home postcode" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:agreement-create"), form_data(asset, council, gateway, [item]))
    agreement = SharingAgreement.objects.get()
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    assert agreement.manager == manager and agreement.status == "draft"
    assert list(agreement.data_items.all()) == [item]
    assert [m.to for m in mailoutbox] == [[dpo.email]]


def test_every_problem_is_reported_at_once(verified_client, manager, asset, council, gateway, other_asset):
    stray = DataItemFactory(asset=other_asset, name="x", sensitivity="personal")
    today = timezone.localdate()
    past = today - datetime.timedelta(days=1)
    data = form_data(
        asset,
        council,
        gateway,
        title="",
        end_date_day=past.day,
        end_date_month=past.month,
        end_date_year=past.year,
    )
    data["assets"] = [asset.pk]
    data["data_items"] = [stray.pk]
    response = verified_client(manager).post(reverse("privacy:agreement-create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"title", "end_date", "review_date", "data_items"}


def test_approval_names_what_is_missing_then_puts_it_in_force(
    verified_client, manager, deputy_siro, asset, item, council, gateway
):
    agreement = draft(asset, council, gateway, manager)
    assert service.approval_problems(agreement) == ["Name the data items the agreement shares"]
    client = verified_client(deputy_siro)
    response = client.post(reverse("privacy:agreement-approve", args=[agreement.pk]))
    assert response.status_code == 200
    assert "Name the data items the agreement shares" in response.content.decode()
    agreement.data_items.add(item)
    response = client.post(reverse("privacy:agreement-approve", args=[agreement.pk]))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "active" and agreement.approved_by == deputy_siro
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "drafted the sharing agreement" in page and "approved the sharing agreement" in page


def test_a_change_in_force_goes_back_to_the_deputy_but_a_new_review_date_does_not(
    verified_client, manager, deputy_siro, asset, item, council, gateway
):
    """What is shared, with whom and on what basis is the Deputy SIRO's decision: changing it while the
    agreement is in force makes it a draft again; setting its next review (how a review is recorded) does not."""
    agreement = draft(asset, council, gateway, manager, items=[item])
    service.approve_agreement(agreement, by=deputy_siro)
    client = verified_client(manager)
    edit = reverse("privacy:agreement-edit", args=[agreement.pk])
    later = timezone.localdate() + datetime.timedelta(days=300)
    new_review = {
        "review_date_day": later.day,
        "review_date_month": later.month,
        "review_date_year": later.year,
        "security_conditions": "Secure file transfer.",  # as drafted: only the review date changes
    }

    response = client.post(edit, form_data(asset, council, gateway, items=[item], **new_review))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "active" and agreement.review_date == later

    more = DataItemFactory(asset=asset, name="earnings", description="Earnings", sensitivity="personal")
    response = client.post(edit, form_data(asset, council, gateway, items=[item, more], **new_review), follow=True)
    agreement.refresh_from_db()
    assert agreement.status == "draft"
    assert "a draft again until the Deputy SIRO approves it" in response.content.decode()
    assert service.approval_problems(agreement) == []
    service.approve_agreement(agreement, by=deputy_siro)
    agreement.refresh_from_db()
    assert agreement.status == "active"


def test_special_category_data_needs_the_article_9_condition(manager, asset, council, gateway):
    health = DataItemFactory(asset=asset, name="health", description="Health", sensitivity="special_category")
    agreement = draft(asset, council, gateway, manager, items=[health])
    assert service.approval_problems(agreement) == [
        "It shares special category data: record the Article 9 condition",
        # The DPIA gate's sentence: special category data is screened, and the screening is still open.
        "The DPIA screening of this sharing agreement is not finished: answer it before this can be approved",
    ]


def test_only_the_areas_deputy_approves(verified_client, manager, asset, item, council, gateway, other_deputy_siro):
    agreement = draft(asset, council, gateway, manager, items=[item])
    for person in (manager, other_deputy_siro):
        response = verified_client(person).post(reverse("privacy:agreement-approve", args=[agreement.pk]))
        assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == "draft"


def test_ending_needs_a_reason(verified_client, manager, deputy_siro, asset, item, council, gateway):
    agreement = draft(asset, council, gateway, manager, items=[item])
    service.approve_agreement(agreement, by=deputy_siro)
    client = verified_client(manager)
    response = client.post(reverse("privacy:agreement-end", args=[agreement.pk]), {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    response = client.post(reverse("privacy:agreement-end", args=[agreement.pk]), {"reason": "Council stopped"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "ended" and agreement.end_date == timezone.localdate()
    assert client.get(reverse("privacy:agreement-edit", args=[agreement.pk])).status_code == 403


def test_visibility_and_refusals(
    verified_client, manager, deputy_siro, other_deputy_siro, staff, dpo, auditor, asset, council, gateway
):
    agreement = draft(asset, council, gateway, manager)
    for person in (manager, deputy_siro, dpo, auditor):
        assert list(visible_agreements(person)) == [agreement] and can_view_agreement(person, agreement)
    for person in (other_deputy_siro, staff):
        assert not visible_agreements(person).exists() and not can_view_agreement(person, agreement)
        client = verified_client(person)
        assert client.get(agreement.get_absolute_url()).status_code == 403
        assert client.post(reverse("privacy:agreement-edit", args=[agreement.pk])).status_code == 403
        client.logout()
    assert verified_client(staff).get(reverse("privacy:agreement-create")).status_code == 403


def test_the_register_takes_the_same_queries_at_two_sizes(verified_client, dpo, area, django_assert_max_num_queries):
    client = verified_client(dpo)
    for _ in range(2):
        SharingAgreementFactory(business_area=area)
    url = reverse("privacy:agreement-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(30):
        SharingAgreementFactory(business_area=area)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"area": area.pk, "status": "draft"})
    assert response.status_code == 200 and len(response.context["agreements"]) == 25


def test_exports_are_recorded(verified_client, dpo, manager, asset, item, council, gateway, staff):
    draft(asset, council, gateway, manager, items=[item])
    client = verified_client(dpo)
    response = client.get(reverse("privacy:agreement-export-xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Reference" and rows[1][0] == "DSA-0001"
    assert "Home postcode (personal data)" in rows[1]
    response = client.get(reverse("privacy:agreement-export"))
    assert b"DSA-0001" in b"".join(response.streaming_content)
    assert AccessEvent.objects.filter(kind="export", detail__startswith="Sharing agreements").count() == 2
    client.logout()
    assert verified_client(staff).get(reverse("privacy:agreement-export")).status_code == 403


def test_reminders_escalate_to_the_deputy_then_the_siro_once(
    manager, deputy_siro, siro, asset, item, council, gateway, settings
):
    agreement = draft(asset, council, gateway, manager, items=[item])
    service.approve_agreement(agreement, by=deputy_siro)
    soon = agreement.review_date - datetime.timedelta(days=7)
    assert service.send_agreement_reminders(soon).review_due == 1
    assert service.send_agreement_reminders(soon).review_due == 0
    past = agreement.review_date + datetime.timedelta(days=1)
    run = service.send_agreement_reminders(past)
    assert run.review_overdue == 1 and run.escalated_deputy == 1 and run.escalated_siro == 0
    later = agreement.review_date + datetime.timedelta(days=settings.PRIVACY_ESCALATION_DAYS)
    run = service.send_agreement_reminders(later)
    assert run.escalated_siro == 1 and run.escalated_deputy == 0
    assert service.send_agreement_reminders(later).escalated_siro == 0
    assert Notification.objects.filter(recipient=siro, dedupe_key__startswith="privacy-agreement-escalated").exists()
    ending = agreement.end_date - datetime.timedelta(days=7)
    assert service.send_agreement_reminders(ending).end_due == 1


def test_the_siros_report_counts_agreements_past_review_and_links_to_them(
    verified_client, siro, manager, deputy_siro, asset, item, council, gateway, area, other_area
):
    from governance.assurance.report import build_report
    from tests.assurance.conftest import open_round

    agreement = service.approve_agreement(draft(asset, council, gateway, manager, items=[item]), by=deputy_siro)
    agreement.review_date = timezone.localdate() - datetime.timedelta(days=3)
    agreement.save()
    draft(asset, council, gateway, manager, reference="DSA-0002")  # a draft past nothing is not counted
    round_ = open_round(siro)
    report = build_report(round_)
    rows = {row.area: row.agreements_past_review for row in report.rows}
    assert rows == {area.name: 1, other_area.name: 0} and report.total.agreements_past_review == 1
    client = verified_client(siro)
    page = client.get(reverse("assurance:report", args=[round_.pk])).content.decode()
    link = reverse("privacy:agreement-list") + f"?status=past_review&amp;business_area={area.pk}"
    assert link in page
    listed = client.get(link.replace("&amp;", "&")).context["agreements"]
    assert list(listed) == [agreement]


def test_home_counts_equal_the_lists_they_open(verified_client, dpo, manager, asset, item, council, gateway, iam):
    from governance.core.todo import facts_for
    from governance.privacy.todo import ropa_tasks_for

    agreement = draft(asset, council, gateway, manager, items=[item])
    agreement.review_date = timezone.localdate()
    agreement.save()
    from tests.factories import ProcessingActivityFactory

    ProcessingActivityFactory(
        owner=iam, business_area=asset.business_area, next_review_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    for person, expected in ((dpo, 2), (manager, 1), (iam, 1)):
        tasks = [task for task in ropa_tasks_for(person, facts_for(person)) if task.count]
        assert len(tasks) == expected, person
        client = verified_client(person)
        for task in tasks:
            response = client.get(task.url)
            assert response.context["paginator"].count == task.count, task.label
        client.logout()
