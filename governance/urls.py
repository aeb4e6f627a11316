"""The app's pages. Account (sign-in and second factor) URLs live in ``urls_accounts``."""

from django.urls import include, path

from governance.views import (
    access,
    areas,
    assets,
    assurance,
    audit,
    contract_calendar,
    contract_extensions,
    contracts,
    home,
    incidents,
    organisations,
    people,
    releases,
    training,
)

areas_patterns = (
    [
        path("", areas.AreaListView.as_view(), name="list"),
        path("new/", areas.AreaCreateView.as_view(), name="create"),
        path("<int:pk>/", areas.AreaDetailView.as_view(), name="detail"),
        path("<int:pk>/edit/", areas.AreaFormView.as_view(), name="edit"),
        path("<int:pk>/delete/", areas.AreaDeleteView.as_view(), name="delete"),
    ],
    "areas",
)

assets_patterns = (
    [
        path("", assets.AssetListView.as_view(), name="list"),
        path("new/", assets.AssetCreateView.as_view(), name="create"),
        path("export/", assets.AssetExportView.as_view(), name="export"),
        path("import/", assets.AssetImportView.as_view(), name="import"),
        path("accountability/", assets.AccountabilityView.as_view(), name="accountability"),
        path("<int:pk>/", assets.AssetDetailView.as_view(), name="detail"),
        path("<int:pk>/history/", assets.AssetHistoryView.as_view(), name="history"),
        path("<int:pk>/edit/", assets.AssetEditView.as_view(), name="edit"),
        path("<int:pk>/iam/", assets.ReassignIamView.as_view(), name="reassign"),
        path("<int:pk>/review/", assets.ReviewView.as_view(), name="review"),
        path("<int:pk>/items/new/", assets.DataItemFormView.as_view(), name="item-create"),
        path("<int:pk>/items/<int:item_pk>/edit/", assets.DataItemFormView.as_view(), name="item-edit"),
        path("<int:pk>/items/<int:item_pk>/delete/", assets.DataItemDeleteView.as_view(), name="item-delete"),
    ],
    "assets",
)

people_patterns = (
    [
        path("import/", training.StaffImportView.as_view(), name="import"),
        path("<int:pk>/", people.PersonDetailView.as_view(), name="detail"),
    ],
    "people",
)

training_patterns = (
    [
        path("", training.MyTrainingView.as_view(), name="mine"),
        path("<int:pk>/sign/", training.SignView.as_view(), name="sign"),
        path("signoffs/<int:pk>/", training.SignOffDetailView.as_view(), name="signoff"),
        path("courses/", training.CourseListView.as_view(), name="courses"),
        path("courses/new/", training.CourseCreateView.as_view(), name="course-create"),
        path("courses/<int:pk>/", training.CourseDetailView.as_view(), name="course"),
        path("courses/<int:pk>/edit/", training.CourseFormView.as_view(), name="course-edit"),
        path("courses/<int:pk>/publish/", training.PublishVersionView.as_view(), name="publish"),
        path("compliance/", training.ComplianceView.as_view(), name="compliance"),
        path("compliance/<int:area>/<int:course>/", training.CompliancePeopleView.as_view(), name="compliance-people"),
    ],
    "training",
)

access_patterns = (
    [
        path("", access.MyAccessView.as_view(), name="mine"),
        path("ask/<int:asset_pk>/", access.RequestFormView.as_view(), name="request-create"),
        path("requests/", access.RequestListView.as_view(), name="requests"),
        path("requests/<int:pk>/", access.RequestDetailView.as_view(), name="request"),
        path("requests/<int:request_pk>/edit/", access.RequestEditView.as_view(), name="request-edit"),
        path("requests/<int:pk>/submit/", access.SubmitDraftView.as_view(), name="request-submit"),
        path("requests/<int:pk>/decide/", access.IamDecisionView.as_view(), name="request-decide"),
        path("requests/<int:pk>/approve/", access.DeputyDecisionView.as_view(), name="request-approve"),
        path("requests/<int:pk>/withdraw/", access.WithdrawView.as_view(), name="request-withdraw"),
        path("decisions/", access.DecisionsView.as_view(), name="decisions"),
        path("grants/", access.GrantListView.as_view(), name="grants"),
        path("grants/<int:pk>/", access.GrantDetailView.as_view(), name="grant"),
        path("grants/<int:pk>/revoke/", access.RevokeView.as_view(), name="grant-revoke"),
        path("grants/<int:pk>/restore/", access.RestoreAfterIncidentView.as_view(), name="grant-restore"),
        path("reviews/", access.ReviewsView.as_view(), name="reviews"),
        path("reviews/<int:pk>/", access.ReviewDecisionView.as_view(), name="review"),
        path("data/<int:asset_pk>/", access.GrantedDataView.as_view(), name="data"),
        path("data/<int:asset_pk>/extract.csv", access.ExtractDownloadView.as_view(), name="extract"),
        path("data/<int:asset_pk>/upload/", access.ExtractUploadView.as_view(), name="extract-upload"),
        path("register/", access.AccessRegisterView.as_view(), name="register"),
    ],
    "access",
)

