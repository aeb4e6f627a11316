"""Business areas, the asset register and people."""

from django.urls import include, path

from governance.register.views import areas, assets, people

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
        path("import/", people.StaffImportView.as_view(), name="import"),
        path("<int:pk>/", people.PersonDetailView.as_view(), name="detail"),
    ],
    "people",
)

urlpatterns = [
    path("areas/", include(areas_patterns)),
    path("assets/", include(assets_patterns)),
    path("people/", include(people_patterns)),
]
