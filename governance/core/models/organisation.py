"""The organisation: people, business areas and single-holder offices."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

SYSTEM_USERNAME = "system"


class BusinessArea(models.Model):
    """A major business area of the department, overseen by its Deputy SIRO."""

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=20, unique=True, help_text="Short code used in imports, such as 'das'.")
    deputy_siro = models.ForeignKey(
        "governance.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deputy_siro_of",
        verbose_name="Deputy SIRO",
        help_text="Promotes good information management and security across the area.",
    )

    class Meta:
        ordering = ["name"]
        permissions = [("oversee_businessarea", "Can oversee the business area")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("areas:detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        # Files this area's audit entries under the area, for the audit explorer's filter.
        return {"area": self.pk} if self.pk else {}


class PortalUserManager(UserManager["User"]):
    # Migrations get a plain manager: they must not import the application (scripts/check-migrations).
    use_in_migrations = False

    def get_system_user(self) -> User:
        """The actor recorded for changes made by scheduled tasks and commands."""
        user, _ = self.get_or_create(
            username=SYSTEM_USERNAME,
            defaults={"first_name": "Custodian", "last_name": "(system)", "is_active": False, "is_system": True},
        )
        return user


def person_name(first_name: str, last_name: str, username: str) -> str:
    """The name a person is shown by: their full name, or their username where they have none.

    For pages that read people's columns as plain values rather than as users."""
    return f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    """A member of staff. Custom from the first migration so the organisation can grow."""

    staff_number = models.CharField(max_length=64, unique=True, null=True, blank=True)
    business_area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    line_manager = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    is_data_handler = models.BooleanField(
        "data handler",
        default=False,
        help_text="Handles personal data, so must also hold current data-protection training.",
    )
    leaver_date = models.DateField(
        null=True, blank=True, help_text="Last working day. From this date the account keeps no rights."
    )
    is_system = models.BooleanField(
        default=False, editable=False, help_text="The account recorded as the actor of scheduled work."
    )
    # Someone outside the department (a contractor's researcher): opens only the pages made for them.
    is_external = models.BooleanField(
        "outside the department",
        default=False,
        editable=False,
        help_text="A contractor's researcher, who sees only their contract's outputs and data-handling terms.",
    )
    # Single sign-on: the identity provider's stable identifier for this person (``sub``, or
    # ``oid`` for Entra ID), never their email address, which can change or be reused.
    oidc_subject = models.CharField(
        "identity provider subject",
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        help_text="The identity provider's stable identifier for this person (Entra ID's object id).",
    )
    # SCIM: the provider deleted the person. They are a leaver with their record and history
    # kept, and SCIM answers 404 for them (RFC 7644 section 3.6) until they are reactivated or
    # the provider creates them again (``people.update_person``, ``people.provision_person``).
    scim_deleted_at = models.DateTimeField(
        "deleted at the identity provider",
        null=True,
        blank=True,
        editable=False,
        help_text="When the identity provider deleted this person over SCIM; they are then a leaver.",
    )

    objects: ClassVar[PortalUserManager] = PortalUserManager()
    # Set on each request's user by django-otp's OTPMiddleware: whether this session verified a device.
    is_verified: Callable[[], bool]

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(condition=~Q(line_manager=F("pk")), name="user_not_own_line_manager"),
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"),
        ]
        indexes = [
            # The few who have left, found without reading every member of staff ("IAM needed").
            models.Index(fields=["id"], condition=Q(is_active=False), name="user_leavers"),
            # A person's business area read from the index alone: counting the holders of thousands of
            # grants by area (the record of processing) looks up each holder's area, and each lookup of
            # the table itself read a page of wide rows.
            models.Index(fields=["id", "business_area"], name="user_area_covering"),
            # Active staff counted by area (the business areas page) from the index alone.
            models.Index(fields=["business_area"], condition=Q(is_active=True), name="user_active_area"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return person_name(self.first_name, self.last_name, self.username)

    @property
    def is_leaver(self) -> bool:
        return self.leaver_date is not None and self.leaver_date <= timezone.localdate()

    def get_absolute_url(self) -> str:
        return reverse("people:detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        # Files the person's audit entries under their business area, for the audit explorer's filter.
        return {"area": self.business_area_id} if self.business_area_id else {}


class OfficeHolder(models.Model):
    """A single-holder office of the department. The unique office column makes two holders impossible."""

    class Office(models.TextChoices):
        SIRO = "siro", "Senior Information Risk Owner (SIRO)"
        CHIEF_STATISTICIAN = "chief_statistician", "Chief Statistician"
        CHIEF_DATA_OFFICER = "cdo", "Chief Data Officer"
        CHIEF_DIGITAL_INFORMATION_OFFICER = "cdio", "Chief Digital and Information Officer"
        SIRO_ALTERNATE = "siro_alternate", "SIRO's named alternate"
        DATA_PROTECTION_OFFICER = "dpo", "Data Protection Officer"

    office = models.CharField(max_length=30, choices=Office.choices, unique=True)
    holder = models.ForeignKey(User, on_delete=models.PROTECT, related_name="offices")
    since = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["office"]

    def __str__(self) -> str:
        return f"{self.get_office_display()}: {self.holder}"

    def get_absolute_url(self) -> str:
        return reverse("people:detail", args=[self.holder_id])
