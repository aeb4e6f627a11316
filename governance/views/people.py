from django.views.generic import DetailView

from governance.models import User
from governance.roles import roles_for
from governance.services.training import personal_data_clearance, training_for
from governance.services.visibility import can_view_person

from .mixins import HistoryMixin, ObjectPermissionMixin


class PersonDetailView(ObjectPermissionMixin, HistoryMixin, DetailView):
    """A person's record: for themselves, their line manager, their area's Deputy SIRO and oversight roles."""

    template_name = "people/detail.html"
    context_object_name = "person"
    refusal_message = (
        "You can see your own record and those of people you manage. "
        "Deputy SIROs, the SIRO, auditors and administrators can see others."
    )

    def get_queryset(self):
        return User.objects.filter(is_system=False).select_related("business_area", "line_manager")

    def can_view(self, user, obj) -> bool:
        return can_view_person(user, obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = roles_for(self.object)
        context["states"] = training_for(self.object)
        context["clearance"] = personal_data_clearance(self.object) if self.object.is_data_handler else None
        return context
