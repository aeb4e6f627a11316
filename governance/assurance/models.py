"""Assurance for the SIRO: information risks per asset and the annual IAM returns.

A return's facts are computed from live records when the return is prepared, never typed.
Once signed, its facts and answers are fixed by a SHA-256 digest and can no longer change;
a correction is a new version of the return for the same round and IAM.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from governance.core.models.audit import AuditScoped, scope_of
from governance.core.models.organisation import BusinessArea
from governance.register.models import InformationAsset


class InformationRisk(AuditScoped, models.Model):
    """A risk to one information asset, owned, treated and reviewed like the asset itself."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        TOLERATED = "tolerated", "Tolerated"
        CLOSED = "closed", "Closed"

    SCALE = [(n, str(n)) for n in range(1, 6)]

    asset = models.ForeignKey(InformationAsset, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField()
    likelihood = models.PositiveSmallIntegerField(choices=SCALE, help_text="1 (rare) to 5 (almost certain).")
    impact = models.PositiveSmallIntegerField(choices=SCALE, help_text="1 (negligible) to 5 (severe).")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="risks_owned")
    treatment = models.TextField(help_text="What is done to reduce the risk.")
    target_date = models.DateField("treatment target date")
    review_date = models.DateField("next review date")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["asset", "-likelihood", "-impact", "pk"]
        indexes = [models.Index(fields=["status", "review_date"], name="risk_status_review")]
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_range"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_range"),
        ]

    def __str__(self) -> str:
        return f"{self.asset}: {self.description[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("assurance:risk-edit", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of("governance.informationasset", self.asset_id)

    @property
    def business_area(self) -> BusinessArea:
        return self.asset.business_area

    @property
    def rating(self) -> int:
        """Likelihood times impact, 1 to 25."""
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return risk_band(self.rating)

    @property
    def review_overdue(self) -> bool:
        return self.status != self.Status.CLOSED and self.review_date < timezone.localdate()


def risk_band(rating: int) -> str:
    """The usual three bands of a 5x5 matrix."""
    return "high" if rating >= 15 else "medium" if rating >= 8 else "low"


class AssuranceRound(AuditScoped, models.Model):
    """One annual round of IAM returns, opened by the SIRO."""

    class State(models.TextChoices):
        GENERATING = "generating", "Preparing returns"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    period = models.CharField(max_length=60, help_text="For example 2026 to 2027.")
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.GENERATING)
    iam_total = models.PositiveIntegerField(default=0, help_text="Returns to prepare.")
    prepared = models.PositiveIntegerField(default=0, help_text="Returns prepared so far.")

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="round_period_order"),
            models.UniqueConstraint(fields=["period"], name="round_period_unique"),
        ]

    def __str__(self) -> str:
        return f"Assurance round {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("assurance:round", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of("governance.assuranceround", self.pk)


#: The fields fixed by a signature: changing any of them on a signed return is refused.
SIGNED_FIELDS = (
    "facts",
    "register_accurate",
    "changes",
    "incidents_reported",
    "risks_managed",
    "access_still_needed",
    "comments",
    "signed_by_id",
    "signed_at",
    "digest",
)


class AssuranceReturn(AuditScoped, models.Model):
    """One IAM's return for one round, in versions; the latest version is the live one."""

    class State(models.TextChoices):
        DRAFT = "draft", "To sign"
        SIGNED = "signed", "Signed"
        ACCEPTED = "accepted", "Accepted"
        SENT_BACK = "sent_back", "Sent back"
        SUPERSEDED = "superseded", "Replaced by a correction"

    round = models.ForeignKey(AssuranceRound, on_delete=models.PROTECT, related_name="returns")
    iam = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assurance_returns")
    business_area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, null=True, related_name="+")
    version = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    facts = models.JSONField(default=dict, help_text="Computed from live records; never typed.")
    facts_at = models.DateTimeField(default=timezone.now)
    register_accurate = models.BooleanField("the register entries are accurate", null=True)
    changes = models.TextField("changes in the period", blank=True)
    incidents_reported = models.BooleanField("every incident was reported", null=True)
    risks_managed = models.BooleanField("the risks are managed", null=True)
    access_still_needed = models.BooleanField("all access is still needed", null=True)
    comments = models.TextField(blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    sent_back_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["round", "business_area", "iam", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["round", "iam", "version"], name="return_version_unique"),
            models.UniqueConstraint(
                fields=["round", "iam"], condition=~Q(state="superseded"), name="return_one_live_per_iam"
            ),
            models.CheckConstraint(condition=Q(state="draft") | ~Q(digest=""), name="return_signed_has_digest"),
        ]

    def __str__(self) -> str:
        return f"{self.round.period} return of {self.iam} (version {self.version})"

    def save(self, *args, **kwargs):
        """Refuse any change to what was signed, from any path (service, admin, shell)."""
        if self.pk:
            before = type(self).objects.filter(pk=self.pk).values(*SIGNED_FIELDS).first()
            if before and before["digest"]:
                changed = [f for f in SIGNED_FIELDS if before[f] != getattr(self, f)]
                if changed:
                    raise ValidationError("A signed return cannot be changed; start a correction instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("assurance:return", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of("governance.assuranceround", self.round_id)

    def delete(self, *args, **kwargs):
        if self.digest:
            raise ValidationError("A signed return cannot be deleted.")
        return super().delete(*args, **kwargs)


class SiroReportApproval(AuditScoped, models.Model):
    """The SIRO's signed report for a round: the narrative, the figures as they stood, and who signed when.

    Each signing is a new version; a signed version never changes (its content is fixed by a SHA-256
    digest, and saving or deleting it is refused), so the statement given stays as it was given.
    """

    round = models.ForeignKey(AssuranceRound, on_delete=models.PROTECT, related_name="report_approvals")
    version = models.PositiveSmallIntegerField(default=1)
    narrative = models.TextField()
    figures = models.JSONField(default=dict, help_text="The report's figures when it was signed.")
    marking = models.CharField("protective marking", max_length=60)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["round", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="report_approval_version_unique"),
            models.CheckConstraint(condition=~Q(digest=""), name="report_approval_has_digest"),
        ]

    def __str__(self) -> str:
        return f"The SIRO's report on {self.round.period} (version {self.version})"

    def save(self, *args, **kwargs):
        """A signed report is written once; any later save, from any path, is refused."""
        if self.pk and type(self).objects.filter(pk=self.pk).exists():
            raise ValidationError("A signed report cannot be changed; sign a new version instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("assurance:report", args=[self.round_id])

    def audit_scope(self) -> str:
        return scope_of("governance.assuranceround", self.round_id)

    def delete(self, *args, **kwargs):
        raise ValidationError("A signed report cannot be deleted.")
