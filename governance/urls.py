"""The app's pages. Account (sign-in and second factor) URLs live in ``urls_accounts``."""

from django.urls import include, path

from governance.views import areas, home, people

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

people_patterns = (
    [
        path("<int:pk>/", people.PersonDetailView.as_view(), name="detail"),
    ],
    "people",
)

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("areas/", include(areas_patterns)),
    path("people/", include(people_patterns)),
]
