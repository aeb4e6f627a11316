"""Access requests, grants and reviews in the admin: evidence, read-only."""

from __future__ import annotations

from django.contrib import admin

from governance.access.models import AccessGrant, AccessRequest, AccessReview, RecertificationCampaign
from governance.core.admin import ReadOnlyAdmin


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    """Requests move only through the access service (its state machine refuses anything else)."""

    list_display = ("pk", "asset", "requester", "state", "created_at")
    list_filter = ("state",)
    list_select_related = ("asset", "requester")
    search_fields = ("requester__username", "asset__name")


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ("pk", "asset", "holder", "state", "starts_on", "ends_on")
    list_filter = ("state",)
    list_select_related = ("asset", "holder")
    search_fields = ("holder__username", "asset__name")


@admin.register(AccessReview)
class AccessReviewAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "grant", "decision", "decided_by")
    list_select_related = ("campaign", "grant", "decided_by")


@admin.register(RecertificationCampaign)
class RecertificationCampaignAdmin(ReadOnlyAdmin):
    list_display = ("review_campaign", "iam", "opened_at", "reminded_at")
    list_select_related = ("review_campaign", "iam")
