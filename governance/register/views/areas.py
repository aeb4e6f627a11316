from collections.abc import Callable

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView

from governance.core.history_events import history_for
from governance.core.models import BusinessArea, User
from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.register import organisation, policy
from governance.register.forms.organisation import BusinessAreaForm
from governance.trends.charts import charts_html
from governance.trends.snapshots import series_for


def _areas():
    """The areas with their active staff counted by a join: for one area (its page) an indexed range."""
    return (
        BusinessArea.objects.select_related("deputy_siro")
        .annotate(staff_count=Count("staff", filter=Q(staff__is_active=True)))
        .order_by("name")  # Meta.ordering is dropped from GROUP BY queries
    )


class AreaListView(PolicyMixin, ListView):
    """Every business area and its Deputy SIRO: organisational facts any member of staff may see."""

    permission = policy.can_view_areas

    template_name = "areas/list.html"
    context_object_name = "areas"
    paginate_by = 50

    def get_queryset(self):
        return BusinessArea.objects.select_related("deputy_siro").order_by("name")

    def paginate_queryset(self, queryset, page_size):
        # Counted for the page's areas in one grouped pass over the staff, apart from the areas: grouped
        # with them (and their Deputy SIROs), every person's row was sorted, and counted again for the pages.
        # Rows counted, not ids: the index of active staff by area (``user_active_area``) then answers alone,
        # without reading every person's row.
        paginator, page, areas, is_paginated = super().paginate_queryset(queryset, page_size)
        areas = list(areas)
        counts = dict(
            User.objects.filter(is_active=True, business_area__in=[area.pk for area in areas])
            .order_by()
            .values_list("business_area")
            .annotate(n=Count("*"))
        )
        for area in areas:
            area.staff_count = counts.get(area.pk, 0)
        page.object_list = areas
        return paginator, page, areas, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = policy.can_add_area(self.request.user)
        return context


class AreaDetailView(ObjectPolicyMixin, DetailView):
    """An area's page. Its change history is for the area's Deputy SIRO and oversight roles."""

    template_name = "areas/detail.html"
    context_object_name = "area"
    permission = policy.can_view_areas

    def get_object_queryset(self):
        return _areas()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if policy.can_view_area_history(user, self.object):
            # The area's Deputy SIRO (and oversight) see its compliance over time here.
            context["charts"] = charts_html(series_for(self.object))
            context["history"] = history_for(self.object, request=self.request)
        context["can_change"] = policy.can_change_area(user, self.object)
        context["can_delete"] = policy.can_delete_area(user, self.object)
        return context


class AreaFormView(ObjectPolicyMixin, ServiceFormView):
    """Add or change an area (administrators). The service checks the permission again."""

    form_class = BusinessAreaForm
    template_name = "areas/form.html"
    permission: Callable[..., bool] = policy.can_change_area
    refusal_message = "Only administrators can add or change business areas."

    def get_object_queryset(self):
        return BusinessArea.objects.all()

    @property
    def area(self) -> BusinessArea | None:
        return self.get_permission_object()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.area}

    def get_context_data(self, **kwargs):
        return super().get_context_data(area=self.area, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        fields = {"name": data["name"], "code": data["code"], "deputy": data["deputy_siro"]}
        if self.area is None:
            area = organisation.create_area(**fields, by=self.request.user)
            return area, f"{area.name} added."
        area = organisation.update_area(self.area, **fields, by=self.request.user)
        return area, f"{area.name} saved."


class AreaCreateView(AreaFormView):
    permission = policy.can_add_area

    def get_permission_object(self):
        return None


class AreaDeleteView(ObjectPolicyMixin, TemplateView):
    template_name = "areas/delete.html"
    permission = policy.can_delete_area
    refusal_message = "Only administrators can delete business areas."

    def get_object_queryset(self):
        return BusinessArea.objects.all()

    @property
    def area(self) -> BusinessArea:
        return self.get_permission_object()

    def get_context_data(self, **kwargs):
        return super().get_context_data(area=self.area, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            organisation.delete_area(self.area, by=request.user)
        except organisation.AreaInUse as exc:
            return self.render_to_response(self.get_context_data(error=str(exc)))
        messages.success(request, f"{self.area.name} deleted.")
        return redirect(reverse("areas:list"))
