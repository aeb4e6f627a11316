"""Training sign-offs: the evidence that staff received information-security training
and that data handlers signed for their data-protection training."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from governance.core.models.audit import AuditScoped, scope_of
from governance.core.plurals import date_text


class Course(AuditScoped, models.Model):
    class Audience(models.TextChoices):
        ALL_STAFF = "all_staff", "All staff"
        DATA_HANDLERS = "data_handlers", "Data handlers"

    title = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    renewal_months = models.PositiveSmallIntegerField(
        help_text="How long a sign-off stays current, in months (12 for an annual course)."
    )
    content_url = models.URLField("link to the course content", max_length=500)
    clears_personal_data = models.BooleanField(
        "data-protection course",
        default=False,
        help_text="A current sign-off is needed before a data handler may be given personal data.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(renewal_months__gte=1, renewal_months__lte=60), name="course_renewal_1_60"
            ),
            models.CheckConstraint(
                condition=Q(clears_personal_data=False) | Q(audience="data_handlers"),
                name="course_clearance_is_for_data_handlers",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:course", args=[self.pk])

    def audit_scope(self) -> str:
        return scope_of("course", self.pk)

    def clean(self) -> None:
        if self.clears_personal_data and self.audience != self.Audience.DATA_HANDLERS:
            raise ValidationError(
                {"clears_personal_data": "Only a course for data handlers can clear them for personal data"}
            )


class CourseVersion(AuditScoped, models.Model):
    """One published text of a course's declaration. Publishing a version can require everyone to sign again."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    declaration_text = models.TextField(help_text="The exact words each person signs.")
    changes_summary = models.CharField("what changed", max_length=500, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requires_resign = models.BooleanField(
        "everyone must sign again",
        default=False,
        help_text="Sign-offs of earlier versions stop counting after the date below.",
    )
    resign_by = models.DateField("sign again by", null=True, blank=True)

    class Meta:
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="course_version_number_unique"),
            models.CheckConstraint(
                condition=Q(requires_resign=False) | Q(resign_by__isnull=False), name="course_version_resign_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} (version {self.number})"

    def get_absolute_url(self) -> str:
        return self.course.get_absolute_url()

    def audit_scope(self) -> str:
        return scope_of("course", self.course_id)


class TrainingSignOff(models.Model):
    """A signed declaration. Evidence: never edited or deleted through the portal."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_signoffs")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="signoffs")
    version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT, related_name="signoffs")
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    declaration_digest = models.CharField(
        "SHA-256 of the declaration signed", max_length=64, help_text="Proves which exact words were signed."
    )

    class Meta:
        ordering = ["-signed_at", "-pk"]
        indexes = [models.Index(fields=["user", "course", "-signed_at"], name="signoff_user_course")]

    def __str__(self) -> str:
        return f"{self.user} signed {self.version} on {date_text(self.signed_at)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("A training sign-off is evidence and cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("training:signoff", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ValidationError("A training sign-off is evidence and cannot be deleted.")


class TrainingStatus(models.Model):
    """Where each person stands on each course: their latest sign-off and until when it counts.

    Derived from the sign-offs by ``training.courses`` (on signing, on publishing a
    version that needs re-signing, on a change of renewal period), so that
    dashboards over tens of thousands of staff are one grouped query.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_statuses")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="statuses")
    latest_signoff = models.ForeignKey(TrainingSignOff, on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(help_text="The sign-off counts before this date; from it, the course is overdue.")

    class Meta:
        ordering = ["course", "user"]
        verbose_name_plural = "training statuses"
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="training_status_one_per_course")]
        indexes = [models.Index(fields=["course", "expires_on"], name="training_status_due")]

    def __str__(self) -> str:
        return f"{self.user}: {self.course}, expires {date_text(self.expires_on)}"

    def get_absolute_url(self) -> str:
        return self.latest_signoff.get_absolute_url()
