"""Training pages: My training, signing, sign-off evidence, courses, the compliance dashboard."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from governance.forms.training import CourseForm, PublishVersionForm, SignForm
from governance.models import BusinessArea, Course, CourseVersion, TrainingSignOff, User
from governance.services import training as service
from governance.services.history import history_for
from governance.services.visibility import can_view_person, has_oversight
from governance.transfer.people import StaffImporter
from governance.transfer.tabular import export_response
from governance.views.imports import ImportView
from governance.views.mixins import ServiceFormView


class MyTrainingView(TemplateView):
    template_name = "training/mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["states"] = service.training_for(user)
        context["clearance"] = service.personal_data_clearance(user) if user.is_data_handler else None
        context["signoffs"] = list(TrainingSignOff.objects.filter(user=user).select_related("version__course")[:10])
        return context


class SignView(ServiceFormView):
    form_class = SignForm
    template_name = "training/sign.html"

    def dispatch(self, request, *args, **kwargs):
        self.course = get_object_or_404(Course, pk=kwargs["pk"], is_active=True)
        if not service.applies_to(self.course, request.user):
            raise PermissionDenied("This course is for data handlers only.")
        self.version = service.current_versions([self.course]).get(self.course.pk)
        if self.version is None:
            raise PermissionDenied("This course has no published declaration to sign yet.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"version": self.version.pk}

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.course, version=self.version, **kwargs)

    def perform(self, form):
        signoff = service.sign(
            self.request.user,
            self.course,
            version_id=form.cleaned_data["version"],
            token=form.cleaned_data["otp_token"],
            request=self.request,
        )
        return "training:mine", f"You have signed {signoff.version}."


def can_view_signoff(viewer: User, signoff: TrainingSignOff) -> bool:
    return can_view_person(viewer, signoff.user)


class SignOffDetailView(DetailView):
    """The evidence of one signature: for the signer, their line manager, their Deputy SIRO and oversight roles."""

    template_name = "training/signoff.html"
    context_object_name = "signoff"

    def get_queryset(self):
        return TrainingSignOff.objects.select_related("user__business_area", "version__course")

    def get_object(self, queryset=None):
        signoff = super().get_object(queryset)
        if not can_view_signoff(self.request.user, signoff):
            raise PermissionDenied("You can see your own sign-offs and those of people you manage or oversee.")
        return signoff

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        signoff = self.object
        context["text_matches"] = (
            service.declaration_digest(signoff.version.declaration_text) == signoff.declaration_digest
        )
        return context


# --- courses (administrators) -------------------------------------------------------------


class CourseAccessMixin:
    permission = "governance.view_course"
    refusal = "Courses are managed by administrators."

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)


class CourseListView(CourseAccessMixin, ListView):
    template_name = "training/courses.html"
    context_object_name = "courses"

    def get_queryset(self):
        return Course.objects.prefetch_related(Prefetch("versions", queryset=CourseVersion.objects.order_by("-number")))

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_add=self.request.user.has_perm("governance.add_course"), **kwargs)


class CourseDetailView(CourseAccessMixin, DetailView):
    template_name = "training/course.html"
    context_object_name = "course"
    model = Course

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = list(self.object.versions.select_related("published_by").order_by("-number"))
        context["history"] = history_for(self.object)
        context["can_change"] = self.request.user.has_perm("governance.change_course")
        return context


class CourseFormView(CourseAccessMixin, ServiceFormView):
    form_class = CourseForm
    template_name = "training/course_form.html"
    permission = "governance.change_course"

    def dispatch(self, request, *args, **kwargs):
        self.course = get_object_or_404(Course, pk=kwargs["pk"]) if "pk" in kwargs else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.course}

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.course, **kwargs)

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in service.COURSE_FIELDS}
        if self.course is None:
            course = service.create_course(by=self.request.user, **fields)
            return course, f"{course.title} added. Publish its first version so people can sign it."
        course = service.update_course(self.course, by=self.request.user, **fields)
        return course, f"{course.title} saved."


class CourseCreateView(CourseFormView):
    permission = "governance.add_course"


class PublishVersionView(CourseAccessMixin, ServiceFormView):
    form_class = PublishVersionForm
    template_name = "training/publish.html"
    permission = "governance.add_courseversion"

    def dispatch(self, request, *args, **kwargs):
        self.course = get_object_or_404(Course, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        latest = self.course.versions.order_by("-number").first()
        return {"declaration_text": latest.declaration_text if latest else "", "requires_resign": False}

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.course, **kwargs)

    def perform(self, form):
        version = service.publish_version(self.course, by=self.request.user, **form.cleaned_data)
        return self.course, f"Version {version.number} of {self.course.title} published."


# --- compliance -------------------------------------------------------------------------


def overseen_areas(user: User):
    if has_oversight(user):
        return BusinessArea.objects.all()
    return BusinessArea.objects.filter(deputy_siro=user)


class ComplianceMixin:
    refusal = "The compliance dashboard is for Deputy SIROs (their areas), the SIRO and auditors."

    def dispatch(self, request, *args, **kwargs):
        self.areas = overseen_areas(request.user)
        if not has_oversight(request.user) and not self.areas.exists():
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)


DASHBOARD_COLUMNS = (
    "business_area",
    "course",
    "staff",
    "current",
    "due_soon",
    "overdue",
    "never_signed",
    "percent_compliant",
)


class ComplianceView(ComplianceMixin, TemplateView):
    template_name = "training/compliance.html"

    def get(self, request, *args, **kwargs):
        rows = service.compliance(self.areas)
        if request.GET.get("format") in ("csv", "xlsx"):
            data = (
                [r.area.name, r.course.title, r.total, r.current, r.due_soon, r.overdue, r.never_signed, r.percent]
                for r in rows
            )
            stamp = timezone.localdate().isoformat()
            return export_response(
                DASHBOARD_COLUMNS, data, filename=f"training-compliance-{stamp}", fmt=request.GET["format"]
            )
        return self.render_to_response(self.get_context_data(rows=rows, whole_organisation=has_oversight(request.user)))


PEOPLE_COLUMNS = ("staff_number", "name", "email", "line_manager", "status", "expires_on")


class CompliancePeopleView(ComplianceMixin, ListView):
    """The people behind a dashboard number."""

    template_name = "training/compliance_people.html"
    context_object_name = "people"
    paginate_by = 50

    def get_queryset(self):
        self.area = get_object_or_404(self.areas, pk=self.kwargs["area"])
        self.course = get_object_or_404(Course, pk=self.kwargs["course"], is_active=True)
        self.status = (
            self.request.GET.get("status") if self.request.GET.get("status") in service.STATUS_LABELS else None
        )
        return service.people_by_status(self.area, self.course, self.status)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") in ("csv", "xlsx"):
            today = service.today()
            people = self.get_queryset()
            data = (
                [
                    p.staff_number,
                    p.display_name,
                    p.email,
                    p.line_manager.display_name if p.line_manager else "",
                    service.STATUS_LABELS[service.classify(p.expires_on, today)],
                    p.expires_on.isoformat() if p.expires_on else "",
                ]
                for p in people.iterator(chunk_size=1000)
            )
            name = f"training-{self.area.code}-{self.course.pk}-{self.status or 'all'}"
            return export_response(PEOPLE_COLUMNS, data, filename=name, fmt=request.GET["format"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = service.today()
        context.update(
            area=self.area,
            course=self.course,
            status=self.status,
            status_label=service.STATUS_LABELS.get(self.status, "All statuses"),
            rows=[
                (p, service.STATUS_LABELS[state], service.STATUS_TAGS[state])
                for p in context["people"]
                for state in [service.classify(p.expires_on, today)]
            ],
            labels=service.STATUS_LABELS,
        )
        return context


class StaffImportView(ImportView):
    importers = {"staff": ("Staff (HR extract)", StaffImporter)}
    title = "Import the HR extract"
    done_url = "areas:list"
    refusal = "Only administrators can load the HR extract."

    def allowed(self, user) -> bool:
        return user.has_perm("governance.add_user") and user.has_perm("governance.change_user")
