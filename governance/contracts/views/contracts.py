"""Research contract pages. Rules live in ``contracts.policy``; writes go through ``records`` and ``states``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView

from governance.contracts import policy
from governance.contracts import records as service
from governance.contracts import selectors as contracts_selectors
from governance.contracts.calendar import EXPORT_COLUMNS, export_rows
from governance.contracts.filters import ContractFilter
from governance.contracts.forms import (
    AddAssetForm,
    AssuranceForm,
    CertificateForm,
    ContractForm,
    ItemsForm,
    ReassignManagerForm,
    ReviewForm,
    ReviewOutcomeForm,
    RiskForm,
    TransitionForm,
)
from governance.contracts.models import (
    AssuranceCheck,
    ContractAsset,
    ContractDocument,
    ContractStatusChange,
    ResearchContract,
    RetentionDateChange,
    RetentionExtension,
)
from governance.contracts.policy import can_create, can_manage, can_reassign_manager, can_review, can_view
from governance.contracts.states import (
    Status,
    assurance_unmet,
    available_transitions,
    basis_unmet,
    data_unmet,
    find_transition,
    load_facts,
    risk_unmet,
    transition,
)
from governance.core import approval_gates, uploads
from governance.core.access_events import accesses_of, record_access
from governance.core.history_events import history_for
from governance.core.policy import has_model_perm, has_oversight
from governance.core.tabular import export_response
from governance.core.views.mixins import FullHistoryMixin, PolicyMixin, ServiceFormView
from governance.five_safes import five_safes
from governance.outputs.views import contract_outputs
from governance.register.models import DataItem

logger = logging.getLogger(__name__)

VIEW_REFUSAL = (
    "Only the contract's manager, the IAMs of the assets it provides, their Deputy SIROs, "
    "the SIRO, auditors and administrators can see this contract."
)
MANAGE_REFUSAL = "Only the contract's named manager can change it."

ASSET_COUNT = Coalesce(
    Subquery(
        ContractAsset.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    ),
    0,
)


def contract_queryset():
    return ResearchContract.objects.select_related("organisation", "manager", "legal_gateway")


class ContractObjectMixin(PolicyMixin):
    """Loads the contract named in the URL (once) and checks the view's rule on it."""

    permission: Callable[..., bool] = policy.can_manage
    refusal_message = MANAGE_REFUSAL

    @cached_property
    def contract(self) -> ResearchContract:
        return get_object_or_404(contract_queryset(), pk=self.kwargs["pk"])

    def get_permission_object(self):
        self.object = self.contract
        return self.contract

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)


# --- lists ---------------------------------------------------------------------------


