"""People through the API (limited fields) and the HR extract as an all-or-nothing POST."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.core.models import User
from governance.core.policy import is_member
from governance.core.rest.base import ReadOnlyViewSet
from governance.register.policy import can_import_staff
from governance.register.selectors import visible_people
from governance.register.staff_sheets import STAFF_COLUMNS, STAFF_NUMBER_LENGTH, StaffImporter


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ("id", "name", "staff_number", "business_area", "line_manager", "is_data_handler", "is_active")
        read_only_fields = fields


class StaffRowSerializer(serializers.Serializer):
    """One row; each is checked as a file's row is (``StaffRowForm``), so every problem is reported by row."""

    staff_number = serializers.CharField(help_text=f"At most {STAFF_NUMBER_LENGTH} characters.")
    name = serializers.CharField()
    email = serializers.CharField()
    business_area = serializers.CharField(help_text="The area's short code.")
    line_manager = serializers.CharField(
        required=False, allow_blank=True, help_text=f"A staff number (at most {STAFF_NUMBER_LENGTH} characters)."
    )
    data_handler = serializers.CharField(required=False, allow_blank=True, help_text="yes or no")
    leaver_date = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM-DD")


class StaffImportSerializer(serializers.Serializer):
    rows = StaffRowSerializer(many=True, allow_empty=False, max_length=5000)
    dry_run = serializers.BooleanField(default=False, help_text="Check every row and change nothing.")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number as in a spreadsheet: the first data row is 2.")
    column = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    errors = RowErrorSerializer(many=True)


class PersonViewSet(ReadOnlyViewSet):
    """People the caller may see on the person pages: themselves, their reports, their areas, or all."""

    queryset = User.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = PersonSerializer
    filterset_fields = ("business_area", "is_active", "is_data_handler")

    def get_queryset(self):
        return visible_people(self.request.user)

    @extend_schema(
        request=StaffImportSerializer,
        responses={
            200: ImportResultSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Every problem, by row (an import result), or a malformed body."
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="import")
    def hr_import(self, request):
        """The HR extract: joiners, movers and leavers, all or nothing, every problem listed by row."""
        if not can_import_staff(request.user):
            self.permission_denied(request, message="Only administrators can load the HR extract.")
        form = StaffImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rows = [
            {column: str(row.get(column, "")).strip() for column in STAFF_COLUMNS}
            for row in form.validated_data["rows"]
        ]
        result = StaffImporter(request.user).run(rows, dry_run=form.validated_data["dry_run"])
        body = ImportResultSerializer(result).data
        return Response(body, status=status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_200_OK)
