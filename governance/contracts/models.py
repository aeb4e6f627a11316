"""Third-party research contracts.

The policy lets the department contract third parties for research only when
they meet data handling conditions, security requirements, prescribed standards
and the Security Assurance for Research and Analysis (SARA) framework; it gives
them the minimum data needed, minimises re-identification risk, and sets out
retention and destruction in the contract. Each of those becomes a record here;
``contracts.states`` refuses to release data until every one is complete.

Every part of a contract files its audit entries under the contract's scope, so
the contract page shows one timeline of all its changes.
"""

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
from governance.core.plurals import date_text
from governance.register.models import DataItem, InformationAsset

CONTRACT_SCOPE = "researchcontract"
STATUS_VALUES = (
    "draft",
    "under_assurance",
    "approved",
    "data_released",
    "retention_ended",
    "destruction_certified",
    "closed",
)


def contract_scope(contract_id) -> str:
    return scope_of(CONTRACT_SCOPE, contract_id)


class LegalGateway(models.Model):
    """A legal power that permits the department to share data with a third party. Kept by administrators."""

    name = models.CharField(max_length=200, unique=True)
    legislation = models.CharField(max_length=300, help_text="The legislation and section, as cited.")
    description = models.TextField(blank=True, help_text="When this gateway applies, and any conditions it sets.")
    is_active = models.BooleanField(
        "in use", default=True, help_text="Gateways no longer in use stay on existing contracts but cannot be chosen."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:governance_legalgateway_change", args=[self.pk])


class ExternalOrganisation(models.Model):
    """A university, research institute or company the department contracts for research."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", "University"
        RESEARCH_INSTITUTE = "research_institute", "Research institute"
        COMPANY = "company", "Company"
        CHARITY = "charity", "Charity or non-profit"
        PUBLIC_BODY = "public_body", "Public body"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField("type of organisation", max_length=30, choices=Kind.choices)
    registration_number = models.CharField(
        "registration number", max_length=40, blank=True, help_text="Companies House or charity number, if any."
    )
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "external organisation"
        constraints = [models.UniqueConstraint(Lower("name"), name="external_organisation_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:organisation-detail", args=[self.pk])


class ResearchContract(AuditScoped, models.Model):
    """A contract with a third party to do research with the department's data."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        UNDER_ASSURANCE = "under_assurance", "Under assurance"
        APPROVED = "approved", "Approved"
        DATA_RELEASED = "data_released", "Data released"
        RETENTION_ENDED = "retention_ended", "Retention ended"
        DESTRUCTION_CERTIFIED = "destruction_certified", "Destruction certified"
        CLOSED = "closed", "Closed"

    class SpecialCategoryCondition(models.TextChoices):
        """UK GDPR Article 9(2): the condition for processing special category data."""

        EXPLICIT_CONSENT = "explicit_consent", "Explicit consent (9(2)(a))"
        EMPLOYMENT_SOCIAL_SECURITY = (
            "employment_social_security",
            "Employment, social security and protection (9(2)(b))",
        )
        VITAL_INTERESTS = "vital_interests", "Vital interests (9(2)(c))"
        NOT_FOR_PROFIT = "not_for_profit", "Not-for-profit bodies (9(2)(d))"
        MADE_PUBLIC = "made_public", "Made public by the data subject (9(2)(e))"
        LEGAL_CLAIMS = "legal_claims", "Legal claims or judicial acts (9(2)(f))"
        SUBSTANTIAL_PUBLIC_INTEREST = "substantial_public_interest", "Substantial public interest (9(2)(g))"
        HEALTH_SOCIAL_CARE = "health_social_care", "Health or social care (9(2)(h))"
        PUBLIC_HEALTH = "public_health", "Public health (9(2)(i))"
        RESEARCH = "research", "Archiving, research and statistics (9(2)(j))"

    reference = models.CharField(max_length=50, help_text="The contract's reference, for example DWP-RES-2026-014.")
    title = models.CharField("project title", max_length=200)
    purpose = models.TextField(help_text="What the research is for, and the public benefit it serves.")
    organisation = models.ForeignKey(
        ExternalOrganisation, on_delete=models.PROTECT, related_name="contracts", verbose_name="contractor"
    )
    contact_name = models.CharField("contractor contact", max_length=150)
    contact_role = models.CharField("contact's role", max_length=150, blank=True)
    contact_email = models.EmailField("contact's email address")
    contact_phone = models.CharField("contact's phone number", max_length=40, blank=True)
    security_contact_name = models.CharField("security or data protection contact", max_length=150, blank=True)
    security_contact_email = models.EmailField("security contact's email address", blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_contracts",
        verbose_name="contract manager",
    )
    legal_gateway = models.ForeignKey(
        LegalGateway, on_delete=models.PROTECT, null=True, blank=True, related_name="contracts"
    )
    lawful_basis = models.CharField(
        "lawful basis (UK GDPR Article 6)", max_length=30, choices=InformationAsset.LawfulBasis.choices, blank=True
    )
    special_category_condition = models.CharField(
        "special category condition (UK GDPR Article 9)",
        max_length=40,
        choices=SpecialCategoryCondition.choices,
        blank=True,
        help_text="Needed when any data item provided is special category data.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    retention_end_date = models.DateField(help_text="The last day the contractor may hold the data.")
    destruction_due_date = models.DateField(help_text="The day by which the data must be destroyed and certified.")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    data_released_on = models.DateField(null=True, blank=True, editable=False)
    # Raised when something (an information security incident) calls the contract's terms into question.
    review_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_flag_reason = models.TextField("why the contract needs review", blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference", "pk"]
        verbose_name = "research contract"
        constraints = [
            models.UniqueConstraint(Lower("reference"), name="contract_reference_unique_ci"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="contract_ends_after_start"),
            models.CheckConstraint(
                condition=Q(retention_end_date__gte=F("start_date")), name="contract_retention_after_start"
            ),
            models.CheckConstraint(
                condition=Q(destruction_due_date__gte=F("retention_end_date")),
                name="contract_destruction_after_retention",
            ),
            models.CheckConstraint(condition=Q(status__in=STATUS_VALUES), name="contract_status_valid"),
            models.CheckConstraint(
                condition=Q(data_released_on__isnull=True) | ~Q(status__in=["draft", "under_assurance", "approved"]),
                name="contract_unreleased_has_no_release_date",
            ),
        ]
        indexes = [
            models.Index(fields=["manager", "status"], name="contract_manager_status"),
            models.Index(fields=["status", "retention_end_date"], name="contract_status_retention"),
            models.Index(fields=["status", "destruction_due_date"], name="contract_status_destruction"),
        ]

    PRE_RELEASE = (Status.DRAFT, Status.UNDER_ASSURANCE, Status.APPROVED)
    HOLDING_DATA = (Status.DATA_RELEASED, Status.RETENTION_ENDED)

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.pk])

    def audit_scope(self) -> str:
        return contract_scope(self.pk)

    def clean(self) -> None:
        """The date order every contract keeps, with messages a contract manager can act on."""
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be on or after the start date"
        if self.start_date and self.retention_end_date and self.retention_end_date < self.start_date:
            errors["retention_end_date"] = "The retention end date must be on or after the start date"
        if (
            self.retention_end_date
            and self.destruction_due_date
            and self.destruction_due_date < self.retention_end_date
        ):
            errors["destruction_due_date"] = "The destruction due date must be on or after the retention end date"
        if self.contact_email and self.security_contact_email and not self.security_contact_name:
            errors["security_contact_name"] = "Enter the name of the security or data protection contact"
        if errors:
            raise ValidationError(errors)

    @property
    def is_pre_release(self) -> bool:
        return self.status in self.PRE_RELEASE

    @property
    def holds_data(self) -> bool:
        """The contractor holds the department's data: released and not yet certified destroyed."""
        return self.status in self.HOLDING_DATA

    def destruction_overdue(self, today: datetime.date | None = None) -> bool:
        return self.holds_data and self.destruction_due_date < (today or timezone.localdate())

    def days_to(self, date: datetime.date, today: datetime.date | None = None) -> int:
        return (date - (today or timezone.localdate())).days

    def contact_addresses(self) -> list[str]:
        """The contractor's addresses for reminders: the main contact and, if recorded, the security contact."""
        addresses = [self.contact_email]
        if self.security_contact_email and self.security_contact_email.lower() != self.contact_email.lower():
            addresses.append(self.security_contact_email)
        return addresses


class ContractScoped(AuditScoped):
    """A part of a contract: its audit entries are filed under the contract."""

    contract_id: int  # the subclass's foreign key to the contract

    def audit_scope(self) -> str:
        return contract_scope(self.contract_id)


class ContractDocument(ContractScoped, models.Model):
    """An uploaded file kept as evidence: assurance evidence or a destruction certificate.

    Stored in private storage under a random name; the SHA-256 digest is taken
    while saving so the file can be shown later to be the one uploaded.
    """

    class Kind(models.TextChoices):
        ASSURANCE_EVIDENCE = "assurance_evidence", "Assurance evidence"
        DESTRUCTION_CERTIFICATE = "destruction_certificate", "Destruction certificate"

    contract = models.ForeignKey(ResearchContract, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256 digest", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = "contract document"
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="contract_document_sha256"),
            models.CheckConstraint(condition=Q(size__gt=0), name="contract_document_not_empty"),
            models.UniqueConstraint(fields=["file"], name="contract_document_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:document", args=[self.contract_id, self.pk])


class AssuranceCheck(ContractScoped, models.Model):
    """One item of the contractor's security assurance, with its outcome and evidence."""

    class Kind(models.TextChoices):
        DATA_HANDLING = "data_handling", "Data handling conditions"
        SECURITY = "security", "Security requirements"
        STANDARDS = "standards", "Prescribed standards"
        SARA = "sara", "SARA assessment"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not yet assessed"
        MET = "met", "Met"
        MET_WITH_CONDITIONS = "met_with_conditions", "Met with conditions"
        NOT_MET = "not_met", "Not met"

    GUIDANCE: dict[str, str] = {
        Kind.DATA_HANDLING: "How the contractor will receive, store, use and move the data, and who may see it.",
        Kind.SECURITY: "The contractor's technical and physical security, such as accreditation and secure rooms.",
        Kind.STANDARDS: "The standards the contract prescribes, such as ISO 27001 or Cyber Essentials Plus.",
        Kind.SARA: "The Security Assurance for Research and Analysis (SARA) framework assessment.",
    }
    PASSING = (Outcome.MET, Outcome.MET_WITH_CONDITIONS)

    contract = models.ForeignKey(ResearchContract, on_delete=models.CASCADE, related_name="assurance_checks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, default=Outcome.PENDING)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_on = models.DateField(null=True, blank=True)
    evidence = models.ForeignKey(
        ContractDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="evidence"
    )
    notes = models.TextField("conditions or notes", blank=True)

    class Meta:
        ordering = ["contract", "pk"]
        verbose_name = "security assurance check"
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind"], name="assurance_check_once_per_kind"),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(assessor__isnull=False, assessed_on__isnull=False),
                name="assurance_check_assessed_has_assessor_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["met", "met_with_conditions"]) | Q(evidence__isnull=False),
                name="assurance_check_passed_has_evidence",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="met_with_conditions") | ~Q(notes=""),
                name="assurance_check_conditions_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        return f"{reverse('contracts:detail', args=[self.contract_id])}#assurance"

    @property
    def guidance(self) -> str:
        return self.GUIDANCE.get(self.kind, "")

    @property
    def is_complete(self) -> bool:
        """Passed, with an assessor, a date and an evidence document."""
        return (
            self.outcome in self.PASSING
            and self.assessor_id is not None
            and self.assessed_on is not None
            and self.evidence_id is not None
        )


class ContractAsset(ContractScoped, models.Model):
    """An information asset whose data is provided under the contract, and its IAM's review of what is sent."""

    class Review(models.TextChoices):
        PENDING = "pending", "Awaiting IAM review"
        APPROVED = "approved", "Approved by IAM"
        CHANGES_NEEDED = "changes_needed", "Changes needed"

    contract = models.ForeignKey(ResearchContract, on_delete=models.CASCADE, related_name="contract_assets")
    asset = models.ForeignKey(InformationAsset, on_delete=models.PROTECT, related_name="contract_uses")
    review_state = models.CharField("IAM review", max_length=20, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_notes = models.TextField("IAM's comments", blank=True)

    class Meta:
        ordering = ["contract", "pk"]
        verbose_name = "asset provided"
        verbose_name_plural = "assets provided"
        constraints = [
            models.UniqueConstraint(fields=["contract", "asset"], name="contract_asset_once"),
            models.CheckConstraint(
                condition=Q(review_state="pending") | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="contract_asset_review_has_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["asset", "contract"], name="contract_asset_by_asset")]

    def __str__(self) -> str:
        return str(self.asset)

    def get_absolute_url(self) -> str:
        return f"{reverse('contracts:detail', args=[self.contract_id])}#data"

    @property
    def review_phrase(self) -> str:
        """The review state inside a sentence: 'approved by IAM', 'awaiting IAM review'."""
        label = self.get_review_state_display()
        return label[:1].lower() + label[1:]


class ContractDataItem(AuditScoped, models.Model):
    """One data item sent to the contractor, with why it is needed (the minimum data required).

    The item's name and sensitivity are copied when it is chosen, so the record
    of what was sent survives later changes to the asset's data dictionary.
    """

    contract_asset = models.ForeignKey(ContractAsset, on_delete=models.CASCADE, related_name="items")
    data_item = models.ForeignKey(DataItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=120)
    sensitivity = models.CharField(max_length=20, choices=DataItem.Sensitivity.choices)
    justification = models.TextField("why it is needed")

    class Meta:
        ordering = ["contract_asset", "name", "pk"]
        verbose_name = "data item provided"
        verbose_name_plural = "data items provided"
        constraints = [
            models.UniqueConstraint(fields=["contract_asset", "data_item"], name="contract_item_once"),
            models.CheckConstraint(condition=~Q(justification=""), name="contract_item_justified"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.contract_asset.get_absolute_url()

    def audit_scope(self) -> str:
        return contract_scope(self.contract_asset.contract_id)

    @property
    def is_high_risk(self) -> bool:
        return self.sensitivity in (DataItem.Sensitivity.DIRECT_IDENTIFIER, DataItem.Sensitivity.SPECIAL_CATEGORY)


class ReidentificationAssessment(ContractScoped, models.Model):
    """The assessment of how likely the data sent could identify a person, after mitigations."""

    class Level(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    contract = models.OneToOneField(ResearchContract, on_delete=models.CASCADE, related_name="risk_assessment")
    level = models.CharField("residual risk", max_length=10, choices=Level.choices)
    mitigations = models.TextField()
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()

    class Meta:
        ordering = ["contract"]
        verbose_name = "re-identification risk assessment"
        constraints = [models.CheckConstraint(condition=~Q(mitigations=""), name="risk_assessment_has_mitigations")]

    def __str__(self) -> str:
        return f"Re-identification risk: {self.get_level_display()}"

    def get_absolute_url(self) -> str:
        return f"{reverse('contracts:detail', args=[self.contract_id])}#risk"


class DestructionCertificate(ContractScoped, models.Model):
    """The contractor's certificate that the data has been destroyed, with the signed file."""

    contract = models.OneToOneField(ResearchContract, on_delete=models.PROTECT, related_name="destruction_certificate")
    destroyed_on = models.DateField("date of destruction")
    certified_by = models.CharField(
        "certified by", max_length=200, help_text="Name and role of the person at the contractor who certified it."
    )
    document = models.OneToOneField(ContractDocument, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = "destruction certificate"

    def __str__(self) -> str:
        return f"Destruction certified on {date_text(self.destroyed_on)}"

    def get_absolute_url(self) -> str:
        return f"{reverse('contracts:detail', args=[self.contract_id])}#destruction"


class ContractStatusChange(ContractScoped, models.Model):
    """Append-only: one move of a contract's status, who made it and why."""

    contract = models.ForeignKey(ResearchContract, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=30, choices=ResearchContract.Status.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=ResearchContract.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "contract status change"
        indexes = [models.Index(fields=["contract", "-at"], name="contract_status_history")]
        constraints = [
            models.CheckConstraint(condition=~Q(from_status=F("to_status")), name="status_change_changes_status")
        ]

    def __str__(self) -> str:
        before = self.get_from_status_display() or "(new)"
        return f"{before} → {self.get_to_status_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("The status history is append-only.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{reverse('contracts:detail', args=[self.contract_id])}#status-history"

    def delete(self, *args, **kwargs):
        raise ValidationError("The status history is append-only.")


class RetentionDateChange(ContractScoped, models.Model):
    """Append-only: the retention end and destruction due dates each time they were set, and why."""

    contract = models.ForeignKey(ResearchContract, on_delete=models.PROTECT, related_name="date_changes")
    retention_end_date = models.DateField()
    destruction_due_date = models.DateField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300)
    extension = models.ForeignKey(
        "RetentionExtension", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "retention date change"
        constraints = [
            models.CheckConstraint(
                condition=Q(destruction_due_date__gte=F("retention_end_date")), name="date_change_order"
            )
        ]

    def __str__(self) -> str:
        return (
            f"Retention to {date_text(self.retention_end_date)}, destruction by {date_text(self.destruction_due_date)}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("The history of dates is append-only.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{reverse('contracts:detail', args=[self.contract_id])}#dates"


class RetentionExtension(ContractScoped, models.Model):
    """A request to keep the data longer, decided by the IAMs of every asset provided."""

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting IAM decisions"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    contract = models.ForeignKey(ResearchContract, on_delete=models.PROTECT, related_name="extensions")
    current_retention_end_date = models.DateField("retention end date when requested")
    current_destruction_due_date = models.DateField("destruction due date when requested")
    new_retention_end_date = models.DateField("new retention end date")
    new_destruction_due_date = models.DateField("new destruction due date")
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "retention extension"
        constraints = [
            models.UniqueConstraint(
                fields=["contract"], condition=Q(state="pending"), name="extension_one_pending_per_contract"
            ),
            models.CheckConstraint(
                condition=Q(new_retention_end_date__gt=F("current_retention_end_date")),
                name="extension_extends_retention",
            ),
            models.CheckConstraint(
                condition=Q(new_destruction_due_date__gte=F("new_retention_end_date")),
                name="extension_destruction_after_retention",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False), name="extension_decided_has_date"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Extension to {date_text(self.new_retention_end_date)} ({self.get_state_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:extension", args=[self.contract_id, self.pk])


class ExtensionDecision(AuditScoped, models.Model):
    """One IAM's decision on a retention extension."""

    extension = models.ForeignKey(RetentionExtension, on_delete=models.PROTECT, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField()
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = "extension decision"
        constraints = [
            models.UniqueConstraint(fields=["extension", "decided_by"], name="extension_decision_once_per_iam"),
            models.CheckConstraint(condition=Q(approved=True) | ~Q(comment=""), name="extension_rejection_explained"),
        ]

    def __str__(self) -> str:
        return f"{'Approved' if self.approved else 'Rejected'} by {self.decided_by}"

    def get_absolute_url(self) -> str:
        return self.extension.get_absolute_url()

    def audit_scope(self) -> str:
        return contract_scope(self.extension.contract_id)


class CalendarFeedToken(models.Model):
    """A contract manager's personal calendar feed key. Only its SHA-256 digest is kept.

    Calendar applications cannot sign in with a second factor, so the feed is
    opened by a long random key in its address instead; the key shows once,
    when created, and can be replaced or revoked at any time.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "calendar feed key"

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:calendar")


# --- django-guardian's direct foreign-key permission tables (see core.models.permissions) ---


class ResearchContractUserObjectPermission(AuditScoped, UserObjectPermissionBase):
    """Per-contract rights of a person: the named manager's ``view`` and ``change_researchcontract``."""

    content_object = models.ForeignKey(ResearchContract, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]
        verbose_name = "contract permission of a person"

    def audit_scope(self) -> str:
        return contract_scope(self.content_object_id)


class ResearchContractGroupObjectPermission(AuditScoped, GroupObjectPermissionBase):
    content_object = models.ForeignKey(ResearchContract, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]

    def audit_scope(self) -> str:
        return contract_scope(self.content_object_id)
