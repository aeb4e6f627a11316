"""Research contracts and the retention calendar through the API.

Restricted by ``contracts.selectors.visible_contracts``; status moves go
through ``contracts.states.transition``, whose refusals name every
unmet precondition, returned here as ``non_field_errors``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from governance.contracts import states
from governance.contracts.calendar import calendar_contracts
from governance.contracts.filters import ContractFilter
from governance.contracts.models import ResearchContract
from governance.contracts.selectors import visible_contracts
from governance.core.policy import is_member
from governance.core.rest.base import ReadOnlyViewSet, blank_or
from governance.register.models import InformationAsset

CONTRACT_FIELDS = (
    "id",
    "reference",
    "title",
    "purpose",
    "organisation",
    "contact_name",
    "contact_email",
    "manager",
    "legal_gateway",
    "lawful_basis",
    "special_category_condition",
    "start_date",
    "end_date",
    "retention_end_date",
    "destruction_due_date",
    "status",
    "data_released_on",
    "created_at",
    "updated_at",
)


class ContractSerializer(serializers.ModelSerializer):
    lawful_basis = blank_or(InformationAsset.LawfulBasis.choices)
    special_category_condition = blank_or(ResearchContract.SpecialCategoryCondition.choices)

    class Meta:
        model = ResearchContract
        fields = CONTRACT_FIELDS
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=ResearchContract.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    released_on = serializers.DateField(required=False, allow_null=True, default=None)


class CalendarEntrySerializer(serializers.ModelSerializer):
    next_date = serializers.DateField(read_only=True)
    destruction_is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ResearchContract
        fields = (
            "id",
            "reference",
            "organisation",
            "manager",
            "status",
            "retention_end_date",
            "destruction_due_date",
            "next_date",
            "destruction_is_overdue",
        )
        read_only_fields = fields


class CalendarPagination(PageNumberPagination):
    page_size = 50


class ContractViewSet(ReadOnlyViewSet):
    """Contracts the caller manages, holds an interest in through their assets or areas, or oversees."""

    queryset = ResearchContract.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = ContractSerializer
    filterset_class = ContractFilter

    def get_queryset(self):
        return visible_contracts(self.request.user, ResearchContract.objects.all())

    @extend_schema(request=TransitionSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the contract to ``target``; refused with each unmet precondition named."""
        form = TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        moved = states.transition(self.get_object(), by=request.user, **form.validated_data)
        return Response(ContractSerializer(moved).data)

    @extend_schema(responses=CalendarEntrySerializer(many=True), filters=False)
    @action(
        detail=False,
        methods=["get"],
        serializer_class=CalendarEntrySerializer,
        pagination_class=CalendarPagination,
        filterset_class=None,
    )
    def calendar(self, request):
        """Open contracts by their next date, overdue destruction first (the retention calendar)."""
        page = self.paginate_queryset(calendar_contracts(request.user))
        return self.get_paginated_response(CalendarEntrySerializer(page, many=True).data)
