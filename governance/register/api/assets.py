"""The asset register through the API: assets and their data items.

Everyone reads the register, as on the pages; creating and editing go through
``register.assets``, which checks the same rules as the forms.
"""

from __future__ import annotations

from typing import cast

from django.db import transaction
from rest_framework import mixins, serializers

from governance.core.models import User
from governance.core.policy import is_member
from governance.core.rest.base import ReadOnlyViewSet
from governance.register import assets as service
from governance.register.filters import AssetFilter
from governance.register.models import DataItem, InformationAsset

ASSET_FIELDS = (
    "id",
    "name",
    "description",
    "business_area",
    "manager",
    "technical_contact",
    "classification",
    "contains_personal_data",
    "special_category",
    "identifiability",
    "extract_type",
    "lawful_basis",
    "storage_location",
    "retention_rule",
    "next_review_date",
    "last_reviewed_on",
    "created_at",
    "updated_at",
)


class AssetSerializer(serializers.ModelSerializer):
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True, is_system=False),
        allow_null=True,
        required=False,
        help_text="The IAM, set when the asset is registered; reassigning is done on the asset's page.",
    )

    class Meta:
        model = InformationAsset
        fields = ASSET_FIELDS
        read_only_fields = ("id", "last_reviewed_on", "created_at", "updated_at")

    def validate(self, attrs):
        if self.instance is not None and "manager" in attrs and attrs.pop("manager") != self.instance.manager:
            raise serializers.ValidationError({"manager": "Reassign the IAM on the asset's page."})
        return attrs


class DataItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataItem
        fields = ("id", "asset", "name", "description", "sensitivity")

    def validate_asset(self, asset: InformationAsset) -> InformationAsset:
        if self.instance is not None and asset.pk != self.instance.asset_id:
            raise serializers.ValidationError("A data item cannot move to another asset.")
        return asset


class AssetViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyViewSet):
    """Information assets: read by everyone; registered and changed by those the pages allow."""

    queryset = InformationAsset.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return InformationAsset.objects.select_related("business_area", "manager", "technical_contact")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        manager = data.pop("manager", None)
        with transaction.atomic():
            serializer.instance = service.create_asset(manager=manager, by=self.request.user, **data)

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.instance = service.update_asset(
                serializer.instance, by=self.request.user, **serializer.validated_data
            )


class DataItemViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyViewSet):
    """The field-level data dictionary (filter with ``?asset=<id>``), kept by those who may edit the asset."""

    queryset = DataItem.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = DataItemSerializer
    filterset_fields = ("asset", "sensitivity")

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return DataItem.objects.select_related("asset")

    def _save(self, serializer, item: DataItem | None) -> None:
        data = serializer.validated_data
        asset = data.get("asset") or cast(DataItem, item).asset  # a new item names its asset
        with transaction.atomic():
            serializer.instance = service.save_data_item(
                asset,
                by=self.request.user,
                item=item,
                name=data.get("name", item.name if item else ""),
                description=data.get("description", item.description if item else ""),
                sensitivity=data.get("sensitivity", item.sensitivity if item else ""),
            )

    def perform_create(self, serializer):
        self._save(serializer, None)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)
