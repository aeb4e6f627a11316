"""List-page filters (django-filter)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from governance.models import (
    BusinessArea,
    ContractAsset,
    InformationAsset,
    ReleaseSource,
    ResearchContract,
    StatisticalRelease,
    User,
)

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


# --- research contracts ---------------------------------------------------------------


class ContractFilter(django_filters.FilterSet):
    """The contracts list. The queryset it filters is already limited to what the user may see."""

    ATTENTION = (
        ("my_review", "Awaiting my review as IAM"),
        ("mine", "Contracts I manage"),
        ("destruction_overdue", "Destruction overdue"),
        ("manager_needed", "Contract manager has left"),
    )

    q = django_filters.CharFilter(method="search", label="Search", help_text="Reference, title or contractor")
    status = django_filters.ChoiceFilter(choices=ResearchContract.Status.choices, empty_label="Any")
    attention = django_filters.ChoiceFilter(choices=ATTENTION, method="by_attention", label="Show", empty_label="All")
    business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.order_by("name"),
        method="by_area",
        empty_label="All areas",
        label="Business area of the data",
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("organisation__name", "contractor"),
            ("manager__last_name", "manager"),
            ("status", "status"),
            ("retention_end_date", "retention"),
            ("destruction_due_date", "destruction"),
        ),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = ResearchContract
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(organisation__name__icontains=value)
        )

    def by_area(self, queryset, name, value: int):  # the hint gives the API schema the filter's type
        in_area = ContractAsset.objects.filter(contract=OuterRef("pk"), asset__business_area=value)
        return queryset.filter(Exists(in_area))

    def by_attention(self, queryset, name, value):
        user = self.request.user if self.request is not None else None
        today = timezone.localdate()
        if value == "my_review" and user is not None:
            pending = ContractAsset.objects.filter(
                contract=OuterRef("pk"), asset__manager=user, review_state=ContractAsset.Review.PENDING
            )
            return queryset.filter(Exists(pending), status__in=ResearchContract.PRE_RELEASE)
        if value == "mine" and user is not None:
            return queryset.filter(manager=user)
        if value == "destruction_overdue":
            return queryset.filter(status__in=ResearchContract.HOLDING_DATA, destruction_due_date__lt=today)
        if value == "manager_needed":
            return queryset.filter(manager__is_active=False).exclude(status=ResearchContract.Status.CLOSED)
        return queryset


class ContractCalendarFilter(django_filters.FilterSet):
    """The retention calendar's window and scope."""

    WINDOWS = (
        ("overdue", "Destruction overdue"),
        ("30", "Next 30 days"),
        ("90", "Next 3 months"),
        ("365", "Next 12 months"),
    )
    SCOPES = (("released", "Data released only"), ("mine", "Contracts I manage"))

    window = django_filters.ChoiceFilter(choices=WINDOWS, method="by_window", label="Dates", empty_label="All dates")
    scope = django_filters.ChoiceFilter(choices=SCOPES, method="by_scope", label="Contracts", empty_label="All open")

    class Meta:
        model = ResearchContract
        fields = []

    def by_window(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(status__in=ResearchContract.HOLDING_DATA, destruction_due_date__lt=today)
        horizon = today + datetime.timedelta(days=int(value))
        return queryset.filter(
            Q(status__in=ResearchContract.HOLDING_DATA, destruction_due_date__lt=today) | Q(next_date__lte=horizon)
        )

    def by_scope(self, queryset, name, value):
        if value == "released":
            return queryset.filter(status__in=ResearchContract.HOLDING_DATA)
        user = self.request.user if self.request is not None else None
        return queryset.filter(manager=user) if user is not None else queryset


class ReleaseFilter(django_filters.FilterSet):
    """The releases list. The queryset it filters is already limited to what the user may see."""

    q = django_filters.CharFilter(method="search", label="Search", help_text="Title or source asset")
    status = django_filters.ChoiceFilter(choices=StatisticalRelease.Status.choices, empty_label="Any")
    mine = django_filters.ChoiceFilter(
        choices=(("yes", "Releases I prepared"),), method="by_author", label="Show", empty_label="All I can see"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("title", "title"), ("planned_release_date", "date"), ("status", "status")),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = StatisticalRelease
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        sources = ReleaseSource.objects.filter(release=OuterRef("pk"), asset__name__icontains=value)
        return queryset.filter(Q(title__icontains=value) | Exists(sources))

    def by_author(self, queryset, name, value):
        return queryset.filter(author=self.request.user) if value == "yes" else queryset
