"""Training: who must sign what, whether they are current, signing with a fresh code,
publishing versions, the personal-data clearance rule, dashboards and reminders.

Dates: a sign-off made on day D for a course renewed every R months *expires on*
D + R months (``dateutil``: 29 February + 12 months is 28 February). It counts
before that day; from that day the course is overdue. It is "due soon" from
``TRAINING_DUE_SOON_DAYS`` before. Publishing a version that needs everyone to
sign again brings earlier sign-offs' expiry forward to its "sign again by" date.
People who have never signed are due ``TRAINING_NEW_STARTER_DAYS`` after they
joined (or after the course was first published, if later).
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, FilteredRelation, Min, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.http import HttpRequest
from django.utils import timezone

from governance.core import events
from governance.core.models import BusinessArea, User
from governance.core.notifications import notify
from governance.core.permissions import is_system, refuse_unless
from governance.core.plurals import date_text
from governance.core.security import verify_fresh_code, verify_provider_step_up
from governance.core.step_up import signed_in_through_provider
from governance.training import policy
from governance.training.models import Course, CourseVersion, TrainingSignOff, TrainingStatus
from governance.training.policy import applies_to

CURRENT, DUE_SOON, OVERDUE, NEVER_SIGNED = "current", "due_soon", "overdue", "never_signed"
STATUS_LABELS = {CURRENT: "Current", DUE_SOON: "Due soon", OVERDUE: "Overdue", NEVER_SIGNED: "Never signed"}
STATUS_TAGS = {
    CURRENT: "govuk-tag--green",
    DUE_SOON: "govuk-tag--yellow",
    OVERDUE: "govuk-tag--red",
    NEVER_SIGNED: "govuk-tag--grey",
}


# --- dates and status ----------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def expiry_for(signed_on: datetime.date, renewal_months: int) -> datetime.date:
    return signed_on + relativedelta(months=renewal_months)


def classify(expires_on: datetime.date | None, on: datetime.date) -> str:
    if expires_on is None:
        return NEVER_SIGNED
    if on >= expires_on:
        return OVERDUE
    if (expires_on - on).days <= settings.TRAINING_DUE_SOON_DAYS:
        return DUE_SOON
    return CURRENT


def applicable_users(course: Course) -> QuerySet:
    users = User.objects.filter(is_active=True, is_system=False, is_external=False)  # staff, not researchers
    if course.audience == Course.Audience.DATA_HANDLERS:
        users = users.filter(is_data_handler=True)
    return users


def first_due_date(user: User, first_published: datetime.date) -> datetime.date:
    joined = timezone.localdate(user.date_joined)
    return max(joined, first_published) + datetime.timedelta(days=settings.TRAINING_NEW_STARTER_DAYS)


@dataclass(frozen=True)
class CourseState:
    """One person's standing on one course."""

    course: Course
    version: CourseVersion
    status: str
    due_on: datetime.date  # expiry of the latest sign-off, or when a first sign-off is due
    signoff: TrainingSignOff | None
    signed_current_version: bool

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def tag(self) -> str:
        return STATUS_TAGS[self.status]

    @property
    def last_valid_day(self) -> datetime.date:
        return self.due_on - datetime.timedelta(days=1)


def current_versions(courses) -> dict[int, CourseVersion]:
    """The latest published version of each course (one query)."""
    latest: dict[int, CourseVersion] = {}
    now = timezone.now()
    for version in CourseVersion.objects.filter(course__in=courses, published_at__lte=now).order_by(
        "course", "-number"
    ):
        latest.setdefault(version.course_id, version)
    return latest


def first_publication_dates(courses) -> dict[int, datetime.date]:
    rows = CourseVersion.objects.filter(course__in=courses).values("course").annotate(first=Min("published_at"))
    return {row["course"]: timezone.localdate(row["first"]) for row in rows}


@dataclass(frozen=True)
class Training:
    """A person's courses and their standing, with their clearance for personal data, from one read."""

    states: list[CourseState]
    clearance: Clearance
    courses: list[Course]  # every active course with a version, by title (the compliance figures' courses)


def training_for(user: User, on: datetime.date | None = None) -> list[CourseState]:
    """Every course that applies to ``user`` with its status. Two queries, whatever the history: the active
    courses' versions with their course, and the person's statuses."""
    return training_and_clearance(user, on).states