class ContractListView(PolicyMixin, FilterView):
    """The contracts the user may see: their own, their assets', their areas', or all for oversight."""

    permission = policy.can_view_calendar  # everyone has a list: the contracts they may read

    filterset_class = ContractFilter
    template_name = "contracts/list.html"
    context_object_name = "contracts"
    paginate_by = 25

    def get_queryset(self):
        queryset = contracts_selectors.visible_contracts(self.request.user, contract_queryset()).annotate(
            asset_count=ASSET_COUNT
        )
        return queryset.order_by("reference", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_create"] = can_create(user)
        context["whole_organisation"] = has_oversight(user)
        context["today"] = timezone.localdate()
        return context


class ContractExportView(PolicyMixin, FilterView):
    """The filtered contracts list as CSV; the export itself is recorded as an access."""

    permission = policy.can_view_calendar

    filterset_class = ContractFilter

    def get_queryset(self):
        return contracts_selectors.visible_contracts(self.request.user, contract_queryset()).order_by("reference", "pk")

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset(self.get_filterset_class())
        valid = not filterset.is_bound or filterset.is_valid()  # no query string: everything the user may see
        queryset = filterset.qs if valid else ResearchContract.objects.none()
        count = queryset.count()
        record_access(
            request, None, "export", detail=f"Research contracts CSV: {count} contracts ({request.GET.urlencode()})"
        )
        stamp = timezone.localdate().isoformat()
        return export_response(EXPORT_COLUMNS, export_rows(queryset), filename=f"research-contracts-{stamp}", fmt="csv")


# --- one contract ----------------------------------------------------------------------


class ContractDetailView(ContractObjectMixin, TemplateView):
    """Everything about a contract: the Five Safes, assurance, data provided, dates, status and change history."""

    template_name = "contracts/detail.html"
    permission = policy.can_view
    refusal_message = VIEW_REFUSAL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract, user = self.contract, self.request.user
        extensions = list(
            RetentionExtension.objects.filter(contract=contract)
            .select_related("requested_by")
            .order_by("-requested_at", "-pk")
        )
        facts = load_facts(contract, extensions=extensions)
        manages = can_manage(user, contract)
        documents = list(ContractDocument.objects.filter(contract=contract).select_related("uploaded_by"))
        status_changes = list(
            ContractStatusChange.objects.filter(contract=contract).select_related("by").order_by("-at", "-pk")
        )
        context.update(
            facts=facts,
            safes=five_safes(facts),
            can_manage=manages,
            can_reassign=can_reassign_manager(user, contract),
            can_record_review=policy.can_record_review(user, contract),
            editable=manages and contract.is_pre_release,
            assurance_editable=manages and contract.status in (Status.DRAFT, Status.UNDER_ASSURANCE),
            transitions=available_transitions(contract) if manages else [],
            release_checklist=_release_checklist(facts) if contract.is_pre_release else None,
            reviewable={row.pk for row in facts.assets if can_review(user, row)} if contract.is_pre_release else set(),
            status_changes=status_changes,
            date_changes=list(
                RetentionDateChange.objects.filter(contract=contract)
                .select_related("changed_by", "extension")
                .order_by("-changed_at", "-pk")
            ),
            extensions=extensions,
            documents=documents,
            downloads=accesses_of(documents, limit=20) if (manages or has_oversight(user)) else None,
            # Its history names the assets provided (read with the facts) and who moved its status.
            history=history_for(
                contract,
                request=self.request,
                also=[*facts.assets, *(row.asset for row in facts.assets), *(change.by for change in status_changes)],
            ),
            history_limit=50,
            # The contractor's name links to its page for those with the model permission, read from the
            # role facts (the template's ``perms`` asked the database twice).
            links_contractor=has_model_perm(user, "governance.view_externalorganisation"),
            today=facts.today,
            destruction_overdue=contract.destruction_overdue(facts.today),
            safe_outputs=contract_outputs(user, contract),
            # What the higher domains say stops its approval (its DPIA), linked to where it is put right.
            gate_problems=approval_gates.problems(contract)
            if contract.status in (Status.DRAFT, Status.UNDER_ASSURANCE)
            else [],
        )
        return context


def _release_checklist(facts) -> list[dict]:
    """The policy's preconditions for release, as a task list: each done or with what is missing."""
    sections = [
        ("Legal gateway and lawful basis", basis_unmet(facts), "#safeguards"),
        ("Security assurance", assurance_unmet(facts), "#safeguards"),
        ("Data provided, reviewed by each IAM", data_unmet(facts), "#data"),
        ("Re-identification risk assessment", risk_unmet(facts), "#data"),
    ]
    return [{"name": name, "unmet": unmet, "anchor": anchor} for name, unmet, anchor in sections]


class ContractHistoryView(ContractObjectMixin, FullHistoryMixin, TemplateView):
    """The contract's full change history, every part of it, newest first, page by page."""

    template_name = "contracts/history.html"
    permission = policy.can_view
    refusal_message = VIEW_REFUSAL

    def history_object(self):
        return self.contract


class ContractCreateView(PolicyMixin, ServiceFormView):
    form_class = ContractForm
    template_name = "contracts/form.html"
    permission = policy.can_create
    refusal_message = "Only research contract managers can record research contracts."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "creating": True}

    def get_initial(self):
        return {"manager": self.request.user}

    def perform(self, form):
        data = form.cleaned_data
        fields = {name: data[name] for name in service.CONTRACT_FIELDS if name in data}
        contract = service.create_contract(by=self.request.user, manager=data["manager"], **fields)
        return contract, f"Contract {contract.reference} recorded as a draft."


class ContractEditView(ContractObjectMixin, ServiceFormView):
    form_class = ContractForm
    template_name = "contracts/form.html"

    permission = policy.can_edit

    def get_refusal_message(self) -> str:
        if can_manage(self.request.user, self.contract):
            return "A closed contract cannot be changed."
        return MANAGE_REFUSAL

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.contract}

    def perform(self, form):
        data = form.cleaned_data
        fields = {
            name: data[name] for name in service.CONTRACT_FIELDS if name in data and not form.fields[name].disabled
        }
        contract = service.update_contract(self.contract, by=self.request.user, **fields)
        return contract, f"Contract {contract.reference} saved."


class ReassignManagerView(ContractObjectMixin, ServiceFormView):
    form_class = ReassignManagerForm
    template_name = "contracts/manager.html"
    permission = policy.can_reassign_manager
    refusal_message = "Only the contract's manager or an administrator can name another contract manager."

    def get_initial(self):
        return {"manager": self.contract.manager}

    def perform(self, form):
        contract = service.reassign_manager(self.contract, form.cleaned_data["manager"], by=self.request.user)
        target = contract if can_view(self.request.user, contract) else reverse("contracts:list")
        return target, f"{contract.manager.display_name} is now the contract manager for {contract.reference}."


