"""factory_boy factories for the project's models."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.contracts.models import ExternalOrganisation, LegalGateway, ResearchContract
from governance.core.models import BusinessArea, OfficeHolder, User
from governance.register.models import DataItem, InformationAsset

PASSWORD = "a-long-test-password-123"


class BusinessAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessArea
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Business area {n}")
    code = factory.Sequence(lambda n: f"area{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.uk")
    staff_number = factory.Sequence(lambda n: f"T{n:06d}")
    business_area = factory.SubFactory(BusinessAreaFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "default"
    confirmed = True


class OfficeHolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeHolder

    office = OfficeHolder.Office.SIRO
    holder = factory.SubFactory(UserFactory)


class InformationAssetFactory(factory.django.DjangoModelFactory):
    """An asset created directly (no IAM rights); use ``make_asset`` for one with its IAM's rights."""

    class Meta:
        model = InformationAsset

    name = factory.Sequence(lambda n: f"Dataset {n}")
    description = "Benefit claims with claimant characteristics."
    business_area = factory.SubFactory(BusinessAreaFactory)
    classification = InformationAsset.Classification.OFFICIAL_SENSITIVE
    contains_personal_data = True
    lawful_basis = InformationAsset.LawfulBasis.PUBLIC_TASK
    identifiability = InformationAsset.Identifiability.PSEUDONYMISED
    extract_type = InformationAsset.ExtractType.FULL
    storage_location = "Analytical secure environment"
    retention_rule = "Seven years after the end of the claim"
    next_review_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=120))


class DataItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataItem

    asset = factory.SubFactory(InformationAssetFactory)
    name = factory.Sequence(lambda n: f"field_{n}")
    description = "A field of the dataset."
    sensitivity = DataItem.Sensitivity.PERSONAL


def make_asset(manager=None, **kwargs) -> InformationAsset:
    """An asset registered through the service, so its IAM holds the asset's rights."""
    from governance.core.audit import system_user
    from governance.register.assets import create_asset

    defaults = factory.build(dict, FACTORY_CLASS=InformationAssetFactory)
    defaults.update(kwargs)
    if "business_area" not in kwargs:
        defaults["business_area"] = BusinessAreaFactory()
    return create_asset(manager=manager, by=system_user(), **defaults)


def make_course(title="Information security", audience="all_staff", months=12, clears=False, text=None, **kw):
    """A course with a published first version (published long enough ago not to affect due dates)."""
    from governance.core.audit import system_user
    from governance.training.courses import create_course, publish_version
    from governance.training.models import Course

    system = system_user()
    course = Course.objects.filter(title=title).first() or create_course(
        by=system,
        title=title,
        description="",
        audience=audience,
        renewal_months=months,
        content_url="https://learning.example.gov.uk/course",
        clears_personal_data=clears,
        is_active=True,
        **kw,
    )
    if not course.versions.exists():
        version = publish_version(course, by=system, declaration_text=text or f"I have completed {title}.")
        version.published_at = version.published_at - datetime.timedelta(days=400)
        version.save(update_fields=["published_at"])
    return course


def make_data_protection_course(**kw):
    return make_course(title="Data protection", audience="data_handlers", clears=True, **kw)


def make_signoff(user, course=None, days_ago=0, signed_at=None):
    """A sign-off of the course's current version, made ``days_ago`` days ago."""
    from django.utils import timezone

    from governance.core.audit import system_user
    from governance.training.courses import current_versions, record_historic_signoff

    course = course or make_course()
    version = current_versions([course])[course.pk]
    when = signed_at or timezone.now() - datetime.timedelta(days=days_ago)
    return record_historic_signoff(user, version, when, by=system_user())


def make_grant(holder, asset=None, items=None, days=90, decider=None):
    """A request approved through the services, and the grant it created (with its permission)."""
    from governance.access import requests as access
    from governance.core.audit import system_user
    from governance.register.assets import reassign_iam
    from governance.register.organisation import set_deputy_siro

    asset = asset or make_asset(manager=UserFactory())
    if asset.manager is None or asset.manager == holder:
        asset = reassign_iam(asset, UserFactory(business_area=asset.business_area), by=system_user())
    if not asset.items.exists():
        DataItemFactory(asset=asset, name="claim_count", sensitivity=DataItem.Sensitivity.NON_PERSONAL)
    items = items or list(asset.items.filter(sensitivity=DataItem.Sensitivity.NON_PERSONAL)) or list(asset.items.all())
    end = datetime.date.today() + datetime.timedelta(days=days)
    request = access.save_request(
        requester=holder,
        asset=asset,
        purpose="Monthly caseload statistics",
        business_case="Needed to produce the published caseload tables.",
        requested_end_date=end,
        items={item: "Needed for the tables" for item in items},
        submit=True,
    )
    access.decide_as_iam(request, by=decider or asset.manager, decision="approve", reason="Business case is sound")
    request.refresh_from_db()
    if request.state != "approved":
        area = asset.business_area
        if area.deputy_siro is None or area.deputy_siro == holder:
            area = set_deputy_siro(area, UserFactory(business_area=area), by=system_user())
        access.decide_as_deputy(request, by=area.deputy_siro, decision="approve", reason="Agreed")
        request.refresh_from_db()
    return request.grant


def make_review(grant):
    from governance.access.models import AccessReview, ReviewCampaign

    campaign, _ = ReviewCampaign.objects.get_or_create(
        period_start=datetime.date.today().replace(day=1),
        defaults={"deadline": datetime.date.today() + datetime.timedelta(days=21)},
    )
    return AccessReview.objects.get_or_create(campaign=campaign, grant=grant)[0]


# --- research contracts --------------------------------------------------------------


class LegalGatewayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalGateway
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Research gateway {n}")
    legislation = "Digital Economy Act 2017, Part 5, Chapter 5"
    description = "Disclosure of data for research in the public interest."


class ExternalOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalOrganisation

    name = factory.Sequence(lambda n: f"University of Example {n}")
    kind = ExternalOrganisation.Kind.UNIVERSITY


class ResearchContractFactory(factory.django.DjangoModelFactory):
    """A contract created directly (no manager rights, no assurance rows); use ``make_contract`` for a real one."""

    class Meta:
        model = ResearchContract

    reference = factory.Sequence(lambda n: f"RC-{n:05d}")
    title = "Evaluation of employment support"
    purpose = "To evaluate whether employment support helps claimants into work."
    organisation = factory.SubFactory(ExternalOrganisationFactory)
    contact_name = "Dr Robin Lee"
    contact_email = factory.Sequence(lambda n: f"researcher{n}@university.example.ac.uk")
    manager = factory.SubFactory(UserFactory)
    start_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=300))
    retention_end_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=330))
    destruction_due_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=360))


def contract_manager(**kwargs) -> User:
    from governance.core import roles

    return UserFactory(groups=[roles.CONTRACT_MANAGERS], **kwargs)


def make_contract(manager=None, **kwargs) -> ResearchContract:
    """A contract recorded through the service: its manager holds its rights, its assurance items exist."""
    from governance.contracts.records import CONTRACT_FIELDS, create_contract
    from governance.core.audit import system_user

    manager = manager or contract_manager()
    defaults = factory.build(dict, FACTORY_CLASS=ResearchContractFactory)
    defaults.update(kwargs)
    if "organisation" not in kwargs:
        defaults["organisation"] = ExternalOrganisationFactory()
    fields = {name: defaults[name] for name in CONTRACT_FIELDS if name in defaults}
    return create_contract(by=kwargs.pop("by", None) or system_user(), manager=manager, **fields)


class ProcessingActivityFactory(factory.django.DjangoModelFactory):
    """An entry of the record of processing, created directly (no assets linked)."""

    class Meta:
        model = "governance.ProcessingActivity"

    name = factory.Sequence(lambda n: f"Processing activity {n}")
    purposes = "To produce official statistics on employment."
    business_area = factory.SubFactory(BusinessAreaFactory)
    owner = factory.SubFactory(UserFactory)
    lawful_basis = InformationAsset.LawfulBasis.PUBLIC_TASK
    data_subjects = "Benefit claimants"
    next_review_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))


class SharingAgreementFactory(factory.django.DjangoModelFactory):
    """A draft data-sharing agreement with another public body."""

    class Meta:
        model = "governance.SharingAgreement"

    reference = factory.Sequence(lambda n: f"DSA-{n:05d}")
    title = "Earnings data for local statistics"
    kind = "agreement"
    organisation = factory.SubFactory(
        ExternalOrganisationFactory,
        kind=ExternalOrganisation.Kind.PUBLIC_BODY,
        name=factory.Sequence(lambda n: f"Council {n}"),
    )
    direction = "out"
    business_area = factory.SubFactory(BusinessAreaFactory)
    manager = factory.SubFactory(UserFactory)
    purpose = "Local labour-market statistics."
    legal_gateway = factory.SubFactory(LegalGatewayFactory)
    lawful_basis = InformationAsset.LawfulBasis.PUBLIC_TASK
    frequency = "quarterly"
    security_conditions = "Sent by secure file transfer; held in the council's accredited environment."
    start_date = factory.LazyFunction(datetime.date.today)
    review_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))
    end_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=3 * 365))


def make_researcher(contract: ResearchContract, *, first_name: str = "Rosa", last_name: str = "Lind", email: str = ""):
    """A researcher of ``contract``, invited by its manager through the service, with an authenticator."""
    from governance.outputs.researchers import invite_researcher

    email = email or f"{first_name.lower()}.{last_name.lower()}.{contract.pk}@uni.example.ac.uk"
    researcher = invite_researcher(
        contract, by=contract.manager, first_name=first_name, last_name=last_name, email=email
    )
    TOTPDeviceFactory(user=researcher.user)
    return researcher


def disclosure_officer(**kwargs) -> User:
    from governance.core import roles

    return UserFactory(groups=[roles.DISCLOSURE_CONTROL], **kwargs)


def submit_output(researcher, *, kind: str = "table", content: bytes = b"", name: str = "", **extra):
    """An output submitted through the service by ``researcher`` (a table of safe counts by default)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.outputs.submissions import submit_output as submit

    if kind == "model":
        content = content or b"term,estimate,standard_error\nintercept,1.2,0.3\nage,0.05,0.01\n"
        extra.setdefault("residual_df", 120)
        extra.setdefault("observations", 125)
    else:
        content = content or b"region,count\nNorth,120\nSouth,40\n"
    return submit(
        by=researcher.user,
        kind=kind,
        title=extra.pop("title", "Claims by region"),
        description=extra.pop("description", "Claimants by region, 2025"),
        publication=extra.pop("publication", "Final report, spring"),
        upload=SimpleUploadedFile(name or ("model.csv" if kind == "model" else "table.csv"), content),
        **extra,
    )


def screen_out_dpia(record) -> None:
    """Answer a record's DPIA screening as "not needed", for tests of other rules than the DPIA's gate
    (tried in tests/privacy/test_dpias.py). A record without a screening is left as it is."""
    from governance.privacy import dpias
    from governance.privacy.screening import dpia_of

    dpia = dpia_of(record)
    if dpia is None or dpia.state != dpia.State.SCREENING:
        return
    by = dpia.iam or dpia.business_area.deputy_siro or UserFactory(is_superuser=True)
    dpias.screen(dpia, by=by, criteria=[], outcome="not_needed", reasons="Screened out for this test")
