"""Access requests, decisions, grants, reviews and the access register."""

from django.urls import include, path

from governance.access import campaign_views as campaigns
from governance.access import views as access

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
        path("your-grants/", access.YourGrantsView.as_view(), name="your-grants"),
        path("grants/<int:pk>/", access.GrantDetailView.as_view(), name="grant"),
        path("grants/<int:pk>/revoke/", access.RevokeView.as_view(), name="grant-revoke"),
        path("grants/<int:pk>/restore/", access.RestoreAfterIncidentView.as_view(), name="grant-restore"),
        path("reviews/", access.ReviewsView.as_view(), name="reviews"),
        path("reviews/<int:pk>/", access.ReviewDecisionView.as_view(), name="review"),
        path("campaigns/", campaigns.CampaignListView.as_view(), name="campaigns"),
        path("campaigns/progress/", campaigns.CampaignProgressView.as_view(), name="campaign-progress"),
        path("campaigns/<int:pk>/", campaigns.CampaignView.as_view(), name="campaign"),
        path("data/<int:asset_pk>/", access.GrantedDataView.as_view(), name="data"),
        path("data/<int:asset_pk>/extract.csv", access.ExtractDownloadView.as_view(), name="extract"),
        path("data/<int:asset_pk>/upload/", access.ExtractUploadView.as_view(), name="extract-upload"),
        path("register/", access.AccessRegisterView.as_view(), name="register"),
    ],
    "access",
)

urlpatterns = [
    path("access/", include(access_patterns)),
]