class ReviewOutcomeView(ContractObjectMixin, ServiceFormView):
    """The manager answers a flag for review (raised by an incident): the outcome clears it."""

    form_class = ReviewOutcomeForm
    template_name = "contracts/review_outcome.html"
    permission = policy.can_record_review
    refusal_message = "Only the contract's manager can record the review, and only while the contract is flagged."

    def perform(self, form):
        contract = service.record_review(self.contract, by=self.request.user, outcome=form.cleaned_data["outcome"])
        return contract, f"Review of {contract.reference} recorded; the flag is cleared."


# --- assurance, data provided, risk --------------------------------------------------------


class AssuranceView(ContractObjectMixin, ServiceFormView):
    form_class = AssuranceForm
    template_name = "contracts/assurance.html"

    def get_check(self) -> AssuranceCheck:
        if not hasattr(self, "_check"):
            self._check = get_object_or_404(
                AssuranceCheck.objects.select_related("evidence", "assessor"),
                contract=self.contract,
                kind=self.kwargs["kind"],
            )
        return self._check

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "check": self.get_check()}

    def get_initial(self):
        check = self.get_check()
        if check.outcome == AssuranceCheck.Outcome.PENDING:
            return {"assessor": self.request.user, "assessed_on": timezone.localdate()}
        return {
            "outcome": check.outcome,
            "notes": check.notes,
            "assessor": check.assessor,
            "assessed_on": check.assessed_on,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(check=self.get_check(), **kwargs)

    def checks(self, data, *, valid):
        return service.assurance_errors(self.contract, data.get("assessed_on"))

    def perform(self, form):
        data = form.cleaned_data
        check = service.record_assurance(
            self.get_check(),
            by=self.request.user,
            outcome=data["outcome"],
            assessor=data["assessor"],
            assessed_on=data["assessed_on"],
            notes=data["notes"],
            evidence=data.get("evidence"),
        )
        return f"{self.contract.get_absolute_url()}#safeguards", f"{check.get_kind_display()} recorded."


class AddAssetView(ContractObjectMixin, ServiceFormView):
    form_class = AddAssetForm
    template_name = "contracts/asset_add.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.contract}

    def perform(self, form):
        row = service.add_asset(self.contract, form.cleaned_data["asset"], by=self.request.user)
        return reverse("contracts:asset-items", args=[self.contract.pk, row.pk]), ""


class ContractAssetMixin(ContractObjectMixin):
    """A row of the data provided: the row is found first (404), then the contract's rule is checked."""

    @cached_property
    def contract_asset(self) -> ContractAsset:
        return get_object_or_404(
            ContractAsset.objects.select_related("asset__business_area", "asset__manager", "reviewed_by"),
            pk=self.kwargs["row"],
            contract_id=self.kwargs["pk"],
        )

    def get_permission_object(self):
        self.contract_asset  # noqa: B018 - an unknown row is a 404 before any refusal
        return super().get_permission_object()

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract_asset=self.contract_asset, asset=self.contract_asset.asset, **kwargs)


class AssetItemsView(ContractAssetMixin, ServiceFormView):
    form_class = ItemsForm
    template_name = "contracts/asset_items.html"

    def get_form_kwargs(self):
        items = list(DataItem.objects.filter(asset=self.contract_asset.asset).order_by("name"))
        return {**super().get_form_kwargs(), "contract_asset": self.contract_asset, "items": items}

    def perform(self, form):
        service.set_items(self.contract_asset, by=self.request.user, chosen=form.cleaned_data["chosen"])
        return (
            f"{self.contract.get_absolute_url()}#data",
            f"Data items from {self.contract_asset.asset.name} saved.",
        )


class RemoveAssetView(ContractAssetMixin, TemplateView):
    template_name = "contracts/asset_remove.html"

    def post(self, request, *args, **kwargs):
        try:
            service.remove_asset(self.contract_asset, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.contract)
        messages.success(request, f"{self.contract_asset.asset.name} removed from the contract.")
        return redirect(f"{self.contract.get_absolute_url()}#data")


