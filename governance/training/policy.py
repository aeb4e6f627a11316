"""Who may see and do what with training: signing, sign-off evidence, courses and compliance."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from governance.core.models import BusinessArea, User
from governance.core.policy import has_model_perm, has_oversight, is_deputy_siro, is_member
from governance.core.selectors import overseen_areas
from governance.register.policy import can_view_person
from governance.training.models import Course, CourseVersion, TrainingSignOff


def applies_to(course: Course, user: User) -> bool:
    return course.is_active and (course.audience == Course.Audience.ALL_STAFF or user.is_data_handler)


def can_view_own_training(user: User) -> bool:
    return is_member(user)


def can_sign(user: User, course: Course) -> bool:
    """A course that applies to the person and has a published declaration to sign."""
    return (
        is_member(user)
        and applies_to(course, user)
        and CourseVersion.objects.filter(course=course, published_at__lte=timezone.now()).exists()
    )


def can_view_signoff(viewer: User, signoff: TrainingSignOff) -> bool:
    """The signer, their line manager, their area's Deputy SIRO and organisation-wide oversight."""
    return can_view_person(viewer, signoff.user)


def can_view_courses(user: User, course: Course | None = None) -> bool:
    return has_model_perm(user, "governance.view_course")


def can_add_course(user: User) -> bool:
    return has_model_perm(user, "governance.add_course")


def can_change_course(user: User, course: Course | None = None) -> bool:
    return has_model_perm(user, "governance.change_course")


def can_publish(user: User, course: Course | None = None) -> bool:
    return has_model_perm(user, "governance.add_courseversion")


def can_view_compliance(user: User, area: BusinessArea | None = None) -> bool:
    """The dashboard: Deputy SIROs (their areas), the SIRO, auditors and administrators (all)."""
    return has_oversight(user) or is_deputy_siro(user)


def compliance_areas(user: User) -> QuerySet[BusinessArea]:
    """The areas whose compliance ``user`` may see."""
    if has_oversight(user):
        return BusinessArea.objects.all()
    return overseen_areas(user)
