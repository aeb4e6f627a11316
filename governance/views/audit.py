"""The audit explorer: every change and access, filterable, with field-by-field differences."""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import ListView
from django_filters.views import FilterView

from governance.models import AuditEntry, AuditVerification, BusinessArea
from governance.pagination import CappedPaginator
from governance.services.access_events import record_access
from governance.services.history import describe
from governance.services.visibility import has_oversight
from governance.transfer.tabular import export_response

ACTIONS = [(str(value), label.capitalize()) for value, label in AuditEntry.Action.choices]


def audited_types():
    from auditlog.registry import auditlog

    models = sorted(auditlog.get_models(), key=lambda m: str(m._meta.verbose_name))
    types = ContentType.objects.get_for_models(*models)
    return [(types[m].pk, str(m._meta.verbose_name).capitalize()) for m in models]


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(method="by_actor", label="Who", help_text="Username or staff number")
    content_type = django_filters.ChoiceFilter(label="Type of record", empty_label="Any")
    object = django_filters.CharFilter(
        method="by_object", label="Record", help_text="Its number, or a timeline reference such as informationasset:12"
    )
    action = django_filters.ChoiceFilter(choices=ACTIONS, empty_label="Any")
    business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.order_by("name"), empty_label="Any", label="Business area"
    )
    since = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__gte",
        label="From (YYYY-MM-DD)",
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )
    until = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__lte",
        label="To (YYYY-MM-DD)",
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )
    cid = django_filters.CharFilter(label="Request (correlation id)")

    class Meta:
        model = AuditEntry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["content_type"].extra["choices"] = [(str(pk), label) for pk, label in audited_types()]

    def by_actor(self, queryset, name, value):
        return queryset.filter(Q(actor__username__iexact=value) | Q(actor__staff_number__iexact=value))

    def by_object(self, queryset, name, value):
        value = value.strip()
        if ":" in value:
            return queryset.filter(scope=value)
        return queryset.filter(object_pk=value)


class AuditAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not has_oversight(request.user):
            raise PermissionDenied("The audit trail is for auditors, the SIRO and administrators.")
        return super().dispatch(request, *args, **kwargs)


EXPORT_COLUMNS = (
    "timestamp",
    "chain_index",
    "action",
    "record_type",
    "record_id",
    "record",
    "actor",
    "actor_name",
    "business_area",
    "remote_addr",
    "correlation_id",
    "reason",
    "changes",
)


class AuditExplorerView(AuditAccessMixin, FilterView):
    filterset_class = AuditFilter
    template_name = "audit/explorer.html"
    context_object_name = "entries"
    paginate_by = 50
    paginator_class = CappedPaginator

    def get_queryset(self):
        return AuditEntry.objects.select_related("actor", "business_area").order_by("-timestamp", "-pk")

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") in ("csv", "xlsx"):
            return self.export(request)
        return super().get(request, *args, **kwargs)

    def export(self, request):
        filterset = self.get_filterset(self.get_filterset_class())
        entries = filterset.qs if filterset.is_valid() else AuditEntry.objects.none()
        types = {
            ct.pk: str(ct.model_class()._meta.verbose_name) for ct in ContentType.objects.all() if ct.model_class()
        }
        labels = dict(AuditEntry.Action.choices)
        rows = (
            [
                timezone.localtime(e.timestamp).isoformat(timespec="seconds"),
                e.chain_index,
                labels.get(e.action, e.action),
                types.get(e.content_type_id, ""),
                e.object_pk,
                e.object_repr,
                e.actor.username if e.actor else "",
                e.actor.display_name if e.actor else "",
                e.business_area.name if e.business_area else "",
                e.remote_addr or "",
                e.cid or "",
                e.reason,
                json.dumps(e.changes, ensure_ascii=False) if e.changes else "",
            ]
            for e in entries.iterator(chunk_size=2000)
        )
        # The export itself is on the record.
        record_access(request, request.user, "audit trail exported", request.GET.urlencode())
        stamp = timezone.localdate().isoformat()
        return export_response(EXPORT_COLUMNS, rows, filename=f"audit-trail-{stamp}", fmt=request.GET["format"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = describe(list(context["entries"]))
        context["last_verification"] = AuditVerification.objects.first()
        return context


class VerificationListView(AuditAccessMixin, ListView):
    template_name = "audit/verifications.html"
    context_object_name = "runs"
    paginate_by = 50
    queryset = AuditVerification.objects.all()

    def post(self, request, *args, **kwargs):
        from governance.tasks import verify_audit_chain

        verify_audit_chain.delay_on_commit()
        messages.success(request, "Verification started. Its result appears here when it finishes.")
        return redirect("audit:verifications")
