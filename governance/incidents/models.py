"""Information security incidents and personal data breaches.

An incident records what happened, what it touched (assets, data items, grants,
contracts), how it was contained, and the decisions UK GDPR asks for: whether to
report a personal data breach to the ICO within 72 hours of the department
becoming aware (Article 33) and whether to tell the people affected (Article 34).
The 72-hour deadline is stored, in UTC, so lists, reminders and dashboards can
filter on it without recomputing it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.contracts.models import ResearchContract
from governance.core.models.audit import AuditScoped, scope_of
from governance.core.models.organisation import BusinessArea
from governance.register.models import DataItem, InformationAsset

INCIDENT_SCOPE = "incident"
#: Article 33: report to the ICO without undue delay and, where feasible, within 72 hours of awareness.
REPORTING_WINDOW = datetime.timedelta(hours=72)


class Incident(AuditScoped, models.Model):
    """One incident, from its report to its closure with lessons learned."""

    class State(models.TextChoices):
        REPORTED = "reported", "Reported"
        TRIAGED = "triaged", "Being handled"
        CLOSED = "closed", "Closed"

    class Kind(models.TextChoices):
        WRONG_RECIPIENT = "wrong_recipient", "Data sent to the wrong person"
        LOSS_OR_THEFT = "loss_or_theft", "Loss or theft of a device or papers"
        UNAUTHORISED_ACCESS = "unauthorised_access", "Unauthorised access or use"
        RETENTION = "retention", "Data kept past its grant or destruction date"
        CYBER = "cyber", "Cyber attack or malware"
        OTHER = "other", "Something else"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Risk(models.TextChoices):
        UNLIKELY = "unlikely", "Unlikely to result in a risk to people"
        RISK = "risk", "A risk to people's rights and freedoms"
        HIGH = "high", "A high risk to people's rights and freedoms"

    class IcoDecision(models.TextChoices):
        REPORT = "report", "Report to the ICO"
        NOT_REPORT = "not_report", "Do not report to the ICO"

    class SubjectsDecision(models.TextChoices):
        TELL = "tell", "Tell the people affected"
        NOT_TELL = "not_tell", "Do not tell the people affected"

    title = models.CharField("summary", max_length=200)
    description = models.TextField("what happened")
    kind = models.CharField("type of incident", max_length=30, choices=Kind.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_reported"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    found_at = models.DateTimeField("found at", help_text="When the person reporting it found it.")
    found_time_known = models.BooleanField(
        "time found known", default=True, help_text="False when the reporter gave the day only: no time is shown."
    )
    aware_at = models.DateTimeField(
        "department aware at", default=timezone.now, help_text="When the department became aware: the clock starts."
    )
    ico_deadline = models.DateTimeField("ICO decision due by", editable=False)
    business_area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    personal_data = models.BooleanField("personal data involved", default=False)
    special_category = models.BooleanField("special category data involved", default=False)
    people_affected = models.PositiveIntegerField("roughly how many people", null=True, blank=True)
    people_affected_max = models.PositiveIntegerField(
        "at most how many people", null=True, blank=True, help_text="The top of a range such as 100 to 500."
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.REPORTED)

    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents_handled",
        verbose_name="incident handler",
    )
    severity = models.CharField(max_length=20, choices=Severity.choices, blank=True)
    risk_level = models.CharField("risk to the people affected", max_length=20, choices=Risk.choices, blank=True)
    risk_assessment = models.TextField("risk assessment", blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    ico_decision = models.CharField("ICO decision", max_length=20, choices=IcoDecision.choices, blank=True)
    ico_reason = models.TextField("reason for the ICO decision", blank=True)
    ico_reference = models.CharField("ICO case reference", max_length=60, blank=True)
    delay_reason = models.TextField("reason for deciding after 72 hours", blank=True)
    ico_decided_at = models.DateTimeField(null=True, blank=True)
    ico_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subjects_decision = models.CharField(
        "decision on the people affected", max_length=20, choices=SubjectsDecision.choices, blank=True
    )
    subjects_reason = models.TextField("reason for the decision on the people affected", blank=True)
    subjects_decided_at = models.DateTimeField(null=True, blank=True)
    subjects_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    lessons = models.TextField("lessons learned", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-aware_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["reported", "triaged", "closed"]), name="incident_state_valid"
            ),
            models.CheckConstraint(condition=Q(found_at__lte=F("reported_at")), name="incident_found_before_report"),
            models.CheckConstraint(
                condition=Q(special_category=False) | Q(personal_data=True), name="incident_special_is_personal"
            ),
            models.CheckConstraint(
                condition=Q(ico_decision="") | Q(ico_decided_at__isnull=False, ico_decided_by__isnull=False),
                name="incident_ico_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | (Q(closed_at__isnull=False) & ~Q(lessons="")),
                name="incident_closed_with_lessons",
            ),
            models.CheckConstraint(
                condition=Q(people_affected_max__isnull=True)
                | Q(people_affected__isnull=False, people_affected_max__gt=F("people_affected")),
                name="incident_people_range_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "ico_deadline"], name="incident_open_deadline"),
            models.Index(fields=["business_area", "aware_at"], name="incident_area_aware"),
            models.Index(fields=["reported_by", "-aware_at"], name="incident_reporter"),
            # The list, newest first: read 25 at a time in order, not joined to every person and sorted.
            models.Index(fields=["-aware_at", "-id"], name="incident_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def save(self, *args, **kwargs):
        # The deadline follows awareness, always in absolute time (72 real hours, whatever the clocks do).
        if self.aware_at is not None:
            self.ico_deadline = self.aware_at + REPORTING_WINDOW
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of(INCIDENT_SCOPE, self.pk)

    @property
    def reference(self) -> str:
        return f"INC-{self.pk:05d}" if self.pk else "INC-(new)"

    @property
    def people_affected_text(self) -> str:
        """'About 200', '100 to 500' or 'Not known', with thousands separated by commas."""
        if self.people_affected is None:
            return "Not known"
        if self.people_affected_max is not None:
            return f"{self.people_affected:,} to {self.people_affected_max:,}"
        return f"About {self.people_affected:,}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    @property
    def decided_late(self) -> bool:
        return self.ico_decided_at is not None and self.ico_decided_at > self.ico_deadline


class IncidentLink(AuditScoped, models.Model):
    """One record the incident touches: an asset, a data item, a grant or a contract (exactly one).

    A row per link (not a many-to-many field) so each is created one by one and
    audited, and so "incidents touching these assets" is one indexed query.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="links")
    asset = models.ForeignKey(
        InformationAsset, on_delete=models.PROTECT, null=True, blank=True, related_name="incident_links"
    )
    data_item = models.ForeignKey(DataItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contract = models.ForeignKey(
        ResearchContract, on_delete=models.PROTECT, null=True, blank=True, related_name="incident_links"
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(asset__isnull=False, data_item__isnull=True, grant__isnull=True, contract__isnull=True)
                    | Q(asset__isnull=True, data_item__isnull=False, grant__isnull=True, contract__isnull=True)
                    | Q(asset__isnull=True, data_item__isnull=True, grant__isnull=False, contract__isnull=True)
                    | Q(asset__isnull=True, data_item__isnull=True, grant__isnull=True, contract__isnull=False)
                ),
                name="incident_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["incident", "asset"], condition=Q(asset__isnull=False), name="incident_link_asset_once"
            ),
            models.UniqueConstraint(
                fields=["incident", "data_item"], condition=Q(data_item__isnull=False), name="incident_link_item_once"
            ),
            models.UniqueConstraint(
                fields=["incident", "grant"], condition=Q(grant__isnull=False), name="incident_link_grant_once"
            ),
            models.UniqueConstraint(
                fields=["incident", "contract"], condition=Q(contract__isnull=False), name="incident_link_contract_once"
            ),
        ]
        indexes = [models.Index(fields=["asset", "incident"], name="incident_link_by_asset")]

    def __str__(self) -> str:
        target = self.asset or self.data_item or self.grant or self.contract
        return f"Incident {self.incident_id} touches {target}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.incident_id])

    def audit_scope(self) -> str:
        return scope_of(INCIDENT_SCOPE, self.incident_id)


class IncidentAction(AuditScoped, models.Model):
    """A containment or follow-up action with an owner and a date; linked actions name their target."""

    class Kind(models.TextChoices):
        CONTAINMENT = "containment", "Containment"
        SUSPEND_GRANT = "suspend_grant", "Suspend a grant"
        RESTORE_GRANT = "restore_grant", "Restore a suspended grant"
        RECERTIFY = "recertify", "Early access review of an asset"
        CONTRACT_REVIEW = "contract_review", "Contract flagged for review"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        NOT_NEEDED = "not_needed", "Not needed"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONTAINMENT)
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_actions")
    due_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    outcome = models.TextField(blank=True)
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    asset = models.ForeignKey(InformationAsset, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contract = models.ForeignKey(ResearchContract, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open") | Q(completed_at__isnull=False), name="incident_action_completed_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:80]}"

    def get_absolute_url(self) -> str:
        return f"{reverse('incidents:detail', args=[self.incident_id])}#actions"

    def audit_scope(self) -> str:
        return scope_of(INCIDENT_SCOPE, self.incident_id)
