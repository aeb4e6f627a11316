"""Data-sharing agreements: the register, drafting, approval by the area's Deputy SIRO, ending and exports.

Every view declares its rule from ``privacy.policy``; every write goes through ``privacy.agreements``.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from governance.access.forms import ReasonForm
from governance.contracts.models import ExternalOrganisation
from governance.core.access_events import record_access
from governance.core.models import BusinessArea
from governance.core.tabular import export_response
from governance.core.views.mixins import HistoryMixin, ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.privacy import agreements as service
from governance.privacy import exports
from governance.privacy.forms.agreements import AgreementForm, ConfirmForm
from governance.privacy.models import SharingAgreement
from governance.privacy.policy import (
    can_approve_agreement,
    can_create_agreement,
    can_edit_agreement,
    can_end_agreement,
    can_export_records,
    can_list_agreements,
    can_view_agreement,
    sees_every_privacy_record,
)
from governance.privacy.selectors import agreement_review_due, agreements_past_review, visible_agreements
from governance.register.models import DataItem, InformationAsset

VIEW_REFUSAL = (
    "Only the agreement's manager, its area's Deputy SIRO, the Data Protection Officer, the SIRO and auditors "
    "can see it."
)
STATUS_FILTERS = {
    "draft": "Drafts",
    "active": "In force",
    "ended": "Ended",
    "review_due": "Review due",
    "past_review": "In force past review",
}


def _digits(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class AgreementListView(PolicyMixin, ListView):
    """The register of sharing agreements this person may see, filtered by status, area and other party."""

    permission = can_list_agreements
    template_name = "privacy/agreements/list.html"
    context_object_name = "agreements"
    paginate_by = 25

    def get_queryset(self):
        params = self.request.GET
        self.status = params.get("status") if params.get("status") in STATUS_FILTERS else ""
        self.area = _digits(params.get("area") or params.get("business_area"))  # the SIRO's report links by area
        self.organisation = _digits(params.get("organisation"))
        self.mine = params.get("mine") == "1"
        queryset = visible_agreements(self.request.user).select_related("organisation", "business_area", "manager")
        if self.status == "review_due":
            queryset = queryset.filter(agreement_review_due(timezone.localdate()))
        elif self.status == "past_review":
            queryset = queryset.filter(agreements_past_review(timezone.localdate()))
        elif self.status:
            queryset = queryset.filter(status=self.status)
        if self.area:
            queryset = queryset.filter(business_area_id=self.area)
        if self.organisation:
            queryset = queryset.filter(organisation_id=self.organisation)
        if self.mine:
            queryset = queryset.filter(manager=self.request.user)
        return queryset.order_by("reference", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        parties = ExternalOrganisation.objects.filter(pk__in=visible_agreements(user).values("organisation")).order_by(
            "name"
        )
        context.update(
            filters=list(STATUS_FILTERS.items()),
            status=self.status,
            area=self.area,
            organisation=self.organisation,
            mine=self.mine,
            areas=list(BusinessArea.objects.order_by("name")),
            organisations=list(parties),
            today=timezone.localdate(),
            sees_all=sees_every_privacy_record(user),
            can_create=can_create_agreement(user),
            can_export=can_export_records(user),
        )
        return context


class AgreementCreateView(PolicyMixin, ServiceFormView):
    permission = can_create_agreement
    refusal_message = "Only IAMs, Deputy SIROs and research contract managers draft sharing agreements."
    form_class = AgreementForm
    template_name = "privacy/agreements/form.html"
    extra_context = {"heading": "Draft a data-sharing agreement", "submit": "Save the draft"}

    def _asked_assets(self) -> list[int]:
        return [int(value) for value in self.request.GET.getlist("asset") if value.isdigit()]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "asset_ids": self._asked_assets()}

    def get_initial(self):
        today = timezone.localdate()
        initial: dict[str, object] = {"start_date": today}
        assets = list(InformationAsset.objects.filter(pk__in=self._asked_assets()))
        if assets:
            initial.update(assets=[a.pk for a in assets], business_area=assets[0].business_area_id)
        return initial

    def checks(self, data, *, valid):
        return service.agreement_errors(
            start_date=data.get("start_date"),
            review_date=data.get("review_date"),
            end_date=data.get("end_date"),
            assets=data.get("assets"),
            data_items=data.get("data_items"),
            reference=data.get("reference"),
        )

    def perform(self, form):
        agreement = service.create_agreement(by=self.request.user, **form.service_arguments())
        return agreement, f"Agreement {agreement.reference} drafted. The Data Protection Officer has been told."


class AgreementMixin(ObjectPolicyMixin):
    def get_object_queryset(self):
        return SharingAgreement.objects.select_related(
            "organisation", "business_area__deputy_siro", "manager", "legal_gateway", "approved_by"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(agreement=self.object, **kwargs)


class AgreementDetailView(AgreementMixin, HistoryMixin, TemplateView):
    permission = can_view_agreement
    refusal_message = VIEW_REFUSAL
    template_name = "privacy/agreements/detail.html"

    def get_context_data(self, **kwargs):
        agreement = self.get_permission_object()
        user = self.request.user
        approvable = can_approve_agreement(user, agreement)
        # Read once for the page and for approval_problems, which asks a draft's items and assets again.
        prefetch_related_objects(
            [agreement],
            Prefetch("assets", queryset=InformationAsset.objects.order_by("name", "pk")),
            Prefetch("data_items", queryset=DataItem.objects.select_related("asset").order_by("asset__name", "name")),
        )
        return super().get_context_data(
            assets=list(agreement.assets.all()),
            items=list(agreement.data_items.all()),
            can_edit=can_edit_agreement(user, agreement),
            can_approve=approvable,
            problems=service.approval_problems(agreement) if agreement.status == SharingAgreement.Status.DRAFT else [],
            can_end=can_end_agreement(user, agreement),
            review_past=agreement.status != SharingAgreement.Status.ENDED
            and agreement.review_date < timezone.localdate(),
            **kwargs,
        )


class AgreementEditView(AgreementMixin, ServiceFormView):
    permission = can_edit_agreement
    refusal_message = "Only the agreement's manager or its area's Deputy SIRO can change it, until it has ended."
    form_class = AgreementForm
    template_name = "privacy/agreements/form.html"
    extra_context = {"heading": "Change the agreement", "submit": "Save changes"}

    def get_form_kwargs(self):
        agreement = self.get_permission_object()
        return {**super().get_form_kwargs(), "asset_ids": list(agreement.assets.values_list("pk", flat=True))}

    def get_initial(self):
        a = self.get_permission_object()
        return {
            "reference": a.reference,
            "title": a.title,
            "kind": a.kind,
            "organisation": a.organisation_id,
            "direction": a.direction,
            "business_area": a.business_area_id,
            "purpose": a.purpose,
            "legal_gateway": a.legal_gateway_id,
            "lawful_basis": a.lawful_basis,
            "special_category_condition": a.special_category_condition,
            "assets": list(a.assets.values_list("pk", flat=True)),
            "data_items": list(a.data_items.values_list("pk", flat=True)),
            "frequency": a.frequency,
            "security_conditions": a.security_conditions,
            "start_date": a.start_date,
            "review_date": a.review_date,
            "end_date": a.end_date,
        }

    def checks(self, data, *, valid):
        return service.agreement_errors(
            start_date=data.get("start_date"),
            review_date=data.get("review_date"),
            end_date=data.get("end_date"),
            assets=data.get("assets"),
            data_items=data.get("data_items"),
            reference=data.get("reference"),
            exclude_pk=self.object.pk,
        )

    def perform(self, form):
        was_in_force = self.object.status == self.object.Status.ACTIVE
        agreement = service.update_agreement(self.object, by=self.request.user, **form.service_arguments())
        if was_in_force and agreement.status == agreement.Status.DRAFT:
            return (
                agreement,
                "Agreement updated. It changed while in force, so it is a draft again until the Deputy SIRO "
                "approves it.",
            )
        return agreement, "Agreement updated."


class AgreementApproveView(AgreementMixin, ServiceFormView):
    """The area's Deputy SIRO puts a draft in force; the page names whatever still stops it."""

    permission = can_approve_agreement
    refusal_message = "Only the Deputy SIRO of the agreement's business area approves a draft agreement."
    form_class = ConfirmForm
    template_name = "privacy/agreements/approve.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(problems=service.approval_problems(self.object), **kwargs)

    def checks(self, data, *, valid):
        problems = service.approval_problems(self.object)
        return {"__all__": problems} if problems else {}

    def perform(self, form):
        agreement = service.approve_agreement(self.object, by=self.request.user)
        return agreement, f"Agreement {agreement.reference} approved: it is in force."


class AgreementEndView(AgreementMixin, ServiceFormView):
    permission = can_end_agreement
    refusal_message = "Only the agreement's manager or its area's Deputy SIRO ends an agreement in force."
    form_class = ReasonForm
    template_name = "privacy/agreements/end.html"

    def perform(self, form):
        agreement = service.end_agreement(self.object, by=self.request.user, reason=form.cleaned_data["reason"])
        return agreement, f"Agreement {agreement.reference} ended."


class AgreementExportView(PolicyMixin, View):
    """The sharing agreements register as CSV or XLSX. Every export is recorded."""

    permission = can_export_records
    refusal_message = (
        "The agreements register is exported by the Data Protection Officer, the SIRO, Deputy SIROs and auditors."
    )
    fmt = "csv"

    def get(self, request, *args, **kwargs):
        queryset = visible_agreements(request.user).order_by("reference", "pk")
        record_access(
            request, None, "export", detail=f"Sharing agreements {self.fmt.upper()}: {queryset.count()} agreements"
        )
        stamp = timezone.localdate().isoformat()
        return export_response(
            exports.AGREEMENT_COLUMNS,
            exports.agreement_rows(queryset),
            filename=f"sharing-agreements-{stamp}",
            fmt=self.fmt,
        )
