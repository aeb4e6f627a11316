from django.views.generic import TemplateView

from governance.roles import roles_for


class HomeView(TemplateView):
    """The signed-in user's name, roles and business area."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["roles"] = roles_for(user)
        context["area"] = user.business_area
        return context
