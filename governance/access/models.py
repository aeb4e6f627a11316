"""Access to restricted data: requests, the grants they create, recertification and status history."""

from __future__ import annotations

from typing import TypeVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import dateformat, timezone

from governance.core.models.audit import AuditScoped, scope_of
from governance.core.plurals import date_text
from governance.register.models import DataItem, InformationAsset


class IllegalTransition(ValidationError):
    """A state change the state machine does not allow."""


_State = TypeVar("_State", bound=str)  # a model's state choices


def check_transition(model, obj, allowed: dict[_State, set[_State]]) -> None:
    """Refuse a state change not in ``allowed``, whatever saves the object (service, admin, shell, task)."""
    if obj.pk is None:
        if obj.state != next(iter(allowed)):
            raise IllegalTransition(f"A new {model._meta.verbose_name} must start as {next(iter(allowed))}.")
        return
    old = model.objects.filter(pk=obj.pk).values_list("state", flat=True).first()
    if old is not None and old != obj.state and obj.state not in allowed.get(old, set()):
        raise IllegalTransition(f"A {model._meta.verbose_name} cannot go from {old} to {obj.state}.")


class AccessRequest(AuditScoped, models.Model):
    """A business case for access to specific data items of one asset."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests")
    asset = models.ForeignKey(InformationAsset, on_delete=models.PROTECT, related_name="access_requests")
    purpose = models.CharField(max_length=300, help_text="What the data will be used for, in one sentence.")
    business_case = models.TextField(help_text="Why this access is needed, and why less data would not do.")
    requested_end_date = models.DateField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    needs_deputy_approval = models.BooleanField(
        default=False, help_text="Special-category or identifiable data also needs the Deputy SIRO's approval."
    )
    iam_decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    iam_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    iam_reason = models.TextField(blank=True)
    approved_end_date = models.DateField(null=True, blank=True)
    deputy_decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    deputy_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deputy_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    returned_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Digest of what was asked when the request was returned: it is not sent back unchanged.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(iam_decided_by=F("requester")) & ~Q(deputy_decided_by=F("requester")),
                name="access_request_not_self_decided",
            ),
            models.CheckConstraint(
                condition=Q(approved_end_date__isnull=True) | Q(approved_end_date__lte=F("requested_end_date")),
                name="access_request_approved_within_requested",
            ),
        ]
        indexes = [models.Index(fields=["state", "asset"], name="access_request_state_asset")]

    def __str__(self) -> str:
        return f"Request {self.pk}: {self.asset} for {self.requester}"

    def save(self, *args, **kwargs):
        check_transition(AccessRequest, self, REQUEST_TRANSITIONS)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("access:request", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of("accessrequest", self.pk)

    @property
    def stage(self) -> str:
        """Where a submitted request waits: for the IAM, or for the Deputy SIRO."""
        if self.state != self.State.SUBMITTED:
            return self.get_state_display()
        if self.iam_decision == self.Decision.APPROVE and self.needs_deputy_approval:
            return "Awaiting the Deputy SIRO"
        return "Awaiting the IAM"


class AccessRequestItem(AuditScoped, models.Model):
    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="items")
    data_item = models.ForeignKey(DataItem, on_delete=models.PROTECT, related_name="+")
    justification = models.TextField(help_text="Why this item is needed.")
    granted = models.BooleanField(null=True, help_text="The IAM's decision on this item.")

    class Meta:
        ordering = ["request", "data_item__name"]
        constraints = [models.UniqueConstraint(fields=["request", "data_item"], name="access_request_item_once")]

    def __str__(self) -> str:
        return f"{self.data_item} in request {self.request_id}"

    def get_absolute_url(self) -> str:
        return self.request.get_absolute_url()

    def audit_scope(self) -> str:
        return scope_of("accessrequest", self.request_id)


class AccessGrant(AuditScoped, models.Model):
    """The live authorisation created by an approved request."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    class Suspension(models.TextChoices):
        LEAVER = "leaver", "The holder has left"
        TRAINING = "training", "The holder's data-protection training is not current"
        NOT_RECERTIFIED = "not_recertified", "Not confirmed in the access review"
        INCIDENT = "incident", "Suspended while an information security incident is handled"

    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="grant")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants")
    asset = models.ForeignKey(InformationAsset, on_delete=models.PROTECT, related_name="grants")
    items = models.ManyToManyField(DataItem, related_name="grants")
    starts_on = models.DateField()
    ends_on = models.DateField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    suspension = models.CharField(max_length=20, choices=Suspension.choices, blank=True)
    needs_clearance = models.BooleanField(
        default=False, help_text="Grants personal data: the holder must stay cleared by data-protection training."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="access_grant_ends_after_start"),
            models.CheckConstraint(
                condition=Q(state="suspended", suspension__in=["leaver", "training", "not_recertified", "incident"])
                | (~Q(state="suspended") & Q(suspension="")),
                name="access_grant_suspension_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["holder", "asset", "state"], name="access_grant_holder_asset"),
            # The live grants on a set of assets and who holds them, read from the index alone: the
            # record of processing counts the holders of every activity's assets (thousands of grants).
            models.Index(fields=["asset", "state", "holder"], name="access_grant_asset_state"),
            models.Index(fields=["state", "ends_on"], name="access_grant_state_end"),
            # An asset's active grants by end date: the first holders on the asset's page.
            models.Index(fields=["asset", "state", "ends_on", "id"], name="access_grant_asset_state_end"),
            # The active grants of personal data and their holders: the home page's and the grants list's
            # "held without current training" reads these few instead of every grant.
            models.Index(
                fields=["holder"],
                name="access_grant_needs_clearance",
                condition=Q(needs_clearance=True, state="active"),
            ),
            models.Index(fields=["-starts_on", "-id"], name="access_grant_newest"),
        ]

    def __str__(self) -> str:
        return f"Grant {self.pk}: {self.asset} to {self.holder}"

    def save(self, *args, **kwargs):
        check_transition(AccessGrant, self, GRANT_TRANSITIONS)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("access:grant", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of("accessrequest", self.request_id)


# The state machines: the first key is the state every new record starts in.
REQUEST_TRANSITIONS = {
    AccessRequest.State.DRAFT: {AccessRequest.State.SUBMITTED, AccessRequest.State.WITHDRAWN},
    AccessRequest.State.SUBMITTED: {
        AccessRequest.State.APPROVED,
        AccessRequest.State.REJECTED,
        AccessRequest.State.WITHDRAWN,
        AccessRequest.State.RETURNED,
    },
    # The decider sent it back: the requester changes it and submits again, or withdraws it.
    AccessRequest.State.RETURNED: {AccessRequest.State.SUBMITTED, AccessRequest.State.WITHDRAWN},
}
GRANT_TRANSITIONS = {
    AccessGrant.State.ACTIVE: {AccessGrant.State.SUSPENDED, AccessGrant.State.EXPIRED, AccessGrant.State.REVOKED},
    AccessGrant.State.SUSPENDED: {AccessGrant.State.ACTIVE, AccessGrant.State.EXPIRED, AccessGrant.State.REVOKED},
}


class StatusChange(models.Model):
    """Append-only history of every request and grant: who moved it, from what, to what, why."""

    request = models.ForeignKey(AccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="changes")
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="changes")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(request__isnull=False) & Q(grant__isnull=True))
                | (Q(request__isnull=True) & Q(grant__isnull=False)),
                name="status_change_one_subject",
            )
        ]

    def __str__(self) -> str:
        subject = f"request {self.request_id}" if self.request_id else f"grant {self.grant_id}"
        return f"{subject}: {self.from_state or 'new'} to {self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Status history is append-only.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        subject = cast("AccessRequest | AccessGrant", self.request or self.grant)  # a constraint sets one of them
        return subject.get_absolute_url()


