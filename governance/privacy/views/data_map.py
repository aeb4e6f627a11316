"""The map of where the data goes: the department's (filtered by business area) and one asset's."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin
from governance.privacy import policy
from governance.privacy.data_map import render_svg, table_rows
from governance.privacy.flows import FlowMap, asset_map, cache_key, department_map, map_areas
from governance.register.selectors import visible_assets


def _map_context(flow_map: FlowMap) -> dict:
    return {
        "flow_map": flow_map,
        # Every name in the picture is escaped by render_svg; the rest is the renderer's own markup.
        "svg": mark_safe(render_svg(flow_map)),  # noqa: S308
        "rows": table_rows(flow_map),
        "unconnected": flow_map.unconnected(),
    }


def _map_html(flow_map: FlowMap, key: str | None = None) -> str:
    """The picture and its table, rendered once for each cached map (under the map's key)."""
    if key is None or settings.DATA_MAP_CACHE_SECONDS <= 0:
        return render_to_string("privacy/map/_map.html", _map_context(flow_map))
    html = cache.get(f"{key}:html")
    if html is None:
        html = render_to_string("privacy/map/_map.html", _map_context(flow_map))
        cache.set(f"{key}:html", html, settings.DATA_MAP_CACHE_SECONDS)
    return html


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
        key = cache_key(user, area)
        flow_map = department_map(user, area)
        # Rendered by the view's code from escaped parts: see _map_html and render_svg.
        context.update(flow_map=flow_map, map_html=mark_safe(_map_html(flow_map, key)))  # noqa: S308
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
        key = cache_key(self.request.user, asset=self.object)
        flow_map = asset_map(self.request.user, self.object)
        context.update(flow_map=flow_map, map_html=mark_safe(_map_html(flow_map, key)))  # noqa: S308
        return context
