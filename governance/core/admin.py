"""The admin site, for administrators' reference data, users and roles.

Changes that move rights (Deputy SIRO appointments, office holders, leavers)
go through the same services as the portal, so they are permission-checked
and audited alike. Evidence tables are read-only here. Each domain registers its
own models in its ``admin`` module; this one holds the site and people.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from two_factor.admin import AdminSiteOTPRequired

from governance.core import api_tokens
from governance.core.api_token_policy import is_token_administrator
from governance.core.models import (
    AccessEvent,
    ApiToken,
    Notification,
    SecurityEvent,
    SecurityKeyRequirement,
)
from governance.core.plurals import datetime_text


class PortalAdminSite(AdminSiteOTPRequired):
    """The admin behind the portal's sign-in and second factor, refusing everyone else with the portal's 403.

    Django's admin answers a signed-in person who is not staff with its login
    page, which would show a sign-in form under a header saying they are signed
    in. Nobody reaches the admin signed out (the login-required middleware sends
    them to the portal's sign-in first) or without a verified second factor (the
    verification middleware does), so whoever gets here lacks only the right.
    """

    refusal = "The administration pages are for portal administrators only."

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def refuse_or_serve(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(self.refusal)
            return inner(request, *args, **kwargs)

        return refuse_or_serve

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied(self.refusal)
        return super().login(request, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence: viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceDeleteAdmin(admin.ModelAdmin):
    """Deleting goes through the domain's service, one record at a time, never the admin's bulk delete.

    ``refusals`` are the service's exceptions shown to the administrator as an error message
    (the record is kept) rather than a server error.
    """

    refusals: tuple[type[Exception], ...] = (PermissionDenied,)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # its confirmation counts rows the service may refuse to delete
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except self.refusals as exc:  # raised inside the admin's transaction, which rolled back
            self.message_user(request, str(exc.args[0] if exc.args else exc), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "username", "ip_address")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("username", "user__username", "ip_address")
    date_hierarchy = "at"


class DeliveryFilter(admin.SimpleListFilter):
    """Sent, still being tried, or given up after the last attempt allowed."""

    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("sent", "Sent"), ("waiting", "Not sent yet"), ("failed", "Given up: could not be sent")]

    def queryset(self, request, queryset):
        limit = settings.NOTIFICATION_MAX_ATTEMPTS
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, attempts__lt=limit)
        if self.value() == "failed":
            return queryset.filter(sent_at__isnull=True, attempts__gte=limit)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "to_email", "subject", "delivery", "attempts", "last_error")
    list_filter = (DeliveryFilter, "sent_at")
    search_fields = ("to_email", "subject", "dedupe_key")

    @admin.display(description="delivery")
    def delivery(self, obj: Notification) -> str:
        if obj.sent_at is not None:
            return f"Sent {datetime_text(obj.sent_at)}"
        if obj.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            return "Given up: could not be sent"
        return "Not sent yet"


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "object_repr", "ip_address")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("object_repr", "user__username", "ip_address")
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("key", "user", "description", "write_enabled", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("write_enabled",)
    list_select_related = ("user",)
    search_fields = ("key", "description", "user__username")
    exclude = ("token_hash",)
    actions = ["revoke_tokens"]

    def get_actions(self, request):
        # ReadOnlyAdmin may drop actions with the delete permission; revoking is its own right.
        actions = super().get_actions(request)
        if is_token_administrator(request.user):
            actions["revoke_tokens"] = self.get_action("revoke_tokens")
        return actions

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request, queryset):
        try:
            for token in queryset:
                api_tokens.revoke_token(token, by=request.user, request=request)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{queryset.count()} tokens revoked.", messages.SUCCESS)


@admin.register(SecurityKeyRequirement)
class SecurityKeyRequirementAdmin(admin.ModelAdmin):
    """Which roles must sign in with a security key. Each change is audited like any other row."""

    list_display = ("role", "reason", "added_at")
    fields = ("role", "reason")
