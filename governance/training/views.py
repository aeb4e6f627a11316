"""Training pages: My training, signing, sign-off evidence, courses, the compliance dashboard."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import DetailView, ListView, TemplateView

from governance.core.history_events import history_for
from governance.core.policy import has_oversight
from governance.core.tabular import export_response
from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.incidents.queries import by_area_and_month as incident_figures
from governance.training import courses as service
from governance.training import policy
from governance.training.forms import CourseForm, PublishVersionForm, SignForm
from governance.training.models import Course, CourseVersion, TrainingSignOff
from governance.trends.charts import charts_html
from governance.trends.snapshots import first_snapshot_pending, series_for, series_for_areas


class MyTrainingView(PolicyMixin, TemplateView):
    template_name = "training/mine.html"
    permission = policy.can_view_own_training

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["states"] = service.training_for(user)
        context["to_sign"] = self.request.GET.get("status") == "to_sign"  # the home page's "Sign ... courses"
        if context["to_sign"]:
            context["states"] = [state for state in context["states"] if state.status != service.CURRENT]
        context["clearance"] = service.personal_data_clearance(user) if user.is_data_handler else None
        context["signoffs"] = list(TrainingSignOff.objects.filter(user=user).select_related("version__course")[:10])
        return context


class SignView(ObjectPolicyMixin, ServiceFormView):
    form_class = SignForm
    template_name = "training/sign.html"
    permission = policy.can_sign

    def get_object_queryset(self):
        return Course.objects.filter(is_active=True)

    def get_refusal_message(self) -> str:
        if not policy.applies_to(self.course, self.request.user):
            return "This course is for data handlers only."
        return "This course has no published declaration to sign yet."

    @property
    def course(self) -> Course:
        return self.get_permission_object()

    @cached_property
    def version(self) -> CourseVersion:
        return service.current_versions([self.course])[self.course.pk]

    def get_initial(self):
        return {"version": self.version.pk}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "http_request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.course, version=self.version, **kwargs)

    def checks(self, data, *, valid):
        # The one-time code is left to the service: checking it here would use it up.
        return service.version_errors(self.course, data.get("version"))

    def perform(self, form):
        signoff = service.sign(
            self.request.user,
            self.course,
            version_id=form.cleaned_data["version"],
            token=form.cleaned_data.get("otp_token") or "",
            request=self.request,
        )
        return "training:mine", f"You have signed {signoff.version}."


class SignOffDetailView(ObjectPolicyMixin, DetailView):
    """The evidence of one signature: for the signer, their line manager, their Deputy SIRO and oversight roles."""

    template_name = "training/signoff.html"
    context_object_name = "signoff"
    permission = policy.can_view_signoff
    refusal_message = "You can see your own sign-offs and those of people you manage or oversee."

    def get_object_queryset(self):
        return TrainingSignOff.objects.select_related("user__business_area", "version__course")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        signoff = self.object
        context["text_matches"] = (
            service.declaration_digest(signoff.version.declaration_text) == signoff.declaration_digest
        )
        return context


# --- courses (administrators) -------------------------------------------------------------


class CourseAccessMixin(PolicyMixin):
    permission = policy.can_view_courses
    refusal_message = "Courses are managed by administrators."


class CourseListView(CourseAccessMixin, ListView):
    template_name = "training/courses.html"
    context_object_name = "courses"

    def get_queryset(self):
        return Course.objects.prefetch_related(Prefetch("versions", queryset=CourseVersion.objects.order_by("-number")))

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_add=policy.can_add_course(self.request.user), **kwargs)


class CourseDetailView(ObjectPolicyMixin, CourseAccessMixin, DetailView):
    template_name = "training/course.html"
    context_object_name = "course"

    def get_object_queryset(self):
        return Course.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = list(self.object.versions.select_related("published_by").order_by("-number"))
        context["history"] = history_for(self.object, request=self.request)
        context["can_change"] = policy.can_change_course(self.request.user)
        return context


class CourseFormView(ObjectPolicyMixin, CourseAccessMixin, ServiceFormView):
    form_class = CourseForm
    template_name = "training/course_form.html"
    permission: Callable[..., bool] = policy.can_change_course

    def get_object_queryset(self):
        return Course.objects.all()

    @property
    def course(self) -> Course | None:
        return self.get_permission_object() if self.pk_url_kwarg in self.kwargs else None

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
    permission = policy.can_add_course

    def get_permission_object(self):
        return None


class PublishVersionView(ObjectPolicyMixin, CourseAccessMixin, ServiceFormView):
    form_class = PublishVersionForm
    template_name = "training/publish.html"
    permission = policy.can_publish

    def get_object_queryset(self):
        return Course.objects.all()

    @property
    def course(self) -> Course:
        return self.get_permission_object()

    def get_initial(self):
        latest = self.course.versions.order_by("-number").first()
        return {"declaration_text": latest.declaration_text if latest else "", "requires_resign": False}

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.course, **kwargs)

    def checks(self, data, *, valid):
        return service.resign_errors(data.get("requires_resign"), data.get("resign_by"))

    def perform(self, form):
        version = service.publish_version(self.course, by=self.request.user, **form.cleaned_data)
        return self.course, f"Version {version.number} of {self.course.title} published."


# --- compliance -------------------------------------------------------------------------


class ComplianceMixin(PolicyMixin):
    permission = policy.can_view_compliance
    refusal_message = "The compliance dashboard is for Deputy SIROs (their areas), the SIRO and auditors."

    @property
    def areas(self):
        return policy.compliance_areas(self.request.user)


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
        below_target = request.GET.get("below") == "target"  # the home page's exception
        if below_target:
            rows = service.below_target(rows)
        if request.GET.get("format") in ("csv", "xlsx"):
            data = (
                [r.area.name, r.course.title, r.total, r.current, r.due_soon, r.overdue, r.never_signed, r.percent]
                for r in rows
            )
            stamp = timezone.localdate().isoformat()
            return export_response(
                DASHBOARD_COLUMNS, data, filename=f"training-compliance-{stamp}", fmt=request.GET["format"]
            )
        whole = has_oversight(request.user)
        incidents = incident_figures(None if whole else self.areas)
        calculating = first_snapshot_pending()  # a fresh install: the first snapshot is on its way
        if whole:
            trends = [(None, charts_html(series_for()))]
        else:
            by_area = series_for_areas(self.areas)
            trends = [(area, charts_html(by_area[area.pk])) for area in self.areas]
        return self.render_to_response(
            self.get_context_data(
                rows=rows,
                whole_organisation=whole,
                incident_rows=incidents,
                trends=trends,
                below_target=below_target,
                target=settings.TRAINING_COMPLIANCE_TARGET,
                calculating=calculating,
            )
        )


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
            status_label=service.STATUS_LABELS[self.status] if self.status is not None else "All statuses",
            rows=[
                (p, service.STATUS_LABELS[state], service.STATUS_TAGS[state])
                for p in context["people"]
                for state in [service.classify(p.expires_on, today)]
            ],
            labels=service.STATUS_LABELS,
        )
        return context
