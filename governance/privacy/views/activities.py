"""The record of processing activities: list, record, detail, edit, yearly review and the ICO-template export.

Every view declares its rule from ``privacy.policy``; every write goes through ``privacy.activities``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from governance.core.access_events import record_access
from governance.core.models import BusinessArea, User
from governance.core.tabular import export_response
from governance.core.views.mixins import HistoryMixin, ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.privacy import activities as service
from governance.privacy import exports
from governance.privacy.forms.activities import ActivityForm
from governance.privacy.forms.agreements import ConfirmForm
from governance.privacy.models import ProcessingActivity
from governance.privacy.policy import (
    can_edit_activity,
    can_export_records,
    can_list_activities,
    can_record_activity,
    can_view_activity,
    sees_every_privacy_record,
)
from governance.privacy.recipients import recipients_for
from governance.privacy.selectors import activity_review_due, visible_activities
from governance.register.models import InformationAsset

VIEW_REFUSAL = (
    "Only the activity's owner, the IAMs of its assets, its area's Deputy SIRO, the Data Protection Officer, "
    "the SIRO and auditors can see it."
)
EDIT_REFUSAL = "Only the activity's owner or its area's Deputy SIRO can change or review it."


def _digits(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class ActivityListView(PolicyMixin, ListView):
    """The processing activities this person may see, by name, filtered by business area and owner."""

    permission = can_list_activities
    template_name = "privacy/activities/list.html"
    context_object_name = "activities"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        self.area = _digits(self.request.GET.get("area"))
        self.owner = _digits(self.request.GET.get("owner"))
        self.due = self.request.GET.get("status") == "review_due"
        queryset = visible_activities(user).select_related("business_area", "owner")
        if self.area:
            queryset = queryset.filter(business_area_id=self.area)
        if self.owner:
            queryset = queryset.filter(owner_id=self.owner)
        if self.due:
            queryset = queryset.filter(activity_review_due(timezone.localdate()))
        return queryset.order_by("name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        owners = User.objects.filter(pk__in=visible_activities(user).values("owner")).order_by("last_name", "pk")
        context.update(
            areas=list(BusinessArea.objects.order_by("name")),
            owners=list(owners),
            area=self.area,
            owner=self.owner,
            due=self.due,
            today=timezone.localdate(),
            sees_all=sees_every_privacy_record(user),
            can_record=can_record_activity(user),
            can_export=can_export_records(user),
        )
        return context


class ActivityFormMixin:
    def checks(self, data, *, valid):
        return service.activity_errors(
            role=data.get("role"),
            controller_name=data.get("controller_name", ""),
            special_category_condition=data.get("special_category_condition", ""),
            schedule_1_condition=data.get("schedule_1_condition", ""),
            transfer_countries=data.get("transfer_countries", ""),
            transfer_safeguard=data.get("transfer_safeguard", ""),
            assets=data.get("assets") if "assets" in data else None,
            business_area=data.get("business_area"),
            next_review_date=data.get("next_review_date"),
        )


class ActivityCreateView(ActivityFormMixin, PolicyMixin, ServiceFormView):
    """An IAM records a processing activity on their assets; ``?asset=<pk>`` (from an asset's page) ticks it."""

    permission = can_record_activity
    form_class = ActivityForm
    template_name = "privacy/activities/form.html"
    refusal_message = "Only an Information Asset Manager records a processing activity, on the assets they manage."
    extra_context = {"heading": "Record a processing activity", "submit": "Record the activity"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "assets": InformationAsset.objects.filter(manager=self.request.user)}

    def get_initial(self):
        chosen = [value for value in self.request.GET.getlist("asset") if value.isdigit()]
        initial: dict[str, object] = {"role": ProcessingActivity.Role.CONTROLLER}
        asset = InformationAsset.objects.filter(pk__in=chosen, manager=self.request.user).first()
        if asset is not None:
            initial.update(
                assets=[asset.pk],
                business_area=asset.business_area_id,
                lawful_basis=asset.lawful_basis,
                name=f"{asset.name}",
            )
        return initial

    def perform(self, form):
        activity = service.record_activity(by=self.request.user, **form.service_arguments())
        return activity, f"Processing activity {activity.name} recorded. The Data Protection Officer has been told."


class ActivityMixin(ObjectPolicyMixin):
    def get_object_queryset(self):
        return ProcessingActivity.objects.select_related("business_area__deputy_siro", "owner")

    def get_context_data(self, **kwargs):
        return super().get_context_data(activity=self.object, **kwargs)


class ActivityDetailView(ActivityMixin, HistoryMixin, TemplateView):
    permission = can_view_activity
    refusal_message = VIEW_REFUSAL
    template_name = "privacy/activities/detail.html"

    def get_context_data(self, **kwargs):
        activity = self.get_permission_object()
        assets = exports.assets_of(activity)
        recipients = recipients_for([activity], links=[(activity.pk, asset.pk) for asset in assets])[activity.pk]
        return super().get_context_data(
            assets=assets,
            categories=exports.personal_data_categories(assets),
            recipients=recipients,
            can_edit=can_edit_activity(self.request.user, activity),
            review_due=activity.next_review_date <= timezone.localdate(),
            **kwargs,
        )


class ActivityEditView(ActivityFormMixin, ActivityMixin, ServiceFormView):
    permission = can_edit_activity
    refusal_message = EDIT_REFUSAL
    form_class = ActivityForm
    template_name = "privacy/activities/form.html"
    extra_context = {"heading": "Change the processing activity", "submit": "Save changes"}

    def get_form_kwargs(self):
        activity = self.get_permission_object()
        assets = InformationAsset.objects.filter(
            Q(manager_id=activity.owner_id)
            | Q(business_area_id=activity.business_area_id)
            | Q(processing_activities=activity)
        ).distinct()
        return {**super().get_form_kwargs(), "assets": assets}

    def get_initial(self):
        activity = self.get_permission_object()
        return {
            "name": activity.name,
            "purposes": activity.purposes,
            "role": activity.role,
            "controller_name": activity.controller_name,
            "assets": list(activity.assets.values_list("pk", flat=True)),
            "business_area": activity.business_area_id,
            "lawful_basis": activity.lawful_basis,
            "special_category_condition": activity.special_category_condition,
            "schedule_1_condition": activity.schedule_1_condition,
            "data_subjects": activity.data_subjects,
            "processors": list(activity.processors.values_list("pk", flat=True)),
            "transfer_countries": activity.transfer_countries,
            "transfer_safeguard": activity.transfer_safeguard,
            "next_review_date": activity.next_review_date,
        }

    def perform(self, form):
        activity = service.update_activity(self.object, by=self.request.user, **form.service_arguments())
        return activity, "Processing activity updated."


class ActivityReviewView(ActivityMixin, ServiceFormView):
    """The owner or the Deputy SIRO confirms the entry is still true; the next review falls a year on."""

    permission = can_edit_activity
    refusal_message = EDIT_REFUSAL
    form_class = ConfirmForm
    template_name = "privacy/activities/review.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(next_review=service.one_year_on(timezone.localdate()), **kwargs)

    def perform(self, form):
        activity = service.mark_reviewed(self.object, by=self.request.user)
        return activity, f"Review recorded. The next review is due by {activity.next_review_date:%-d %B %Y}."


class ActivityExportView(PolicyMixin, View):
    """The record of processing in the ICO template's columns, as CSV or XLSX: the controller's record, or
    with ``?record=processor`` the processor's record (Article 30(2)). Every export is recorded."""

    permission = can_export_records
    refusal_message = (
        "The record of processing is exported by the Data Protection Officer, the SIRO, Deputy SIROs and auditors."
    )
    fmt = "csv"

    def get(self, request, *args, **kwargs):
        processor = request.GET.get("record") == "processor"
        columns: tuple[str, ...]
        activities = exports.chosen_activities(visible_activities(request.user), processor=processor)
        if processor:
            columns, rows, name = exports.PROCESSOR_COLUMNS, exports.processor_rows(activities), "processor"
        else:
            columns, rows, name = exports.CONTROLLER_COLUMNS, exports.controller_rows(activities), "controller"
        record_access(
            request,
            None,
            "export",
            detail=f"Record of processing ({name}'s record) {self.fmt.upper()}: {len(activities)} activities",
        )
        stamp = timezone.localdate().isoformat()
        return export_response(columns, rows, filename=f"record-of-processing-{name}-{stamp}", fmt=self.fmt)
