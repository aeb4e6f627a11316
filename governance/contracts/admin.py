"""Research contracts' reference data in the admin; contracts and their evidence read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from governance.contracts import records as contract_service
from governance.contracts.models import (
    CalendarFeedToken,
    ContractDocument,
    ContractStatusChange,
    ExternalOrganisation,
    LegalGateway,
    ResearchContract,
)
from governance.contracts.states import end_due_retention
from governance.core.admin import ReadOnlyAdmin
from governance.core.plurals import plural


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
        self.message_user(request, f"{plural(moved, 'contract')} moved to retention ended.")


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


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at")
    exclude = ("token_hash",)
