"""Filters of the asset register's list."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from governance.core.models import BusinessArea
from governance.core.selectors import overseen_areas
from governance.register.models import InformationAsset
from governance.register.selectors import iam_needed, review_filter

__all__ = ["AREAS", "AssetFilter", "iam_needed", "review_filter"]

YES_NO = (("yes", "Yes"), ("no", "No"))


REVIEW = (("overdue", "Overdue"), ("due_soon", "Due soon"), ("current", "Current"))
# The home page's exceptions link a Deputy SIRO to the records of the areas they oversee.
AREAS = (("overseen", "The areas I oversee"),)


class AssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.order_by("name"), empty_label="All areas", label="Business area"
    )
    areas = django_filters.ChoiceFilter(choices=AREAS, method="by_areas", label="Areas", empty_label="Every area")
    iam = django_filters.CharFilter(method="by_iam", label="IAM", help_text="Name, username or staff number")
    iam_needed = django_filters.ChoiceFilter(
        choices=(("yes", "IAM needed"),), method="by_iam_needed", label="IAM", empty_label="Any"
    )
    classification = django_filters.ChoiceFilter(choices=InformationAsset.Classification.choices, empty_label="Any")
    personal_data = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_flag", label="Personal data", empty_label="Any"
    )
    special_category = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_flag", label="Special category data", empty_label="Any"
    )
    identifiability = django_filters.ChoiceFilter(choices=InformationAsset.Identifiability.choices, empty_label="Any")
    extract_type = django_filters.ChoiceFilter(
        choices=InformationAsset.ExtractType.choices, empty_label="Any", label="Extract type"
    )
    review = django_filters.ChoiceFilter(choices=REVIEW, method="by_review", label="Review", empty_label="Any")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("business_area__name", "area"),
            ("manager__last_name", "iam"),
            ("classification", "classification"),
            ("next_review_date", "review"),
        ),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = InformationAsset
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def by_areas(self, queryset, name, value):
        user = self.request.user if self.request is not None else None
        return queryset.filter(business_area__in=overseen_areas(user)) if user is not None else queryset.none()

    def by_iam(self, queryset, name, value):
        value = value.strip()
        parts = value.split()
        by_name = Q()
        for part in parts:
            by_name &= Q(manager__first_name__icontains=part) | Q(manager__last_name__icontains=part)
        return queryset.filter(
            Q(manager__username__iexact=value) | Q(manager__staff_number__iexact=value) | (by_name if parts else Q())
        )

    def by_iam_needed(self, queryset, name, value):
        return queryset.filter(iam_needed()) if value == "yes" else queryset

    def by_flag(self, queryset, name, value):
        field = {"personal_data": "contains_personal_data", "special_category": "special_category"}[name]
        return queryset.filter(**{field: value == "yes"})

    def by_review(self, queryset, name, value):
        return queryset.filter(review_filter(value))
