"""The admin site, for administrators' reference data, users and roles.

Changes that move rights (Deputy SIRO appointments, office holders, leavers)
go through the same services as the portal, so they are permission-checked
and audited alike. Evidence tables are read-only here.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from two_factor.admin import AdminSiteOTPRequired

from governance.models import (
    AccessEvent,
    AccessGrant,
    AccessRequest,
    AccessReview,
    ApiToken,
    AssetReview,
    BusinessArea,
    CalendarFeedToken,
    ContractDocument,
    ContractStatusChange,
    Course,
    CourseVersion,
    DataItem,
    ExternalOrganisation,
    InformationAsset,
    LegalGateway,
    Notification,
    OfficeHolder,
    ResearchContract,
    SecurityEvent,
    SecurityKeyRequirement,
    TrainingSignOff,
    TrainingStatus,
    User,
)
from governance.services.api import tokens as api_tokens
from governance.services.api.policy import is_token_administrator
from governance.services.contracts import records as contract_service
from governance.services.contracts.states import end_due_retention
from governance.services.register import assets as asset_service
from governance.services.register import organisation, people
from governance.services.training import courses as training_service


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


@admin.register(BusinessArea)
class BusinessAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "deputy_siro")
    list_select_related = ("deputy_siro",)
    search_fields = ("name", "code")
    autocomplete_fields = ("deputy_siro",)

    def save_model(self, request, obj, form, change):
        deputy = form.cleaned_data.get("deputy_siro")
        if change and "deputy_siro" in form.changed_data:
            # Save the other fields, then move the Deputy SIRO's rights through the service.
            obj.deputy_siro = BusinessArea.objects.get(pk=obj.pk).deputy_siro
            super().save_model(request, obj, form, change)
            organisation.set_deputy_siro(obj, deputy, by=request.user)
            obj.refresh_from_db()
        else:
            obj.deputy_siro = None
            super().save_model(request, obj, form, change)
            if deputy is not None:
                organisation.set_deputy_siro(obj, deputy, by=request.user)
                obj.refresh_from_db()


@admin.register(OfficeHolder)
class OfficeHolderAdmin(admin.ModelAdmin):
    list_display = ("office", "holder", "since")
    list_select_related = ("holder",)
    autocomplete_fields = ("holder",)

    def save_model(self, request, obj, form, change):
        saved = organisation.appoint_office_holder(obj.office, obj.holder, by=request.user)
        obj.pk = saved.pk


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "staff_number",
        "business_area",
        "is_data_handler",
        "is_active",
    )
    list_filter = ("is_active", "is_data_handler", "business_area", "groups")
    list_select_related = ("business_area",)
    search_fields = ("username", "first_name", "last_name", "email", "staff_number")
    autocomplete_fields = ("line_manager",)
    actions = ["mark_as_leaver"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal details", {"fields": ("first_name", "last_name", "email", "staff_number")}),
        ("Organisation", {"fields": ("business_area", "line_manager", "is_data_handler", "leaver_date")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined", "leaver_date")
    filter_horizontal = ("groups",)

    #: Who someone is changes only through the people services (``people.update_person``).
    IDENTITY_FIELDS = ("is_active", "business_area")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_system=False)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Save the other fields with the stored identity, then change identity through the service.
        stored = User.objects.get(pk=obj.pk)
        wanted = {name: getattr(obj, name) for name in self.IDENTITY_FIELDS}
        for name in self.IDENTITY_FIELDS:
            setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        updated = people.update_person(obj, by=request.user, **wanted)
        for name in self.IDENTITY_FIELDS:
            setattr(obj, name, getattr(updated, name))

    def save_related(self, request, form, formsets, change):
        # Groups go through the service (only the difference, and rights removed on deactivation).
        groups = form.cleaned_data.pop("groups", None)  # so the form's own m2m save skips them
        super().save_related(request, form, formsets, change)
        user = User.objects.get(pk=form.instance.pk)
        if groups is not None and user.is_active:
            people.update_person(user, by=request.user, groups=groups)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser may make a superuser.
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "is_superuser")

    @admin.action(description="Mark selected people as leavers today (removes all their rights)")
    def mark_as_leaver(self, request, queryset):
        try:
            for user in queryset:
                people.mark_leaver(user, by=request.user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{queryset.count()} people marked as leavers.", messages.SUCCESS)


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "username", "ip_address")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("username", "user__username", "ip_address")
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "to_email", "subject", "sent_at", "attempts")
    list_filter = ("sent_at",)
    search_fields = ("to_email", "subject", "dedupe_key")


@admin.register(InformationAsset)
class InformationAssetAdmin(admin.ModelAdmin):
    """Changes go through the register's services: IAM rights move, and the rules are checked."""

    list_display = ("name", "business_area", "manager", "classification", "next_review_date")
    list_filter = ("business_area", "classification", "contains_personal_data", "special_category")
    list_select_related = ("business_area", "manager")
    search_fields = ("name", "description")
    autocomplete_fields = ("manager", "technical_contact")
    readonly_fields = ("last_reviewed_on", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in asset_service.ASSET_FIELDS if name in form.cleaned_data}
        if not change:
            created = asset_service.create_asset(manager=form.cleaned_data.get("manager"), by=request.user, **fields)
            obj.pk = created.pk
            return
        asset_service.update_asset(obj, by=request.user, **fields)
        if "manager" in form.changed_data:
            asset_service.reassign_iam(obj, form.cleaned_data.get("manager"), by=request.user)

    def delete_model(self, request, obj):
        asset_service.delete_asset(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for asset in queryset:
            asset_service.delete_asset(asset, by=request.user)


@admin.register(DataItem)
class DataItemAdmin(admin.ModelAdmin):
    list_display = ("name", "asset", "sensitivity")
    list_filter = ("sensitivity",)
    list_select_related = ("asset",)
    search_fields = ("name", "asset__name")
    autocomplete_fields = ("asset",)

    def save_model(self, request, obj, form, change):
        item = DataItem.objects.get(pk=obj.pk) if change else None
        saved = asset_service.save_data_item(
            form.cleaned_data["asset"],
            by=request.user,
            item=item,
            name=obj.name,
            description=obj.description,
            sensitivity=obj.sensitivity,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        asset_service.delete_data_item(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            asset_service.delete_data_item(item, by=request.user)


@admin.register(AssetReview)
class AssetReviewAdmin(ReadOnlyAdmin):
    list_display = ("asset", "reviewed_on", "reviewed_by", "next_review_date")
    list_select_related = ("asset", "reviewed_by")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Courses change through the training service (a new renewal period recalculates expiries)."""

    list_display = ("title", "audience", "renewal_months", "clears_personal_data", "is_active")

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in training_service.COURSE_FIELDS if name in form.cleaned_data}
        if change:
            training_service.update_course(obj, by=request.user, **fields)
        else:
            obj.pk = training_service.create_course(by=request.user, **fields).pk

    def has_delete_permission(self, request, obj=None):
        return False  # sign-offs point at courses: retire a course with "in use: no"


@admin.register(CourseVersion)
class CourseVersionAdmin(ReadOnlyAdmin):
    """Versions are published from the course's page in the portal."""

    list_display = ("course", "number", "published_at", "requires_resign", "resign_by")
    list_select_related = ("course",)


@admin.register(TrainingSignOff)
class TrainingSignOffAdmin(ReadOnlyAdmin):
    list_display = ("user", "version", "signed_at", "ip_address")
    list_select_related = ("user", "version__course")
    search_fields = ("user__username", "user__staff_number")
    date_hierarchy = "signed_at"


@admin.register(TrainingStatus)
class TrainingStatusAdmin(ReadOnlyAdmin):
    list_display = ("user", "course", "expires_on")
    list_select_related = ("user", "course")
    list_filter = ("course",)


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


# --- research contracts ---------------------------------------------------------------
# Administrators keep the legal gateways here. Contracts are run in the portal by their
# managers; here they are read-only, and every change of status goes through the same
# state machine (the daily retention check can be run from the contract list).


@admin.register(LegalGateway)
class LegalGatewayAdmin(admin.ModelAdmin):
    list_display = ("name", "legislation", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "legislation", "description")


@admin.register(ExternalOrganisation)
class ExternalOrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "registration_number")
    list_filter = ("kind",)
    search_fields = ("name", "registration_number")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data.get(name, "") for name in contract_service.ORGANISATION_FIELDS}
        if change:
            contract_service.update_organisation(obj, by=request.user, **fields)
        else:
            obj.pk = contract_service.create_organisation(by=request.user, **fields).pk


@admin.register(ResearchContract)
class ResearchContractAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "organisation", "manager", "status", "retention_end_date")
    list_filter = ("status",)
    list_select_related = ("organisation", "manager")
    search_fields = ("reference", "title", "organisation__name")
    actions = ["end_due_retention"]

    @admin.action(description="Run the daily retention check now (contracts whose retention end date has passed)")
    def end_due_retention(self, request, queryset):
        moved = end_due_retention()
        self.message_user(request, f"{moved} contract{'s' if moved != 1 else ''} moved to retention ended.")


@admin.register(ContractStatusChange)
class ContractStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("contract", "from_status", "to_status", "by", "at")
    list_filter = ("to_status",)
    list_select_related = ("contract", "by")


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "contract", "kind", "size", "sha256", "uploaded_at")
    list_select_related = ("contract",)
    exclude = ("file",)  # served only through the portal's permission-checked download


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "object_repr", "ip_address")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("object_repr", "user__username", "ip_address")
    date_hierarchy = "at"


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at")
    exclude = ("token_hash",)


# --- API tokens: administrators list and revoke any token; nobody edits one ------------


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
