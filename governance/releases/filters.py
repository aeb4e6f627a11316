"""Filters of the statistical releases' list."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from governance.releases.models import ReleaseSource, StatisticalRelease


class ReleaseFilter(django_filters.FilterSet):
    """The releases list. The queryset it filters is already limited to what the user may see."""

    q = django_filters.CharFilter(method="search", label="Search", help_text="Title or source asset")
    status = django_filters.ChoiceFilter(choices=StatisticalRelease.Status.choices, empty_label="Any")
    mine = django_filters.ChoiceFilter(
        choices=(("yes", "Releases I prepared"), ("no", "Releases others prepared")),
        method="by_author",
        label="Show",
        empty_label="All I can see",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("title", "title"), ("planned_release_date", "date"), ("status", "status")),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = StatisticalRelease
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        sources = ReleaseSource.objects.filter(release=OuterRef("pk"), asset__name__icontains=value)
        return queryset.filter(Q(title__icontains=value) | Exists(sources))

    def by_author(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(author=self.request.user)
        if value == "no":  # what a signer signs off: never their own
            return queryset.exclude(author=self.request.user)
        return queryset