audit_patterns = (
    [
        path("", audit.AuditExplorerView.as_view(), name="explorer"),
        path("verifications/", audit.VerificationListView.as_view(), name="verifications"),
    ],
    "audit",
)

# Research contracts: contracts, their parts, the retention calendar and contractors.
contracts_patterns = (
    [
        path("", contracts.ContractListView.as_view(), name="list"),
        path("new/", contracts.ContractCreateView.as_view(), name="create"),
        path("export/", contracts.ContractExportView.as_view(), name="export"),
        path("calendar/", contract_calendar.CalendarView.as_view(), name="calendar"),
        path("calendar/export/", contract_calendar.CalendarExportView.as_view(), name="calendar-export"),
        path("calendar/feed/", contract_calendar.FeedSettingsView.as_view(), name="calendar-feed-settings"),
        path("calendar/feed/<str:token>.ics", contract_calendar.calendar_feed, name="calendar-feed"),
        path("contractors/", organisations.OrganisationListView.as_view(), name="organisation-list"),
        path("contractors/new/", organisations.OrganisationCreateView.as_view(), name="organisation-create"),
        path("contractors/<int:pk>/", organisations.OrganisationDetailView.as_view(), name="organisation-detail"),
        path("contractors/<int:pk>/edit/", organisations.OrganisationFormView.as_view(), name="organisation-edit"),
        path("<int:pk>/", contracts.ContractDetailView.as_view(), name="detail"),
        path("<int:pk>/history/", contracts.ContractHistoryView.as_view(), name="history"),
        path("<int:pk>/edit/", contracts.ContractEditView.as_view(), name="edit"),
        path("<int:pk>/manager/", contracts.ReassignManagerView.as_view(), name="manager"),
        path("<int:pk>/flag/", contracts.ReviewOutcomeView.as_view(), name="review-outcome"),
        path("<int:pk>/status/<slug:target>/", contracts.TransitionView.as_view(), name="transition"),
        path("<int:pk>/assurance/<slug:kind>/", contracts.AssuranceView.as_view(), name="assurance"),
        path("<int:pk>/data/add/", contracts.AddAssetView.as_view(), name="asset-add"),
        path("<int:pk>/data/<int:row>/", contracts.AssetItemsView.as_view(), name="asset-items"),
        path("<int:pk>/data/<int:row>/remove/", contracts.RemoveAssetView.as_view(), name="asset-remove"),
        path("<int:pk>/data/<int:row>/review/", contracts.AssetReviewView.as_view(), name="asset-review"),
        path("<int:pk>/risk/", contracts.RiskView.as_view(), name="risk"),
        path("<int:pk>/destruction/", contracts.CertificateView.as_view(), name="certificate"),
        path("<int:pk>/documents/<int:document>/", contracts.DocumentDownloadView.as_view(), name="document"),
        path("<int:pk>/extensions/new/", contract_extensions.ExtensionRequestView.as_view(), name="extension-create"),
        path(
            "<int:pk>/extensions/<int:extension>/", contract_extensions.ExtensionDetailView.as_view(), name="extension"
        ),
    ],
    "contracts",
)

