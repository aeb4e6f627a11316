"""The asset register in the admin: edits go through the register's services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied

from governance.core.admin import ReadOnlyAdmin, ServiceDeleteAdmin
from governance.core.models import (
    BusinessArea,
    OfficeHolder,
    User,
)
from governance.register import assets as asset_service
from governance.register import organisation, people
from governance.register.models import AssetReview, DataItem, InformationAsset


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


@admin.register(BusinessArea)
class BusinessAreaAdmin(ServiceDeleteAdmin):
    """Deleting an area goes through ``organisation.delete_area``, which refuses an area still in use."""

    refusals = (PermissionDenied, organisation.AreaInUse)
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

    def delete_model(self, request, obj):
        organisation.delete_area(obj, by=request.user)


@admin.register(OfficeHolder)
class OfficeHolderAdmin(ServiceDeleteAdmin):
    """Appointing and vacating go through the organisation services; deleting a row vacates the office."""

    list_display = ("office", "holder", "since")
    list_select_related = ("holder",)
    autocomplete_fields = ("holder",)

    def save_model(self, request, obj, form, change):
        saved = organisation.appoint_office_holder(obj.office, obj.holder, by=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        organisation.vacate_office(obj.office, by=request.user)


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

    def has_delete_permission(self, request, obj=None):
        # People are never deleted: their records and the audit trail name them. They become leavers.
        return False

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

    def delete_model(self, request, obj):
        people.delete_person(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            people.delete_person(user, by=request.user)

    @admin.action(description="Mark selected people as leavers today (removes all their rights)")
    def mark_as_leaver(self, request, queryset):
        try:
            for user in queryset:
                people.mark_leaver(user, by=request.user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{queryset.count()} people marked as leavers.", messages.SUCCESS)
