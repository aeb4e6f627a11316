"""The information asset register: browsing, editing rights, IAM accountability, reviews."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from guardian.shortcuts import get_perms

from governance.core.models import AuditEntry, User
from governance.register import assets as service
from governance.register.models import AssetReview, DataItem, InformationAsset
from governance.register.people import mark_leaver
from tests.factories import (
    BusinessAreaFactory,
    DataItemFactory,
    InformationAssetFactory,
    UserFactory,
    make_asset,
    make_grant,
)

TODAY = datetime.date.today()


@pytest.fixture
def iam(area):
    return UserFactory(username="iam", business_area=area)


@pytest.fixture
def asset(area, iam):
    return make_asset(manager=iam, business_area=area, name="Benefit claims")


@pytest.fixture
def other_iam(other_area):
    other = UserFactory(username="otheriam", business_area=other_area)
    make_asset(manager=other, business_area=other_area, name="Pension payments")
    return other


def asset_form_data(asset, **overrides):
    data = {
        "name": asset.name,
        "description": asset.description,
        "business_area": asset.business_area_id,
        "technical_contact": "",
        "classification": asset.classification,
        "contains_personal_data": str(asset.contains_personal_data),
        "special_category": str(asset.special_category),
        "identifiability": asset.identifiability,
        "extract_type": asset.extract_type,
        "lawful_basis": asset.lawful_basis,
        "storage_location": asset.storage_location,
        "retention_rule": asset.retention_rule,
        "next_review_date_day": asset.next_review_date.day,
        "next_review_date_month": asset.next_review_date.month,
        "next_review_date_year": asset.next_review_date.year,
    }
    data.update(overrides)
    return data


# --- browsing ---------------------------------------------------------------------


def test_any_staff_member_browses_and_opens_assets(verified_client, staff, asset):
    DataItemFactory(asset=asset, name="nino", sensitivity=DataItem.Sensitivity.DIRECT_IDENTIFIER)
    client = verified_client(staff)
    listing = client.get("/assets/")
    assert listing.status_code == 200
    assert b"Benefit claims" in listing.content
    page = client.get(f"/assets/{asset.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "nino" in content and "Direct identifier" in content
    assert asset.manager.get_full_name() in content
    assert "Change history" in content
    assert not page.context["can_edit"]
    assert "Change details" not in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=census", {"Secret census"}),
        ("q=nothing-like-this", set()),
        ("classification=secret", {"Secret census"}),
        ("personal_data=no", {"Secret census"}),
        ("special_category=yes", {"Health conditions"}),
        ("identifiability=anonymised", {"Secret census"}),
        ("extract_type=sample", {"Health conditions"}),
        ("review=overdue", {"Health conditions"}),
        ("iam_needed=yes", {"Secret census"}),
        ("iam=iam", {"Benefit claims", "Health conditions"}),
    ],
)
def test_register_filters(verified_client, staff, area, iam, asset, query, expected):
    make_asset(
        manager=iam,
        business_area=area,
        name="Health conditions",
        special_category=True,
        extract_type=InformationAsset.ExtractType.SAMPLE,
        next_review_date=TODAY - datetime.timedelta(days=3),
    )
    make_asset(
        manager=None,
        business_area=area,
        name="Secret census",
        classification="secret",
        contains_personal_data=False,
        lawful_basis="",
        identifiability="anonymised",
    )
    response = verified_client(staff).get(f"/assets/?{query}")
    assert {a.name for a in response.context["assets"]} == expected


def test_register_filters_by_area_and_sorts(verified_client, staff, area, other_area, asset, other_iam):
    client = verified_client(staff)
    names = [a.name for a in client.get(f"/assets/?business_area={other_area.pk}").context["assets"]]
    assert names == ["Pension payments"]
    names = [a.name for a in client.get("/assets/?ordering=-name").context["assets"]]
    assert names == ["Pension payments", "Benefit claims"]
    response = client.get("/assets/?ordering=name")
    assert 'aria-sort="ascending"' in response.content.decode()


@pytest.mark.parametrize("rows", [5, 500])
def test_register_list_runs_a_bounded_number_of_queries(
    verified_client, staff, area, rows, django_assert_max_num_queries
):
    people = [UserFactory(business_area=area) for _ in range(5)]
    for n in range(rows):
        InformationAssetFactory(business_area=area, manager=people[n % 5], name=f"Asset {n:04d}")
    client = verified_client(staff)
    client.get("/assets/")
    with django_assert_max_num_queries(18):
        response = client.get("/assets/?ordering=iam&personal_data=yes")
    assert len(response.context["assets"]) == min(rows, 25)


@pytest.mark.parametrize("items", [5, 500])
def test_asset_page_runs_a_bounded_number_of_queries(
    verified_client, staff, asset, items, django_assert_max_num_queries
):
    for n in range(items):
        DataItemFactory(asset=asset, name=f"item_{n:04d}")
    client = verified_client(staff)
    client.get(f"/assets/{asset.pk}/")
    with django_assert_max_num_queries(30):
        response = client.get(f"/assets/{asset.pk}/")
    assert len(response.context["items"]) == items


# --- who may change an asset --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("staff", False),
        ("other_iam", False),
        ("other_deputy_siro", False),
        ("auditor", False),
        ("iam", True),
        ("deputy_siro", True),
        ("administrator", True),
    ],
)
def test_who_may_edit_an_asset(request, verified_client, asset, who, allowed):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    response = client.post(f"/assets/{asset.pk}/edit/", asset_form_data(asset, storage_location="New secure room"))
    asset.refresh_from_db()
    if allowed:
        assert response.status_code == 302, response.content
        assert asset.storage_location == "New secure room"
    else:
        assert response.status_code == 403
        assert b"Only the asset&#x27;s Information Asset Manager" in response.content
        assert asset.storage_location == "Analytical secure environment"
    for url in (f"/assets/{asset.pk}/items/new/", f"/assets/{asset.pk}/review/"):
        assert (client.get(url).status_code == 200) is allowed, url


def test_anonymous_and_unverified_users_cannot_edit(client, unverified_client, asset, iam):
    response = client.post(f"/assets/{asset.pk}/edit/", asset_form_data(asset, name="Hijacked"))
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    client = unverified_client(iam)
    response = client.post(f"/assets/{asset.pk}/edit/", asset_form_data(asset, name="Hijacked"))
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    assert InformationAsset.objects.get(pk=asset.pk).name == "Benefit claims"


def test_an_iam_cannot_move_their_asset_to_another_area(verified_client, asset, iam, other_area):
    response = verified_client(iam).post(
        f"/assets/{asset.pk}/edit/", asset_form_data(asset, business_area=other_area.pk)
    )
    assert response.status_code == 200
    assert "business_area" in response.context["form"].errors
    assert InformationAsset.objects.get(pk=asset.pk).business_area_id == asset.business_area_id


def test_the_asset_form_explains_what_is_wrong(verified_client, asset, iam):
    data = asset_form_data(asset, contains_personal_data="False", special_category="True", lawful_basis="")
    data.update(next_review_date_day="31", next_review_date_month="2", next_review_date_year="2027")
    response = verified_client(iam).post(f"/assets/{asset.pk}/edit/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "next_review_date" in errors
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert 'href="#id_next_review_date_day"' in content
    assert 'value="31"' in content  # what was typed is kept


def test_register_rules_hold_in_the_service(asset, iam):
    with pytest.raises(ValidationError, match="Special category data is personal data"):
        service.update_asset(asset, by=iam, contains_personal_data=False, special_category=True, lawful_basis="")


# --- registering ---------------------------------------------------------------------


def test_deputy_siro_registers_an_asset_and_nominates_its_iam(verified_client, area, deputy_siro, iam):
    client = verified_client(deputy_siro)
    blank = InformationAssetFactory.build(business_area=area, name="Jobseeker flows")
    data = asset_form_data(blank, manager="iam", business_area=area.pk)
    response = client.post("/assets/new/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    asset = InformationAsset.objects.get(name="Jobseeker flows")
    assert asset.manager == iam
    assert "change_informationasset" in get_perms(iam, asset)


def test_deputy_siro_cannot_register_in_another_area(verified_client, deputy_siro, other_area):
    blank = InformationAssetFactory.build(business_area=other_area, name="Elsewhere")
    response = verified_client(deputy_siro).post("/assets/new/", asset_form_data(blank, business_area=other_area.pk))
    assert response.status_code == 200
    assert "business_area" in response.context["form"].errors
    assert not InformationAsset.objects.filter(name="Elsewhere").exists()


@pytest.mark.parametrize("who", ["staff", "iam", "auditor"])
def test_staff_iams_and_auditors_cannot_register_assets(request, verified_client, asset, who):
    response = verified_client(request.getfixturevalue(who)).get("/assets/new/")
    assert response.status_code == 403
    assert b"Only administrators and Deputy SIROs can register assets" in response.content


def test_asset_names_are_unique_within_an_area(area, other_area):
    InformationAssetFactory(business_area=area, name="Claims")
    InformationAssetFactory(business_area=other_area, name="Claims")  # another area may reuse it
    with pytest.raises(IntegrityError), transaction.atomic():
        InformationAssetFactory(business_area=area, name="CLAIMS")


@pytest.mark.parametrize(
    "fields",
    [
        {"special_category": True, "contains_personal_data": False, "lawful_basis": ""},
        {"contains_personal_data": True, "lawful_basis": ""},
        {"last_reviewed_on": TODAY, "next_review_date": TODAY - datetime.timedelta(days=1)},
    ],
)
def test_database_constraints_refuse_broken_records(area, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        InformationAssetFactory(business_area=area, **fields)


# --- reassigning the IAM -----------------------------------------------------------


def test_deputy_siro_reassigns_the_iam_and_rights_move(
    verified_client, asset, iam, deputy_siro, area, django_capture_on_commit_callbacks
):
    successor = UserFactory(username="successor", business_area=area)
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(deputy_siro).post(f"/assets/{asset.pk}/iam/", {"manager": "successor"})
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.manager == successor
    assert "change_informationasset" not in get_perms(User.objects.get(pk=iam.pk), asset)
    assert "change_informationasset" in get_perms(User.objects.get(pk=successor.pk), asset)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([iam.email, successor.email])
    # The former IAM is now refused.
    client = verified_client(User.objects.get(pk=iam.pk))
    assert client.get(f"/assets/{asset.pk}/edit/").status_code == 403


@pytest.mark.parametrize("who", ["iam", "staff", "other_deputy_siro"])
def test_only_deputy_siro_or_administrator_reassigns(request, verified_client, asset, who):
    response = verified_client(request.getfixturevalue(who)).post(f"/assets/{asset.pk}/iam/", {"manager": "staff"})
    assert response.status_code == 403
    assert InformationAsset.objects.get(pk=asset.pk).manager.username == "iam"


def test_reassignment_is_atomic(asset, iam, deputy_siro, area, monkeypatch):
    successor = UserFactory(business_area=area)

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(service, "notify", broken)
    with pytest.raises(RuntimeError):
        service.reassign_iam(asset, successor, by=deputy_siro)
    asset.refresh_from_db()
    assert asset.manager == iam
    assert "change_informationasset" in get_perms(User.objects.get(pk=iam.pk), asset)
    assert "change_informationasset" not in get_perms(User.objects.get(pk=successor.pk), asset)


def test_a_leavers_assets_need_an_iam(verified_client, asset, iam, administrator, deputy_siro):
    mark_leaver(iam, by=administrator)
    asset.refresh_from_db()
    assert asset.manager is None and asset.needs_iam
    assert not get_perms(User.objects.get(pk=iam.pk), asset)
    page = verified_client(deputy_siro).get("/assets/accountability/")
    assert asset in page.context["iam_needed"]
    listed = verified_client(deputy_siro).get("/assets/?iam_needed=yes").context["assets"]
    assert [a.pk for a in listed] == [asset.pk]


# --- reviews -----------------------------------------------------------------------


def test_iam_confirms_a_review(verified_client, asset, iam):
    next_date = TODAY + datetime.timedelta(days=182)
    response = verified_client(iam).post(
        f"/assets/{asset.pk}/review/",
        {
            "notes": "Checked with the data owner.",
            "next_review_date_day": next_date.day,
            "next_review_date_month": next_date.month,
            "next_review_date_year": next_date.year,
        },
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.last_reviewed_on == TODAY
    assert asset.next_review_date == next_date
    review = AssetReview.objects.get(asset=asset)
    assert review.reviewed_by == iam
    assert AuditEntry.objects.filter(scope=asset.audit_scope(), object_repr=str(review)).exists()


def test_a_review_must_look_forward(verified_client, asset, iam):
    response = verified_client(iam).post(
        f"/assets/{asset.pk}/review/",
        {"next_review_date_day": TODAY.day, "next_review_date_month": TODAY.month, "next_review_date_year": TODAY.year},
    )
    assert response.status_code == 200
    assert "next_review_date" in response.context["form"].errors
    assert not AssetReview.objects.exists()


# --- data items --------------------------------------------------------------------


def test_iam_adds_changes_and_removes_items_with_history(verified_client, asset, iam):
    client = verified_client(iam)
    response = client.post(
        f"/assets/{asset.pk}/items/new/",
        {
            "name": "date_of_birth",
            "description": "Claimant's date of birth",
            "sensitivity": DataItem.Sensitivity.PERSONAL,
        },
    )
    assert response.status_code == 302
    item = DataItem.objects.get(asset=asset, name="date_of_birth")
    client.post(
        f"/assets/{asset.pk}/items/{item.pk}/edit/",
        {"name": "date_of_birth", "description": "Claimant's date of birth", "sensitivity": "identifier"},
    )
    assert DataItem.objects.get(pk=item.pk).sensitivity == "identifier"
    client.post(f"/assets/{asset.pk}/items/{item.pk}/delete/")
    assert not DataItem.objects.filter(pk=item.pk).exists()
    history = client.get(f"/assets/{asset.pk}/").context["history"]
    about_item = [row for event in history for row in event.rows if row.subject.startswith("Data item")]
    assert [row.action for row in about_item] == ["Deleted", "Changed", "Created"]
    assert all(row.entry.actor == iam for row in about_item)
    assert [event.text for event in history[:3]] == [
        "deleted the data item date_of_birth",
        "changed the data item date_of_birth: sensitivity",
        "created the data item date_of_birth",
    ]


def test_an_item_named_in_an_access_request_is_kept_with_a_message(verified_client, asset, iam, staff):
    """Deleting an item that requests name used to fail with a server error; it is refused, and the item stays."""
    item = DataItemFactory(asset=asset, name="claim_count", sensitivity=DataItem.Sensitivity.NON_PERSONAL)
    make_grant(staff, asset=asset, items=[item], decider=iam)
    client = verified_client(iam)
    response = client.post(f"/assets/{asset.pk}/items/{item.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert "claim_count cannot be removed" in response.content.decode()
    assert DataItem.objects.filter(pk=item.pk).exists()


def test_item_names_are_unique_within_an_asset(verified_client, asset, iam):
    DataItemFactory(asset=asset, name="nino")
    response = verified_client(iam).post(
        f"/assets/{asset.pk}/items/new/", {"name": "NINO", "description": "dup", "sensitivity": "identifier"}
    )
    assert response.status_code == 200
    assert "already has a data item called NINO" in response.content.decode()


def test_an_item_of_another_asset_cannot_be_reached_through_this_one(verified_client, asset, iam, other_iam):
    foreign = DataItemFactory(asset=InformationAsset.objects.get(name="Pension payments"))
    client = verified_client(iam)
    assert client.get(f"/assets/{asset.pk}/items/{foreign.pk}/edit/").status_code == 404
    assert client.post(f"/assets/{asset.pk}/items/{foreign.pk}/delete/").status_code == 404
    assert DataItem.objects.filter(pk=foreign.pk).exists()


def test_staff_cannot_add_items(verified_client, asset, staff):
    response = verified_client(staff).post(
        f"/assets/{asset.pk}/items/new/", {"name": "x", "description": "x", "sensitivity": "personal"}
    )
    assert response.status_code == 403
    assert not DataItem.objects.filter(asset=asset).exists()


# --- accountability -----------------------------------------------------------------


def test_accountability_counts_per_area(verified_client, siro, area, other_area, asset, other_iam, deputy_siro):
    make_asset(manager=None, business_area=area, name="Orphan")
    make_asset(
        manager=other_iam, business_area=other_area, name="Late", next_review_date=TODAY - datetime.timedelta(days=1)
    )
    response = verified_client(siro).get("/assets/accountability/")
    rows = {a.name: a for a in response.context["areas"]}
    assert (rows[area.name].total, rows[area.name].iam_needed, rows[area.name].overdue) == (2, 1, 0)
    assert (rows[other_area.name].total, rows[other_area.name].overdue) == (2, 1)
    assert f"?business_area={area.pk}&amp;iam_needed=yes" in response.content.decode()

    # A Deputy SIRO sees only their own areas.
    response = verified_client(deputy_siro).get("/assets/accountability/")
    assert [a.name for a in response.context["areas"]] == [area.name]
    assert {a.name for a in response.context["iam_needed"]} == {"Orphan"}


@pytest.mark.parametrize("who", ["staff", "iam"])
def test_accountability_is_refused_to_staff(request, verified_client, asset, who):
    response = verified_client(request.getfixturevalue(who)).get("/assets/accountability/")
    assert response.status_code == 403
    assert b"for Deputy SIROs, the SIRO and auditors" in response.content


@pytest.mark.parametrize("per_area", [2, 100])
def test_accountability_runs_a_bounded_number_of_queries(
    verified_client, auditor, per_area, django_assert_max_num_queries
):
    for n in range(4):
        area = BusinessAreaFactory()
        for m in range(per_area):
            InformationAssetFactory(business_area=area, name=f"A{n}-{m}")
    client = verified_client(auditor)
    client.get("/assets/accountability/")
    with django_assert_max_num_queries(18):
        client.get("/assets/accountability/")


def test_the_asset_page_lists_at_most_fifty_holders_and_links_to_the_rest(verified_client, iam, asset):
    from tests.factories import make_grant

    DataItemFactory(asset=asset, sensitivity="non_personal")
    for _ in range(51):
        make_grant(UserFactory(), asset)
    response = verified_client(iam).get(f"/assets/{asset.pk}/")
    body = response.content.decode()
    assert body.count("/access/grants/") - body.count('href="/access/grants/?') == 50
    assert "See everyone with access to Benefit claims" in body


def test_the_asset_page_shows_recent_changes_and_the_history_page_shows_them_all(verified_client, staff, iam, asset):
    from governance.register.assets import update_asset

    for n in range(25):
        update_asset(asset, by=iam, storage_location=f"Room {n}")
    client = verified_client(staff)
    page = client.get(f"/assets/{asset.pk}/")
    assert len(page.context["history"]) == 20
    assert f'href="/assets/{asset.pk}/history/"' in page.content.decode()
    full = client.get(f"/assets/{asset.pk}/history/")
    assert full.status_code == 200
    assert len(full.context["history"]) >= 26  # the creation and every change
    assert "Room 0" in full.content.decode()
