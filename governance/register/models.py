"""The information asset register: datasets, their data dictionaries and their reviews."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from governance.core.models.audit import AuditScoped, scope_of
from governance.core.models.organisation import BusinessArea
from governance.core.plurals import date_text


class InformationAsset(AuditScoped, models.Model):
    """A dataset the department holds, with its nominated Information Asset Manager (IAM)."""

    class Classification(models.TextChoices):
        OFFICIAL = "official", "OFFICIAL"
        OFFICIAL_SENSITIVE = "official_sensitive", "OFFICIAL-SENSITIVE"
        SECRET = "secret", "SECRET"

    class Identifiability(models.TextChoices):
        IDENTIFIABLE = "identifiable", "Identifiable"
        PSEUDONYMISED = "pseudonymised", "Pseudonymised"
        ANONYMISED = "anonymised", "Anonymised"

    class ExtractType(models.TextChoices):
        FULL = "full", "100% extract"
        SAMPLE = "sample", "Sample"

    class LawfulBasis(models.TextChoices):
        """UK GDPR Article 6(1)."""

        CONSENT = "consent", "Consent (6(1)(a))"
        CONTRACT = "contract", "Contract (6(1)(b))"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (6(1)(c))"
        VITAL_INTERESTS = "vital_interests", "Vital interests (6(1)(d))"
        PUBLIC_TASK = "public_task", "Public task (6(1)(e))"
        LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (6(1)(f))"

    name = models.CharField(max_length=200)
    description = models.TextField()
    business_area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="assets")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_assets",
        verbose_name="Information Asset Manager (IAM)",
        help_text="Accountable for the asset's security and confidentiality. Empty means an IAM is needed.",
    )
    technical_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="technical_contact_for",
    )
    classification = models.CharField(max_length=30, choices=Classification.choices, default=Classification.OFFICIAL)
    contains_personal_data = models.BooleanField("personal data", default=False)
    special_category = models.BooleanField(
        "special category data",
        default=False,
        help_text="Health, ethnicity, religion and other UK GDPR Article 9 data.",
    )
    identifiability = models.CharField(max_length=20, choices=Identifiability.choices)
    extract_type = models.CharField(max_length=10, choices=ExtractType.choices, default=ExtractType.FULL)
    lawful_basis = models.CharField(
        "lawful basis", max_length=30, choices=LawfulBasis.choices, blank=True, help_text="Required for personal data."
    )
    storage_location = models.CharField(
        "storage location or secure environment", max_length=200, help_text="Where the data is held."
    )
    retention_rule = models.CharField(max_length=300, help_text="How long the data is kept, and why.")
    next_review_date = models.DateField()
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("access_informationasset", "Can open the asset's granted data")]
        constraints = [
            models.UniqueConstraint(Lower("name"), "business_area", name="asset_name_unique_in_area"),
            models.CheckConstraint(
                condition=Q(special_category=False) | Q(contains_personal_data=True),
                name="asset_special_category_is_personal",
            ),
            models.CheckConstraint(
                condition=Q(contains_personal_data=False) | ~Q(lawful_basis=""),
                name="asset_personal_data_has_lawful_basis",
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True) | Q(next_review_date__gt=F("last_reviewed_on")),
                name="asset_next_review_after_last",
            ),
        ]
        indexes = [
            models.Index(fields=["business_area", "name"], name="asset_area_name"),
            # An IAM's assets in name order: the access review reads their grants asset by asset, so
            # PostgreSQL sorts a page's rows within the first assets, not all 2,000 together.
            models.Index(fields=["manager", "name"], name="asset_manager_name"),
            # The areas of each IAM's assets, read without the table (the SIRO's report counts returns by them).
            models.Index(fields=["manager", "business_area"], name="asset_manager_area"),
            models.Index(fields=["name", "id"], name="asset_name"),
            models.Index(fields=["next_review_date"], name="asset_next_review"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assets:detail", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.pk)

    def clean(self) -> None:
        """The register's rules, for every path that saves an asset (forms, imports, services)."""
        errors = {}
        if self.special_category and not self.contains_personal_data:
            errors["special_category"] = "Special category data is personal data: answer yes to personal data."
        if self.contains_personal_data and not self.lawful_basis:
            errors["lawful_basis"] = "Select the lawful basis for holding personal data"
        if self.last_reviewed_on and self.next_review_date and self.next_review_date <= self.last_reviewed_on:
            errors["next_review_date"] = "The next review date must be after the last review"
        if errors:
            raise ValidationError(errors)

    @property
    def needs_iam(self) -> bool:
        return self.manager is None or not self.manager.is_active

    def review_status(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.next_review_date < today:
            return "overdue"
        if self.next_review_date <= today + datetime.timedelta(days=settings.ASSET_REVIEW_DUE_SOON_DAYS):
            return "due_soon"
        return "current"


class DataItem(AuditScoped, models.Model):
    """One field of an asset's data dictionary: what access and sharing are asked for item by item."""

    class Sensitivity(models.TextChoices):
        NON_PERSONAL = "non_personal", "Not personal data"
        PERSONAL = "personal", "Personal data"
        DIRECT_IDENTIFIER = "identifier", "Direct identifier"
        SPECIAL_CATEGORY = "special_category", "Special category data"

    asset = models.ForeignKey(InformationAsset, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500)
    sensitivity = models.CharField(max_length=20, choices=Sensitivity.choices)

    class Meta:
        ordering = ["asset", "name", "pk"]
        constraints = [models.UniqueConstraint("asset", Lower("name"), name="data_item_name_unique_in_asset")]
        # The items of one name, for the search's summary of distinct names (``search.item_names``).
        indexes = [models.Index(fields=["name"], name="data_item_by_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{self.asset.get_absolute_url()}#item-{self.pk}"

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.asset_id)

    @property
    def is_high_risk(self) -> bool:
        """Identifiable or special-category items need the Deputy SIRO's approval to share."""
        return self.sensitivity in (self.Sensitivity.DIRECT_IDENTIFIER, self.Sensitivity.SPECIAL_CATEGORY)


class AssetReview(AuditScoped, models.Model):
    """The IAM's confirmation that the asset's record is still accurate."""

    asset = models.ForeignKey(InformationAsset, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField(default=timezone.localdate)
    notes = models.TextField(blank=True)
    next_review_date = models.DateField()

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(next_review_date__gt=F("reviewed_on")), name="review_next_after_this")
        ]

    def __str__(self) -> str:
        return f"Review of {self.asset} on {date_text(self.reviewed_on)}"

    def get_absolute_url(self) -> str:
        return self.asset.get_absolute_url()

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.asset_id)


# --- django-guardian's direct foreign-key permission tables (see core.models.permissions) ---


class InformationAssetUserObjectPermission(AuditScoped, UserObjectPermissionBase):
    """Per-asset rights of a person: the IAM's ``change_informationasset``, later access grants."""

    content_object = models.ForeignKey(InformationAsset, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]
        verbose_name = "asset permission of a person"

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.content_object_id)


class InformationAssetGroupObjectPermission(AuditScoped, GroupObjectPermissionBase):
    content_object = models.ForeignKey(InformationAsset, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.content_object_id)
