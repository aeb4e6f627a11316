"""Courses in the admin; sign-offs and statuses are evidence, read-only."""

from __future__ import annotations

from django.contrib import admin

from governance.core.admin import ReadOnlyAdmin
from governance.training import courses as training_service
from governance.training.models import Course, CourseVersion, TrainingSignOff, TrainingStatus


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Courses change through the training service (a new renewal period recalculates expiries)."""

    list_display = ("title", "audience", "renewal_months", "clears_personal_data", "is_active")

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in training_service.COURSE_FIELDS if name in form.cleaned_data}
        if change:
            training_service.update_course(obj, by=request.user, **fields)
        else:
            obj.pk = training_service.create_course(by=request.user, **fields).pk

    def has_delete_permission(self, request, obj=None):
        return False  # sign-offs point at courses: retire a course with "in use: no"


@admin.register(CourseVersion)
class CourseVersionAdmin(ReadOnlyAdmin):
    """Versions are published from the course's page in the portal."""

    list_display = ("course", "number", "published_at", "requires_resign", "resign_by")
    list_select_related = ("course",)


@admin.register(TrainingSignOff)
class TrainingSignOffAdmin(ReadOnlyAdmin):
    list_display = ("user", "version", "signed_at", "ip_address")
    list_select_related = ("user", "version__course")
    search_fields = ("user__username", "user__staff_number")
    date_hierarchy = "signed_at"


@admin.register(TrainingStatus)
class TrainingStatusAdmin(ReadOnlyAdmin):
    list_display = ("user", "course", "expires_on")
    list_select_related = ("user", "course")
    list_filter = ("course",)
