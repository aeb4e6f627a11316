"""The privacy records' pages, under /privacy/: the record of processing, DPIAs, sharing agreements, the map."""

from django.urls import include, path

privacy_patterns: tuple[list, str] = (
    [
        # The record of processing activities and the sharing agreements (views/activities.py, views/agreements.py).
        # DPIAs (views/dpias.py).
        # The map of where the data goes (views/data_map.py).
    ],
    "privacy",
)

urlpatterns = [
    path("privacy/", include(privacy_patterns)),
]
