"""Incident pages: report, list, the record with its 72-hour clock, handling forms and the ICO export.

Every view declares its rule from ``incidents.policy``; every write goes through
``incidents.records`` or ``linked``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from governance.access.forms import ReasonForm
from governance.access.models import AccessGrant
from governance.contracts.models import ResearchContract
from governance.core.access_events import record_access
from governance.core.compiled import RecordWith
from governance.core.models import BusinessArea, User
from governance.core.plurals import plural
from governance.core.selectors import overseen_areas
from governance.core.tabular import export_response
from governance.core.views.mixins import FullHistoryMixin, HistoryMixin, PolicyMixin, ServiceFormView
from governance.incidents import export, linked, records, touched
from governance.incidents import selectors as incident_filters
from governance.incidents.clock import clock_for, is_late
from governance.incidents.forms import (
    ActionForm,
    ActionUpdateForm,
    CloseForm,
    IcoDecisionForm,
    LinkRecordsForm,
    ReportForm,
    SubjectsDecisionForm,
    SuspendGrantForm,
    TriageForm,
)
from governance.incidents.models import Incident, IncidentAction, IncidentLink
from governance.incidents.policy import (
    can_export,
    can_handle,
    can_list,
    can_report,
    can_update_action,
    can_view,
    can_view_history,
    grants_with_visible_holders,
    sees_every_incident,
    sees_grant_holders,
    updatable_actions,
)
from governance.incidents.queries import ICO_FIGURES, narrowed
from governance.incidents.selectors import visible_incidents
from governance.incidents.steps import steps_for
from governance.register.models import InformationAsset

VIEW_REFUSAL = (
    "Only the person who reported this incident, the IAMs and Deputy SIROs of what it touches, "
    "incident handlers, the SIRO and auditors can see it."
)
HANDLE_REFUSAL = "Only the incident's handler, its Deputy SIRO, an incident handler or the SIRO can do this."

GRANTS_SHOWN = 50  # live grants offered for suspension; an asset with more is reviewed early instead

STATUS_FILTERS = {
    "open": ("Open", incident_filters.open_incidents()),
    "awaiting": ("Awaiting the ICO decision", incident_filters.awaiting_ico_decision()),
    "ico_due_soon": ("ICO decision due within a day", None),
    "ico_overdue": ("ICO decision past the 72 hours", None),
    "closed": ("Closed", Q(state=Incident.State.CLOSED)),
    "mine": ("Reported by me", None),
    "my_actions": ("With an open action of mine", None),
}


class IncidentListView(PolicyMixin, ListView):
    """The incidents this user may see, newest first, with each one's clock."""

    permission = can_list
    template_name = "incidents/list.html"
    context_object_name = "incidents"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        queryset = visible_incidents(user).select_related("business_area", "reported_by", "handler")
        self.status = self.request.GET.get("status") if self.request.GET.get("status") in STATUS_FILTERS else ""
        if self.status == "mine":
            queryset = queryset.filter(reported_by=user)
        elif self.status == "my_actions":
            queryset = queryset.filter(incident_filters.with_open_actions_of(user))
        elif self.status == "ico_due_soon":
            queryset = queryset.filter(incident_filters.ico_due_soon(timezone.now()))
        elif self.status == "ico_overdue":
            queryset = queryset.filter(incident_filters.ico_overdue(timezone.now()))
        elif self.status:
            queryset = queryset.filter(STATUS_FILTERS[self.status][1])
        self.areas = self.request.GET.get("areas") == "overseen"  # a Deputy SIRO's exceptions: their areas only
        if self.areas:
            queryset = queryset.filter(incident_filters.incidents_in_areas(overseen_areas(user)))
        queryset = self._narrowed_for_the_siros_report(queryset)
        return queryset.order_by("-aware_at", "-pk")

    def _narrowed_for_the_siros_report(self, queryset):
        """``?business_area=&aware_from=&aware_to=&ico=``: the incidents behind a figure of the SIRO's report."""
        params = self.request.GET
        digits = params.get("business_area", "")
        area = BusinessArea.objects.filter(pk=int(digits)).first() if digits.isdigit() else None
        start: datetime.date | None
        end: datetime.date | None
        try:
            start = datetime.date.fromisoformat(params.get("aware_from", ""))
            end = datetime.date.fromisoformat(params.get("aware_to", ""))
        except ValueError:
            start = end = None
        ico = params.get("ico", "")
        self.narrowing = {
            "area": area,
            "start": start,
            "end": end,
            "ico": ICO_FIGURES[ico][0] if ico in ICO_FIGURES else "",
        }
        if not any(self.narrowing.values()):
            return queryset
        return narrowed(queryset, area_id=area.pk if area else None, start=start, end=end, ico=ico)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            rows=[(incident, clock_for(incident, now)) for incident in context["incidents"]],
            status=self.status,
            narrowing=self.narrowing if any(self.narrowing.values()) else None,
            filters=[(key, label) for key, (label, _) in STATUS_FILTERS.items()],
            sees_all=sees_every_incident(self.request.user),
            can_export=can_export(self.request.user),
        )
        return context


