"""The map of where the data goes: the department's (filtered by business area) and one asset's."""

from __future__ import annotations

from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin
from governance.privacy import policy
from governance.privacy.data_map import render_svg, table_rows
from governance.privacy.flows import FlowMap, asset_map, department_map, map_areas
from governance.register.selectors import visible_assets


def _map_context(flow_map: FlowMap) -> dict:
    return {
        "flow_map": flow_map,
        # Every name in the picture is escaped by render_svg; the rest is the renderer's own markup.
        "svg": mark_safe(render_svg(flow_map)),  # noqa: S308
        "rows": table_rows(flow_map),
        "unconnected": flow_map.unconnected(),
    }


class DepartmentMapView(PolicyMixin, TemplateView):
    """Where the department's data goes, for the DPO, oversight, Deputy SIROs (their areas) and IAMs (their assets)."""

    permission = policy.can_view_department_map
    refusal_message = (
        "The department's map is for the Data Protection Officer, the SIRO, auditors, administrators, "
        "Deputy SIROs and Information Asset Managers. Each asset's page links to its own map."
    )
    template_name = "privacy/map/department.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        areas = list(map_areas(user))
        wanted = self.request.GET.get("area", "")
        area = next((a for a in areas if str(a.pk) == wanted), None)
        context.update(_map_context(department_map(user, area)))
        context.update(areas=areas, area=area, unknown_area=bool(wanted) and area is None)
        return context


class AssetMapView(ObjectPolicyMixin, TemplateView):
    """Where one asset's data goes: every flow from it whose records the viewer may see."""

    permission = policy.can_view_asset_map
    template_name = "privacy/map/asset.html"

    def get_object_queryset(self):
        return visible_assets(self.request.user).select_related("business_area")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["asset"] = self.object
        context.update(_map_context(asset_map(self.request.user, self.object)))
        return context
