"""The record of processing activities and the data-sharing agreements.

A processing activity is built on the register: its assets give the categories of personal data
(their data items), the retention and the security measures (their secure environments); its
recipients are read from live records (grants, contracts, agreements), never typed in. A sharing
agreement is the authority for data to leave, or arrive from, another public body outside a
research contract; like a contract it names its legal gateway and lawful basis.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from governance.contracts.models import ExternalOrganisation, LegalGateway, ResearchContract
from governance.core.models import BusinessArea
from governance.core.models.audit import AuditScoped, scope_of
from governance.register.models import DataItem, InformationAsset

PROCESSING_SCOPE = "processingactivity"
AGREEMENT_SCOPE = "sharingagreement"


class Schedule1Condition(models.TextChoices):
    """The Data Protection Act 2018 Schedule 1 condition that goes with an Article 9 condition."""

    EMPLOYMENT = "employment", "Employment, social security and social protection (Sch. 1 para 1)"
    HEALTH_SOCIAL_CARE = "health_social_care", "Health or social care purposes (Sch. 1 para 2)"
    PUBLIC_HEALTH = "public_health", "Public health (Sch. 1 para 3)"
    RESEARCH = "research", "Research, statistics and archiving (Sch. 1 para 4)"
    STATUTORY_GOVERNMENT = "statutory_government", "Statutory and government purposes (Sch. 1 para 6)"
    EQUALITY = "equality", "Equality of opportunity or treatment (Sch. 1 para 8)"
    PREVENTING_CRIME = "preventing_crime", "Preventing or detecting unlawful acts (Sch. 1 para 10)"
    SAFEGUARDING = "safeguarding", "Safeguarding of children and individuals at risk (Sch. 1 para 18)"


class TransferSafeguard(models.TextChoices):
    """UK GDPR Chapter V: what makes a transfer outside the UK lawful."""

    ADEQUACY = "adequacy", "UK adequacy regulations"
    IDTA = "idta", "International data transfer agreement (IDTA)"
    ADDENDUM = "addendum", "UK addendum to the EU standard contractual clauses"
    BINDING_CORPORATE_RULES = "binding_corporate_rules", "Binding corporate rules"
    EXCEPTION = "exception", "An Article 49 exception"


class ProcessingActivity(AuditScoped, models.Model):
    """One entry of the record of processing activities (UK GDPR Article 30)."""

    class Role(models.TextChoices):
        CONTROLLER = "controller", "Controller"
        JOINT_CONTROLLER = "joint_controller", "Joint controller"
        PROCESSOR = "processor", "Processor for another controller"

    name = models.CharField(max_length=200)
    purposes = models.TextField(help_text="Why the personal data is processed.")
    role = models.CharField("the department's role", max_length=20, choices=Role.choices, default=Role.CONTROLLER)
    controller_name = models.CharField(
        "controller the department processes for",
        max_length=200,
        blank=True,
        help_text="Only when the department is a processor (Article 30(2)).",
    )
    business_area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="processing_activities")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_processing_activities",
        verbose_name="owner (an IAM)",
    )
    assets = models.ManyToManyField(InformationAsset, related_name="processing_activities", blank=True)
    lawful_basis = models.CharField(
        "lawful basis (UK GDPR Article 6)", max_length=30, choices=InformationAsset.LawfulBasis.choices
    )
    special_category_condition = models.CharField(
        "special category condition (UK GDPR Article 9)",
        max_length=40,
        choices=ResearchContract.SpecialCategoryCondition.choices,
        blank=True,
    )
    schedule_1_condition = models.CharField(
        "Data Protection Act 2018 Schedule 1 condition", max_length=30, choices=Schedule1Condition.choices, blank=True
    )
    data_subjects = models.TextField(
        "categories of people", help_text="Whose personal data it is, for example benefit claimants, employees."
    )
    processors = models.ManyToManyField(
        ExternalOrganisation, related_name="processing_activities", blank=True, verbose_name="processors"
    )
    transfer_countries = models.CharField(
        "countries the data is transferred to outside the UK", max_length=300, blank=True
    )
    transfer_safeguard = models.CharField(
        "safeguard for the transfer", max_length=30, choices=TransferSafeguard.choices, blank=True
    )
    next_review_date = models.DateField()
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "processing activity"
        verbose_name_plural = "processing activities"
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="processor") | ~Q(controller_name=""), name="processing_processor_names_controller"
            ),
            models.CheckConstraint(
                condition=Q(transfer_countries="") | ~Q(transfer_safeguard=""),
                name="processing_transfer_has_safeguard",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("privacy:activity-detail", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of(PROCESSING_SCOPE, self.pk)


class SharingAgreement(AuditScoped, models.Model):
    """An agreement to share data with another public body, outside a research contract."""

    class Kind(models.TextChoices):
        DEA_PART_5 = "dea_part_5", "Digital Economy Act 2017 Part 5 share"
        MEMORANDUM = "memorandum", "Memorandum of understanding"
        AGREEMENT = "agreement", "Data-sharing agreement"

    class Direction(models.TextChoices):
        OUT = "out", "The department gives data"
        IN = "in", "The department receives data"
        BOTH = "both", "Both ways"

    class Frequency(models.TextChoices):
        ONE_OFF = "one_off", "Once"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"
        ON_REQUEST = "on_request", "On request"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "In force"
        ENDED = "ended", "Ended"

    reference = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField("type of agreement", max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        ExternalOrganisation, on_delete=models.PROTECT, related_name="sharing_agreements", verbose_name="other party"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    business_area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="sharing_agreements")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_sharing_agreements",
        verbose_name="agreement manager",
    )
    purpose = models.TextField()
    legal_gateway = models.ForeignKey(LegalGateway, on_delete=models.PROTECT, related_name="sharing_agreements")
    lawful_basis = models.CharField(
        "lawful basis (UK GDPR Article 6)", max_length=30, choices=InformationAsset.LawfulBasis.choices
    )
    special_category_condition = models.CharField(
        "special category condition (UK GDPR Article 9)",
        max_length=40,
        choices=ResearchContract.SpecialCategoryCondition.choices,
        blank=True,
    )
    assets = models.ManyToManyField(InformationAsset, related_name="sharing_agreements", blank=True)
    data_items = models.ManyToManyField(DataItem, related_name="sharing_agreements", blank=True)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    security_conditions = models.TextField(help_text="How the data is sent, held and protected.")
    start_date = models.DateField()
    review_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference", "pk"]
        verbose_name = "data-sharing agreement"
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="agreement_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="agreement_in_force_was_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("privacy:agreement-detail", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of(AGREEMENT_SCOPE, self.pk)


# --- Data protection impact assessments (UK GDPR Articles 35 and 36) ------------------------------

DPIA_SCOPE = "dpia"


class ScreeningCriterion(models.TextChoices):
    """The ICO's criteria for processing likely to result in a high risk."""

    INNOVATIVE_TECHNOLOGY = "innovative_technology", "Innovative technology"
    DENIAL_OF_SERVICE = "denial_of_service", "Decisions about access to a service, opportunity or benefit"
    PROFILING = "profiling", "Large-scale profiling"
    BIOMETRIC = "biometric", "Biometric data"
    GENETIC = "genetic", "Genetic data"
    DATA_MATCHING = "data_matching", "Combining, comparing or matching data from several sources"
    INVISIBLE_PROCESSING = "invisible_processing", "Invisible processing (data not obtained from the person)"
    TRACKING = "tracking", "Tracking people's location or behaviour"
    CHILDREN_OR_VULNERABLE = "children_or_vulnerable", "Targeting children or other vulnerable people"
    RISK_OF_PHYSICAL_HARM = "risk_of_physical_harm", "A risk to people's physical health or safety if breached"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class DPIA(AuditScoped, models.Model):
    """A data protection impact assessment of one processing activity, access request, contract or agreement.

    Screening decides whether one is needed; if so, the assessment is written, the Data Protection
    Officer advises, and the IAM and the area's Deputy SIRO (two different people) sign it off, each
    with a fresh security key. A high residual risk starts the prior consultation with the ICO.
    """

    class State(models.TextChoices):
        SCREENING = "screening", "Screening"
        NEEDED = "needed", "DPIA needed"
        IN_ASSESSMENT = "in_assessment", "In assessment"
        AWAITING_ADVICE = "awaiting_advice", "Awaiting the DPO's advice"
        AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting sign-off"
        SIGNED = "signed", "Signed"
        NOT_NEEDED = "not_needed", "Not needed"

    class Outcome(models.TextChoices):
        NEEDED = "needed", "A DPIA is needed"
        NOT_NEEDED = "not_needed", "A DPIA is not needed"

    class ConsultationOutcome(models.TextChoices):
        PROCEED = "proceed", "The ICO raised no objection"
        CONDITIONS = "conditions", "The ICO advised further measures"
        DO_NOT_PROCEED = "do_not_proceed", "The ICO advised not to go ahead"

    title = models.CharField(max_length=250)
    processing_activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.CASCADE, null=True, blank=True, related_name="dpias"
    )
    access_request = models.ForeignKey(
        "governance.AccessRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="dpias"
    )
    contract = models.ForeignKey(
        ResearchContract, on_delete=models.CASCADE, null=True, blank=True, related_name="dpias"
    )
    sharing_agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.CASCADE, null=True, blank=True, related_name="dpias"
    )
    business_area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="dpias")
    iam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="iam_dpias",
        verbose_name="IAM or owner",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.SCREENING)
    # Screening: the facts read from the record, the ICO criteria answered, the outcome and why.
    special_category = models.BooleanField("special category data", default=False)
    identifiable_at_scale = models.BooleanField("identifiable data at scale", default=False)
    criteria = models.JSONField("likely high-risk criteria met", default=list, blank=True)
    screening_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    screening_reasons = models.TextField(blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    # The assessment.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="authored_dpias"
    )
    description = models.TextField("description of the processing", blank=True)
    necessity = models.TextField("necessity and proportionality", blank=True)
    residual_risk = models.CharField("overall residual risk", max_length=10, choices=RiskLevel.choices, blank=True)
    # The Data Protection Officer's advice (Article 35(2)) and whether it was followed.
    dpo_advice = models.TextField("the DPO's advice", blank=True)
    dpo_advice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dpo_advice_at = models.DateTimeField(null=True, blank=True)
    advice_followed = models.BooleanField("the DPO's advice was followed", null=True, blank=True)
    advice_not_followed_reasons = models.TextField("why the advice was not followed", blank=True)
    # Sign-off: the IAM (or owner) and the area's Deputy SIRO, two different people.
    iam_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    iam_signed_at = models.DateTimeField(null=True, blank=True)
    deputy_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deputy_signed_at = models.DateTimeField(null=True, blank=True)
    # Prior consultation with the ICO (Article 36) when the residual risk is high.
    consultation_started_on = models.DateField("consultation started", null=True, blank=True)
    consultation_due_on = models.DateField("ICO response due", null=True, blank=True)
    consultation_extended = models.BooleanField("the ICO extended its time", default=False)
    consultation_response_on = models.DateField("ICO response received", null=True, blank=True)
    consultation_outcome = models.CharField(
        "the ICO's response", max_length=20, choices=ConsultationOutcome.choices, blank=True
    )
    review_date = models.DateField(null=True, blank=True)
    # The last review of a signed DPIA: who found what, and when (the next review date follows from it).
    last_reviewed_on = models.DateField("last reviewed", null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_notes = models.TextField("what the last review found", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "DPIA"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        processing_activity__isnull=False,
                        access_request__isnull=True,
                        contract__isnull=True,
                        sharing_agreement__isnull=True,
                    )
                    | Q(
                        processing_activity__isnull=True,
                        access_request__isnull=False,
                        contract__isnull=True,
                        sharing_agreement__isnull=True,
                    )
                    | Q(
                        processing_activity__isnull=True,
                        access_request__isnull=True,
                        contract__isnull=False,
                        sharing_agreement__isnull=True,
                    )
                    | Q(
                        processing_activity__isnull=True,
                        access_request__isnull=True,
                        contract__isnull=True,
                        sharing_agreement__isnull=False,
                    )
                ),
                name="dpia_has_exactly_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(iam_signed_by__isnull=True)
                | Q(deputy_signed_by__isnull=True)
                | ~Q(iam_signed_by=F("deputy_signed_by")),
                name="dpia_signed_by_two_people",
            ),
            models.CheckConstraint(
                condition=~Q(state="signed") | Q(iam_signed_by__isnull=False, deputy_signed_by__isnull=False),
                name="dpia_signed_has_both_sign_offs",
            ),
        ]
        indexes = [models.Index(fields=["state", "review_date"], name="dpia_state_review")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("privacy:dpia-detail", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of(DPIA_SCOPE, self.pk)

    @property
    def subject(self) -> models.Model:
        return self.processing_activity or self.access_request or self.contract or self.sharing_agreement  # type: ignore[return-value]

    @property
    def criteria_labels(self) -> list[str]:
        labels = dict(ScreeningCriterion.choices)
        return [labels[key] for key in self.criteria if key in labels]


class DPIARisk(AuditScoped, models.Model):
    """One risk to people the assessment names, its likelihood and severity, the measures and what is left."""

    class Likelihood(models.TextChoices):
        REMOTE = "remote", "Remote"
        POSSIBLE = "possible", "Possible"
        PROBABLE = "probable", "Probable"

    class Severity(models.TextChoices):
        MINIMAL = "minimal", "Minimal"
        SIGNIFICANT = "significant", "Significant"
        SEVERE = "severe", "Severe"

    dpia = models.ForeignKey(DPIA, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField("the risk to people")
    likelihood = models.CharField(max_length=10, choices=Likelihood.choices)
    severity = models.CharField(max_length=12, choices=Severity.choices)
    measures = models.TextField("measures to reduce or remove it")
    residual_risk = models.CharField(max_length=10, choices=RiskLevel.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["dpia", "pk"]
        verbose_name = "DPIA risk"

    def __str__(self) -> str:
        return self.description[:80]

    def get_absolute_url(self) -> str:
        return reverse("privacy:dpia-risk", args=[self.dpia_id, self.pk])

    def audit_scope(self) -> str:
        return scope_of(DPIA_SCOPE, self.dpia_id)
