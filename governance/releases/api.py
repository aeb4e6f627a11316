"""Statistical releases through the API: status and sign-off state only.

Never the raw tables, their values or the disclosure rules' parameters: those
stay on the pages of the disclosure-control role. Restricted by
``releases.selectors.visible_releases``.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from rest_framework import serializers

from governance.core.policy import is_member
from governance.core.rest.base import ReadOnlyViewSet
from governance.releases.models import OutputTable, ReleaseSignOff, StatisticalRelease
from governance.releases.selectors import visible_releases


def _table_count(condition: Q | None = None):
    tables = OutputTable.objects.filter(release=OuterRef("pk"))
    if condition is not None:
        tables = tables.filter(condition)
    counted = tables.order_by().values("release").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _live_sign_off(field: str):
    live = ReleaseSignOff.objects.filter(release=OuterRef("pk"), voided_at__isnull=True).order_by("-signed_at")
    return Subquery(live.values(field)[:1])


class ReleaseSerializer(serializers.ModelSerializer):
    table_count = serializers.IntegerField(read_only=True)
    tables_passed = serializers.IntegerField(read_only=True)
    signed_off_by = serializers.IntegerField(read_only=True, allow_null=True)
    signed_off_at = serializers.DateTimeField(read_only=True, allow_null=True)
    signed_off_as = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = StatisticalRelease
        fields = (
            "id",
            "title",
            "summary",
            "planned_release_date",
            "author",
            "status",
            "released_at",
            "released_by",
            "table_count",
            "tables_passed",
            "signed_off_by",
            "signed_off_at",
            "signed_off_as",
        )
        read_only_fields = fields


class ReleaseViewSet(ReadOnlyViewSet):
    """Releases the caller wrote, signs off or oversees, or that draw on assets they manage."""

    queryset = StatisticalRelease.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = ReleaseSerializer
    filterset_fields = ("status",)

    def get_queryset(self):
        return visible_releases(self.request.user).annotate(
            table_count=_table_count(),
            tables_passed=_table_count(Q(passed=True)),
            signed_off_by=_live_sign_off("signed_by"),
            signed_off_at=_live_sign_off("signed_at"),
            signed_off_as=_live_sign_off("signed_as"),
        )
