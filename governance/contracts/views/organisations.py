"""Contractors: the external organisations research contracts are made with."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count
from django.views.generic import ListView, TemplateView

from governance.contracts import policy
from governance.contracts import records as service
from governance.contracts import selectors as contracts_selectors
from governance.contracts.forms import OrganisationForm
from governance.contracts.models import ExternalOrganisation
from governance.core.history_events import history_for
from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin, ServiceFormView

VIEW_REFUSAL = "Contractors are listed for research contract managers, the SIRO, auditors and administrators."


class OrganisationAccessMixin(PolicyMixin):
    permission = policy.can_view_organisations
    refusal_message = VIEW_REFUSAL


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
        context["can_add"] = policy.can_add_organisation(self.request.user)
        context["query"] = self.request.GET.get("q", "")
        return context


class OrganisationDetailView(ObjectPolicyMixin, OrganisationAccessMixin, TemplateView):
    template_name = "contracts/organisation_detail.html"

    def get_object_queryset(self):
        return ExternalOrganisation.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.object
        user = self.request.user
        context.update(
            organisation=organisation,
            contracts=list(
                contracts_selectors.visible_contracts(user, organisation.contracts.select_related("manager")).order_by(
                    "reference"
                )[:100]
            ),
            can_change=policy.can_change_organisation(user, organisation),
            history=history_for(organisation, request=self.request),
        )
        return context


class OrganisationFormView(ObjectPolicyMixin, ServiceFormView):
    form_class = OrganisationForm
    template_name = "contracts/organisation_form.html"
    permission: Callable[..., bool] = policy.can_change_organisation
    refusal_message = "Only research contract managers and administrators record contractors."

    def get_object_queryset(self):
        return ExternalOrganisation.objects.all()

    @property
    def organisation(self) -> ExternalOrganisation | None:
        return self.get_permission_object()

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


class OrganisationCreateView(OrganisationFormView):
    permission = policy.can_add_organisation

    def get_permission_object(self):
        return None
