"""Filters of the asset register's list."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from governance.core.models import BusinessArea, User
from governance.register.models import InformationAsset

YES_NO = (("yes", "Yes"), ("no", "No"))


REVIEW = (("overdue", "Overdue"), ("due_soon", "Due soon"), ("current", "Current"))


class AssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.order_by("name"), empty_label="All areas", label="Business area"
    )
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
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

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


def review_filter(status: str, today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=settings.ASSET_REVIEW_DUE_SOON_DAYS)
    return {
        "overdue": Q(next_review_date__lt=today),
        "due_soon": Q(next_review_date__gte=today, next_review_date__lte=soon),
        "current": Q(next_review_date__gt=soon),
    }[status]


def iam_needed(prefix: str = "") -> Q:
    """Assets with no IAM or an IAM who has left.

    The people who have left are a small subquery; joining every asset to all the
    staff to test a flag read the whole staff table each time.
    """
    leavers = User.objects.filter(is_active=False).values("pk")
    return Q(**{f"{prefix}manager__isnull": True}) | Q(**{f"{prefix}manager_id__in": leavers})