def training_and_clearance(user: User, on: datetime.date | None = None) -> Training:
    """``training_for`` and ``personal_data_clearance`` from the same two queries, for the pages that show both.

    The active courses come with their versions (the latest published and the first publication of each),
    read as versions joined to their course: a course without a version has nothing to sign and clears
    nobody, so it is not needed."""
    on = on or today()
    now = timezone.now()
    courses: dict[int, Course] = {}
    versions_of: dict[int, list[CourseVersion]] = {}
    for version in (
        CourseVersion.objects.filter(course__is_active=True)
        .select_related("course")
        .order_by("course__title", "course", "-number")
    ):
        course = courses.setdefault(version.course_id, version.course)
        version.course = course  # one object per course, as the prefetch gave
        versions_of.setdefault(course.pk, []).append(version)
    statuses = {
        s.course_id: s for s in TrainingStatus.objects.filter(user=user).select_related("latest_signoff__version")
    }
    states = []
    for course in courses.values():
        if not applies_to(course, user):
            continue
        versions = versions_of[course.pk]
        published = [v for v in versions if v.published_at <= now]
        if not published:
            continue  # nothing published yet: nothing to sign
        version = published[0]
        status = statuses.get(course.pk)
        if status is None:
            due_on = first_due_date(user, timezone.localdate(min(v.published_at for v in versions)))
            state = NEVER_SIGNED
            signoff = None
        else:
            due_on, signoff = status.expires_on, status.latest_signoff
            state = classify(due_on, on)
        states.append(
            CourseState(
                course=course,
                version=version,
                status=state,
                due_on=due_on,
                signoff=signoff,
                signed_current_version=signoff is not None and signoff.version_id == version.pk,
            )
        )
    clearing = [course for course in courses.values() if course.clears_personal_data]
    current = {course_id for course_id, s in statuses.items() if s.expires_on is not None and s.expires_on > on}
    return Training(states, _clearance(user, clearing, current), list(courses.values()))


# --- the personal-data clearance rule ---------------------------------------------------


@dataclass(frozen=True)
class Clearance:
    cleared: bool
    reason: str = ""


def personal_data_clearance(user: User, on: datetime.date | None = None) -> Clearance:
    """Whether ``user`` may be given personal data: a data handler whose data-protection
    sign-offs are all current. The one rule the access feature and every page use."""
    on = on or today()
    if not user.is_active or not user.is_data_handler:
        return _clearance(user, [], set())
    courses = list(
        Course.objects.filter(is_active=True, clears_personal_data=True).filter(versions__isnull=False).distinct()
    )
    current = set()
    if courses:
        current = set(
            TrainingStatus.objects.filter(user=user, course__in=courses, expires_on__gt=on).values_list(
                "course", flat=True
            )
        )
    return _clearance(user, courses, current)


def _clearance(user: User, courses: list[Course], current: set[int]) -> Clearance:
    """The clearance rule itself: ``courses`` are the active courses with a version that clear for personal
    data (by title), ``current`` the ids of the courses the person's sign-off is current on."""
    if not user.is_active:
        return Clearance(False, "The account is not active")
    if not user.is_data_handler:
        return Clearance(False, "Only data handlers may be given personal data")
    if not courses:
        return Clearance(False, "No data-protection course has been published")
    missing = [c.title for c in courses if c.pk not in current]
    if missing:
        return Clearance(False, f"Data-protection training is not current: {', '.join(missing)}")
    return Clearance(True)


def is_cleared_for_personal_data(user: User, on: datetime.date | None = None) -> bool:
    return personal_data_clearance(user, on).cleared


UNCLEARED_CACHE_KEY = "training:uncleared-data-handlers"
UNCLEARED_CACHE_SECONDS = 300
COMPLIANCE_CACHE_KEY = "training:compliance-counts"
COMPLIANCE_CACHE_SECONDS = 300


