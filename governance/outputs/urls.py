"""Safe outputs: researchers' outputs, the checkers' queue, invitations."""

from django.urls import include, path

from governance.outputs import views
from governance.outputs.models import OutputSubmission

outputs_patterns = (
    [
        path("", views.MineView.as_view(), name="mine"),
        path("terms/", views.TermsView.as_view(), name="terms"),
        path("queue/", views.QueueView.as_view(), name="queue"),
        path("new/table/", views.SubmitView.as_view(kind=OutputSubmission.Kind.TABLE), name="submit-table"),
        path("new/model/", views.SubmitView.as_view(kind=OutputSubmission.Kind.MODEL), name="submit-model"),
        path("<int:pk>/", views.DetailView.as_view(), name="detail"),
        path("<int:pk>/resubmit/", views.ResubmitView.as_view(), name="resubmit"),
        path("<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
        path("<int:pk>/download/", views.DownloadView.as_view(), name="download"),
        path("contracts/<int:pk>/researchers/new/", views.InviteView.as_view(), name="invite"),
        path("researchers/<int:pk>/end/", views.EndResearcherView.as_view(), name="researcher-end"),
        path("welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
    ],
    "outputs",
)

urlpatterns = [
    path("outputs/", include(outputs_patterns)),
]
