"""Safe outputs' pages: researchers submit and download, checkers decide, contract managers invite.

Rules live in ``outputs.policy``; writes go through ``outputs.researchers`` and ``outputs.submissions``.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from governance.contracts import policy as contracts_policy
from governance.contracts.models import ContractAsset, ContractDataItem, ResearchContract
from governance.core import uploads
from governance.core.access_events import record_access
from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.outputs import policy, selectors
from governance.outputs import researchers as researcher_service
from governance.outputs import submissions as service
from governance.outputs.forms import (
    DecisionForm,
    EndResearcherForm,
    InviteResearcherForm,
    ResubmitModelForm,
    ResubmitTableForm,
    SubmitModelForm,
    SubmitTableForm,
)
from governance.outputs.models import OutputDecision, OutputSubmission, OutputVersion, Researcher

logger = logging.getLogger(__name__)

RESEARCHER_REFUSAL = "Only the researchers of a research contract can open this page."
VIEW_REFUSAL = (
    "Only the contract's researchers, disclosure-control officers and those who can see the contract "
    "can see its outputs."
)


def _findings(version: OutputVersion | None) -> list:
    return service.findings_of(version) if version is not None else []


# --- researchers -------------------------------------------------------------------------


class MineView(PolicyMixin, ListView):
    """A researcher's home: their contract's outputs and what to do next."""

    permission = policy.can_see_own_outputs
    refusal_message = RESEARCHER_REFUSAL
    template_name = "outputs/mine.html"
    context_object_name = "outputs"
    paginate_by = 25

    def get_queryset(self):
        return selectors.visible_outputs(self.request.user).order_by("-submitted_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(researcher=policy.researcher_of(self.request.user), **kwargs)


class TermsView(PolicyMixin, TemplateView):
    """The data-handling terms of the researcher's contract: dates, the data provided and how it is to be kept."""

    permission = policy.can_see_own_outputs
    refusal_message = RESEARCHER_REFUSAL
    template_name = "outputs/terms.html"

    def get_context_data(self, **kwargs):
        researcher = policy.researcher_of(self.request.user)
        if researcher is None:  # pragma: no cover - the permission said there is one
            raise PermissionDenied(RESEARCHER_REFUSAL)
        contract = ResearchContract.objects.select_related("organisation", "legal_gateway").get(
            pk=researcher.contract_id
        )
        assets = (
            ContractAsset.objects.filter(contract=contract)
            .select_related("asset")
            .prefetch_related(Prefetch("items", queryset=ContractDataItem.objects.order_by("name", "pk")))
        )
        return super().get_context_data(contract=contract, assets=assets.order_by("asset__name", "pk"), **kwargs)


class SubmitView(PolicyMixin, ServiceFormView):
    permission = policy.can_submit
    refusal_message = RESEARCHER_REFUSAL
    template_name = "outputs/submit.html"
    kind = OutputSubmission.Kind.TABLE

    def get_form_class(self):
        return SubmitModelForm if self.kind == OutputSubmission.Kind.MODEL else SubmitTableForm

    def get_form_kwargs(self):
        researcher = policy.researcher_of(self.request.user)
        return {**super().get_form_kwargs(), "contract": researcher.contract if researcher else None}

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        submission = service.submit_output(
            by=self.request.user,
            kind=self.kind,
            title=data["title"],
            description=data["description"],
            publication=data["publication"],
            upload=data["file"],
            residual_df=data.get("residual_df"),
            observations=data.get("observations"),
        )
        return submission, f"'{submission.title}' submitted for checking."


class SubmissionMixin(ObjectPolicyMixin):
    permission = policy.can_view_output
    refusal_message = VIEW_REFUSAL

    def get_object_queryset(self):
        return selectors.output_queryset()

    @cached_property
    def submission(self) -> OutputSubmission:
        return self.get_permission_object()

    def get_context_data(self, **kwargs):
        return super().get_context_data(submission=self.submission, **kwargs)


class DetailView(SubmissionMixin, TemplateView):
    """One output: every version with its digest and findings, every decision with its reason."""

    template_name = "outputs/detail.html"

    def get_context_data(self, **kwargs):
        submission, user = self.submission, self.request.user
        versions = list(
            OutputVersion.objects.filter(submission=submission).select_related("uploaded_by").order_by("-number")
        )
        findings = {version.pk: _findings(version) for version in versions}
        decisions = list(
            OutputDecision.objects.filter(submission=submission).select_related("by", "version").order_by("-at", "-pk")
        )
        return super().get_context_data(
            versions=[(version, findings[version.pk]) for version in versions],
            latest=versions[0] if versions else None,
            decisions=decisions,
            can_decide=policy.can_decide(user, submission),
            can_resubmit=policy.can_resubmit(user, submission),
            can_download=policy.can_download(user, submission),
            is_researcher=policy.is_researcher(user),
            **kwargs,
        )


