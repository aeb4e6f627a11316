"""The privacy records' pages, under /privacy/: the record of processing, DPIAs, sharing agreements, the map."""

from django.urls import include, path

from governance.privacy.views import activities, agreements, data_map
from governance.privacy.views import dpias as dpia_views

privacy_patterns: tuple[list, str] = (
    [
        # The record of processing activities and the sharing agreements (views/activities.py, views/agreements.py).
        path("activities/", activities.ActivityListView.as_view(), name="activity-list"),
        path("activities/new/", activities.ActivityCreateView.as_view(), name="activity-create"),
        path("activities/export.csv", activities.ActivityExportView.as_view(fmt="csv"), name="activity-export"),
        path("activities/export.xlsx", activities.ActivityExportView.as_view(fmt="xlsx"), name="activity-export-xlsx"),
        path("activities/<int:pk>/", activities.ActivityDetailView.as_view(), name="activity-detail"),
        path("activities/<int:pk>/edit/", activities.ActivityEditView.as_view(), name="activity-edit"),
        path("activities/<int:pk>/review/", activities.ActivityReviewView.as_view(), name="activity-review"),
        path("agreements/", agreements.AgreementListView.as_view(), name="agreement-list"),
        path("agreements/new/", agreements.AgreementCreateView.as_view(), name="agreement-create"),
        path("agreements/export.csv", agreements.AgreementExportView.as_view(fmt="csv"), name="agreement-export"),
        path(
            "agreements/export.xlsx", agreements.AgreementExportView.as_view(fmt="xlsx"), name="agreement-export-xlsx"
        ),
        path("agreements/<int:pk>/", agreements.AgreementDetailView.as_view(), name="agreement-detail"),
        path("agreements/<int:pk>/edit/", agreements.AgreementEditView.as_view(), name="agreement-edit"),
        path("agreements/<int:pk>/approve/", agreements.AgreementApproveView.as_view(), name="agreement-approve"),
        path("agreements/<int:pk>/end/", agreements.AgreementEndView.as_view(), name="agreement-end"),
        # DPIAs (views/dpias.py).
        path("dpias/", dpia_views.DPIAListView.as_view(), name="dpia-list"),
        path("dpias/<int:pk>/", dpia_views.DPIADetailView.as_view(), name="dpia-detail"),
        path("dpias/<int:pk>/screening/", dpia_views.ScreeningView.as_view(), name="dpia-screening"),
        path("dpias/<int:pk>/assessment/", dpia_views.AssessmentView.as_view(), name="dpia-assessment"),
        path("dpias/<int:pk>/risks/add/", dpia_views.RiskAddView.as_view(), name="dpia-risk-add"),
        path("dpias/<int:pk>/risks/<int:risk>/", dpia_views.RiskEditView.as_view(), name="dpia-risk"),
        path("dpias/<int:pk>/advice/", dpia_views.AdviceView.as_view(), name="dpia-advice"),
        path("dpias/<int:pk>/sign/", dpia_views.SignView.as_view(), name="dpia-sign"),
        path("dpias/<int:pk>/review/", dpia_views.ReviewView.as_view(), name="dpia-review"),
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
