"""The retention calendar, its CSV export, and the contract manager's personal iCalendar feed."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from django_filters.views import FilterView

from governance.contracts import policy
from governance.contracts.calendar import (
    EXPORT_COLUMNS,
    calendar_contracts,
    calendar_counts,
    export_rows,
    feed_owner,
    feed_text,
    issue_feed_token,
    revoke_feed_token,
)
from governance.contracts.filters import ContractCalendarFilter
from governance.contracts.models import CalendarFeedToken, ResearchContract
from governance.core.access_events import record_access
from governance.core.tabular import export_response
from governance.core.views.mixins import PolicyMixin


class CalendarView(PolicyMixin, FilterView):
    """Open contracts by their next retention or destruction date; overdue destruction first."""

    permission = policy.can_view_calendar

    filterset_class = ContractCalendarFilter
    template_name = "contracts/calendar.html"
    context_object_name = "contracts"
    paginate_by = 50

    def get_queryset(self):
        return calendar_contracts(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # Counted over every open contract the person may see, the filters aside: the filterset's own base.
        context["counts"] = calendar_counts(self.filterset.queryset)
        context["today"] = timezone.localdate()
        context["is_contract_manager"] = policy.can_manage_feed(user)
        return context


class CalendarExportView(PolicyMixin, FilterView):
    filterset_class = ContractCalendarFilter
    permission = policy.can_view_calendar

    def get_queryset(self):
        return calendar_contracts(self.request.user)

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset(self.get_filterset_class())
        valid = not filterset.is_bound or filterset.is_valid()  # no query string: everything the user may see
        queryset = filterset.qs if valid else ResearchContract.objects.none()
        count = queryset.count()
        record_access(request, None, "export", detail=f"Retention calendar CSV: {count} contracts")
        stamp = timezone.localdate().isoformat()
        return export_response(EXPORT_COLUMNS, export_rows(queryset), filename=f"retention-calendar-{stamp}", fmt="csv")


class FeedSettingsView(PolicyMixin, TemplateView):
    """Create, replace or revoke the personal feed address. The address is shown once, when created."""

    template_name = "contracts/feed.html"
    permission = policy.can_manage_feed
    refusal_message = "Calendar feeds are for research contract managers, of their own contracts."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["feed"] = CalendarFeedToken.objects.filter(user=self.request.user).first()
        return context

    def post(self, request, *args, **kwargs):
        if "revoke" in request.POST:
            if revoke_feed_token(request.user, by=request.user):
                messages.success(request, "Your calendar feed address no longer works.")
            return redirect("contracts:calendar-feed-settings")
        token = issue_feed_token(request.user, by=request.user)
        address = request.build_absolute_uri(reverse("contracts:calendar-feed", args=[token]))
        return self.render_to_response(self.get_context_data(new_address=address))


@login_not_required
@never_cache
@require_GET
def calendar_feed(request, token: str) -> HttpResponse:
    """The feed itself: opened by its key alone (no session, no second factor); recorded as an access."""
    owner = feed_owner(token)
    if owner is None:
        raise Http404("No calendar feed has this address.")
    base_url = settings.PORTAL_BASE_URL.rstrip("/")
    text = feed_text(owner, base_url=base_url, host=urlsplit(base_url).hostname or "custodian")
    record_access(request, owner.calendar_feed, "calendar_feed", user=owner)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="research-contracts.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
