"""The privacy records' pages, under /privacy/: the record of processing, DPIAs, sharing agreements, the map."""

from django.urls import include, path

from governance.privacy.views import data_map
from governance.privacy.views import dpias as dpia_views

privacy_patterns: tuple[list, str] = (
    [
        # The record of processing activities and the sharing agreements (views/activities.py, views/agreements.py).
        # DPIAs (views/dpias.py).
        path("dpias/", dpia_views.DPIAListView.as_view(), name="dpia-list"),
        path("dpias/<int:pk>/", dpia_views.DPIADetailView.as_view(), name="dpia-detail"),
        path("dpias/<int:pk>/screening/", dpia_views.ScreeningView.as_view(), name="dpia-screening"),
        path("dpias/<int:pk>/assessment/", dpia_views.AssessmentView.as_view(), name="dpia-assessment"),
        path("dpias/<int:pk>/risks/add/", dpia_views.RiskAddView.as_view(), name="dpia-risk-add"),
        path("dpias/<int:pk>/risks/<int:risk>/", dpia_views.RiskEditView.as_view(), name="dpia-risk"),
        path("dpias/<int:pk>/advice/", dpia_views.AdviceView.as_view(), name="dpia-advice"),
        path("dpias/<int:pk>/sign/", dpia_views.SignView.as_view(), name="dpia-sign"),
        path("dpias/<int:pk>/consultation/", dpia_views.ConsultationView.as_view(), name="dpia-consultation"),
        # The map of where the data goes (views/data_map.py).
        path("map/", data_map.DepartmentMapView.as_view(), name="map"),
        path("map/assets/<int:pk>/", data_map.AssetMapView.as_view(), name="asset-map"),
    ],
    "privacy",
)

urlpatterns = [
    path("privacy/", include(privacy_patterns)),
]
