"""Contractors: the external organisations research contracts are made with."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.views.generic import ListView, TemplateView

from governance.forms.contracts import OrganisationForm
from governance.models import ExternalOrganisation
from governance.services import contracts as service
from governance.services.contract_access import visible_contracts
from governance.services.history import history_for
from governance.services.visibility import has_oversight
from governance.views.mixins import ServiceFormView

VIEW_REFUSAL = "Contractors are listed for research contract managers, the SIRO, auditors and administrators."


def can_view_organisations(user) -> bool:
    return user.has_perm("governance.view_externalorganisation") or has_oversight(user)


def can_change_organisations(user) -> bool:
    return user.has_perm("governance.change_externalorganisation")


class OrganisationAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_organisations(request.user):
            raise PermissionDenied(VIEW_REFUSAL)
        return super().dispatch(request, *args, **kwargs)


class OrganisationListView(OrganisationAccessMixin, ListView):
    template_name = "contracts/organisations.html"
    context_object_name = "organisations"
    paginate_by = 50

    def get_queryset(self):
        queryset = ExternalOrganisation.objects.annotate(contract_count=Count("contracts")).order_by("name", "pk")
        query = self.request.GET.get("q", "").strip()
        return queryset.filter(name__icontains=query) if query else queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm("governance.add_externalorganisation")
        context["query"] = self.request.GET.get("q", "")
        return context


class OrganisationDetailView(OrganisationAccessMixin, TemplateView):
    template_name = "contracts/organisation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = get_object_or_404(ExternalOrganisation, pk=self.kwargs["pk"])
        user = self.request.user
        context.update(
            organisation=organisation,
            contracts=list(
                visible_contracts(user, organisation.contracts.select_related("manager")).order_by("reference")[:100]
            ),
            can_change=can_change_organisations(user),
            history=history_for(organisation),
        )
        return context


class OrganisationFormView(ServiceFormView):
    form_class = OrganisationForm
    template_name = "contracts/organisation_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.organisation = get_object_or_404(ExternalOrganisation, pk=kwargs["pk"]) if "pk" in kwargs else None
        permission = "change" if self.organisation else "add"
        if not request.user.has_perm(f"governance.{permission}_externalorganisation"):
            raise PermissionDenied("Only research contract managers and administrators record contractors.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.organisation}

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.organisation, **kwargs)

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in service.ORGANISATION_FIELDS}
        if self.organisation is None:
            organisation = service.create_organisation(by=self.request.user, **fields)
            return organisation, f"{organisation.name} recorded."
        organisation = service.update_organisation(self.organisation, by=self.request.user, **fields)
        return organisation, f"{organisation.name} saved."
