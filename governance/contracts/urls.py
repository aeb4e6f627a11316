"""Research contracts: contracts, their parts, the retention calendar and contractors."""

from django.urls import include, path

from governance.contracts.views import calendar as contract_calendar
from governance.contracts.views import contracts, organisations
from governance.contracts.views import extensions as contract_extensions

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

urlpatterns = [
    path("contracts/", include(contracts_patterns)),
]
