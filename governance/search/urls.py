"""The search page."""

from django.urls import include, path

from governance.search import views

urlpatterns = [
    path("search/", include(([path("", views.SearchView.as_view(), name="results")], "search"))),
]
