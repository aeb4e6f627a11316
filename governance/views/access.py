"""Access pages: asking, deciding, grants, recertification, the granted data itself and the access register."""

from __future__ import annotations

import csv

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView
from django_filters.views import FilterView

from governance.forms.access import (
    AccessRequestForm,
    DeputyDecisionForm,
    ExtractUploadForm,
    IamDecisionForm,
    ReasonForm,
    ReviewDecisionForm,
    WithdrawForm,
)
from governance.models import AccessEvent, AccessGrant, AccessRequest, AccessReview, InformationAsset
from governance.pagination import CappedPaginator
from governance.services import access as service
from governance.services import extracts, five_safes, recertification
from governance.services.access_events import record_access
from governance.services.assets import can_edit as can_edit_asset
from governance.services.history import history_for
from governance.services.visibility import has_oversight
from governance.transfer.tabular import export_response
from governance.views.mixins import ServiceFormView

# --- asking ---------------------------------------------------------------------------


class RequestFormView(ServiceFormView):
    """Ask for (or change a draft of) access to chosen items of one asset."""

    form_class = AccessRequestForm
    template_name = "access/request_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.draft = None
        if "request_pk" in kwargs:
            self.draft = get_object_or_404(AccessRequest, pk=kwargs["request_pk"])
            if self.draft.requester_id != request.user.pk:
                raise PermissionDenied("Only the person who asked can change this request.")
            if self.draft.state != AccessRequest.State.DRAFT:
                raise PermissionDenied("Only a draft can be changed.")
            self.asset = self.draft.asset
        else:
            self.asset = get_object_or_404(InformationAsset, pk=kwargs["asset_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "asset": self.asset,
            "latest_end": service.latest_end_date(),
            "submitting": self.request.POST.get("action", "submit") == "submit",
        }

    def get_initial(self):
        if self.draft is None:
            return {}
        initial = {
            "purpose": self.draft.purpose,
            "business_case": self.draft.business_case,
            "requested_end_date": self.draft.requested_end_date,
        }
        for row in self.draft.items.all():
            initial[f"item_{row.data_item_id}"] = True
            initial[f"why_{row.data_item_id}"] = row.justification
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        chosen_names = [item.name for item, box, _why in form.item_rows() if box.value()]
        clearance = service.personal_data_clearance(self.request.user)
        context.update(
            asset=self.asset,
            draft=self.draft,
            alternatives=service.less_identifiable_alternatives(
                self.asset, chosen_names or [i.name for i in form.data_items]
            ),
            clearance=clearance,
            personal=self.asset.contains_personal_data,
        )
        return context

    def perform(self, form):
        submit = self.request.POST.get("action") == "submit"
        data = form.cleaned_data
        request = service.save_request(
            requester=self.request.user,
            asset=self.asset,
            purpose=data["purpose"],
            business_case=data["business_case"],
            requested_end_date=data["requested_end_date"],
            items=data["items"],
            submit=submit,
            request=self.draft,
        )
        if submit:
            return request, "Request submitted. The Information Asset Manager has been told."
        return request, "Draft saved. Submit it when it is ready."


class RequestObjectMixin:
    def dispatch(self, request, *args, **kwargs):
        self.access_request = get_object_or_404(
            AccessRequest.objects.select_related("asset__business_area__deputy_siro", "asset__manager", "requester"),
            pk=kwargs["pk"],
        )
        if not service.can_view_request(request.user, self.access_request):
            raise PermissionDenied("You can see your own requests, and those on assets you manage or oversee.")
        return super().dispatch(request, *args, **kwargs)


class RequestDetailView(RequestObjectMixin, TemplateView):
    template_name = "access/request.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        req, user = self.access_request, self.request.user
        grant = getattr(req, "grant", None) if req.state == AccessRequest.State.APPROVED else None
        context.update(
            req=req,
            object=req,
            rows=list(req.items.select_related("data_item")),
            grant=grant,
            changes=list(req.changes.select_related("by")),
            safes=five_safes.for_access(req, grant),
            history=history_for(req),
            is_requester=user.pk == req.requester_id,
            iam_form=IamDecisionForm(
                request=req,
                initial={
                    "end_date": req.requested_end_date,
                    "granted_items": req.items.values_list("data_item", flat=True),
                },
            )
            if req.state == AccessRequest.State.SUBMITTED
            and not req.iam_decision
            and service.can_decide_as_iam(user, req)
            else None,
            deputy_form=DeputyDecisionForm()
            if req.state == AccessRequest.State.SUBMITTED
            and req.iam_decision == AccessRequest.Decision.APPROVE
            and req.needs_deputy_approval
            and not req.deputy_decision
            and service.can_decide_as_deputy(user, req)
            else None,
        )
        return context


class SubmitDraftView(RequestObjectMixin, TemplateView):
    def post(self, request, *args, **kwargs):
        req = self.access_request
        if req.requester_id != request.user.pk:
            raise PermissionDenied("Only the person who asked can submit this request.")
        items = {row.data_item: row.justification for row in req.items.select_related("data_item")}
        try:
            service.save_request(
                requester=request.user,
                asset=req.asset,
                purpose=req.purpose,
                business_case=req.business_case,
                requested_end_date=req.requested_end_date,
                items=items,
                submit=True,
                request=req,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("access:request-edit", req.pk)
        messages.success(request, "Request submitted. The Information Asset Manager has been told.")
        return redirect(req)


class IamDecisionView(RequestObjectMixin, ServiceFormView):
    form_class = IamDecisionForm
    template_name = "access/decide.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.access_request}

    def get(self, request, *args, **kwargs):
        return redirect(self.access_request)

    def post(self, request, *args, **kwargs):
        if not service.can_decide_as_iam(request.user, self.access_request):
            raise PermissionDenied(service.IAM_DECIDES)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(req=self.access_request, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        req = service.decide_as_iam(
            self.access_request,
            by=self.request.user,
            decision=data["decision"],
            reason=data["reason"],
            granted_items=list(data["granted_items"]) if data["decision"] == "approve" else None,
            end_date=data["end_date"],
        )
        return req, f"Decision recorded: {req.stage.lower()}."


class DeputyDecisionView(RequestObjectMixin, ServiceFormView):
    form_class = DeputyDecisionForm
    template_name = "access/decide.html"

    def get(self, request, *args, **kwargs):
        return redirect(self.access_request)

    def post(self, request, *args, **kwargs):
        if not service.can_decide_as_deputy(request.user, self.access_request):
            raise PermissionDenied("Only the Deputy SIRO of the asset's area (or the SIRO) approves this.")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(req=self.access_request, **kwargs)

    def perform(self, form):
        req = service.decide_as_deputy(self.access_request, by=self.request.user, **form.cleaned_data)
        return req, f"Decision recorded: {req.get_state_display().lower()}."


class WithdrawView(RequestObjectMixin, ServiceFormView):
    form_class = WithdrawForm
    template_name = "access/withdraw.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(req=self.access_request, **kwargs)

    def perform(self, form):
        req = service.withdraw(self.access_request, by=self.request.user, reason=form.cleaned_data["reason"])
        return req, "Request withdrawn."


# --- lists --------------------------------------------------------------------------


class MyAccessView(TemplateView):
    template_name = "access/mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["requests"] = AccessRequest.objects.filter(requester=user).select_related("asset")[:50]
        context["grants"] = AccessGrant.objects.filter(holder=user).select_related("asset")[:50]
        context["awaiting"] = service.awaiting_decision(user)
        context["reviews"] = recertification.open_reviews_for(user).count()
        return context


class GrantFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AccessGrant.State.choices, empty_label="Any")
    q = django_filters.CharFilter(method="search", label="Asset or holder")

    class Meta:
        model = AccessGrant
        fields = []

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(asset__name__icontains=value)
            | Q(holder__username__iexact=value)
            | Q(holder__last_name__icontains=value)
            | Q(holder__staff_number__iexact=value)
        )


class GrantListView(FilterView):
    """Grants the user may see: their own, their assets', their areas', or all for oversight."""

    filterset_class = GrantFilter
    template_name = "access/grants.html"
    context_object_name = "grants"
    paginate_by = 50
    paginator_class = CappedPaginator  # oversight sees every grant: counting them all costs more than the page

    def get_queryset(self):
        return (
            service.visible_grants(self.request.user)
            .select_related("holder", "asset__business_area", "decided_by")
            .order_by("-starts_on", "-pk")
        )


class GrantObjectMixin:
    def dispatch(self, request, *args, **kwargs):
        self.grant = get_object_or_404(
            AccessGrant.objects.select_related(
                "holder", "asset__business_area__deputy_siro", "asset__manager", "request", "decided_by"
            ),
            pk=kwargs["pk"],
        )
        if not service.can_view_grant(request.user, self.grant):
            raise PermissionDenied("You can see your own access, and access to assets you manage or oversee.")
        return super().dispatch(request, *args, **kwargs)


class GrantDetailView(GrantObjectMixin, TemplateView):
    template_name = "access/grant.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grant, user = self.grant, self.request.user
        context.update(
            grant=grant,
            items=list(grant.items.all()),
            changes=list(grant.changes.select_related("by")),
            safes=five_safes.for_access(grant.request, grant),
            events=list(
                AccessEvent.objects.filter(
                    user=grant.holder, object_pk=str(grant.asset_id), at__date__gte=grant.starts_on
                ).select_related("user")[:20]
            ),
            can_revoke=service.can_revoke(user, grant) and grant.state in ("active", "suspended"),
            reviews=list(grant.reviews.select_related("campaign", "decided_by")),
        )
        return context


class RevokeView(GrantObjectMixin, ServiceFormView):
    form_class = ReasonForm
    template_name = "access/revoke.html"

    def get(self, request, *args, **kwargs):
        self._check()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check()
        return super().post(request, *args, **kwargs)

    def _check(self):
        if not service.can_revoke(self.request.user, self.grant):
            raise PermissionDenied("Only the asset's IAM, its Deputy SIRO or an administrator can revoke access.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(grant=self.grant, **kwargs)

    def perform(self, form):
        grant = service.revoke(self.grant, by=self.request.user, reason=form.cleaned_data["reason"])
        return grant, f"Access of {grant.holder.display_name} to {grant.asset} revoked."


# --- recertification ------------------------------------------------------------------


class ReviewsView(TemplateView):
    template_name = "access/reviews.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reviews"] = list(recertification.open_reviews_for(self.request.user))
        context["form"] = ReviewDecisionForm()
        return context


class ReviewDecisionView(ServiceFormView):
    form_class = ReviewDecisionForm
    template_name = "access/review_decide.html"

    def dispatch(self, request, *args, **kwargs):
        self.review = get_object_or_404(
            AccessReview.objects.select_related("grant__holder", "grant__asset__business_area", "campaign"),
            pk=kwargs["pk"],
        )
        if not recertification.can_review(request.user, self.review):
            raise PermissionDenied("Only the asset's IAM (or its Deputy SIRO) reviews this access.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(review=self.review, **kwargs)

    def perform(self, form):
        recertification.decide(self.review, by=self.request.user, **form.cleaned_data)
        verb = "confirmed" if form.cleaned_data["decision"] == "confirm" else "revoked"
        return "access:reviews", f"Access of {self.review.grant.holder.display_name} {verb}."


# --- the granted data -----------------------------------------------------------------


class GrantedDataView(TemplateView):
    """The asset's restricted data, cut to the holder's granted items. Every view is recorded."""

    template_name = "access/data.html"
    preview_rows = 20

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_object_or_404(InformationAsset.objects.select_related("business_area"), pk=kwargs["asset_pk"])
        self.grant = service.active_grant(request.user, self.asset)
        if self.grant is None:
            raise PermissionDenied(
                "You have no active access to this asset's data. Ask for access from the asset's page."
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        extract = extracts.latest_extract(self.asset)
        header, rows = (
            extracts.granted_rows(extract, self.grant, limit=self.preview_rows) if extract else ([], iter([]))
        )
        record_access(
            self.request, self.asset, "granted data viewed", f"grant {self.grant.pk}; columns: {', '.join(header)}"
        )
        context.update(
            asset=self.asset,
            grant=self.grant,
            items=list(self.grant.items.all()),
            extract=extract,
            header=header,
            rows=list(rows),
        )
        return context


class _Echo:
    def write(self, value):
        return value


class ExtractDownloadView(GrantedDataView):
    def get(self, request, *args, **kwargs):
        extract = extracts.latest_extract(self.asset)
        if extract is None:
            messages.error(request, "No extract of this asset has been uploaded yet.")
            return redirect("access:data", self.asset.pk)
        header, rows = extracts.granted_rows(extract, self.grant)
        record_access(request, self.asset, "extract downloaded", f"grant {self.grant.pk}; columns: {', '.join(header)}")
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(header)
            for row in rows:
                yield writer.writerow(row)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="asset-{self.asset.pk}-granted-{stamp}.csv"'
        return response


class ExtractUploadView(FormView):
    form_class = ExtractUploadForm
    template_name = "access/extract_upload.html"

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_object_or_404(InformationAsset, pk=kwargs["asset_pk"])
        if not can_edit_asset(request.user, self.asset):
            raise PermissionDenied("Only the asset's IAM, its Deputy SIRO or an administrator can upload its extract.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(asset=self.asset, extract=extracts.latest_extract(self.asset), **kwargs)

    def form_valid(self, form):
        try:
            extract = extracts.upload_extract(self.asset, form.cleaned_data["file"], by=self.request.user)
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, f"Extract uploaded: {extract.row_count} rows, {len(extract.columns)} columns.")
        return redirect(self.asset)


# --- the access register ----------------------------------------------------------------


class AccessEventFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(method="by_user", label="Person", help_text="Username or staff number")
    asset = django_filters.CharFilter(field_name="object_repr", lookup_expr="icontains", label="Asset")
    kind = django_filters.CharFilter(lookup_expr="icontains", label="What was done")
    since = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label="From (YYYY-MM-DD)",
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )
    until = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label="To (YYYY-MM-DD)",
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )

    class Meta:
        model = AccessEvent
        fields = ["business_area"]

    def by_user(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(user__username__iexact=value) | Q(user__staff_number__iexact=value))


REGISTER_COLUMNS = ("at", "username", "staff_number", "name", "what", "object", "business_area", "ip_address", "detail")


class AccessRegisterView(FilterView):
    """Every access to restricted data, for auditors, the SIRO and administrators."""

    filterset_class = AccessEventFilter
    template_name = "access/register.html"
    context_object_name = "events"
    paginate_by = 50
    paginator_class = CappedPaginator

    def dispatch(self, request, *args, **kwargs):
        if not has_oversight(request.user):
            raise PermissionDenied("The access register is for auditors, the SIRO and administrators.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return AccessEvent.objects.select_related("user", "business_area").order_by("-at", "-pk")

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") in ("csv", "xlsx"):
            filterset = self.get_filterset(self.get_filterset_class())
            events = filterset.qs if filterset.is_valid() else AccessEvent.objects.none()
            rows = (
                [
                    timezone.localtime(e.at).isoformat(timespec="seconds"),
                    e.user.username if e.user else "",
                    e.user.staff_number if e.user else "",
                    e.user.display_name if e.user else "",
                    e.kind,
                    e.object_repr,
                    e.business_area.name if e.business_area else "",
                    e.ip_address or "",
                    e.detail,
                ]
                for e in events.iterator(chunk_size=1000)
            )
            record_access(request, request.user, "access register exported", request.GET.urlencode())
            return export_response(REGISTER_COLUMNS, rows, filename="access-register", fmt=request.GET["format"])
        return super().get(request, *args, **kwargs)


class DecisionsView(ListView):
    """Requests waiting for the user's decision."""

    template_name = "access/decisions.html"
    context_object_name = "waiting"

    def get_queryset(self):
        return service.awaiting_decision(self.request.user)


class RequestListView(ListView):
    """Requests the user may see: their own, on their assets or areas, or all for oversight."""

    template_name = "access/requests.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        queryset = service.visible_requests(self.request.user).select_related("requester", "asset__business_area")
        state = self.request.GET.get("state")
        if state in AccessRequest.State.values:
            queryset = queryset.filter(state=state)
        return queryset.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(states=AccessRequest.State.choices, **kwargs)
