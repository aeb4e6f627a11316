"""Filters of the research contracts' list and the retention calendar."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.selectors import (
    data_reviews_for,
    destruction_due_within,
    destruction_escalated,
    destruction_overdue,
    in_areas,
    retention_ending_within,
)
from governance.core.models import BusinessArea
from governance.core.selectors import overseen_areas

# The home page's exceptions link a Deputy SIRO to the contracts of the areas they oversee.
AREAS = (("overseen", "The areas I oversee"),)


class ContractFilter(django_filters.FilterSet):
    """The contracts list. The queryset it filters is already limited to what the user may see."""

    ATTENTION = (
        ("my_review", "Awaiting my review"),
        ("mine", "Contracts I manage"),
        ("destruction_overdue", "Destruction overdue"),
        ("destruction_escalated", "Destruction overdue past the escalation"),
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
    areas = django_filters.ChoiceFilter(choices=AREAS, method="by_areas", label="Areas", empty_label="Every area")
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
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(organisation__name__icontains=value)
        )

    def by_area(self, queryset, name, value: int):  # the hint gives the API schema the filter's type
        in_area = ContractAsset.objects.filter(contract=OuterRef("pk"), asset__business_area=value)
        return queryset.filter(Exists(in_area))

    def by_areas(self, queryset, name, value):
        user = self.request.user if self.request is not None else None
        return queryset.filter(in_areas(overseen_areas(user))) if user is not None else queryset.none()

    def by_attention(self, queryset, name, value):
        user = self.request.user if self.request is not None else None
        today = timezone.localdate()
        if value == "my_review" and user is not None:
            return queryset.filter(pk__in=sorted({ca.contract_id for ca in data_reviews_for(user)}))
        if value == "mine" and user is not None:
            return queryset.filter(manager=user)
        if value == "destruction_overdue":
            return queryset.filter(destruction_overdue(today))
        if value == "destruction_escalated":
            return queryset.filter(destruction_escalated(today))
        if value == "manager_needed":
            return queryset.filter(manager__is_active=False).exclude(status=ResearchContract.Status.CLOSED)
        return queryset


class ContractCalendarFilter(django_filters.FilterSet):
    """The retention calendar's window and scope."""

    WINDOWS = (
        ("overdue", "Destruction overdue"),
        ("retention_30", "Retention ends in the next 30 days"),
        ("destruction_30", "Destruction due in the next 30 days"),
        ("30", "Next 30 days"),
        ("90", "Next 3 months"),
        ("365", "Next 12 months"),
    )
    SCOPES = (("released", "Data released only"), ("mine", "Contracts I manage"))

    window = django_filters.ChoiceFilter(choices=WINDOWS, method="by_window", label="Dates", empty_label="All dates")
    scope = django_filters.ChoiceFilter(choices=SCOPES, method="by_scope", label="Contracts", empty_label="All open")

    class Meta:
        model = ResearchContract
        fields: list[str] = []

    def by_window(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(destruction_overdue(today))
        if value == "retention_30":
            return queryset.filter(retention_ending_within(today, 30))
        if value == "destruction_30":
            return queryset.filter(destruction_due_within(today, 30))
        horizon = today + datetime.timedelta(days=int(value))
        return queryset.filter(destruction_overdue(today) | Q(next_date__lte=horizon))

    def by_scope(self, queryset, name, value):
        if value == "released":
            return queryset.filter(status__in=ResearchContract.HOLDING_DATA)
        user = self.request.user if self.request is not None else None
        return queryset.filter(manager=user) if user is not None else queryset
