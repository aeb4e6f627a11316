"""Information security incidents: reports, handling, linked actions and the ICO-shaped log."""

from django.urls import include, path

from governance.incidents import views as incidents

incidents_patterns = (
    [
        path("", incidents.IncidentListView.as_view(), name="list"),
        path("report/", incidents.ReportView.as_view(), name="report"),
        path("export/", incidents.ExportView.as_view(), name="export"),
        path("<int:pk>/", incidents.IncidentDetailView.as_view(), name="detail"),
        path("<int:pk>/history/", incidents.IncidentHistoryView.as_view(), name="history"),
        path("<int:pk>/triage/", incidents.TriageView.as_view(), name="triage"),
        path("<int:pk>/link/", incidents.LinkRecordsView.as_view(), name="link"),
        path("<int:pk>/actions/new/", incidents.ActionCreateView.as_view(), name="action-create"),
        path("<int:pk>/actions/<int:action>/", incidents.ActionUpdateView.as_view(), name="action-update"),
        path("<int:pk>/ico/", incidents.IcoDecisionView.as_view(), name="ico"),
        path("<int:pk>/people-affected/", incidents.SubjectsDecisionView.as_view(), name="subjects"),
        path("<int:pk>/close/", incidents.CloseView.as_view(), name="close"),
        path("<int:pk>/grants/<int:target>/suspend/", incidents.SuspendGrantView.as_view(), name="suspend-grant"),
        path("<int:pk>/grants/<int:target>/restore/", incidents.RestoreGrantView.as_view(), name="restore-grant"),
        path("<int:pk>/assets/<int:target>/review/", incidents.ReviewAssetView.as_view(), name="review-asset"),
        path("<int:pk>/contracts/<int:target>/flag/", incidents.FlagContractView.as_view(), name="flag-contract"),
    ],
    "incidents",
)

urlpatterns = [
    path("incidents/", include(incidents_patterns)),
]