class ResubmitView(SubmissionMixin, ServiceFormView):
    permission = policy.can_resubmit
    refusal_message = "Only the contract's researchers resubmit an output, once changes are asked for."
    template_name = "outputs/resubmit.html"

    def get_form_class(self):
        return ResubmitModelForm if self.submission.kind == OutputSubmission.Kind.MODEL else ResubmitTableForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.submission.contract, "excluding": self.submission.pk}

    def get_context_data(self, **kwargs):
        latest = self.submission.versions.order_by("-number").first()
        decision = self.submission.decisions.order_by("-at", "-pk").first()
        return super().get_context_data(findings=_findings(latest), decision=decision, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        submission = service.resubmit_output(
            self.submission,
            by=self.request.user,
            upload=data["file"],
            residual_df=data.get("residual_df"),
            observations=data.get("observations"),
        )
        return submission, f"The changed '{submission.title}' is submitted for checking again."


# --- checkers --------------------------------------------------------------------------------


class QueueView(PolicyMixin, ListView):
    """Disclosure control's queue: outputs waiting for checking, oldest first."""

    permission = policy.can_view_queue
    refusal_message = "Only disclosure-control officers check outputs."
    template_name = "outputs/queue.html"
    context_object_name = "outputs"
    paginate_by = 25

    def get_queryset(self):
        return selectors.waiting_for_checking()


class DecideView(SubmissionMixin, ServiceFormView):
    form_class = DecisionForm
    permission = policy.can_decide
    template_name = "outputs/decide.html"

    def get_refusal_message(self) -> str:
        if policy.is_checker(self.request.user) and self.submission.submitted_by_id == self.request.user.pk:
            return "You submitted this output: another disclosure-control officer checks it."
        if policy.is_checker(self.request.user):
            return "This output is not waiting for checking."
        return "Only disclosure-control officers decide on outputs."

    def get_context_data(self, **kwargs):
        latest = self.submission.versions.order_by("-number").first()
        return super().get_context_data(latest=latest, findings=_findings(latest), **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        decision = service.decide(self.submission, by=self.request.user, outcome=data["outcome"], reason=data["reason"])
        version = decision.version
        record_access(
            self.request,
            self.submission,
            f"output-{decision.outcome}".replace("_", "-"),
            detail=f"{decision.get_outcome_display()}: {version.original_name} (SHA-256 {version.sha256})",
        )
        return self.submission, f"'{self.submission.title}': {decision.get_outcome_display().lower()}."


class DownloadView(SubmissionMixin, View):
    """The output's latest file, after checking it is unchanged since it was submitted; recorded."""

    permission = policy.can_download
    refusal_message = "Researchers download an output once it is cleared; disclosure-control officers to check it."

    def get(self, request, *args, **kwargs):
        version = self.submission.versions.order_by("-number").first()
        if version is None or not version.file:
            raise Http404("The output's file is no longer held.")
        try:
            current = uploads.digest_of(version.file.name)
        except FileNotFoundError as exc:
            logger.error("Output version %s is missing from storage", version.pk)
            raise Http404("The stored file is missing. Tell the portal administrators.") from exc
        if current != version.sha256:
            logger.error("Output version %s no longer matches its digest", version.pk)
            raise PermissionDenied(
                "This file no longer matches the digest recorded when it was submitted, so it is not served. "
                "Tell the portal administrators."
            )
        record_access(
            request, self.submission, "download", detail=f"{version.original_name} (SHA-256 {version.sha256})"
        )
        response = FileResponse(
            version.file.open("rb"),
            as_attachment=True,
            filename=version.original_name,
            content_type=version.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Digest"] = f"sha-256={version.sha256}"
        return response


# --- contract managers -------------------------------------------------------------------


class InviteView(PolicyMixin, ServiceFormView):
    form_class = InviteResearcherForm
    permission = policy.can_invite
    refusal_message = "Only the contract's manager invites its researchers, while it is being set up or holds the data."
    template_name = "outputs/invite.html"

    @cached_property
    def contract(self) -> ResearchContract:
        return get_object_or_404(ResearchContract.objects.select_related("organisation"), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.contract

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def checks(self, data, *, valid):
        return researcher_service.invitation_errors(email=data.get("email", ""))

    def perform(self, form):
        data = form.cleaned_data
        researcher = researcher_service.invite_researcher(
            self.contract,
            by=self.request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
        )
        return (
            f"{self.contract.get_absolute_url()}#data",
            f"{researcher.user.display_name} is invited: the email gives them a link to set their password.",
        )


class EndResearcherView(ObjectPolicyMixin, ServiceFormView):
    form_class = EndResearcherForm
    permission = policy.can_end_researcher
    refusal_message = "Only the contract's manager ends its researchers' accounts."
    template_name = "outputs/end_researcher.html"

    def get_object_queryset(self):
        return Researcher.objects.select_related("user", "contract")

    def get_context_data(self, **kwargs):
        return super().get_context_data(researcher=self.object, contract=self.object.contract, **kwargs)

    def perform(self, form):
        researcher = researcher_service.end_researcher(
            self.object, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        return (
            f"{researcher.contract.get_absolute_url()}#data",
            f"{researcher.user.display_name}'s account has ended.",
        )


class WelcomeView(PasswordResetConfirmView):
    """An invited researcher chooses their password (the link in the invitation), then signs in."""

    template_name = "outputs/welcome.html"
    success_url = reverse_lazy("two_factor:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Sign in, then set up your authenticator app.")
        return response


def contract_outputs(user, contract: ResearchContract) -> dict:
    """What the contract's page shows of its outputs and researchers (for ``contracts/detail.html``)."""
    return {
        "outputs": list(selectors.outputs_of_contract(contract)),
        "researchers": list(selectors.researchers_of_contract(contract)),
        "can_invite": policy.can_invite(user, contract),
        "can_end": policy.is_person(user) and contracts_policy.can_manage(user, contract),
        "invite_url": reverse("outputs:invite", args=[contract.pk]),
        "sees_outputs": contracts_policy.can_view(user, contract),
    }
