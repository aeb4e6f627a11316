"""Access pages: asking, deciding, grants, recertification, the granted data itself and the access register."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView
from django_filters.fields import ModelChoiceField, ModelChoiceIterator
from django_filters.views import FilterView

from governance import five_safes
from governance.access import extracts, policy, recertification, selectors, timeline
from governance.access import grants as grant_service
from governance.access import requests as service
from governance.access import selectors as access_selectors
from governance.access import status as access_status
from governance.access.forms import (
    AccessRequestForm,
    DeputyDecisionForm,
    ExtractUploadForm,
    IamDecisionForm,
    ReasonForm,
    ReviewDecisionForm,
    WithdrawForm,
)
from governance.access.models import AccessGrant, AccessRequest, AccessReview
from governance.access.selectors import LIVE as LIVE_STATES
from governance.core import approval_gates
from governance.core.access_events import record_access
from governance.core.history_events import history_for
from governance.core.models import AccessEvent, BusinessArea
from governance.core.pagination import CappedPaginator, CountedIdsMixin
from governance.core.selectors import overseen_areas
from governance.core.tabular import export_response
from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.register.models import DataItem, InformationAsset

# --- asking ---------------------------------------------------------------------------


class RequestFormView(PolicyMixin, ServiceFormView):
    """Ask for (or change a draft of) access to chosen items of one asset."""

    form_class = AccessRequestForm
    template_name = "access/request_form.html"
    permission: Callable[..., bool] = policy.can_ask
    draft: AccessRequest | None

    def get_permission_object(self):
        self.draft = None
        self.asset = get_object_or_404(InformationAsset, pk=self.kwargs["asset_pk"])
        return self.asset

    def get_refusal_message(self) -> str:
        return "Only active staff can ask for access."

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "asset": self.asset,
            "latest_end": access_status.latest_end_date(),
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
            returned=self.draft is not None and self.draft.state == AccessRequest.State.RETURNED,
            return_reason=timeline.return_reason(self.draft) if self.draft is not None else "",
        )
        return context

    def checks(self, data, *, valid):
        if self.request.POST.get("action") != "submit":
            return {}  # a draft may be finished later
        items = data.get("items", {})
        errors = service.request_errors(self.request.user, self.asset, items, data.get("requested_end_date"))
        if any(not why for why in items.values()):
            errors.pop("items", None)  # the form has asked for each missing reason, item by item
        return errors

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
        if request.state == AccessRequest.State.RETURNED:
            return request, "Changes saved. Send the request again from Change your request when it is ready."
        return request, "Draft saved. Submit it when it is ready."


class RequestEditView(RequestFormView):
    """Change a request: only its requester, only while it is a draft or returned for changes."""

    permission = policy.can_edit_request
    draft: AccessRequest  # set by get_permission_object, before any check

    def get_permission_object(self):
        self.draft = get_object_or_404(AccessRequest.objects.select_related("asset"), pk=self.kwargs["request_pk"])
        self.asset = self.draft.asset
        return self.draft

    def get_refusal_message(self) -> str:
        if self.draft.requester_id != self.request.user.pk:
            return "Only the person who asked can change this request."
        return "Only a draft, or a request returned to you for changes, can be changed."


class RequestObjectMixin(ObjectPolicyMixin):
    permission = policy.can_view_request
    refusal_message = "You can see your own requests, and those on assets you manage or oversee."

    def get_object_queryset(self):
        return AccessRequest.objects.select_related("asset__business_area__deputy_siro", "asset__manager", "requester")

    @property
    def access_request(self) -> AccessRequest:
        return self.get_permission_object()


class RequestDetailView(RequestObjectMixin, TemplateView):
    template_name = "access/request.html"

    def get_object_queryset(self):
        # The page names who decided each step: read with the request rather than one query each.
        return super().get_object_queryset().select_related("iam_decided_by", "deputy_decided_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        req, user = self.access_request, self.request.user
        grant = getattr(req, "grant", None) if req.state == AccessRequest.State.APPROVED else None
        rows = list(req.items.select_related("data_item"))
        context.update(
            req=req,
            object=req,
            rows=rows,
            grant=grant,
            timeline=timeline.timeline(req),
            return_reason=timeline.return_reason(req),
            can_edit=policy.can_edit_request(user, req),
            safes=five_safes.for_access(req, grant, rows=rows),
            # Its entries name the items asked for, read with the rows.
            history=history_for(req, request=self.request, also=[row.data_item for row in rows]),
            is_requester=user.pk == req.requester_id,
            # What the higher domains say stops its approval (its DPIA), linked to where it is put right.
            gate_problems=approval_gates.problems(req) if req.state == AccessRequest.State.SUBMITTED else [],
            iam_form=IamDecisionForm(
                request=req,
                user=user,
                http_request=self.request,
                fresh=service.involves_special_category(req),
                fresh_page=reverse("access:request-decide", args=[req.pk]),
                initial={
                    "end_date": req.requested_end_date,
                    "granted_items": req.items.values_list("data_item", flat=True),
                },
            )
            if req.state == AccessRequest.State.SUBMITTED
            and not req.iam_decision
            and policy.can_decide_as_iam(user, req)
            else None,
            deputy_form=DeputyDecisionForm()
            if req.state == AccessRequest.State.SUBMITTED
            and req.iam_decision == AccessRequest.Decision.APPROVE
            and req.needs_deputy_approval
            and not req.deputy_decision
            and policy.can_decide_as_deputy(user, req)
            else None,
        )
        return context


class SubmitDraftView(RequestObjectMixin, TemplateView):
    http_method_names = ["post"]
    write_permission = policy.can_submit
    write_refusal_message = "Only the person who asked can submit this request."

    def post(self, request, *args, **kwargs):
        req = self.access_request
        if req.state == AccessRequest.State.RETURNED:
            # A returned request goes back only from "Change your request", where the decider's words are shown.
            messages.error(request, "Change your request as the decider asked, then send it again from this page.")
            return redirect("access:request-edit", req.pk)
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
    write_permission = policy.can_decide_as_iam
    write_refusal_message = service.IAM_DECIDES

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "request": self.access_request,
            "user": self.request.user,
            "http_request": self.request,
            "fresh": service.involves_special_category(self.access_request),
        }

    def checks(self, data, *, valid):
        if data.get("decision") != AccessRequest.Decision.APPROVE or "granted_items" not in data:
            return {}
        granted = {item.pk for item in data["granted_items"]}
        return service.approval_errors(self.access_request, granted, data.get("end_date"))

    def get(self, request, *args, **kwargs):
        return redirect(self.access_request)

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
            http_request=self.request,
            **(form.fresh_verification() if form.asks_fresh else {}),
        )
        return req, f"Decision recorded: {req.stage.lower()}."


class DeputyDecisionView(RequestObjectMixin, ServiceFormView):
    form_class = DeputyDecisionForm
    template_name = "access/decide.html"
    write_permission = policy.can_decide_as_deputy
    write_refusal_message = "Only the Deputy SIRO of the asset's area (or the SIRO) approves this."

    def get(self, request, *args, **kwargs):
        return redirect(self.access_request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(req=self.access_request, **kwargs)

    def perform(self, form):
        req = service.decide_as_deputy(self.access_request, by=self.request.user, **form.cleaned_data)
        return req, f"Decision recorded: {req.get_state_display().lower()}."


class WithdrawView(RequestObjectMixin, ServiceFormView):
    form_class = WithdrawForm
    template_name = "access/withdraw.html"
    permission = policy.can_withdraw

    def get_context_data(self, **kwargs):
        return super().get_context_data(req=self.access_request, **kwargs)

    def perform(self, form):
        req = service.withdraw(self.access_request, by=self.request.user, reason=form.cleaned_data["reason"])
        return req, "Request withdrawn."


# --- lists --------------------------------------------------------------------------


class MyAccessView(PolicyMixin, TemplateView):
    template_name = "access/mine.html"
    permission = policy.can_ask

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["requests"] = AccessRequest.objects.filter(requester=user).select_related("asset")[:50]
        context["grants"] = AccessGrant.objects.filter(holder=user).select_related("asset")[:50]
        context["awaiting"] = access_selectors.awaiting_decision(user)
        context["reviews"] = recertification.open_reviews_for(user).count()
        context["manages_assets"] = policy.can_view_your_grants(user)
        context["sees_progress"] = policy.can_view_campaign_progress(user)
        return context


class GrantFilter(django_filters.FilterSet):
    ATTENTION = (
        ("past_end", "Active past their end date"),
        ("past_recertification", "Active past a recertification deadline, not confirmed"),
        ("held_untrained", "Personal data held without current training"),
    )

    state = django_filters.ChoiceFilter(choices=AccessGrant.State.choices, empty_label="Any")
    q = django_filters.CharFilter(method="search", label="Asset or holder")
    # The SIRO's report links its access figures here: the same rules as governance/assurance/report.py.
    business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.order_by("name"),
        field_name="asset__business_area",
        empty_label="All areas",
        label="Business area of the asset",
    )
    attention = django_filters.ChoiceFilter(choices=ATTENTION, method="by_attention", label="Show", empty_label="All")
    areas = django_filters.ChoiceFilter(
        choices=(("overseen", "The areas I oversee"),), method="by_areas", label="Areas", empty_label="Every area"
    )

    class Meta:
        model = AccessGrant
        fields: list[str] = []

    def by_attention(self, queryset, name, value):
        today = timezone.localdate()
        named = {
            "past_recertification": selectors.grants_past_recertification,
            "past_end": selectors.grants_past_end,
            "held_untrained": selectors.grants_held_untrained,
        }
        return queryset.filter(named[value](today))

    def by_areas(self, queryset, name, value):
        user = self.request.user if self.request is not None else None
        if user is None:
            return queryset.none()
        return queryset.filter(selectors.grants_in_areas(overseen_areas(user)))

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(asset__name__icontains=value)
            | Q(holder__username__iexact=value)
            | Q(holder__last_name__icontains=value)
            | Q(holder__staff_number__iexact=value)
        )


class GrantListView(PolicyMixin, FilterView):
    """Grants the user may see: their own, their assets', their areas', or all for oversight."""

    permission = policy.can_ask  # everyone has a list: their own grants at least

    filterset_class = GrantFilter
    template_name = "access/grants.html"
    context_object_name = "grants"
    paginate_by = 50
    paginator_class = CappedPaginator  # oversight sees every grant: counting them all costs more than the page

    def get_queryset(self):
        return selectors.visible_grants_newest_first(self.request.user).select_related(
            "holder", "asset__business_area", "decided_by"
        )


LAST_ACCESS_DAYS = 90  # "not opened lately", in the filter of Your grants


class _ReadChoices(ModelChoiceIterator):
    """A filter's choices read in one plain query of ids and names: Django reads them with
    ``iterator()``, which on PostgreSQL opens a server-side cursor (three more round trips) for a
    list of a few dozen names, and builds a record for each only to write its name.

    With ``group_by`` (a relation, "asset"), the choices come in an option group per related record,
    named by its name, in the queryset's order: a data item named "region" under each asset holding one."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        group_by, rows = getattr(self.field, "group_by", None), getattr(self.field, "rows", None)
        if group_by is None:
            yield from rows() if rows is not None else self.queryset.values_list("pk", "name")
            return
        groups: dict[int, tuple[str, list]] = {}
        read = rows() if rows is not None else self.queryset.values_list("pk", "name", group_by, f"{group_by}__name")
        for pk, name, group, group_name in read:
            groups.setdefault(group, (group_name, []))[1].append((pk, name))
        yield from groups.values()


