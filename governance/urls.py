"""The app's pages. Account (sign-in and second factor) URLs live in ``urls_accounts``."""

from django.urls import include, path

from governance.views import areas, assets, home, people, training

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

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("areas/", include(areas_patterns)),
    path("assets/", include(assets_patterns)),
    path("people/", include(people_patterns)),
    path("training/", include(training_patterns)),
]