class ReportView(PolicyMixin, ServiceFormView):
    """Any member of staff reports an incident; ``?asset=<pk>`` (from an asset's page) ticks that asset."""

    permission = can_report
    form_class = ReportForm
    template_name = "incidents/report.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "reporter": self.request.user}

    def get_initial(self):
        # Most incidents are reported the day they are found: today is filled in, and can be changed.
        initial: dict[str, object] = {"found_on": timezone.localdate()}
        chosen = [value for value in self.request.GET.getlist("asset") if value.isdigit()]
        if chosen:
            initial["assets"] = chosen
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        chosen = {str(v) for v in (form["assets"].value() or [])}
        asset_ids = [int(v) for v in chosen if v.isdigit()]
        context["chosen_assets"] = list(InformationAsset.objects.filter(pk__in=asset_ids).order_by("name"))
        return context

    def checks(self, data, *, valid):
        # The form checks the time found itself, on its date field.
        return records.report_errors(
            personal_data=data.get("personal_data"), special_category=data.get("special_category")
        )

    def perform(self, form):
        incident = records.report_incident(by=self.request.user, **form.service_arguments())
        return incident, f"Incident {incident.reference} reported. The people responsible have been told."


# What every incident page reads with the incident: its area's Deputy SIRO (its policy asks), its people.
_INCIDENT = RecordWith(Incident, ("business_area", "business_area__deputy_siro", "reported_by", "handler"))


def _incident(pk: int) -> Incident:
    """The incident ``pk`` with its area, Deputy SIRO and people, from a statement built once; or 404."""
    return _INCIDENT.get_or_404(pk)


class IncidentMixin(PolicyMixin):
    """Loads the incident in the URL once; the rule is checked on it for every method."""

    permission: Callable[..., bool] = can_handle
    refusal_message = HANDLE_REFUSAL

    def get_permission_object(self):
        if not hasattr(self, "incident"):
            self.incident = _incident(self.kwargs["pk"])
        return self.incident

    def get_context_data(self, **kwargs):
        return super().get_context_data(incident=self.incident, clock=clock_for(self.incident), **kwargs)


HISTORY_SHOWN = 20  # the whole history is one link away, page by page


class IncidentDetailView(IncidentMixin, HistoryMixin, TemplateView):
    permission = can_view
    refusal_message = VIEW_REFUSAL
    template_name = "incidents/detail.html"
    history_limit = HISTORY_SHOWN

    def shows_history(self) -> bool:
        if not hasattr(self, "_sees_holders"):
            # A signed-in, verified person: the middleware and can_view have seen to that.
            self._sees_holders = sees_grant_holders(cast(User, self.request.user), self.incident)
        return self._sees_holders

    def history_known(self):
        """The people and records the page has loaded that the incident's history names on its lines."""
        incident = self.incident
        people = (incident.reported_by, incident.handler)
        records = [link.asset or link.data_item or link.grant or link.contract for link in self._links]
        return [known for known in (incident.business_area, *people, *records) if known is not None]

    def get_context_data(self, **kwargs):
        self.object = self.incident
        user = self.request.user
        handles = can_handle(user, self.incident)
        self._links = links = touched.links_of(self.incident)
        actions = linked.actions_of(self.incident)
        started_reviews = {a.asset_id for a in actions if a.kind == IncidentAction.Kind.RECERTIFY}
        flagged = {a.contract_id for a in actions if a.kind == IncidentAction.Kind.CONTRACT_REVIEW}
        named_grants = [link.grant for link in links if link.grant_id]
        grants = linked.live_grants_shown(self.incident, links, GRANTS_SHOWN) if handles else []
        clock = clock_for(self.incident)
        steps = steps_for(
            self.incident,
            actions,
            handles=handles,
            overdue=clock.overdue,
            links=sum(1 for link in links if link.grant_id or link.contract_id),
        )
        return super().get_context_data(
            steps=steps,
            assets=[link.asset for link in links if link.asset_id],
            data_items=[link.data_item for link in links if link.data_item_id],
            named_grants=named_grants,
            holders_shown=grants_with_visible_holders(
                user, self.incident, [*(link.grant_id for link in links if link.grant_id), *(g.pk for g in grants)]
            ),
            contracts=[link.contract for link in links if link.contract_id],
            actions=updatable_actions(user, self.incident, actions),
            can_handle=handles,
            sees_grant_holders=self.shows_history(),
            grants=grants,
            grants_shown=GRANTS_SHOWN,
            reviewable=[link.asset for link in links if link.asset_id and link.asset_id not in started_reviews],
            flaggable=[link.contract for link in links if link.contract_id and link.contract_id not in flagged],
            **kwargs,
        )


