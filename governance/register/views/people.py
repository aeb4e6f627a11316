from django.views.generic import DetailView

from governance.core.models import User
from governance.core.role_badges import roles_for
from governance.core.views.imports import ImportView
from governance.core.views.mixins import HistoryMixin, ObjectPolicyMixin
from governance.register import policy as register_policy
from governance.register.policy import can_view_person
from governance.register.staff_sheets import StaffImporter
from governance.training.courses import personal_data_clearance, training_for


class PersonDetailView(ObjectPolicyMixin, HistoryMixin, DetailView):
    """A person's record: for themselves, their line manager, their area's Deputy SIRO and oversight roles."""

    template_name = "people/detail.html"
    context_object_name = "person"
    refusal_message = (
        "You can see your own record and those of people you manage. "
        "Deputy SIROs, the SIRO, auditors and administrators can see others."
    )

    permission = can_view_person

    def get_object_queryset(self):
        return User.objects.filter(is_system=False).select_related("business_area", "line_manager")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = roles_for(self.object)
        context["states"] = training_for(self.object)
        context["clearance"] = personal_data_clearance(self.object) if self.object.is_data_handler else None
        return context


class StaffImportView(ImportView):
    importers = {"staff": ("Staff (HR extract)", StaffImporter)}
    title = "Import the HR extract"
    done_url = "areas:list"
    permission = register_policy.can_import_staff
    refusal_message = "Only administrators can load the HR extract."
