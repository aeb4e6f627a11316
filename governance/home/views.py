from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from governance.core.policy import can_view_audit_trail, has_oversight, is_member
from governance.core.role_badges import roles_for
from governance.core.selectors import oversees_any_area
from governance.core.todo import facts_for
from governance.core.views.mixins import PolicyMixin
from governance.home.todo import sections, task_list
from governance.register import policy as register_policy
from governance.releases.policy import is_chief_statistician, is_disclosure_officer, sees_method
from governance.training import policy as training_policy
from governance.training.courses import CURRENT
from governance.training.todo import clearance_of, training_of


class HomeView(PolicyMixin, TemplateView):
    """The signed-in user's task list, then their name, roles and business area."""

    template_name = "home.html"
    permission = is_member

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        facts = facts_for(user)
        # A Deputy SIRO's areas are read once: for the task list, their roles and (usually one of them) their own.
        context["roles"] = roles_for(user, facts.deputy_areas)
        own = [area for area in facts.deputy_areas if area.pk == user.business_area_id]
        context["area"] = own[0] if own else user.business_area
        tasks = task_list(user, facts=facts)
        context["states"] = training_of(user, facts)  # as the task list read them
        context["training_due"] = any(state.status != CURRENT for state in context["states"])
        context["clearance"] = clearance_of(user, facts) if user.is_data_handler else None
        context["links"] = oversight_links(user)
        context["exception_sections"] = sections([task for task in tasks if task.exception])
        context["task_sections"] = sections([task for task in tasks if not task.exception])
        context["show_siro_status"] = has_oversight(user)  # administrators and auditors see "SIRO vacant"
        if facts.is_siro:
            # The office is held by the person reading the page, who is active: not vacant, without asking.
            context["siro_vacant"] = False
        return context


def oversight_links(user) -> list[tuple[str, str]]:
    """The oversight and administration pages this user may open."""
    links = []
    if training_policy.can_view_compliance(user):
        links += [
            ("Training compliance", reverse("training:compliance")),
            ("Asset accountability", reverse("assets:accountability")),
        ]
    if has_oversight(user) or oversees_any_area(user):
        links += [("Assurance rounds", reverse("assurance:rounds")), ("The policy and its controls", reverse("policy"))]
    if can_view_audit_trail(user):
        links += [("Audit trail", reverse("audit:explorer")), ("Access register", reverse("access:register"))]
    if is_chief_statistician(user) or is_disclosure_officer(user):
        links.append(("Releases to sign off", f"{reverse('releases:list')}?status=draft"))
    if sees_method(user):
        links.append(("Disclosure-control rules", reverse("releases:rules")))
    if training_policy.can_view_courses(user):
        links.append(("Training courses", reverse("training:courses")))
    if register_policy.can_import_staff(user):
        links.append(("Import the HR extract", reverse("people:import")))
    return links


class AboutView(PolicyMixin, TemplateView):
    """What the portal is for. Also the benchmark's floor: an authenticated page that renders a template."""

    template_name = "about.html"
    permission = is_member


@method_decorator(login_not_required, name="dispatch")
class AccessibilityStatementView(TemplateView):
    """The accessibility statement: open before sign-in, since someone who cannot sign in must be able to read it."""

    template_name = "accessibility.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contact_email"] = settings.ACCESSIBILITY_CONTACT_EMAIL
        return context