class _ReadChoiceField(ModelChoiceField):
    """``rows``, if given, reads the choices' rows as ``_ReadChoices`` would (by a statement compiled once);
    the queryset still checks the choice made."""

    iterator = _ReadChoices

    def __init__(self, *args, group_by: str | None = None, rows: Callable[[], list[tuple]] | None = None, **kwargs):
        self.group_by, self.rows = group_by, rows
        super().__init__(*args, **kwargs)


class ReadChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter on a record chosen from a list of names (``_ReadChoices``)."""

    field_class = _ReadChoiceField


class YourGrantsFilter(django_filters.FilterSet):
    """Filters of "Your grants": the asset and data item (one's own only), the holder, the state, the end
    date, the review state, the holder's training and leaver status, and the holder's last access."""

    asset = ReadChoiceFilter(queryset=InformationAsset.objects.none(), empty_label="Any")
    holder = django_filters.CharFilter(method="by_holder", label="Holder (name, username or staff number)")
    item = ReadChoiceFilter(
        queryset=DataItem.objects.none(),
        method="by_item",
        label="Data item",
        empty_label="Any",
        group_by="asset",
    )
    state = django_filters.ChoiceFilter(choices=[(s.value, s.label) for s in LIVE_STATES], empty_label="Any")
    ends_before = django_filters.DateFilter(field_name="ends_on", lookup_expr="lte", label="Ends on or before")
    review = django_filters.ChoiceFilter(
        method="by_review",
        label="Review",
        empty_label="Any",
        choices=[("due", "Due for review"), ("reviewed", "Reviewed this period"), ("none", "Not in a review")],
    )
    training = django_filters.ChoiceFilter(
        method="by_training",
        label="Holder's training",
        empty_label="Any",
        choices=[("current", "Current"), ("lapsed", "Lapsed")],
    )
    leaver = django_filters.ChoiceFilter(
        method="by_leaver",
        label="Holder",
        empty_label="Any",
        choices=[
            ("left", "Has left or is leaving"),
            ("moved", "Works in another business area"),
            ("in_post", "In post in the asset's area"),
        ],
    )
    last_access = django_filters.ChoiceFilter(
        method="by_last_access",
        label="Last access",
        empty_label="Any",
        choices=[
            ("never", "Never"),
            ("stale", f"Not in the last {LAST_ACCESS_DAYS} days"),
            ("recent", f"In the last {LAST_ACCESS_DAYS} days"),
        ],
    )

    class Meta:
        model = AccessGrant
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices show names only (``_ReadChoices`` reads nothing else), read by statements compiled once;
        # the querysets check the choice made.
        self.filters["asset"].queryset = InformationAsset.objects.filter(manager=user)
        self.filters["asset"].extra["rows"] = functools.partial(selectors.managed_asset_names, user)
        self.filters["item"].queryset = DataItem.objects.filter(asset__manager=user)
        self.filters["item"].extra["rows"] = functools.partial(selectors.managed_item_names, user)

    def by_holder(self, queryset, name, value):
        return queryset.filter(
            Q(holder__username__iexact=value)
            | Q(holder__last_name__icontains=value)
            | Q(holder__first_name__icontains=value)
            | Q(holder__staff_number__iexact=value)
        )

    def by_item(self, queryset, name, value):
        held = AccessGrant.items.through.objects.filter(accessgrant_id=OuterRef("pk"), dataitem_id=value.pk)
        return queryset.filter(Exists(held))

    def _with(self, queryset, *names: str):
        """``queryset`` able to filter by the named ``selectors.grant_evidence``, without selecting it."""
        return queryset.alias(**selectors.grant_evidence(*names))

    def by_review(self, queryset, name, value):
        queryset = self._with(queryset, "due_for_review", "reviewed_this_period")
        if value == "due":
            return queryset.filter(due_for_review=True)
        if value == "reviewed":
            return queryset.filter(reviewed_this_period=True, due_for_review=False)
        return queryset.filter(due_for_review=False, reviewed_this_period=False)

    def by_training(self, queryset, name, value):
        return self._with(queryset, "training_lapsed").filter(training_lapsed=value == "lapsed")

    def by_leaver(self, queryset, name, value):
        """Left (or leaving: a leaving date is set), working in another area than the asset's, or neither."""
        left = Q(holder__is_active=False) | Q(holder__leaver_date__isnull=False)
        moved = Q(holder__business_area__isnull=True) | ~Q(holder__business_area=F("asset__business_area"))
        if value == "left":
            return queryset.filter(left)
        if value == "moved":
            return queryset.exclude(left).filter(moved)
        return queryset.exclude(left).exclude(moved)

    def by_last_access(self, queryset, name, value):
        if value == "never":
            return queryset.filter(~selectors.opened_since())
        opened = selectors.opened_since(timezone.now() - datetime.timedelta(days=LAST_ACCESS_DAYS))
        return queryset.filter(~opened if value == "stale" else opened)


class YourGrantsView(PolicyMixin, CountedIdsMixin, FilterView):
    """An IAM's live grants on their assets, with each holder's last access: the list recertification starts from."""

    permission = policy.can_view_your_grants
    refusal_message = "Your grants lists the access to assets you manage as their Information Asset Manager."
    filterset_class = YourGrantsFilter
    template_name = "access/your_grants.html"
    context_object_name = "grants"
    paginate_by = 50

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_queryset(self):
        # The filters add the evidence they ask; the page's rows are read with all of it below.
        return selectors.managed_live_grants(self.request.user).order_by("ends_on", "asset__name", "pk")

    def paginate_queryset(self, queryset, page_size):
        # The page's ids first, sorted from the grants and assets alone; then those 50 with their holders and
        # evidence, as plain rows. Read in one, every live grant's holder row (2,000 for the benchmark IAM)
        # was joined and sorted with it to show 50.
        paginator, page, ids, is_paginated = self.paginate_ids(queryset, page_size)
        if not ids:  # nothing matched: the rows' query is not even built
            page.object_list = []
            return paginator, page, page.object_list, is_paginated
        rows = selectors.your_grant_rows(self.request.user, ids)
        page.object_list = [rows[pk] for pk in ids if pk in rows]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = timezone.localdate()
        return context


class GrantObjectMixin(ObjectPolicyMixin):
    permission = policy.can_view_grant
    refusal_message = "You can see your own access, and access to assets you manage or oversee."

    def get_object_queryset(self):
        return AccessGrant.objects.select_related(
            "holder", "asset__business_area__deputy_siro", "asset__manager", "request", "decided_by"
        )

    @property
    def grant(self) -> AccessGrant:
        return self.get_permission_object()


class GrantDetailView(GrantObjectMixin, TemplateView):
    template_name = "access/grant.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grant, user = self.grant, self.request.user
        items = list(grant.items.all())
        # The grant was made from its request, for its asset and requester, already read with the grant.
        req = grant.request
        if req.asset_id == grant.asset_id:
            req.asset = grant.asset
        if req.requester_id == grant.holder_id:
            req.requester = grant.holder
        context.update(
            grant=grant,
            items=items,
            changes=list(grant.changes.select_related("by")),
            safes=five_safes.for_access(req, grant, granted=items),
            events=list(
                AccessEvent.objects.filter(
                    user=grant.holder, object_pk=str(grant.asset_id), at__date__gte=grant.starts_on
                ).select_related("user")[:20]
            ),
            can_revoke=policy.can_revoke_now(user, grant),
            can_restore=policy.can_restore_after_incident(user, grant),
            reviews=list(grant.reviews.select_related("campaign", "decided_by")),
            # The grant's history is its request's: one timeline from the asking to the end.
            history=history_for(grant, request=self.request, also=(req, grant.asset, *items)),
        )
        return context


class RevokeView(GrantObjectMixin, ServiceFormView):
    form_class = ReasonForm
    template_name = "access/revoke.html"
    permission = policy.can_revoke_now
    refusal_message = (
        "Only the asset's IAM, its Deputy SIRO or an administrator can revoke access, and only while it is "
        "active or suspended."
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(grant=self.grant, **kwargs)

    def perform(self, form):
        grant = grant_service.revoke(self.grant, by=self.request.user, reason=form.cleaned_data["reason"])
        return grant, f"Access of {grant.holder.display_name} to {grant.asset} revoked."


class RestoreAfterIncidentView(GrantObjectMixin, ServiceFormView):
    form_class = ReasonForm
    template_name = "access/restore.html"
    permission = policy.can_restore_after_incident
    refusal_message = (
        "Only the asset's IAM, its Deputy SIRO, the SIRO, an incident handler or an administrator can restore "
        "access suspended for an incident, and only while the grant is within its dates."
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(grant=self.grant, **kwargs)

    def perform(self, form):
        grant = grant_service.restore_after_incident(
            self.grant, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        if grant.state == grant.State.ACTIVE:
            return grant, f"Access of {grant.holder.display_name} to {grant.asset} restored."
        return grant, (
            f"The incident suspension is lifted, but {grant.holder.display_name}'s data-protection training is not "
            "current: access comes back once it is."
        )


# --- recertification ------------------------------------------------------------------


class ReviewsView(PolicyMixin, CountedIdsMixin, ListView):
    """The reviews waiting for the person, 50 a page: an IAM may have thousands in one campaign."""

    template_name = "access/reviews.html"
    permission = policy.can_ask  # the list holds only the reviews waiting for this person
    context_object_name = "reviews"
    paginate_by = 50

    def get_queryset(self):
        # The page's ids first, in the list's order, read without the holders' rows: joined before the
        # sort, every waiting review's holder was read to show 50 of them.
        return recertification.open_reviews_for(self.request.user).select_related(None).prefetch_related(None)

    def paginate_queryset(self, queryset, page_size):
        paginator, page, ids, is_paginated = self.paginate_ids(queryset, page_size)
        reviews = recertification.open_reviews_for(self.request.user).filter(pk__in=ids).in_bulk()
        page.object_list = [reviews[pk] for pk in ids if pk in reviews]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = ReviewDecisionForm()
        context["campaigns_link"] = policy.can_view_your_grants(self.request.user)
        return context


class ReviewDecisionView(ObjectPolicyMixin, ServiceFormView):
    form_class = ReviewDecisionForm
    template_name = "access/review_decide.html"
    permission = policy.can_review
    refusal_message = "Only the asset's IAM (or its Deputy SIRO) reviews this access."

    def get_object_queryset(self):
        return AccessReview.objects.select_related("grant__holder", "grant__asset__business_area", "campaign")

    @property
    def review(self) -> AccessReview:
        return self.get_permission_object()

    def get_context_data(self, **kwargs):
        return super().get_context_data(review=self.review, **kwargs)

    def perform(self, form):
        recertification.decide(self.review, by=self.request.user, **form.cleaned_data)
        verb = "confirmed" if form.cleaned_data["decision"] == "confirm" else "revoked"
        return "access:reviews", f"Access of {self.review.grant.holder.display_name} {verb}."


# --- the granted data -----------------------------------------------------------------


class GrantedDataView(ObjectPolicyMixin, TemplateView):
    """The asset's restricted data, cut to the holder's granted items. Every view is recorded."""

    template_name = "access/data.html"
    preview_rows = 20
    pk_url_kwarg = "asset_pk"
    permission = policy.can_open_data
    refusal_message = "You have no active access to this asset's data. Ask for access from the asset's page."

    def get_object_queryset(self):
        return InformationAsset.objects.select_related("business_area")

    @property
    def asset(self) -> InformationAsset:
        return self.get_permission_object()

    @property
    def grant(self):
        return policy.active_grant(self.request.user, self.asset)  # kept on the asset by the permission check

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


class ExtractDownloadView(GrantedDataView):
    def get(self, request, *args, **kwargs):
        extract = extracts.latest_extract(self.asset)
        if extract is None:
            messages.error(request, "No extract of this asset has been uploaded yet.")
            return redirect("access:data", self.asset.pk)
        header, rows = extracts.granted_rows(extract, self.grant)
        record_access(request, self.asset, "extract downloaded", f"grant {self.grant.pk}; columns: {', '.join(header)}")
        stamp = timezone.localdate().isoformat()
        # Through the shared export, so a formula uploaded in a cell reaches the holder as text.
        return export_response(header, rows, filename=f"asset-{self.asset.pk}-granted-{stamp}", fmt="csv")


class ExtractUploadView(ObjectPolicyMixin, FormView):
    form_class = ExtractUploadForm
    template_name = "access/extract_upload.html"
    pk_url_kwarg = "asset_pk"
    permission = policy.can_upload_extract
    refusal_message = "Only the asset's IAM, its Deputy SIRO or an administrator can upload its extract."

    def get_object_queryset(self):
        return InformationAsset.objects.all()

    @property
    def asset(self) -> InformationAsset:
        return self.get_permission_object()

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
        return queryset.filter(Q(user__username__iexact=value) | Q(user__staff_number__iexact=value))


REGISTER_COLUMNS = ("at", "username", "staff_number", "name", "what", "object", "business_area", "ip_address", "detail")


class AccessRegisterView(PolicyMixin, FilterView):
    """Every access to restricted data, for auditors, the SIRO and administrators."""

    filterset_class = AccessEventFilter
    template_name = "access/register.html"
    context_object_name = "events"
    paginate_by = 50
    paginator_class = CappedPaginator
    permission = policy.can_view_access_register
    refusal_message = "The access register is for auditors, the SIRO and administrators."

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


class DecisionsView(PolicyMixin, ListView):
    """Requests waiting for the user's decision."""

    permission = policy.can_ask  # the list holds only what waits for this person

    template_name = "access/decisions.html"
    context_object_name = "waiting"
    paginate_by = 50

    def get_queryset(self):
        # ?as=iam or ?as=deputy: the home page's two decision items each open their own share.
        return access_selectors.awaiting_as(self.request.user, self.request.GET.get("as", ""))


class RequestListView(PolicyMixin, ListView):
    """Requests the user may see: their own, on their assets or areas, or all for oversight."""

    permission = policy.can_ask

    template_name = "access/requests.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        queryset = selectors.visible_requests(self.request.user).select_related("requester", "asset__business_area")
        state = self.request.GET.get("state")
        if state in AccessRequest.State.values:
            queryset = queryset.filter(state=state)
        if self.request.GET.get("mine") == "yes":
            queryset = queryset.filter(requester=self.request.user)
        return queryset.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(states=AccessRequest.State.choices, **kwargs)
