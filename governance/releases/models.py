"""Statistical releases and the disclosure control that must pass before any of them.

The policy: disclosure control is always applied before official statistics are
released; tables from a sample extract are grossed and rounded, tables from a
100% extract get statistical disclosure control, and the methodology is not
published. So a release names the register assets it draws on and whether each
is a sample or a 100% extract; each output table is checked with the current
``DisclosureRuleSet``; and a second person signs the release off. The rule
parameters, the raw tables and the cell-by-cell reasons are kept out of the
audit trail's change values (see ``audit_registry``): the trail records that
they changed and their digests, not what they are.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from governance.core.models.audit import AuditScoped, scope_of
from governance.register.models import InformationAsset

RELEASE_SCOPE = "statisticalrelease"


def release_scope(release_id) -> str:
    return scope_of(RELEASE_SCOPE, release_id)


class DisclosureRuleSet(models.Model):
    """One version of the disclosure-control rules. Append-only: a change is a new version.

    Keeping every version lets a check, a sign-off and an auditor name exactly the
    settings a table was judged by. ``parameters`` holds the settings (thresholds,
    rounding base, p, n, k, method); only the disclosure-control role and auditors
    ever see them.
    """

    version = models.PositiveIntegerField(unique=True)
    parameters = models.JSONField()
    digest = models.CharField(max_length=64)
    note = models.CharField("reason for the change", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = "disclosure rule set"

    def __str__(self) -> str:
        return f"Disclosure rules version {self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Rule versions are never changed: save a new version instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("releases:rules")

    def delete(self, *args, **kwargs):
        raise ValidationError("Rule versions are evidence: they are never deleted.")


class StatisticalRelease(AuditScoped, models.Model):
    """A planned publication of official statistics, with its sources, tables and sign-off."""

    class Status(models.TextChoices):
        DRAFT = "draft", "In preparation"
        SIGNED_OFF = "signed_off", "Signed off"
        RELEASED = "released", "Released"

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="What the release covers, in a sentence or two.")
    planned_release_date = models.DateField("planned release date")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="releases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    _source_rows: list[ReleaseSource]  # the sources with their assets, once read by ``policy._sources``

    class Meta:
        ordering = ["-planned_release_date", "-pk"]
        indexes = [
            models.Index(fields=["-planned_release_date", "-id"], name="release_newest"),
            models.Index(fields=["author", "-planned_release_date"], name="release_author"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="released", released_at__isnull=False, released_by__isnull=False)
                | (~Q(status="released") & Q(released_at__isnull=True)),
                name="release_released_fields_match_status",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("releases:detail", args=[self.pk])

    def audit_scope(self) -> str:
        return release_scope(self.pk)

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.RELEASED


class ReleaseScoped(AuditScoped):
    """A part of a release: its audit entries are filed under the release."""

    release_id: int  # the subclass's foreign key to the release

    def audit_scope(self) -> str:
        return release_scope(self.release_id)


class ExtractType(models.TextChoices):
    SAMPLE = "sample", "Sample extract"
    FULL = "full", "100% extract"


class ReleaseSource(ReleaseScoped, models.Model):
    """A register asset a release draws on, and whether the extract used is a sample or 100%."""

    release = models.ForeignKey(StatisticalRelease, on_delete=models.CASCADE, related_name="sources")
    asset = models.ForeignKey(InformationAsset, on_delete=models.PROTECT, related_name="release_sources")
    extract_type = models.CharField("type of extract", max_length=10, choices=ExtractType.choices)
    sampling_weight = models.DecimalField(
        "sampling weight",
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Sample extracts: the grossing factor, such as 50 for a 2% sample. A table may give its own.",
    )

    class Meta:
        ordering = ["asset__name", "pk"]
        verbose_name = "release source"
        constraints = [
            models.UniqueConstraint(fields=["release", "asset"], name="release_source_unique_asset"),
            models.CheckConstraint(
                condition=Q(sampling_weight__isnull=True) | Q(sampling_weight__gt=0),
                name="release_source_weight_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} ({self.get_extract_type_display()})"

    def get_absolute_url(self) -> str:
        return f"{reverse('releases:detail', args=[self.release_id])}#sources"


class OutputTable(ReleaseScoped, models.Model):
    """An output table of a release: the raw table as uploaded, and its latest disclosure check.

    ``data`` is the parsed raw table and ``result`` the check, cell by cell. Both
    stay inside the portal; the protected table is derived from them on demand.
    """

    release = models.ForeignKey(StatisticalRelease, on_delete=models.CASCADE, related_name="tables")
    source = models.ForeignKey(ReleaseSource, on_delete=models.PROTECT, related_name="tables")
    title = models.CharField(max_length=200)
    original_name = models.CharField("file name", max_length=200)
    data = models.JSONField()
    table_digest = models.CharField(max_length=64)
    cell_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # The latest check: which rules it used, when, and whether the protected table is safe.
    result = models.JSONField(null=True, blank=True)
    rules = models.ForeignKey(DisclosureRuleSet, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    # Who last asked for the check (its uploader, or whoever checked it again): never its signer.
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    passed = models.BooleanField(null=True, blank=True)

    class SecondaryCost(models.TextChoices):
        RULES = "", "As the rules in force say"
        VALUE = "value", "The total value hidden"
        CELLS = "cells", "The number of cells hidden"
        WEIGHT = "weight", "The total weight hidden (the table's cost column; 1 where empty)"

    # Disclosure control may have this table's secondary suppression minimise something other than the rules say.
    secondary_cost = models.CharField(
        "secondary suppression minimises", max_length=10, blank=True, default="", choices=SecondaryCost.choices
    )

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = "output table"
        constraints = [
            models.UniqueConstraint(fields=["release", "title"], name="output_table_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("releases:table", args=[self.release_id, self.pk])


class ReleaseSignOff(ReleaseScoped, models.Model):
    """A second person's sign-off that a release's disclosure control is sound.

    ``fingerprint`` is a digest over every table and the rule version signed; a
    later change to a table, a source or the rules voids the sign-off (it is kept,
    with when and why). The signer can never be the release's author: the author
    is copied here so the database itself refuses it.
    """

    release = models.ForeignKey(StatisticalRelease, on_delete=models.PROTECT, related_name="sign_offs")
    release_author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_as = models.CharField(max_length=100)
    signed_at = models.DateTimeField(default=timezone.now)
    rules = models.ForeignKey(DisclosureRuleSet, on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField(max_length=64)
    comments = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        verbose_name = "release sign-off"
        constraints = [
            models.CheckConstraint(condition=~Q(signed_by=F("release_author")), name="release_sign_off_not_by_author"),
            models.UniqueConstraint(
                fields=["release"], condition=Q(voided_at__isnull=True), name="release_one_live_sign_off"
            ),
        ]

    def __str__(self) -> str:
        return f"Sign-off of {self.release} by {self.signed_by} at {self.signed_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return f"{reverse('releases:detail', args=[self.release_id])}#sign-off"

    @property
    def is_live(self) -> bool:
        return self.voided_at is None
