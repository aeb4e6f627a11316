"""The audit explorer: every change and access, filterable, with field-by-field differences."""

from __future__ import annotations

import datetime
import json
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import ListView
from django_filters.views import FilterView

from governance.core.access_events import record_access
from governance.core.audit_search import search_entries, search_words
from governance.core.audit_types import grouped_types, plain_names_by_type
from governance.core.forms.widgets import GovukDateInput
from governance.core.history_events import UNSHOWN_COLUMNS, event_heads, events_from, wants_system, without_system
from governance.core.http import AuthenticatedHttpRequest
from governance.core.models import AuditEntry, AuditVerification, BusinessArea
from governance.core.pagination import UncountedPaginator
from governance.core.policy import can_view_audit_trail
from governance.core.queue import enqueue
from governance.core.tabular import export_response
from governance.core.views.mixins import PolicyMixin

ACTIONS = [(str(value), label.capitalize()) for value, label in AuditEntry.Action.choices]


DATE_PARTS = ("day", "month", "year")


class AuditFilterForm(forms.Form):
    """The explorer's filters, checked like any form: real dates, in order, each problem said once.

    A date typed in the wrong boxes ("31/12/2025" in the day) is an error shown in the summary,
    and no entries are listed until it is corrected: never every entry as if no date were given.
    """

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("since", "until"):
            problem = _date_problem(self.data, name, str(self.fields[name].label))
            if problem:
                self.errors[name] = self.error_class([problem])
                data.pop(name, None)
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The latest date must be the same as or after the earliest date")
        return data


def _date_problem(data, name: str, label: str) -> str | None:
    """The GOV.UK message for a date typed in day, month and year boxes, or None if it is real or not given."""
    parts = {part: (data.get(f"{name}_{part}") or "").strip() for part in DATE_PARTS}
    if not any(parts.values()):
        return None
    missing = [part for part in DATE_PARTS if not parts[part]]
    if missing:
        return f"{label} must include a {' and '.join(missing)}"
    if not all(value.isdigit() for value in parts.values()):
        return f"{label} must be a real date"
    if len(parts["year"]) != 4:
        return f"{label}'s year must include 4 numbers"
    try:
        datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return f"{label} must be a real date"
    return None


def _date_filter(label: str, lookup: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr=lookup,
        label=label,
        help_text="For example, 27 3 2026",
        widget=GovukDateInput,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": f"{label} must be a real date"},
    )


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Words in the record's name or in the values changed"
    )
    actor = django_filters.CharFilter(method="by_actor", label="Who", help_text="Username or staff number")
    content_type = django_filters.ChoiceFilter(label="Type of record", empty_label="Any")
    record = django_filters.CharFilter(
        method="by_record", label="Record name", help_text="Part of its name, for example Benefit claims"
    )
    # A record by its reference, from the "timeline" links; not typed by people.
    object = django_filters.CharFilter(method="by_object", widget=forms.HiddenInput)
    action = django_filters.ChoiceFilter(choices=ACTIONS, empty_label="Any")
    business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.order_by("name"), empty_label="Any", label="Business area"
    )
    since = _date_filter("Earliest date", "date__gte")
    until = _date_filter("Latest date", "date__lte")
    cid = django_filters.CharFilter(label="Request (correlation id)")
    # Read by the view, which leaves the plumbing out unless asked: a filter that filters nothing.
    system = django_filters.BooleanFilter(
        method="keep",
        label="Show system entries",
        help_text="Rights rows, emails and internal keys recorded with each action",
        widget=forms.CheckboxInput(attrs={"value": "1"}),
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = AuditFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["content_type"].extra["choices"] = grouped_types()

    def search(self, queryset, name, value):
        return search_entries(queryset, value)

    def by_actor(self, queryset, name, value):
        return queryset.filter(Q(actor__username__iexact=value) | Q(actor__staff_number__iexact=value))

    def by_record(self, queryset, name, value):
        return queryset.filter(object_repr__icontains=value.strip())

    def keep(self, queryset, name, value):
        return queryset

    def by_object(self, queryset, name, value):
        value = value.strip()
        if ":" in value:
            return queryset.filter(scope=value)
        return queryset.filter(object_pk=value)


class AuditAccessMixin(PolicyMixin):
    permission = can_view_audit_trail
    refusal_message = "The audit trail is for auditors, the SIRO and administrators."


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


#: The most events counted when someone asks how many match: the count reads every entry up to it.
COUNT_CAP = 10_000


class AuditExplorerView(AuditAccessMixin, FilterView):
    """One line per business event, 50 events a page; the entries behind each a click away.

    The events are not counted on each view: finding which entries are their action's
    newest costs an index probe per entry, so a count grew with the trail and cost most
    of the page. Pages go previous and next; the count is there on request, capped.
    """

    filterset_class = AuditFilter
    template_name = "audit/explorer.html"
    context_object_name = "entries"
    paginate_by = 50
    paginator_class = UncountedPaginator

    def get_queryset(self):
        return AuditEntry.objects.select_related("actor", "business_area").order_by("-timestamp", "-pk")

    def paginate_queryset(self, queryset, page_size):
        # The filterset has filtered ``queryset``; a page holds events (each action's newest entry).
        queryset = queryset.defer(*UNSHOWN_COLUMNS)  # the chain's seals and the library's copies: never shown here
        self._filtered = queryset if wants_system(self.request) else without_system(queryset)
        if self.request.GET.get("page") == "last":  # an uncounted list has no last page
            raise Http404("An uncounted list has no last page")
        return super().paginate_queryset(event_heads(self._filtered), page_size)

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("format") in ("csv", "xlsx"):
            return self.export(request)
        return super().get(request, *args, **kwargs)

    def export(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        # The export is the raw trail: every entry the filters match, plumbing included.
        filterset = self.get_filterset(self.get_filterset_class())
        entries = filterset.qs if filterset.is_valid() else AuditEntry.objects.none()
        limit = settings.AUDIT_EXPORT_XLSX_MAX_ROWS
        if request.GET["format"] == "xlsx" and entries.order_by()[: limit + 1].count() > limit:
            messages.error(
                request,
                f"These filters match more than {limit:,} entries, too many for a spreadsheet. "
                "Narrow the filters (for example a shorter date range, one record type or one person), "
                "or download them as CSV.",
            )
            query = request.GET.copy()
            del query["format"]
            return redirect(f"{request.path}?{query.urlencode()}")
        types = plain_names_by_type()
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
        filtered = getattr(self, "_filtered", AuditEntry.objects.none())
        context["rows"] = events_from(list(context["entries"]), filtered, system=wants_system(self.request))
        context["filter_invalid"] = bool(context["filter"].form.errors)
        context["search_words"] = search_words(self.request.GET.get("q", ""))
        context["last_verification"] = AuditVerification.objects.first()
        if self.request.GET.get("count") == "1" and not context["filter_invalid"]:
            # Asked for: at most COUNT_CAP + 1 events read, so "more than" past the cap.
            context["event_count"] = event_heads(filtered).order_by()[: COUNT_CAP + 1].count()
            context["count_cap"] = COUNT_CAP
        return context


class VerificationListView(AuditAccessMixin, ListView):
    template_name = "audit/verifications.html"
    context_object_name = "runs"
    paginate_by = 50
    queryset = AuditVerification.objects.all()

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enqueue("governance.core.tasks.verify_audit_chain")  # survives a broker outage like every other enqueue
        messages.success(request, "Verification started. Its result appears here when it finishes.")
        return redirect("audit:verifications")
