"""The audit trail and its verification runs through the API: auditors, the SIRO and administrators.

Cursor pagination, newest first: stable while new entries arrive, and no count
over a trail of millions.
"""

from __future__ import annotations

from rest_framework import serializers

from governance.core.models import AuditEntry, AuditVerification
from governance.core.policy import has_oversight
from governance.core.rest.base import ReadOnlyViewSet
from governance.core.rest.pagination import NewestFirstCursorPagination

ACTIONS = dict(AuditEntry.Action.choices)


class AuditEntrySerializer(serializers.ModelSerializer):
    record_type = serializers.SerializerMethodField()
    action = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = (
            "id",
            "timestamp",
            "chain_index",
            "action",
            "record_type",
            "object_pk",
            "object_repr",
            "actor",
            "remote_addr",
            "cid",
            "business_area",
            "reason",
            "changes",
            "additional_data",
            "digest",
        )
        read_only_fields = fields

    def get_record_type(self, entry: AuditEntry) -> str:
        return entry.content_type.model if entry.content_type_id else ""

    def get_action(self, entry: AuditEntry) -> str:
        return str(ACTIONS.get(entry.action, entry.action))


class NewestEntryFirst(NewestFirstCursorPagination):
    ordering = ("-timestamp", "-id")


class AuditEntryViewSet(ReadOnlyViewSet):
    queryset = AuditEntry.objects.none()  # for the schema; get_queryset() restricts
    permission = has_oversight
    serializer_class = AuditEntrySerializer
    pagination_class = NewestEntryFirst
    filterset_fields = ("actor", "cid", "object_pk", "business_area")

    def get_queryset(self):
        return AuditEntry.objects.select_related("content_type")


class VerificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditVerification
        fields = (
            "id",
            "started_at",
            "finished_at",
            "range_from",
            "range_to",
            "entries_checked",
            "ok",
            "first_break_index",
            "first_break_entry",
            "problem",
            "head_chain_index",
            "head_digest",
        )
        read_only_fields = fields


class VerificationViewSet(ReadOnlyViewSet):
    queryset = AuditVerification.objects.none()  # for the schema; get_queryset() restricts
    permission = has_oversight
    serializer_class = VerificationSerializer

    def get_queryset(self):
        return AuditVerification.objects.all()