class AssetReviewView(ContractAssetMixin, ServiceFormView):
    """The asset's IAM approves the items sent from it, or asks for changes."""

    form_class = ReviewForm
    template_name = "contracts/asset_review.html"
    permission = policy.can_review
    refusal_message = "Only the Information Asset Manager of this asset can review the data sent from it."

    def get_permission_object(self):
        super().get_permission_object()
        return self.contract_asset

    def get_context_data(self, **kwargs):
        items = list(self.contract_asset.items.order_by("name"))
        return super().get_context_data(items=items, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        row = service.review_asset(
            self.contract_asset, by=self.request.user, approved=data["decision"] == "approve", notes=data["notes"]
        )
        return (
            f"{self.contract.get_absolute_url()}#data",
            f"Review of {row.asset.name} recorded: {row.review_phrase}.",
        )


class RiskView(ContractObjectMixin, ServiceFormView):
    form_class = RiskForm
    template_name = "contracts/risk.html"

    def get_form_kwargs(self):
        existing = getattr(self.contract, "risk_assessment", None)
        kwargs = super().get_form_kwargs()
        if existing is not None:
            kwargs["instance"] = existing
        return kwargs

    def get_initial(self):
        if getattr(self.contract, "risk_assessment", None) is None:
            return {"assessor": self.request.user, "assessed_on": timezone.localdate()}
        return {}

    def checks(self, data, *, valid):
        return service.risk_assessment_errors(self.contract, data.get("assessed_on"))

    def perform(self, form):
        data = form.cleaned_data
        service.record_risk_assessment(
            self.contract,
            by=self.request.user,
            level=data["level"],
            mitigations=data["mitigations"],
            assessor=data["assessor"],
            assessed_on=data["assessed_on"],
        )
        return f"{self.contract.get_absolute_url()}#data", "Re-identification risk assessment recorded."


# --- status, destruction, documents --------------------------------------------------------


class TransitionView(ContractObjectMixin, ServiceFormView):
    """Ask for a status move: shows what is still missing; the service refuses until it is all done."""

    form_class = TransitionForm
    template_name = "contracts/transition.html"

    def get_step(self):
        if not hasattr(self, "_step"):
            try:
                step = find_transition(self.contract, self.kwargs["target"])
            except ValidationError:
                step = None
            if step is None or step.via:
                raise Http404("That status change is not available for this contract.")
            self._step = step
        return self._step

    def get_form_kwargs(self):
        step = self.get_step()
        required = step.reason_required(self.contract, timezone.localdate())
        asks_date = step.target == Status.DATA_RELEASED
        return {
            **super().get_form_kwargs(),
            "reason_required": required,
            "asks_release_date": asks_date,
            "user": self.request.user,
            "http_request": self.request,
        }

    def get_initial(self):
        return {"released_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        step = self.get_step()
        facts = load_facts(self.contract)
        return super().get_context_data(step=step, unmet=step.guard(facts), **kwargs)

    def perform(self, form):
        step = self.get_step()
        contract = transition(
            self.contract,
            step.target,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            released_on=form.cleaned_data.get("released_on"),
            http_request=self.request,
            **(form.fresh_verification() if form.asks_fresh else {}),
        )
        return contract, f"Contract {contract.reference} is now {contract.get_status_display().lower()}."


class CertificateView(ContractObjectMixin, ServiceFormView):
    form_class = CertificateForm
    template_name = "contracts/certificate.html"

    def checks(self, data, *, valid):
        if "destroyed_on" not in data:
            return {}
        return service.destruction_date_errors(self.contract, data["destroyed_on"])

    def perform(self, form):
        data = form.cleaned_data
        service.record_destruction(
            self.contract,
            by=self.request.user,
            destroyed_on=data["destroyed_on"],
            certified_by=data["certified_by"],
            certificate=data["certificate"],
            notes=data["notes"],
        )
        return f"{self.contract.get_absolute_url()}#destruction", "Destruction certificate recorded."


class DocumentDownloadView(ContractObjectMixin, View):
    """Serves an evidence file to those who may read the contract, after checking it is unchanged; recorded."""

    permission = policy.can_download
    refusal_message = "Only people who can see this contract can download its documents."

    def get(self, request, *args, **kwargs):
        document = get_object_or_404(ContractDocument, pk=kwargs["document"], contract=self.contract)
        try:
            current = uploads.digest_of(document.file.name)
        except FileNotFoundError as exc:
            logger.error("Contract document %s is missing from storage", document.pk)
            raise Http404("The stored file is missing. Tell the portal administrators.") from exc
        if current != document.sha256:
            logger.error("Contract document %s no longer matches its digest", document.pk)
            raise PermissionDenied(
                "This file no longer matches the digest recorded when it was uploaded, so it is not served. "
                "Tell the portal administrators."
            )
        record_access(request, document, "download", detail=f"{document.original_name} (SHA-256 {document.sha256})")
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
