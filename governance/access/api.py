"""Access requests, grants and the access register through the API.

Lists are restricted by ``access.selectors.visible_requests`` and
``visible_grants``, as on the pages, so another person's record is a 404.
Every decision goes through the same service functions as the forms.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.access import grants as grant_service
from governance.access import requests as service
from governance.access import selectors as access_selectors
from governance.access.models import AccessGrant, AccessRequest, AccessRequestItem
from governance.core.models import AccessEvent
from governance.core.policy import has_oversight, is_member
from governance.core.rest.base import ReadOnlyViewSet, blank_or
from governance.register.models import DataItem, InformationAsset


class RequestItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessRequestItem
        fields = ("data_item", "justification", "granted")
        read_only_fields = ("granted",)


class AccessRequestSerializer(serializers.ModelSerializer):
    items = RequestItemSerializer(many=True)
    iam_decision = blank_or(AccessRequest.Decision.choices)
    deputy_decision = blank_or(AccessRequest.Decision.choices)
    submit = serializers.BooleanField(write_only=True, default=True, help_text="Submit for decision, or keep a draft.")

    class Meta:
        model = AccessRequest
        fields = (
            "id",
            "requester",
            "asset",
            "purpose",
            "business_case",
            "requested_end_date",
            "items",
            "submit",
            "state",
            "submitted_at",
            "needs_deputy_approval",
            "iam_decision",
            "iam_reason",
            "approved_end_date",
            "deputy_decision",
            "deputy_reason",
            "decided_at",
        )
        read_only_fields = tuple(
            name
            for name in fields
            if name not in ("asset", "purpose", "business_case", "requested_end_date", "items", "submit")
        )

    def validate(self, attrs):
        asset: InformationAsset = attrs["asset"]
        wrong = [row["data_item"].pk for row in attrs["items"] if row["data_item"].asset_id != asset.pk]
        if wrong:
            raise serializers.ValidationError({"items": f"Data items {wrong} are not items of this asset."})
        if not attrs["items"]:
            raise serializers.ValidationError({"items": "Choose at least one data item."})
        return attrs


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=AccessRequest.Decision.choices)
    reason = serializers.CharField()


class IamDecisionSerializer(DecisionSerializer):
    granted_items = serializers.PrimaryKeyRelatedField(queryset=DataItem.objects.all(), many=True, required=False)
    end_date = serializers.DateField(required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AccessRequestViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Requests the caller made, or may decide or oversee. Created only as the caller."""

    queryset = AccessRequest.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = AccessRequestSerializer
    filterset_fields = ("state", "asset")

    def get_queryset(self):
        return (
            access_selectors.visible_requests(self.request.user)
            .select_related("asset__business_area__deputy_siro", "asset__manager", "requester")
            .prefetch_related("items")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = service.save_request(
            requester=self.request.user,
            asset=data["asset"],
            purpose=data["purpose"],
            business_case=data["business_case"],
            requested_end_date=data["requested_end_date"],
            items={row["data_item"]: row["justification"] for row in data["items"]},
            submit=data["submit"],
        )

    def _respond(self, access_request: AccessRequest) -> Response:
        fresh = self.get_queryset().get(pk=access_request.pk)
        return Response(AccessRequestSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=IamDecisionSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"], url_path="iam-decision")
    def iam_decision(self, request, pk=None):
        """The IAM's decision (or the Deputy SIRO's, standing in), through the same service as the page."""
        form = IamDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decided = service.decide_as_iam(self.get_object(), by=request.user, **form.validated_data)
        return self._respond(decided)

    @extend_schema(request=DecisionSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"], url_path="deputy-decision")
    def deputy_decision(self, request, pk=None):
        """The Deputy SIRO's decision on a high-risk request the IAM approved."""
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decided = service.decide_as_deputy(self.get_object(), by=request.user, **form.validated_data)
        return self._respond(decided)


class GrantSerializer(serializers.ModelSerializer):
    suspension = blank_or(AccessGrant.Suspension.choices)

    class Meta:
        model = AccessGrant
        fields = (
            "id",
            "request",
            "holder",
            "asset",
            "items",
            "starts_on",
            "ends_on",
            "decided_by",
            "state",
            "suspension",
            "ended_at",
            "ended_by",
            "end_reason",
        )
        read_only_fields = fields


class GrantViewSet(ReadOnlyViewSet):
    """Live and past authorisations the caller holds, manages or oversees; revoked like on the page."""

    queryset = AccessGrant.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = GrantSerializer
    filterset_fields = ("state", "asset", "holder")

    def get_queryset(self):
        return access_selectors.visible_grants(self.request.user).prefetch_related("items")

    @extend_schema(request=ReasonSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        grant = grant_service.revoke(self.get_object(), by=request.user, reason=form.validated_data["reason"])
        fresh = self.get_queryset().get(pk=grant.pk)
        return Response(GrantSerializer(fresh).data, status=status.HTTP_200_OK)


class AccessEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessEvent
        fields = ("id", "at", "user", "ip_address", "kind", "object_pk", "object_repr", "business_area", "detail")
        read_only_fields = fields


class AccessEventViewSet(ReadOnlyViewSet):
    """The access register: each access to restricted data. For auditors, the SIRO and administrators."""

    queryset = AccessEvent.objects.none()  # for the schema; get_queryset() restricts
    permission = has_oversight
    serializer_class = AccessEventSerializer
    filterset_fields = ("user", "kind", "business_area")

    def get_queryset(self):
        return AccessEvent.objects.all()
