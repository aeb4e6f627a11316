"""The privacy records' pages, under /privacy/: the record of processing, DPIAs, sharing agreements, the map."""

from django.urls import include, path

from governance.privacy.views import data_map

privacy_patterns: tuple[list, str] = (
    [
        # The record of processing activities and the sharing agreements (views/activities.py, views/agreements.py).
        # DPIAs (views/dpias.py).
        # The map of where the data goes (views/data_map.py).
        path("map/", data_map.DepartmentMapView.as_view(), name="map"),
        path("map/assets/<int:pk>/", data_map.AssetMapView.as_view(), name="asset-map"),
    ],
    "privacy",
)

urlpatterns = [
    path("privacy/", include(privacy_patterns)),
]
