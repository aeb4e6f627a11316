"""The record of processing activities: recording on an asset, what the detail page reads from live
records, editing, the yearly review, visibility and refusals, the list's query count and the exports."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from governance.core.audit import system_user
from governance.core.models import AccessEvent, Notification, OfficeHolder
from governance.privacy import activities as service
from governance.privacy.models import ProcessingActivity
from governance.privacy.policy import can_view_activity
from governance.privacy.selectors import visible_activities
from governance.register.organisation import appoint_office_holder
from tests.factories import (
    DataItemFactory,
    ExternalOrganisationFactory,
    SharingAgreementFactory,
    UserFactory,
    make_asset,
    make_grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(area):
    person = UserFactory(username="dpo", business_area=area, email="dpo@example.gov.uk")
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, person, by=system_user())
    return person


@pytest.fixture
def personal_asset(area, iam, deputy_siro):
    asset = make_asset(
        manager=iam,
        business_area=area,
        name="Universal Credit claims",
        contains_personal_data=True,
        lawful_basis="public_task",
        retention_rule="Six years after the claim ends",
        storage_location="Secure analysis environment",
    )
    DataItemFactory(asset=asset, name="nino", description="National Insurance number", sensitivity="identifier")
    DataItemFactory(asset=asset, name="health_cond", description="Health condition", sensitivity="special_category")
    DataItemFactory(asset=asset, name="row_id", description="Row number", sensitivity="non_personal")
    return asset


def form_data(asset, **overrides):
    data = {
        "name": "Paying Universal Credit",
        "purposes": "To assess and pay claims.",
        "role": "controller",
        "controller_name": "",
        "assets": [asset.pk],
        "business_area": asset.business_area_id,
        "lawful_basis": "public_task",
        "special_category_condition": "",
        "schedule_1_condition": "",
        "data_subjects": "Claimants and their partners",
        "transfer_countries": "",
        "transfer_safeguard": "",
    }
    data.update(overrides)
    return data


def record(asset, by, **overrides) -> ProcessingActivity:
    fields = form_data(asset, **overrides)
    fields.pop("assets")
    fields["business_area"] = asset.business_area
    return service.record_activity(by=by, assets=[asset], **fields)


def test_an_iam_records_an_activity_from_the_asset_page_and_the_dpo_is_told(
    verified_client, iam, asset, dpo, mailoutbox, django_capture_on_commit_callbacks
):
    client = verified_client(iam)
    page = client.get(asset.get_absolute_url()).content.decode()
    link = f"{reverse('privacy:activity-create')}?asset={asset.pk}"
    assert "Record processing activity" in page and link.replace("&", "&amp;") in page
    assert client.get(link).context["form"].initial["assets"] == [asset.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:activity-create"), form_data(asset))
    activity = ProcessingActivity.objects.get()
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.owner == iam and list(activity.assets.all()) == [asset]
    assert activity.next_review_date == service.one_year_on(timezone.localdate())
    assert [m.to for m in mailoutbox] == [[dpo.email]]
    assert "Paying Universal Credit" in mailoutbox[0].subject


def test_the_asset_page_offers_the_link_only_to_its_iam(verified_client, staff, asset):
    page = verified_client(staff).get(asset.get_absolute_url()).content.decode()
    assert "Record processing activity" not in page


def test_every_problem_is_reported_at_once(verified_client, iam, personal_asset, other_asset):
    client = verified_client(iam)
    response = client.post(
        reverse("privacy:activity-create"),
        form_data(
            personal_asset,
            name="",
            role="processor",
            transfer_countries="United States",
            schedule_1_condition="research",
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "controller_name", "transfer_safeguard", "special_category_condition"}
    assert not ProcessingActivity.objects.exists()
    # Someone else's asset is no choice at all.
    response = client.post(reverse("privacy:activity-create"), form_data(other_asset))
    assert "assets" in response.context["form"].errors


def test_the_detail_page_reads_categories_recipients_retention_and_security_from_live_records(
    verified_client, iam, personal_asset, other_area, dpo
):
    activity = record(
        personal_asset, iam, special_category_condition="substantial_public_interest", schedule_1_condition="research"
    )
    for _ in range(3):
        make_grant(UserFactory(business_area=other_area), asset=personal_asset)
    agreement = SharingAgreementFactory(business_area=personal_asset.business_area, status="draft")
    agreement.assets.add(personal_asset)
    processor = ExternalOrganisationFactory(name="Cloud Hosting Ltd")
    activity.processors.add(processor)
    page = verified_client(dpo).get(activity.get_absolute_url()).content.decode()
    assert "National Insurance number" in page and "Health condition" in page
    assert "nino" not in page and "Row number" not in page
    assert "Working Age Benefits: 3 people" in page
    assert agreement.reference in page and "Cloud Hosting Ltd" in page
    assert "Six years after the claim ends" in page and "Secure analysis environment" in page


def test_the_owner_edits_and_marks_reviewed(verified_client, iam, personal_asset):
    activity = record(personal_asset, iam)
    client = verified_client(iam)
    assert client.get(reverse("privacy:activity-edit", args=[activity.pk])).status_code == 200
    response = client.post(
        reverse("privacy:activity-edit", args=[activity.pk]), form_data(personal_asset, name="Paying claims")
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.name == "Paying claims"
    response = client.post(reverse("privacy:activity-review", args=[activity.pk]))
    assert response.status_code == 302
    activity.refresh_from_db()
    today = timezone.localdate()
    assert activity.last_reviewed_on == today and activity.next_review_date == service.one_year_on(today)
    page = client.get(activity.get_absolute_url()).content.decode()
    assert "recorded the processing activity" in page and "reviewed the processing activity" in page


def test_refusals(verified_client, unverified_client, iam, personal_asset, other_iam, other_deputy_siro, staff):
    activity = record(personal_asset, iam)
    for person in (other_iam, other_deputy_siro, staff):
        assert not can_view_activity(person, activity)
        client = verified_client(person)
        assert client.get(activity.get_absolute_url()).status_code == 403
        assert client.post(reverse("privacy:activity-review", args=[activity.pk])).status_code == 403
        client.logout()
    assert verified_client(staff).get(reverse("privacy:activity-create")).status_code == 403
    client = unverified_client(iam)
    assert client.get(activity.get_absolute_url()).status_code == 302


def test_visibility_follows_the_rule(iam, personal_asset, deputy_siro, other_deputy_siro, dpo, auditor, staff):
    activity = record(personal_asset, iam)
    for person in (iam, deputy_siro, dpo, auditor):
        assert list(visible_activities(person)) == [activity]
        assert can_view_activity(person, activity)
    for person in (other_deputy_siro, staff):
        assert not visible_activities(person).exists()


def _many(count, area, owner):
    start = ProcessingActivity.objects.count()
    for n in range(start, start + count):
        asset = make_asset(manager=owner, business_area=area, name=f"Listed asset {n}")
        activity = ProcessingActivity.objects.create(
            name=f"Activity on {asset.name}",
            purposes="Statistics",
            business_area=area,
            owner=owner,
            lawful_basis="public_task",
            data_subjects="Claimants",
            next_review_date=timezone.localdate() + datetime.timedelta(days=100),
        )
        activity.assets.add(asset)


def test_the_list_takes_the_same_queries_at_two_sizes(verified_client, dpo, iam, area, django_assert_max_num_queries):
    client = verified_client(dpo)
    _many(2, area, iam)
    url = reverse("privacy:activity-list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _many(30, area, iam)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{url}?area={area.pk}&owner={iam.pk}")
    assert response.status_code == 200 and len(response.context["activities"]) == 25


def test_filters_by_area_and_owner(verified_client, dpo, iam, personal_asset, other_iam, other_asset):
    mine = record(personal_asset, iam)
    theirs = record(other_asset, other_iam, name="Housing benefit payments")
    client = verified_client(dpo)
    listed = client.get(reverse("privacy:activity-list"), {"area": other_asset.business_area_id}).context["activities"]
    assert list(listed) == [theirs]
    listed = client.get(reverse("privacy:activity-list"), {"owner": iam.pk}).context["activities"]
    assert list(listed) == [mine]


def test_the_exports_follow_the_ico_template_and_are_recorded(verified_client, dpo, iam, personal_asset, other_area):
    record(
        personal_asset, iam, special_category_condition="substantial_public_interest", schedule_1_condition="research"
    )
    record(personal_asset, iam, name="Payroll for a council", role="processor", controller_name="Anytown Council")
    make_grant(UserFactory(business_area=other_area), asset=personal_asset)
    client = verified_client(dpo)
    response = client.get(reverse("privacy:activity-export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = [line for line in body.splitlines() if line]
    assert header.startswith("Processing activity,Business function,Purpose of processing")
    assert len(rows) == 1 and "Working Age Benefits: 1 person" in rows[0]
    assert "National Insurance number (direct identifier)" in rows[0]
    response = client.get(reverse("privacy:activity-export-xlsx") + "?record=processor")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][1] == "Name and contact details of controller"
    assert values[1][:2] == ["Payroll for a council", "Anytown Council"]
    details = list(AccessEvent.objects.filter(kind="export").values_list("detail", flat=True))
    assert any("controller's record" in d for d in details) and any("processor's record" in d for d in details)


def test_export_refused_to_staff_and_iams(verified_client, staff, iam, asset):
    for person in (staff, iam):
        assert verified_client(person).get(reverse("privacy:activity-export")).status_code == 403


def test_review_reminders_escalate_and_do_not_repeat(iam, personal_asset, deputy_siro, settings):
    activity = record(personal_asset, iam)
    soon = activity.next_review_date - datetime.timedelta(days=7)
    assert service.send_activity_reminders(soon).due == 1
    assert service.send_activity_reminders(soon).due == 0
    late = activity.next_review_date + datetime.timedelta(days=settings.PRIVACY_ESCALATION_DAYS)
    run = service.send_activity_reminders(late)
    assert run.overdue == 1 and run.escalated == 1
    assert Notification.objects.filter(recipient=deputy_siro, dedupe_key__contains="escalated").exists()
    assert service.send_activity_reminders(late).as_dict() == {"due": 0, "overdue": 0, "escalated": 0}


def test_special_category_assets_need_the_article_9_condition(iam, personal_asset):
    asset = personal_asset
    asset.special_category = True
    errors = service.activity_errors(
        role="controller",
        controller_name="",
        special_category_condition="",
        schedule_1_condition="",
        transfer_countries="",
        transfer_safeguard="",
        assets=[asset],
        business_area=asset.business_area,
    )
    assert "special_category_condition" in errors


def test_the_header_offers_data_protection_to_the_dpo_and_deputies_only(verified_client, dpo, deputy_siro, staff):
    for person, shown in ((dpo, True), (deputy_siro, True), (staff, False)):
        client = verified_client(person)
        texts = [item["text"] for item in client.get(reverse("home")).context["navigation"]]
        assert ("Data protection" in texts) is shown, person
        client.logout()


def test_the_reminder_tasks_run_daily_from_the_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "governance.privacy.tasks.send_activity_review_reminders",
        "governance.privacy.tasks.send_agreement_reminders",
    } <= tasks
