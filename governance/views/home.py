from django.urls import reverse
from django.views.generic import TemplateView

from governance.roles import roles_for
from governance.services.release_access import is_chief_statistician, is_disclosure_officer, sees_method
from governance.services.training import personal_data_clearance, training_for
from governance.services.visibility import has_oversight


class HomeView(TemplateView):
    """The signed-in user's name, roles and business area."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["roles"] = roles_for(user)
        context["area"] = user.business_area
        context["states"] = training_for(user)
        context["clearance"] = personal_data_clearance(user) if user.is_data_handler else None
        context["links"] = oversight_links(user)
        return context


def oversight_links(user) -> list[tuple[str, str]]:
    """The oversight and administration pages this user may open."""
    oversight = has_oversight(user) or user.deputy_siro_of.exists()
    links = []
    if oversight:
        links += [
            ("Training compliance", reverse("training:compliance")),
            ("Asset accountability", reverse("assets:accountability")),
        ]
    if has_oversight(user):
        links += [("Audit trail", reverse("audit:explorer")), ("Access register", reverse("access:register"))]
    if is_chief_statistician(user) or is_disclosure_officer(user):
        links.append(("Releases to sign off", f"{reverse('releases:list')}?status=draft"))
    if sees_method(user):
        links.append(("Disclosure-control rules", reverse("releases:rules")))
    if user.has_perm("governance.view_course"):
        links.append(("Training courses", reverse("training:courses")))
    if user.has_perm("governance.add_user") and user.has_perm("governance.change_user"):
        links.append(("Import the HR extract", reverse("people:import")))
    return links


class AboutView(TemplateView):
    """What the portal is for. Also the benchmark's floor: an authenticated page that renders a template."""

    template_name = "about.html"
