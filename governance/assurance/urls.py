"""Assurance for the SIRO: asset risks, annual IAM returns, decisions, the SIRO's report and the policy page."""

from django.urls import include, path

from governance.assurance import views as assurance

assurance_patterns = (
    [
        path("", assurance.RoundListView.as_view(), name="rounds"),
        path("open/", assurance.RoundOpenView.as_view(), name="round-open"),
        path("mine/", assurance.MyReturnsView.as_view(), name="mine"),
        path("rounds/<int:pk>/", assurance.RoundDetailView.as_view(), name="round"),
        path("rounds/<int:pk>/report/", assurance.ReportView.as_view(), name="report"),
        path("rounds/<int:pk>/report/sign/", assurance.ReportSignView.as_view(), name="report-sign"),
        path("rounds/<int:pk>/report.csv", assurance.ReportCsvView.as_view(), name="report-csv"),
        path("rounds/<int:pk>/report.pdf", assurance.ReportPdfView.as_view(), name="report-pdf"),
        path("returns/<int:pk>/", assurance.ReturnDetailView.as_view(), name="return"),
        path("returns/<int:pk>/sign/", assurance.ReturnSignView.as_view(), name="return-sign"),
        path("returns/<int:pk>/correct/", assurance.ReturnCorrectView.as_view(), name="return-correct"),
        path("returns/<int:pk>/accept/", assurance.ReturnAcceptView.as_view(), name="return-accept"),
        path("returns/<int:pk>/send-back/", assurance.ReturnSendBackView.as_view(), name="return-send-back"),
        path("assets/<int:pk>/risks/new/", assurance.RiskCreateView.as_view(), name="risk-create"),
        path("risks/", assurance.RiskListView.as_view(), name="risks"),
        path("risks/<int:pk>/", assurance.RiskUpdateView.as_view(), name="risk-edit"),
    ],
    "assurance",
)

urlpatterns = [
    path("assurance/", include(assurance_patterns)),
    path("policy/", assurance.PolicyTraceabilityView.as_view(), name="policy"),
]