# Statistical releases: sources, output tables and their disclosure checks, sign-off.
releases_patterns = (
    [
        path("", releases.ReleaseListView.as_view(), name="list"),
        path("new/", releases.ReleaseCreateView.as_view(), name="create"),
        path("rules/", releases.RulesView.as_view(), name="rules"),
        path("<int:pk>/", releases.ReleaseDetailView.as_view(), name="detail"),
        path("<int:pk>/history/", releases.ReleaseHistoryView.as_view(), name="history"),
        path("<int:pk>/edit/", releases.ReleaseEditView.as_view(), name="edit"),
        path("<int:pk>/sources/new/", releases.SourceFormView.as_view(), name="source-add"),
        path("<int:pk>/sources/<int:source>/", releases.SourceFormView.as_view(), name="source-edit"),
        path("<int:pk>/sources/<int:source>/remove/", releases.SourceRemoveView.as_view(), name="source-remove"),
        path("<int:pk>/tables/new/", releases.TableFormView.as_view(), name="table-add"),
        path("<int:pk>/tables/<int:table>/", releases.TableDetailView.as_view(), name="table"),
        path("<int:pk>/tables/<int:table>/edit/", releases.TableFormView.as_view(), name="table-edit"),
        path("<int:pk>/tables/<int:table>/remove/", releases.TableRemoveView.as_view(), name="table-remove"),
        path("<int:pk>/tables/<int:table>/check/", releases.TableCheckView.as_view(), name="table-check"),
        path("<int:pk>/tables/<int:table>/protected/", releases.ProtectedDownloadView.as_view(), name="protected"),
        path("<int:pk>/tables/<int:table>/raw/", releases.RawDownloadView.as_view(), name="raw"),
        path("<int:pk>/tables/<int:table>/record/", releases.TableRecordView.as_view(), name="table-record"),
        path("<int:pk>/record/", releases.ReleaseRecordView.as_view(), name="record"),
        path("<int:pk>/sign-off/", releases.SignOffView.as_view(), name="sign-off"),
        path("<int:pk>/release/", releases.MarkReleasedView.as_view(), name="release"),
    ],
    "releases",
)

# Assurance for the SIRO: asset risks, annual IAM returns, decisions and the SIRO's report.
assurance_patterns = (
    [
        path("", assurance.RoundListView.as_view(), name="rounds"),
        path("open/", assurance.RoundOpenView.as_view(), name="round-open"),
        path("mine/", assurance.MyReturnsView.as_view(), name="mine"),
        path("rounds/<int:pk>/", assurance.RoundDetailView.as_view(), name="round"),
        path("rounds/<int:pk>/report/", assurance.ReportView.as_view(), name="report"),
        path("rounds/<int:pk>/report.csv", assurance.ReportCsvView.as_view(), name="report-csv"),
        path("rounds/<int:pk>/report.pdf", assurance.ReportPdfView.as_view(), name="report-pdf"),
        path("returns/<int:pk>/", assurance.ReturnDetailView.as_view(), name="return"),
        path("returns/<int:pk>/sign/", assurance.ReturnSignView.as_view(), name="return-sign"),
        path("returns/<int:pk>/correct/", assurance.ReturnCorrectView.as_view(), name="return-correct"),
        path("returns/<int:pk>/accept/", assurance.ReturnAcceptView.as_view(), name="return-accept"),
        path("returns/<int:pk>/send-back/", assurance.ReturnSendBackView.as_view(), name="return-send-back"),
        path("assets/<int:pk>/risks/new/", assurance.RiskCreateView.as_view(), name="risk-create"),
        path("risks/<int:pk>/", assurance.RiskUpdateView.as_view(), name="risk-edit"),
    ],
    "assurance",
)

# Information security incidents: reports, handling, linked actions and the ICO-shaped log.
incidents_patterns = (
    [
        path("", incidents.IncidentListView.as_view(), name="list"),
        path("report/", incidents.ReportView.as_view(), name="report"),
        path("export/", incidents.ExportView.as_view(), name="export"),
        path("<int:pk>/", incidents.IncidentDetailView.as_view(), name="detail"),
        path("<int:pk>/triage/", incidents.TriageView.as_view(), name="triage"),
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
    path("", home.HomeView.as_view(), name="home"),
    path("about/", home.AboutView.as_view(), name="about"),
    path("areas/", include(areas_patterns)),
    path("assets/", include(assets_patterns)),
    path("people/", include(people_patterns)),
    path("training/", include(training_patterns)),
    path("access/", include(access_patterns)),
    path("audit/", include(audit_patterns)),
    path("contracts/", include(contracts_patterns)),
    path("incidents/", include(incidents_patterns)),
    path("assurance/", include(assurance_patterns)),
    path("policy/", assurance.PolicyTraceabilityView.as_view(), name="policy"),
    path("releases/", include(releases_patterns)),
]