class IncidentHistoryView(IncidentMixin, FullHistoryMixin, TemplateView):
    """The incident's whole change history (its links and actions included), page by page."""

    permission = can_view_history
    refusal_message = (
        "The change history of an incident is for its handlers, the IAMs and Deputy SIROs of what it "
        "touches, the SIRO and auditors."
    )
    template_name = "incidents/history.html"

    def history_object(self):
        return self.incident


class TriageView(IncidentMixin, ServiceFormView):
    form_class = TriageForm
    template_name = "incidents/form.html"
    extra_context = {"heading": "Triage the incident", "submit": "Save triage"}

    def get_initial(self):
        incident = self.incident
        return {
            "severity": incident.severity,
            "risk_level": incident.risk_level,
            "risk_assessment": incident.risk_assessment,
            "handler": incident.handler,
        }

    def perform(self, form):
        incident = records.triage(self.incident, by=self.request.user, **form.cleaned_data)
        return incident, "Triage recorded."


class ActionCreateView(IncidentMixin, ServiceFormView):
    form_class = ActionForm
    template_name = "incidents/form.html"
    extra_context = {"heading": "Add a containment action", "submit": "Add action"}

    def checks(self, data, *, valid):
        return records.action_date_errors(data.get("due_on"))

    def perform(self, form):
        records.add_action(self.incident, by=self.request.user, **form.cleaned_data)
        return f"{self.incident.get_absolute_url()}#actions", "Action added."


class ActionUpdateView(IncidentMixin, ServiceFormView):
    permission = can_update_action
    refusal_message = "Only the action's owner or the incident's handlers can update it."
    form_class = ActionUpdateForm
    template_name = "incidents/form.html"
    extra_context = {"heading": "Update an action", "submit": "Save"}

    def get_permission_object(self):
        if not hasattr(self, "action"):
            self.action = get_object_or_404(
                IncidentAction.objects.select_related("incident", "owner"),
                pk=self.kwargs["action"],
                incident_id=self.kwargs["pk"],
            )
            self.incident = self.action.incident
        return self.action

    def get_initial(self):
        return {"state": self.action.state, "outcome": self.action.outcome}

    def get_context_data(self, **kwargs):
        return super().get_context_data(action=self.action, **kwargs)

    def perform(self, form):
        records.update_action(self.action, by=self.request.user, **form.cleaned_data)
        return f"{self.incident.get_absolute_url()}#actions", "Action updated."


class IcoDecisionView(IncidentMixin, ServiceFormView):
    form_class = IcoDecisionForm
    template_name = "incidents/ico_decision.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(late=is_late(self.incident), **kwargs)

    def checks(self, data, *, valid):
        return records.ico_decision_errors(
            self.incident, decision=data.get("decision"), delay_reason=data.get("delay_reason")
        )

    def perform(self, form):
        incident = records.decide_ico(self.incident, by=self.request.user, **form.cleaned_data)
        return incident, "ICO decision recorded."


class SubjectsDecisionView(IncidentMixin, ServiceFormView):
    form_class = SubjectsDecisionForm
    template_name = "incidents/form.html"
    extra_context = {"heading": "Decide whether to tell the people affected", "submit": "Record decision"}

    def checks(self, data, *, valid):
        return records.subjects_decision_errors(self.incident)

    def perform(self, form):
        incident = records.decide_subjects(self.incident, by=self.request.user, **form.cleaned_data)
        return incident, "Decision on the people affected recorded."


class CloseView(IncidentMixin, ServiceFormView):
    form_class = CloseForm
    template_name = "incidents/form.html"
    extra_context = {"heading": "Close the incident", "submit": "Close incident"}

    def checks(self, data, *, valid):
        problems = records.close_problems(self.incident)
        return {"__all__": problems} if problems else {}

    def perform(self, form):
        incident = records.close(self.incident, by=self.request.user, **form.cleaned_data)
        return incident, f"Incident {incident.reference} closed."


class LinkedActionView(IncidentMixin, View):
    """A linked action is one button on the incident's page: POST only, no form to fill."""

    http_method_names = ["post"]
    target_model: type[Model]  # named by each subclass
    done_message = ""

    def act(self, target):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        target = get_object_or_404(self.target_model, pk=kwargs["target"])
        try:
            self.act(target)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, self.done_message)
        return redirect(f"{self.incident.get_absolute_url()}#linked-actions")


