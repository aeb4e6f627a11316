"""Compliance figures over time: one snapshot a day, so dashboards can show trends, not only today."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from governance.core.plurals import date_text


class ComplianceSnapshot(models.Model):
    """The day's compliance figures, taken once a day by a scheduled task (one row per day, never two).

    ``figures`` holds the organisation's totals and each business area's
    (``{"areas": {"<area id>": {...}}, ...}``), so each dashboard can draw its own
    share without recomputing the past.
    """

    taken_on = models.DateField(unique=True)
    taken_at = models.DateTimeField(default=timezone.now)
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_on"]

    def __str__(self) -> str:
        return f"Compliance figures of {date_text(self.taken_on)}"

    def get_absolute_url(self) -> str:
        return reverse("training:compliance")
