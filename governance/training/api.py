"""Training through the API: the courses, the caller's own status and sign-offs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from governance.core.policy import has_oversight, is_member
from governance.core.rest.base import AuditedApiMixin, ReadOnlyViewSet
from governance.training.courses import training_for
from governance.training.models import Course, TrainingSignOff


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ("id", "title", "audience", "renewal_months", "content_url", "is_active")
        read_only_fields = fields


class SignOffSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = TrainingSignOff
        fields = ("id", "user", "course", "version", "signed_at")
        read_only_fields = fields


class CourseStatusSerializer(serializers.Serializer):
    course = serializers.IntegerField(source="course.pk")
    title = serializers.CharField(source="course.title")
    version = serializers.IntegerField(source="version.number")
    status = serializers.CharField()
    due_on = serializers.DateField()
    signed_current_version = serializers.BooleanField()


class CourseViewSet(ReadOnlyViewSet):
    queryset = Course.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = CourseSerializer

    def get_queryset(self):
        return Course.objects.all()


class SignOffViewSet(ReadOnlyViewSet):
    """The caller's own sign-offs; auditors, the SIRO and administrators see everyone's."""

    queryset = TrainingSignOff.objects.none()  # for the schema; get_queryset() restricts
    permission = is_member
    serializer_class = SignOffSerializer
    filterset_fields = ("user", "course")

    def get_queryset(self):
        signoffs = TrainingSignOff.objects.select_related("version")
        return signoffs if has_oversight(self.request.user) else signoffs.filter(user=self.request.user)


class TrainingStatusViewSet(AuditedApiMixin, viewsets.ViewSet):
    """The caller's standing on every course that applies to them (current, due soon, overdue, never signed)."""

    permission = is_member

    @extend_schema(responses=CourseStatusSerializer(many=True))
    def list(self, request):
        return Response(CourseStatusSerializer(training_for(request.user), many=True).data)
