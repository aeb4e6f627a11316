"""Retention extension pages: the manager asks, each IAM decides. Rules live in ``contracts.extensions``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property

from governance.contracts import extensions as service
from governance.contracts import policy
from governance.contracts.forms import DecisionForm, ExtensionForm
from governance.contracts.models import ExtensionDecision, RetentionExtension
from governance.contracts.views.contracts import VIEW_REFUSAL, ContractObjectMixin
from governance.core.views.mixins import ServiceFormView


class ExtensionRequestView(ContractObjectMixin, ServiceFormView):
    form_class = ExtensionForm
    template_name = "contracts/extension_form.html"

    def get_initial(self):
        return {
            "new_retention_end_date": self.contract.retention_end_date,
            "new_destruction_due_date": self.contract.destruction_due_date,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(deciders=service.deciders_for(self.contract), **kwargs)

    def checks(self, data, *, valid):
        return service.extension_errors(
            self.contract, data.get("new_retention_end_date"), data.get("new_destruction_due_date")
        )

    def perform(self, form):
        extension = service.request_extension(self.contract, by=self.request.user, **form.cleaned_data)
        return extension, "Extension requested. The IAMs of the contract's assets have been asked to decide."


class ExtensionDetailView(ContractObjectMixin, ServiceFormView):
    """A request, its decisions so far, and (for an IAM yet to decide) the decision form."""

    form_class = DecisionForm
    template_name = "contracts/extension_detail.html"
    permission = policy.can_view_extension
    refusal_message = VIEW_REFUSAL
    write_permission = policy.can_act_on_extension
    write_refusal_message = "Only the Information Asset Managers of the contract's assets decide extensions."

    @cached_property
    def extension(self) -> RetentionExtension:
        return get_object_or_404(
            RetentionExtension.objects.select_related("requested_by", "contract"),
            pk=self.kwargs["extension"],
            contract_id=self.kwargs["pk"],
        )

    def get_permission_object(self):
        super().get_permission_object()  # the contract, once, for the page
        self.extension.contract = self.contract
        return self.extension

    def get_context_data(self, **kwargs):
        user = self.request.user
        decisions = list(ExtensionDecision.objects.filter(extension=self.extension).select_related("decided_by"))
        decided = {decision.decided_by_id for decision in decisions}
        pending = self.extension.state == RetentionExtension.State.PENDING
        return super().get_context_data(
            extension=self.extension,
            decisions=decisions,
            deciders=service.deciders_for(self.contract),
            can_decide=pending and policy.can_decide_extension(user, self.extension) and user.pk not in decided,
            can_withdraw=pending and policy.can_manage(user, self.contract),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "withdraw" in request.POST:
            try:
                service.withdraw_extension(self.extension, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "Extension request withdrawn.")
            return redirect(self.extension)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        extension = service.decide_extension(
            self.extension, by=self.request.user, approved=data["decision"] == "approve", comment=data["comment"]
        )
        extension.refresh_from_db()
        return extension, f"Decision recorded. The request is {extension.get_state_display().lower()}."
