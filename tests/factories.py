"""factory_boy factories for the project's models."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.models import BusinessArea, OfficeHolder, User

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
