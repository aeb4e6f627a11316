"""The privacy records' pages, under /privacy/: the record of processing, DPIAs, sharing agreements, the map."""

from django.urls import include, path

from governance.privacy.views import activities, agreements

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
        # The map of where the data goes (views/data_map.py).
    ],
    "privacy",
)

urlpatterns = [
    path("privacy/", include(privacy_patterns)),
]
