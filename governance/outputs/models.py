"""Safe outputs: the researchers of a research contract and the outputs they ask to take away.

A researcher is someone outside the department with an account tied to one research contract.
They submit outputs (tables and model results); the checks of ``governance.disclosure.outputs``
run on each version, and a disclosure-control officer, never the submitter, clears, refuses or
asks for changes. Every part files its audit entries under the contract, so the contract's
timeline shows each output and each decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from governance.contracts.models import ResearchContract, contract_scope
from governance.core.models.audit import AuditScoped


class Researcher(AuditScoped, models.Model):
    """A person outside the department who works on one contract's data and submits its outputs."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="researcher")
    contract = models.ForeignKey(ResearchContract, on_delete=models.PROTECT, related_name="researchers")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField("why the account ended", max_length=300, blank=True)

    class Meta:
        ordering = ["contract", "user__last_name", "user__first_name", "pk"]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.contract.reference})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.contract_id]) + "#data"

    def audit_scope(self) -> str:
        return contract_scope(self.contract_id)

    @property
    def is_current(self) -> bool:
        return self.ended_at is None and self.user.is_active


OUTPUT_STATES = ("submitted", "changes_requested", "resubmitted", "cleared", "refused", "destroyed")


class OutputSubmission(AuditScoped, models.Model):
    """One output a researcher asks to take out of the secure setting, through its versions and decisions."""

    class Kind(models.TextChoices):
        TABLE = "table", "Table"
        MODEL = "model", "Model results"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for checking"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        RESUBMITTED = "resubmitted", "Resubmitted, waiting for checking"
        CLEARED = "cleared", "Cleared"
        REFUSED = "refused", "Refused"
        DESTROYED = "destroyed", "Destroyed"

    WAITING = (State.SUBMITTED, State.RESUBMITTED)

    contract = models.ForeignKey(ResearchContract, on_delete=models.PROTECT, related_name="outputs")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField("what it shows")
    publication = models.CharField("where it will be published", max_length=300)
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "output"
        constraints = [
            models.CheckConstraint(condition=Q(state__in=OUTPUT_STATES), name="output_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="output_state_submitted")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("outputs:detail", args=[self.pk])

    def audit_scope(self) -> str:
        return contract_scope(self.contract_id)

    @property
    def is_waiting(self) -> bool:
        return self.state in self.WAITING


class OutputVersion(AuditScoped, models.Model):
    """One file submitted for an output, with the digest of its bytes and what the checks found."""

    submission = models.ForeignKey(OutputSubmission, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(max_length=200, blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256 digest", max_length=64)
    # What was read from the file (a table's cells, for differencing later outputs against it).
    parsed = models.JSONField(default=dict)
    findings = models.JSONField(default=list)
    residual_df = models.PositiveIntegerField("residual degrees of freedom", null=True, blank=True)
    observations = models.PositiveIntegerField("number of observations", null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "-number"]
        verbose_name = "output version"
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="output_version_number_unique"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="output_version_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (version {self.number})"

    def get_absolute_url(self) -> str:
        return reverse("outputs:detail", args=[self.submission_id])

    def audit_scope(self) -> str:
        return contract_scope(self.submission.contract_id)


class OutputDecision(AuditScoped, models.Model):
    """A checker's decision on one version of an output, with the reason given."""

    class Outcome(models.TextChoices):
        CLEARED = "cleared", "Cleared"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REFUSED = "refused", "Refused"

    submission = models.ForeignKey(OutputSubmission, on_delete=models.PROTECT, related_name="decisions")
    version = models.ForeignKey(OutputVersion, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "output decision"
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="output_decision_has_reason")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.submission}"

    def get_absolute_url(self) -> str:
        return reverse("outputs:detail", args=[self.submission_id])

    def audit_scope(self) -> str:
        return contract_scope(self.submission.contract_id)


__all__ = ["OutputDecision", "OutputSubmission", "OutputVersion", "Researcher"]
