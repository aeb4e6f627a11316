from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView

from governance.forms.organisation import BusinessAreaForm
from governance.models import BusinessArea
from governance.services import organisation
from governance.services.history import history_for
from governance.services.visibility import can_view_area_history
from governance.views.mixins import ServiceFormView


def _areas():
    return (
        BusinessArea.objects.select_related("deputy_siro")
        .annotate(staff_count=Count("staff", filter=Q(staff__is_active=True)))
        .order_by("name")  # Meta.ordering is dropped from GROUP BY queries
    )


class AreaListView(ListView):
    """Every business area and its Deputy SIRO: organisational facts any member of staff may see."""

    template_name = "areas/list.html"
    context_object_name = "areas"
    paginate_by = 50

    def get_queryset(self):
        return _areas()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm("governance.add_businessarea")
        return context


class AreaDetailView(DetailView):
    """An area's page. Its change history is for the area's Deputy SIRO and oversight roles."""

    template_name = "areas/detail.html"
    context_object_name = "area"

    def get_queryset(self):
        return _areas()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if can_view_area_history(user, self.object):
            context["history"] = history_for(self.object)
        context["can_change"] = user.has_perm("governance.change_businessarea")
        context["can_delete"] = user.has_perm("governance.delete_businessarea")
        return context


class AreaFormView(ServiceFormView):
    """Add or change an area (administrators). The service checks the permission again."""

    form_class = BusinessAreaForm
    template_name = "areas/form.html"
    permission = "governance.change_businessarea"
    refusal = "Only administrators can add or change business areas."

    def dispatch(self, request, *args, **kwargs):
        self.area = get_object_or_404(BusinessArea, pk=kwargs["pk"]) if "pk" in kwargs else None
        if not request.user.has_perm(self.permission):
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)

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
    permission = "governance.add_businessarea"


class AreaDeleteView(TemplateView):
    template_name = "areas/delete.html"

    def dispatch(self, request, *args, **kwargs):
        self.area = get_object_or_404(BusinessArea, pk=kwargs["pk"])
        if not request.user.has_perm("governance.delete_businessarea"):
            raise PermissionDenied("Only administrators can delete business areas.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(area=self.area, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            organisation.delete_area(self.area, by=request.user)
        except organisation.AreaInUse as exc:
            return self.render_to_response(self.get_context_data(error=str(exc)))
        messages.success(request, f"{self.area.name} deleted.")
        return redirect(reverse("areas:list"))