def uncleared_data_handler_ids(on: datetime.date | None = None) -> set[int]:
    """Every active data handler not cleared for personal data, for marking names on pages.

    One anti-join query, kept in the cache for five minutes and dropped whenever a
    sign-off, a course or a data-handler flag changes. Decisions never use this:
    they ask ``personal_data_clearance``, which is always live.
    """
    on = on or today()
    key = f"{UNCLEARED_CACHE_KEY}:{on.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    handlers = User.objects.filter(is_active=True, is_data_handler=True, is_system=False)
    courses = list(
        Course.objects.filter(is_active=True, clears_personal_data=True, versions__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    if courses:
        missing: Q | Combinable = Q()
        for course in courses:
            current = TrainingStatus.objects.filter(user=OuterRef("pk"), course=course, expires_on__gt=on)
            missing |= ~Exists(current)
        handlers = handlers.filter(missing)
    result = set(handlers.values_list("pk", flat=True))
    cache.set(key, result, UNCLEARED_CACHE_SECONDS)
    return result


def forget_clearance_cache() -> None:
    """Called on every change that can move someone in or out of clearance, or change the dashboards' counts."""
    day = today().isoformat()
    cache.delete_many([f"{UNCLEARED_CACHE_KEY}:{day}", f"{COMPLIANCE_CACHE_KEY}:{day}"])


# --- signing -------------------------------------------------------------------------


def declaration_digest(text: str) -> str:
    """SHA-256 of the declaration as shown (line endings normalised)."""
    normalised = "\n".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


NEW_VERSION_MESSAGE = "A new version of the declaration was published while you were reading. Read it and sign again."


def version_errors(course: Course, version_id: int | None) -> dict[str, str]:
    """The version signed must be the one in force: a newer one published while reading must be read first.

    Checked when the signature is written and, through the sign form, with the
    confirmation box, so a stale page says so on the first submit. The one-time code
    is not checked here: checking it uses it up, so only the writing step does.
    """
    version = current_versions([course]).get(course.pk)
    if version is None:
        return {"__all__": "This course has no published declaration yet."}
    if version_id is not None and version.pk != version_id:
        return {"version": NEW_VERSION_MESSAGE}
    return {}


@transaction.atomic
def sign(
    user: User, course: Course, *, version_id: int, token: str, request: HttpRequest | None = None
) -> TrainingSignOff:
    """Record ``user``'s signed declaration for the course's current version.

    Asks for a fresh one-time code: layered authentication for an attestation. Someone who
    signed in through the identity provider signs in there again instead (``core.step_up``).
    """
    if not applies_to(course, user):
        raise PermissionDenied("This course does not apply to you.")
    errors = version_errors(course, version_id)
    if errors:
        raise ValidationError(errors.get("__all__") or errors)
    version = current_versions([course])[course.pk]
    if request is not None and signed_in_through_provider(request, user):
        verify_provider_step_up(user, request=request)
    elif not verify_fresh_code(user, token):
        raise ValidationError({"otp_token": "Enter a new code from your authenticator app"})
    meta = request.META if request is not None else {}
    signoff = _record(
        user,
        version,
        signed_at=timezone.now(),
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:500],
    )
    if course.clears_personal_data:
        # Access suspended for lapsed training comes back as soon as the person is cleared again.
        events.clearance_signed.send(sender=TrainingSignOff, person=user)
    return signoff


@transaction.atomic
def _record(user, version, *, signed_at, ip_address=None, user_agent="") -> TrainingSignOff:
    course = version.course
    signoff = TrainingSignOff.objects.create(
        user=user,
        course=course,
        version=version,
        signed_at=signed_at,
        ip_address=ip_address,
        user_agent=user_agent,
        declaration_digest=declaration_digest(version.declaration_text),
    )
    expires = _expiry_with_resign(signoff, course)
    status = TrainingStatus.objects.select_for_update().filter(user=user, course=course).first()
    if status is None:
        TrainingStatus.objects.create(user=user, course=course, latest_signoff=signoff, expires_on=expires)
    elif status.latest_signoff.signed_at <= signed_at:
        status.latest_signoff, status.expires_on = signoff, expires
        status.save(update_fields=["latest_signoff", "expires_on"])
    return signoff


def record_historic_signoff(user: User, version: CourseVersion, signed_at: datetime.datetime, *, by: User):
    """Load a sign-off made before the portal existed (demo data, migration from a legacy system)."""
    if not getattr(by, "is_system", False):
        raise PermissionDenied("Historic sign-offs are loaded by the system only.")
    return _record(user, version, signed_at=signed_at, user_agent="(historic record)")


def _expiry_with_resign(signoff: TrainingSignOff, course: Course, resign_versions=None) -> datetime.date:
    expires = expiry_for(timezone.localdate(signoff.signed_at), course.renewal_months)
    if resign_versions is None:
        resign_versions = CourseVersion.objects.filter(course=course, requires_resign=True)
    for version in resign_versions:
        if version.number > signoff.version.number and version.resign_by < expires:
            expires = version.resign_by
    return expires


# --- administering courses ---------------------------------------------------------------

COURSE_FIELDS = (
    "title",
    "description",
    "audience",
    "renewal_months",
    "content_url",
    "clears_personal_data",
    "is_active",
)


@transaction.atomic
def create_course(*, by: User, **fields) -> Course:
    refuse_unless(is_system(by) or policy.can_add_course(by), "Only administrators define courses.")
    course = Course(**fields)
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def update_course(course: Course, *, by: User, **fields) -> Course:
    refuse_unless(is_system(by) or policy.can_change_course(by), "Only administrators change courses.")
    course = Course.objects.select_for_update().get(pk=course.pk)
    old_months = course.renewal_months
    changed = [name for name, value in fields.items() if getattr(course, name) != value]
    for name in changed:
        setattr(course, name, fields[name])
    if changed:
        course.full_clean()
        course.save(update_fields=changed)
    if course.renewal_months != old_months:
        _recompute_expiries(course)
    return course


def _recompute_expiries(course: Course) -> int:
    """After a change of renewal period or a re-sign version: every status's expiry, row by row (audited)."""
    resign = list(CourseVersion.objects.filter(course=course, requires_resign=True))
    changed = 0
    for status in (
        TrainingStatus.objects.filter(course=course).select_related("latest_signoff__version").iterator(chunk_size=1000)
    ):
        expires = _expiry_with_resign(status.latest_signoff, course, resign)
        if expires != status.expires_on:
            status.expires_on = expires
            status.save(update_fields=["expires_on"])
            changed += 1
    return changed


def resign_errors(requires_resign: bool | None, resign_by: datetime.date | None) -> dict[str, str]:
    """A version everyone must sign again gives them a date after today to do it by.

    Checked when the version is published and, through the publish form, with its own fields.
    """
    if requires_resign and resign_by is not None and resign_by <= today():
        return {"resign_by": "The date to sign again by must be after today"}
    return {}


@transaction.atomic
def publish_version(
    course: Course,
    *,
    by: User,
    declaration_text: str,
    changes_summary: str = "",
    requires_resign: bool = False,
    resign_by: datetime.date | None = None,
) -> CourseVersion:
    """Publish a new declaration. If everyone must sign again, earlier sign-offs stop counting on ``resign_by``."""
    refuse_unless(is_system(by) or policy.can_publish(by), "Only administrators publish course versions.")
    course = Course.objects.select_for_update().get(pk=course.pk)
    if requires_resign and resign_by is None:
        raise ValidationError({"resign_by": "Enter the date by which everyone must sign again"})
    errors = resign_errors(requires_resign, resign_by)
    if errors:
        raise ValidationError(errors)
    number = (
        CourseVersion.objects.filter(course=course).order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = CourseVersion(
        course=course,
        number=number,
        declaration_text=declaration_text.strip(),
        changes_summary=changes_summary,
        published_by=by,
        requires_resign=requires_resign,
        resign_by=resign_by if requires_resign else None,
    )
    version.full_clean()
    version.save()
    if requires_resign:
        _recompute_expiries(course)
    return version


# --- dashboards ----------------------------------------------------------------------


@dataclass
class _Counts:
    """The sign-offs of one course in one area, by status, while ``compliance`` counts them."""

    current: int = 0
    due_soon: int = 0
    overdue: int = 0


@dataclass
class ComplianceRow:
    area: BusinessArea
    course: Course
    total: int = 0
    current: int = 0
    due_soon: int = 0
    overdue: int = 0
    never_signed: int = 0

    @property
    def compliant(self) -> int:
        return self.current + self.due_soon

    @property
    def percent(self) -> int | None:
        return round(100 * self.compliant / self.total) if self.total else None


def _with_status(users: QuerySet, course: Course) -> QuerySet:
    return users.annotate(st=FilteredRelation("training_statuses", condition=Q(training_statuses__course=course)))


def status_filter(status: str, on: datetime.date) -> Q:
    soon = on + datetime.timedelta(days=settings.TRAINING_DUE_SOON_DAYS)
    return {
        CURRENT: Q(st__expires_on__gt=soon),
        DUE_SOON: Q(st__expires_on__gt=on, st__expires_on__lte=soon),
        OVERDUE: Q(st__expires_on__lte=on),
        NEVER_SIGNED: Q(st__isnull=True),
    }[status]


def compliance_counts(on: datetime.date | None = None, *, refresh: bool = False) -> tuple[list[dict], list[dict]]:
    """The organisation's training counts: staff per area and handler flag, statuses per area, course and flag.

    Two grouped queries over every person, so they are kept in the cache for five
    minutes, dropped whenever a sign-off, a course or a person's area or flags change,
    and recomputed ahead of time by ``refresh_training_figures`` (with a shared cache,
    the dashboards never wait for them). Each dashboard takes its areas' share.
    """
    on = on or today()
    key = f"{COMPLIANCE_CACHE_KEY}:{on.isoformat()}"
    cached = None if refresh else cache.get(key)
    if cached is not None:
        return cached
    soon = on + datetime.timedelta(days=settings.TRAINING_DUE_SOON_DAYS)
    staff = list(
        User.objects.filter(is_active=True, is_system=False, business_area__isnull=False)
        .values("business_area", "is_data_handler")
        .annotate(n=Count("pk"))
        .order_by()
    )
    signed = list(
        TrainingStatus.objects.filter(user__is_active=True, user__is_system=False, user__business_area__isnull=False)
        .values("user__business_area", "course", "user__is_data_handler")
        .annotate(
            current=Count("pk", filter=Q(expires_on__gt=soon)),
            due_soon=Count("pk", filter=Q(expires_on__gt=on, expires_on__lte=soon)),
            overdue=Count("pk", filter=Q(expires_on__lte=on)),
        )
        .order_by()
    )
    cache.set(key, (staff, signed), COMPLIANCE_CACHE_SECONDS)
    return staff, signed


def compliance(
    areas: QuerySet | list[BusinessArea], on: datetime.date | None = None, courses: list[Course] | None = None
) -> list[ComplianceRow]:
    """Per business area and course: totals by status, from ``compliance_counts`` (cached), whatever the staff.

    Everyone who must sign is counted from the staff table (by area and data-handler
    flag); the signed are counted from the statuses (by area, course and flag); the
    rest have never signed. ``areas`` already read (a list) are taken as they are, and so are
    ``courses`` (the active courses with a version, by title) when the caller has read them.
    """
    on = on or today()
    if isinstance(areas, list):
        area_list = sorted(areas, key=lambda area: area.name)
    else:
        area_list = list(areas.select_related("deputy_siro").order_by("name"))
    wanted = {area.pk for area in area_list}
    if courses is None:
        courses = list(Course.objects.filter(is_active=True, versions__isnull=False).distinct())
    staff, signed = compliance_counts(on)
    everyone: dict[int, int] = defaultdict(int)
    handlers: dict[int, int] = defaultdict(int)
    for row in staff:
        if row["business_area"] not in wanted:
            continue
        everyone[row["business_area"]] += row["n"]
        if row["is_data_handler"]:
            handlers[row["business_area"]] += row["n"]
    by_area_course: dict[tuple[int, int], _Counts] = {}
    audience = {c.pk: c.audience for c in courses}
    for row in signed:
        if row["user__business_area"] not in wanted or row["course"] not in audience:
            continue
        if audience[row["course"]] == Course.Audience.DATA_HANDLERS and not row["user__is_data_handler"]:
            continue  # a sign-off of someone the course no longer applies to
        key = (row["user__business_area"], row["course"])
        counts = by_area_course.setdefault(key, _Counts())
        counts.current += row["current"]
        counts.due_soon += row["due_soon"]
        counts.overdue += row["overdue"]
    rows = []
    for course in courses:
        for area in area_list:
            counts = by_area_course.get((area.pk, course.pk), _Counts())
            total = handlers[area.pk] if course.audience == Course.Audience.DATA_HANDLERS else everyone[area.pk]
            rows.append(
                ComplianceRow(
                    area=area,
                    course=course,
                    total=total,
                    current=counts.current,
                    due_soon=counts.due_soon,
                    overdue=counts.overdue,
                    never_signed=max(total - counts.current - counts.due_soon - counts.overdue, 0),
                )
            )
    return rows


def below_target(rows: list[ComplianceRow]) -> list[ComplianceRow]:
    """The rows whose compliance is below ``TRAINING_COMPLIANCE_TARGET`` (rows with nobody to sign are not)."""
    target = settings.TRAINING_COMPLIANCE_TARGET
    return [row for row in rows if row.percent is not None and row.percent < target]


def people_by_status(area: BusinessArea, course: Course, status: str | None, on: datetime.date | None = None):
    """The people behind a dashboard number, with their latest expiry (for the drill-down and its export)."""
    on = on or today()
    users = _with_status(applicable_users(course).filter(business_area=area), course)
    if status:
        users = users.filter(status_filter(status, on))
    return (
        users.annotate(expires_on=F("st__expires_on"))
        .select_related("line_manager")
        .order_by("last_name", "first_name", "pk")
    )


# --- reminders -----------------------------------------------------------------------


@dataclass
class ReminderRun:
    sent: dict[str, int]

    def __init__(self):
        self.sent = defaultdict(int)


def send_reminders(on: datetime.date | None = None) -> ReminderRun:
    """Daily: before expiry, on expiry, weekly while overdue, then escalation. Idempotent.

    Each message's key names the person, course, the expiry (or first due date)
    it is about and the step (and week, for weekly reminders), so a repeated or
    retried run sends nothing twice, while a new cycle starts afresh.
    """
    on = on or today()
    run = ReminderRun()
    horizon = on + datetime.timedelta(days=settings.TRAINING_DUE_SOON_DAYS)
    courses = [c for c in Course.objects.filter(is_active=True) if c.versions.exists()]
    firsts = first_publication_dates(courses)
    for course in courses:
        statuses = (
            TrainingStatus.objects.filter(course=course, expires_on__lte=horizon, user__in=applicable_users(course))
            .select_related("user__line_manager", "user__business_area__deputy_siro")
            .order_by("pk")
        )
        for status in statuses.iterator(chunk_size=1000):
            _remind(run, status.user, course, status.expires_on, on, signed=True)
        never = (
            applicable_users(course)
            .exclude(training_statuses__course=course)
            .select_related("line_manager", "business_area__deputy_siro")
            .order_by("pk")
        )
        for user in never.iterator(chunk_size=1000):
            due_on = first_due_date(user, firsts[course.pk])
            if due_on <= horizon:
                _remind(run, user, course, due_on, on, signed=False)
    return run


def _remind(run: ReminderRun, user: User, course: Course, due_on: datetime.date, on: datetime.date, *, signed: bool):
    base = f"training:{user.pk}:{course.pk}:{due_on.isoformat()}"
    context = {"course": course, "due_on": due_on, "person": user, "signed": signed, "days_overdue": (on - due_on).days}
    days_overdue = (on - due_on).days
    if days_overdue < 0:
        step, subject = "before", f"{course.title}: due by {date_text(due_on)}"
    elif days_overdue < 7:
        step, subject = "expired", f"{course.title}: {'overdue' if signed else 'now due'}"
    else:
        step, subject = f"overdue-week-{days_overdue // 7}", f"{course.title}: overdue by {days_overdue} days"
    if notify(user, key=f"{base}:{step}", subject=subject, template="emails/training_reminder.txt", context=context):
        run.sent[step.split("-week")[0]] += 1
    if days_overdue >= settings.TRAINING_ESCALATE_AFTER_DAYS:
        area = user.business_area
        escalate_to = {"line-manager": user.line_manager, "deputy-siro": area.deputy_siro if area else None}
        for role, recipient in escalate_to.items():
            if recipient is None or not recipient.is_active:
                continue
            sent = notify(
                recipient,
                key=f"{base}:escalation:{role}",
                subject=f"Overdue training: {user.display_name}, {course.title}",
                template="emails/training_escalation.txt",
                context={**context, "role": role},
            )
            if sent:
                run.sent[f"escalation-{role}"] += 1