class ReviewCampaign(models.Model):
    """A recertification round: every active grant is confirmed or revoked by its asset's IAM."""

    period_start = models.DateField(unique=True, help_text="The first day of the period the campaign covers.")
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gt=F("period_start")), name="campaign_deadline_after_start")
        ]

    def __str__(self) -> str:
        return f"Access review from {date_text(self.period_start)}"

    def get_absolute_url(self) -> str:
        return reverse("access:reviews")


class RecertificationCampaign(models.Model):
    """One IAM's share of a period's access review: the due grants on the assets they manage.

    The period, its deadline and whether it is closed come from the period's ``ReviewCampaign``;
    this row is what the IAM opens, what the Deputy SIRO follows, and what each decision names.
    """

    review_campaign = models.ForeignKey(ReviewCampaign, on_delete=models.PROTECT, related_name="iam_campaigns")
    iam = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recertifications")
    opened_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the IAM and the holders were told the deadline is near."
    )

    class Meta:
        ordering = ["-review_campaign__period_start", "iam__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review_campaign", "iam"], name="recertification_once_per_iam_period")
        ]

    def __str__(self) -> str:
        start = dateformat.format(self.review_campaign.period_start, "j F Y")
        return f"Access review from {start} for {self.iam.display_name}"

    def get_absolute_url(self) -> str:
        return reverse("access:campaign", args=[self.pk])

    @property
    def deadline(self):
        return self.review_campaign.deadline

    @property
    def is_open(self) -> bool:
        return self.review_campaign.closed_at is None


class AccessReview(models.Model):
    class Decision(models.TextChoices):
        CONFIRM = "confirm", "Confirm"
        REVOKE = "revoke", "Revoke"
        SHORTEN = "shorten", "Shorten"

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.PROTECT, related_name="reviews")
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    new_ends_on = models.DateField(null=True, blank=True, help_text="The grant's new end date, when shortened.")
    recertification = models.ForeignKey(
        RecertificationCampaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        help_text="The IAM's campaign the decision was taken in, when taken in bulk from it.",
    )

    class Meta:
        ordering = ["campaign", "grant"]
        constraints = [models.UniqueConstraint(fields=["campaign", "grant"], name="access_review_once_per_campaign")]
        # The undecided reviews by grant, with their campaign: an IAM's home counts the reviews of their
        # assets' grants from this index alone, where it read every undecided review of the organisation.
        indexes = [
            models.Index(
                fields=["grant"],
                include=["campaign", "id"],
                condition=models.Q(decision=""),
                name="access_review_undecided_grant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: grant {self.grant_id}"

    def get_absolute_url(self) -> str:
        return self.grant.get_absolute_url()


class AssetExtract(AuditScoped, models.Model):
    """The asset's data extract (CSV), whose columns are its data items. Holders download their granted columns only."""

    asset = models.ForeignKey(InformationAsset, on_delete=models.PROTECT, related_name="extracts")
    file = models.FileField(upload_to="extracts/%Y/%m/")
    original_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    columns = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Extract of {self.asset} ({date_text(self.uploaded_at)})"

    def get_absolute_url(self) -> str:
        return reverse("access:data", args=[self.asset_id])

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.asset_id)