class SuspendGrantView(IncidentMixin, ServiceFormView):
    """Suspend, from the incident, a grant it involves: a confirmation page that asks for the reason.

    The suspension stops the holder's access at once and emails them, so it is never one click.
    """

    form_class = SuspendGrantForm
    template_name = "incidents/suspend.html"

    @property
    def grant(self) -> AccessGrant:
        if not hasattr(self, "_grant"):
            live = linked.live_grants(self.incident).filter(state=AccessGrant.State.ACTIVE)
            self._grant = get_object_or_404(live, pk=self.kwargs["target"])
        return self._grant

    def get_context_data(self, **kwargs):
        holders = grants_with_visible_holders(self.request.user, self.incident, [self.grant.pk])
        back = f"{self.incident.get_absolute_url()}#linked-actions"
        return super().get_context_data(
            grant=self.grant, holder_shown=self.grant.pk in holders, back_url=back, **kwargs
        )

    def perform(self, form):
        grant = self.grant
        linked.suspend_grant(self.incident, grant, by=self.request.user, reason=form.cleaned_data["reason"])
        return f"{self.incident.get_absolute_url()}#linked-actions", "Access suspended. The holder has been told."


class LinkRecordsView(IncidentMixin, ServiceFormView):
    """Triage: the handler links the grants and contracts involved, from the assets' own lists."""

    form_class = LinkRecordsForm
    template_name = "incidents/link.html"

    def get_form_kwargs(self):
        user = self.request.user
        grants = linked.grants_to_link(self.incident, user)
        self.grant_choices = list(grants)
        holders = grants_with_visible_holders(user, self.incident, [g.pk for g in self.grant_choices])
        return {
            **super().get_form_kwargs(),
            "grants": grants,
            "contracts": linked.contracts_to_link(self.incident, user),
            "holders_shown": holders,
        }

    def get_initial(self):
        links = IncidentLink.objects.filter(incident=self.incident)
        return {
            "grants": list(links.filter(grant__isnull=False).values_list("grant", flat=True)),
            "contracts": list(links.filter(contract__isnull=False).values_list("contract", flat=True)),
        }

    def perform(self, form):
        made = linked.link_records(
            self.incident,
            by=self.request.user,
            grants=form.cleaned_data["grants"],
            contracts=form.cleaned_data["contracts"],
        )
        message = f"{plural(len(made), 'record')} linked to the incident." if made else "Nothing new to link."
        return f"{self.incident.get_absolute_url()}#touches", message


class RestoreGrantView(IncidentMixin, ServiceFormView):
    """Restore, from the incident, access it suspended: the reason is asked for, and the incident records it."""

    form_class = ReasonForm
    template_name = "access/restore.html"

    @property
    def grant(self) -> AccessGrant:
        if not hasattr(self, "_grant"):
            self._grant = get_object_or_404(linked.restorable_grants(self.incident), pk=self.kwargs["target"])
        return self._grant

    def get_context_data(self, **kwargs):
        back = f"{self.incident.get_absolute_url()}#linked-actions"
        return super().get_context_data(grant=self.grant, back_url=back, **kwargs)

    def perform(self, form):
        action = linked.restore_grant(self.incident, self.grant, by=self.request.user, **form.cleaned_data)
        grant = cast(AccessGrant, action.grant)  # the action records the grant restored
        if grant.state == AccessGrant.State.ACTIVE:
            message = f"Access of {grant.holder.display_name} to {grant.asset} restored. The holder has been told."
        else:
            message = (
                f"The incident suspension is lifted, but {grant.holder.display_name}'s data-protection training is "
                "not current: access comes back once it is."
            )
        return f"{self.incident.get_absolute_url()}#linked-actions", message


class ReviewAssetView(LinkedActionView):
    target_model = InformationAsset
    done_message = "Early access review started. The IAM has been asked to confirm or revoke each grant."

    def act(self, asset):
        linked.review_asset_early(self.incident, asset, by=self.request.user)


class FlagContractView(LinkedActionView):
    target_model = ResearchContract
    done_message = "Contract flagged for review. Its manager has been told."

    def act(self, contract):
        linked.flag_contract(self.incident, contract, by=self.request.user)


class ExportView(PolicyMixin, View):
    """The incident log in the ICO's breach-report shape, as CSV or XLSX. Every export is recorded."""

    permission = can_export
    refusal_message = "The incident log is exported by incident handlers, the SIRO and auditors."

    def get(self, request, *args, **kwargs):
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        queryset = visible_incidents(request.user)
        record_access(request, None, "export", detail=f"Incident log {fmt.upper()}: {queryset.count()} incidents")
        stamp = timezone.localdate().isoformat()
        return export_response(export.COLUMNS, export.rows(queryset), filename=f"incident-log-{stamp}", fmt=fmt)
