"""Statistical releases: sources, output tables and their disclosure checks, sign-off."""

from django.urls import include, path

from governance.releases import views as releases

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
        path("<int:pk>/tables/<int:table>/jj/", releases.JJDownloadView.as_view(), name="table-jj"),
        path("<int:pk>/tables/<int:table>/cost/", releases.TableCostView.as_view(), name="table-cost"),
        path("<int:pk>/tables/<int:table>/jj/pattern/", releases.PatternUploadView.as_view(), name="table-pattern"),
        path("<int:pk>/tables/<int:table>/apriori/", releases.AprioriView.as_view(), name="table-apriori"),
        path(
            "<int:pk>/tables/<int:table>/apriori/file/",
            releases.AprioriDownloadView.as_view(),
            name="table-apriori-file",
        ),
        path(
            "<int:pk>/tables/<int:table>/apriori/remove/",
            releases.AprioriRemoveView.as_view(),
            name="table-apriori-remove",
        ),
        path("<int:pk>/tables/<int:table>/record/", releases.TableRecordView.as_view(), name="table-record"),
        path("<int:pk>/record/", releases.ReleaseRecordView.as_view(), name="record"),
        path("<int:pk>/sign-off/", releases.SignOffView.as_view(), name="sign-off"),
        path("<int:pk>/release/", releases.MarkReleasedView.as_view(), name="release"),
    ],
    "releases",
)

urlpatterns = [
    path("releases/", include(releases_patterns)),
]
