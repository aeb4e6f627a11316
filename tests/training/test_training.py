"""Training sign-offs: statuses and their boundaries, signing with a fresh code, versions, clearance, dashboards."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.core.models import AuditEntry, BusinessArea, User
from governance.training import courses as service
from governance.training.models import Course, TrainingSignOff, TrainingStatus
from tests.conftest import current_code
from tests.factories import (
    BusinessAreaFactory,
    UserFactory,
    make_asset,
    make_course,
    make_data_protection_course,
    make_signoff,
)

TODAY = datetime.date.today()


def state_of(user, course, on=None):
    return next(s for s in service.training_for(user, on=on) if s.course == course)


@pytest.fixture
def course(db):
    return make_course()


@pytest.fixture
def handler(area):
    return UserFactory(username="handler", business_area=area, is_data_handler=True)


# --- dates -------------------------------------------------------------------------


def test_status_boundaries_around_the_expiry_day(staff, course):
    make_signoff(staff, course, signed_at=timezone.make_aware(datetime.datetime(2026, 3, 10, 9, 0)))
    expires = datetime.date(2027, 3, 10)
    assert TrainingStatus.objects.get(user=staff, course=course).expires_on == expires
    assert state_of(staff, course, on=expires - datetime.timedelta(days=31)).status == service.CURRENT
    assert state_of(staff, course, on=expires - datetime.timedelta(days=30)).status == service.DUE_SOON
    assert state_of(staff, course, on=expires - datetime.timedelta(days=1)).status == service.DUE_SOON
    assert state_of(staff, course, on=expires).status == service.OVERDUE  # the expiry day itself is overdue
    assert state_of(staff, course, on=expires - datetime.timedelta(days=40)).last_valid_day == datetime.date(2027, 3, 9)


@pytest.mark.parametrize(
    ("signed", "months", "expires"),
    [
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),  # leap day to a common year
        (datetime.date(2024, 2, 29), 48, datetime.date(2028, 2, 29)),  # and back to a leap year
        (datetime.date(2023, 2, 28), 12, datetime.date(2024, 2, 28)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),  # month ends clamp
        (datetime.date(2026, 8, 31), 6, datetime.date(2027, 2, 28)),
    ],
)
def test_expiry_dates_across_leap_years_and_month_ends(signed, months, expires):
    assert service.expiry_for(signed, months) == expires


def test_a_change_of_renewal_period_moves_every_expiry(staff, course, administrator):
    make_signoff(staff, course, days_ago=240)  # about eight months ago
    assert state_of(staff, course).status == service.CURRENT
    service.update_course(course, by=administrator, renewal_months=6)
    assert state_of(staff, course).status == service.OVERDUE
    service.update_course(course, by=administrator, renewal_months=12)
    assert state_of(staff, course).status in (service.CURRENT, service.DUE_SOON)
    # Each recalculation is in the audit trail.
    updates = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE, changes__has_key="expires_on")
    assert updates.filter(object_repr__contains=course.title).count() == 2


def test_never_signed_is_due_a_month_after_joining(area, course):
    joiner = UserFactory(business_area=area)
    joiner.date_joined = timezone.now() - datetime.timedelta(days=10)
    joiner.save()
    state = state_of(joiner, course)
    assert state.status == service.NEVER_SIGNED
    assert state.due_on == TODAY + datetime.timedelta(days=20)


# --- signing -----------------------------------------------------------------------


def sign_form(client, course, code, version=None):
    version = version or service.current_versions([course])[course.pk]
    return client.post(f"/training/{course.pk}/sign/", {"version": version.pk, "confirm": "on", "otp_token": code})


def test_signing_records_the_evidence(verified_client, staff, course):
    client = verified_client(staff)
    device = staff.totpdevice_set.get()
    page = client.get(f"/training/{course.pk}/sign/")
    assert b"I have completed Information security." in page.content
    response = client.post(
        f"/training/{course.pk}/sign/",
        {
            "version": service.current_versions([course])[course.pk].pk,
            "confirm": "on",
            "otp_token": current_code(device),
        },
        REMOTE_ADDR="10.20.30.40",
        HTTP_USER_AGENT="Browser/1.0",
    )
    assert response.status_code == 302
    signoff = TrainingSignOff.objects.get(user=staff)
    assert signoff.ip_address == "10.20.30.40"
    assert signoff.user_agent == "Browser/1.0"
    assert signoff.declaration_digest == service.declaration_digest("I have completed Information security.")
    assert state_of(staff, course).status == service.CURRENT
    assert AuditEntry.objects.filter(object_repr=str(signoff), actor=staff).exists()


def test_signing_needs_a_fresh_code(verified_client, staff, course):
    client = verified_client(staff)
    device = staff.totpdevice_set.get()
    response = sign_form(client, course, "123456" if current_code(device) != "123456" else "654321")
    assert response.status_code == 200
    assert "Enter a new code from your authenticator app" in response.content.decode()
    code = current_code(device)
    assert sign_form(client, course, code).status_code == 302
    # The same code cannot sign twice (as it could not sign in twice).
    response = sign_form(client, course, code)
    assert response.status_code == 200
    assert TrainingSignOff.objects.filter(user=staff).count() == 1


def test_signing_needs_the_confirmation(verified_client, staff, course):
    client = verified_client(staff)
    version = service.current_versions([course])[course.pk]
    response = client.post(
        f"/training/{course.pk}/sign/", {"version": version.pk, "otp_token": current_code(staff.totpdevice_set.get())}
    )
    assert "Confirm that you have received the training" in response.content.decode()
    assert not TrainingSignOff.objects.exists()


def test_a_version_published_while_reading_must_be_read(verified_client, staff, course, administrator):
    client = verified_client(staff)
    old = service.current_versions([course])[course.pk]
    service.publish_version(course, by=administrator, declaration_text="New words.")
    response = sign_form(client, course, current_code(staff.totpdevice_set.get()), version=old)
    assert response.status_code == 200
    assert "A new version of the declaration was published" in response.content.decode()


def test_a_data_handlers_course_is_refused_to_other_staff(verified_client, staff):
    dp = make_data_protection_course()
    response = verified_client(staff).get(f"/training/{dp.pk}/sign/")
    assert response.status_code == 403
    assert b"for data handlers only" in response.content


def test_sign_offs_cannot_be_changed_or_deleted(staff, course):
    signoff = make_signoff(staff, course)
    signoff.user_agent = "tampered"
    with pytest.raises(ValidationError):
        signoff.save()
    with pytest.raises(ValidationError):
        signoff.delete()
    assert TrainingSignOff.objects.get(pk=signoff.pk).user_agent == "(historic record)"


def test_sign_offs_are_read_only_in_the_admin(verified_client, administrator, staff, course):
    signoff = make_signoff(staff, course)
    client = verified_client(administrator)
    assert client.get(f"/admin/governance/trainingsignoff/{signoff.pk}/delete/").status_code == 403
    assert client.post(f"/admin/governance/trainingsignoff/{signoff.pk}/change/", {}).status_code == 403


# --- versions ----------------------------------------------------------------------


def test_a_new_version_can_require_everyone_to_sign_again(verified_client, staff, course, administrator):
    make_signoff(staff, course, days_ago=10)
    resign_by = TODAY + datetime.timedelta(days=14)
    client = verified_client(administrator)
    response = client.post(
        f"/training/courses/{course.pk}/publish/",
        {
            "declaration_text": "Version two words.",
            "changes_summary": "New incident reporting line",
            "requires_resign": "True",
            "resign_by_day": resign_by.day,
            "resign_by_month": resign_by.month,
            "resign_by_year": resign_by.year,
        },
    )
    assert response.status_code == 302
    state = state_of(User.objects.get(pk=staff.pk), course)
    assert state.status == service.DUE_SOON
    assert state.due_on == resign_by
    assert not state.signed_current_version
    with time_machine.travel(datetime.datetime.combine(resign_by, datetime.time(12)), tick=False):
        assert state_of(staff, course).status == service.OVERDUE
    # Signing the new version restores a full period.
    make_signoff(staff, course)
    assert state_of(staff, course).due_on == service.expiry_for(TODAY, 12)


def test_a_new_version_without_resigning_keeps_people_current(staff, course, administrator):
    make_signoff(staff, course, days_ago=10)
    service.publish_version(course, by=administrator, declaration_text="Typo fixed.")
    state = state_of(staff, course)
    assert state.status == service.CURRENT and not state.signed_current_version


def test_publishing_needs_a_resign_date_in_the_future(verified_client, administrator, course):
    response = verified_client(administrator).post(
        f"/training/courses/{course.pk}/publish/", {"declaration_text": "x", "requires_resign": "True"}
    )
    assert "Enter the date by which everyone must sign again" in response.content.decode()
    with pytest.raises(ValidationError):
        service.publish_version(course, by=administrator, declaration_text="x", requires_resign=True, resign_by=TODAY)


@pytest.mark.parametrize("who", ["staff", "deputy_siro", "auditor"])
def test_only_administrators_manage_courses(request, verified_client, course, who):
    client = verified_client(request.getfixturevalue(who))
    assert client.get("/training/courses/new/").status_code == 403
    assert client.post(f"/training/courses/{course.pk}/publish/", {"declaration_text": "x"}).status_code == 403
    assert course.versions.count() == 1


def test_administrator_defines_a_course(verified_client, administrator):
    response = verified_client(administrator).post(
        "/training/courses/new/",
        {
            "title": "Cyber awareness",
            "description": "",
            "audience": "all_staff",
            "renewal_months": "24",
            "content_url": "https://learning.example.gov.uk/cyber",
            "clears_personal_data": "False",
            "is_active": "True",
        },
    )
    assert response.status_code == 302
    assert Course.objects.get(title="Cyber awareness").renewal_months == 24


def test_only_a_data_handlers_course_clears_for_personal_data(verified_client, administrator):
    response = verified_client(administrator).post(
        "/training/courses/new/",
        {
            "title": "Wrong",
            "audience": "all_staff",
            "renewal_months": "12",
            "content_url": "https://x.example",
            "clears_personal_data": "True",
            "is_active": "True",
        },
    )
    assert response.status_code == 200
    assert "clears_personal_data" in response.context["form"].errors


# --- the clearance rule ------------------------------------------------------------


def test_personal_data_clearance(handler, staff):
    dp = make_data_protection_course()
    assert not service.is_cleared_for_personal_data(handler)
    make_signoff(handler, dp, days_ago=400)
    clearance = service.personal_data_clearance(handler)
    assert not clearance.cleared and "not current" in clearance.reason
    make_signoff(handler, dp)
    assert service.is_cleared_for_personal_data(handler)
    assert not service.is_cleared_for_personal_data(staff)  # not a data handler
    assert service.uncleared_data_handler_ids() == set()


def test_uncleared_data_handlers_are_marked_where_their_name_appears(verified_client, area, handler, staff):
    make_data_protection_course()
    asset = make_asset(manager=handler, business_area=area)
    client = verified_client(staff)
    for url in (f"/assets/{asset.pk}/", "/assets/"):
        assert "Not cleared for personal data" in client.get(url).content.decode(), url
    assert "Not cleared for personal data" in verified_client(handler).get("/training/").content.decode()


# --- pages and refusals ------------------------------------------------------------


def test_sign_off_evidence_is_for_the_signer_and_their_overseers(
    verified_client, area, staff, course, deputy_siro, auditor, other_deputy_siro
):
    manager = UserFactory(business_area=area)
    staff.line_manager = manager
    staff.save()
    signoff = make_signoff(staff, course)
    for viewer in (staff, manager, deputy_siro, auditor):
        assert verified_client(viewer).get(f"/training/signoffs/{signoff.pk}/").status_code == 200, viewer
    for viewer in (UserFactory(business_area=area), other_deputy_siro):
        response = verified_client(viewer).get(f"/training/signoffs/{signoff.pk}/")
        assert response.status_code == 403
        assert b"You can see your own sign-offs" in response.content


@pytest.mark.parametrize("staff_count", [10, 120])  # past two pages: enough to show the queries do not grow
def test_my_training_runs_a_bounded_number_of_queries(
    verified_client, area, staff, course, staff_count, django_assert_max_num_queries
):
    dp = make_data_protection_course()
    staff.is_data_handler = True
    staff.save()
    for n in range(staff_count):
        other = UserFactory(business_area=area, is_data_handler=n % 2 == 0)
        if n % 3:
            make_signoff(other, course, days_ago=(n * 7) % 400)  # current, due soon and lapsed alike
    for days in (800, 400, 20):
        make_signoff(staff, course, days_ago=days)
        make_signoff(staff, dp, days_ago=days)
    client = verified_client(staff)
    client.get("/training/")
    with django_assert_max_num_queries(16):
        response = client.get("/training/")
    assert [s.status for s in response.context["states"]] == [service.CURRENT, service.CURRENT]


# --- the compliance dashboard ------------------------------------------------------


@pytest.fixture
def organisation(area, other_area, course):
    """In `area`: 1 current, 1 due soon, 1 overdue, 1 never signed; in `other_area`: 2 current."""
    people = {}
    for name, days in (("cur", 10), ("soon", 350), ("late", 400), ("never", None)):
        user = UserFactory(username=name, business_area=area)
        if days is not None:
            make_signoff(user, course, days_ago=days)
        people[name] = user
    for _n in range(2):
        make_signoff(UserFactory(business_area=other_area), course, days_ago=5)
    return people


def test_dashboard_counts_per_area_and_course(verified_client, siro, organisation, area, other_area, course):
    response = verified_client(siro).get("/training/compliance/")
    rows = {(r.area.name, r.course.title): r for r in response.context["rows"]}
    mine = rows[(area.name, course.title)]
    # area also holds the SIRO (never signed) and the fixtures' staff: count the named four plus them
    assert (mine.current, mine.due_soon, mine.overdue) == (1, 1, 1)
    assert mine.never_signed == mine.total - 3
    other = rows[(other_area.name, course.title)]
    assert (other.total, other.current, other.percent) == (2, 2, 100)


def test_deputy_siro_sees_their_own_area_only(verified_client, deputy_siro, organisation, area, other_area):
    response = verified_client(deputy_siro).get("/training/compliance/")
    assert {r.area for r in response.context["rows"]} == {area}
    forbidden = verified_client(deputy_siro).get(f"/training/compliance/{other_area.pk}/{organisation['cur'].pk}/")
    assert forbidden.status_code == 404


@pytest.mark.parametrize("who", ["staff", "administrator"])
def test_dashboard_is_refused_without_oversight(request, verified_client, organisation, who):
    user = request.getfixturevalue(who)
    response = verified_client(user).get("/training/compliance/")
    if who == "administrator":
        assert response.status_code == 200  # administrators hold organisation-wide oversight
    else:
        assert response.status_code == 403
        assert b"for Deputy SIROs" in response.content


def test_drill_down_and_export(verified_client, auditor, organisation, area, course):
    client = verified_client(auditor)
    response = client.get(f"/training/compliance/{area.pk}/{course.pk}/?status=overdue")
    assert [p.username for p in response.context["people"]] == ["late"]
    csv_text = b"".join(
        client.get(f"/training/compliance/{area.pk}/{course.pk}/?status=due_soon&format=csv").streaming_content
    )
    assert b"soon" in csv_text and b"Due soon" in csv_text
    dashboard = b"".join(client.get("/training/compliance/?format=csv").streaming_content).decode("utf-8-sig")
    assert dashboard.splitlines()[0].startswith("business_area,course,staff")


@pytest.mark.parametrize("staff_count", [10, 120])  # past two pages: enough to show the queries do not grow
def test_dashboard_runs_a_bounded_number_of_queries(
    verified_client, auditor, course, staff_count, django_assert_max_num_queries
):
    make_data_protection_course()
    areas = [BusinessAreaFactory() for _ in range(4)]
    for n in range(staff_count):
        user = UserFactory(business_area=areas[n % 4], is_data_handler=n % 5 == 0)
        if n % 2:
            make_signoff(user, course, days_ago=n % 500)
    client = verified_client(auditor)
    client.get("/training/compliance/")
    with django_assert_max_num_queries(16):
        response = client.get("/training/compliance/")
    assert sum(r.total for r in response.context["rows"] if r.course == course) >= staff_count


def test_dashboard_counts_are_cached_and_dropped_when_anyone_signs(area, course, django_assert_num_queries):
    person = UserFactory(business_area=area)
    areas = BusinessArea.objects.filter(pk=area.pk)
    row = next(r for r in service.compliance(areas) if r.course == course)
    assert (row.total, row.current, row.never_signed) == (1, 0, 1)
    with django_assert_num_queries(2):  # the areas and the courses; the counts come from the cache
        service.compliance(areas)
    make_signoff(person, course)
    row = next(r for r in service.compliance(areas) if r.course == course)
    assert (row.current, row.never_signed) == (1, 0)
    other = BusinessAreaFactory()
    person.business_area = other
    person.save(update_fields=["business_area"])
    row = next(r for r in service.compliance(areas) if r.course == course)
    assert row.total == 0


def test_the_refresh_task_recomputes_the_counts(area, course):
    from django.core.cache import cache

    from governance.training.tasks import refresh_training_figures

    UserFactory(business_area=area)
    assert refresh_training_figures() >= 1
    assert cache.get(f"{service.COMPLIANCE_CACHE_KEY}:{service.today().isoformat()}") is not None
