"""The DPIA pages: the list, one DPIA as a task list, and a page for each step."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from governance.access.models import AccessRequest
from governance.contracts.models import ResearchContract
from governance.core.models import User
from governance.core.plurals import date_text
from governance.core.views.mixins import HistoryMixin, ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.privacy import dpias as service
from governance.privacy.forms.dpias import (
    AdviceForm,
    AssessmentForm,
    ConsultationForm,
    ReviewForm,
    RiskForm,
    ScreeningForm,
    SignForm,
)
from governance.privacy.models import DPIA, DPIARisk, ProcessingActivity, RiskLevel, SharingAgreement
from governance.privacy.policy import (
    can_advise_on_dpia,
    can_edit_dpia,
    can_list_dpias,
    can_record_consultation,
    can_review_dpia,
    can_see_dpia,
    can_sign_dpia,
    can_sign_dpia_as_iam,
    deputy_step_person,
    iam_step_person,
    sees_every_dpia,
)
from governance.privacy.selectors import review_due, visible_dpias

S = DPIA.State
VIEW_REFUSAL = "Only the DPIA's IAM, the Deputy SIRO of its area, the DPO, the SIRO and auditors can see it."
SUBJECT_RELATED = ("business_area__deputy_siro", "iam")
# The subject (one of four) and the people of each step are read in one query each rather than
# ten more joins: PostgreSQL spent longer planning the fourteen-table join (about 30 ms on the
# benchmark database) than running it (1 ms).
STEP_PEOPLE = ("author", "screened_by", "dpo_advice_by", "iam_signed_by", "deputy_signed_by")


def with_subject_and_people(dpia: DPIA) -> DPIA:
    subjects: dict[str, QuerySet] = {
        "processing_activity": ProcessingActivity.objects.all(),
        "access_request": AccessRequest.objects.select_related("asset"),
        "contract": ResearchContract.objects.all(),
        "sharing_agreement": SharingAgreement.objects.all(),
    }
    for name, queryset in subjects.items():
        subject_id = getattr(dpia, f"{name}_id")
        if subject_id is not None:
            setattr(dpia, name, queryset.get(pk=subject_id))
    ids = {getattr(dpia, f"{name}_id") for name in STEP_PEOPLE} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for name in STEP_PEOPLE:
        person_id = getattr(dpia, f"{name}_id")
        if person_id is not None:
            setattr(dpia, name, people[person_id])
    return dpia


# The list's filters, named as the home page's task list links to them.
STATUS_FILTERS = {
    "screening": ("Screening to answer", lambda: Q(state=S.SCREENING)),
    "assessment": ("In assessment", lambda: Q(state=S.IN_ASSESSMENT)),
    "advice": ("Awaiting the DPO's advice", lambda: Q(state=S.AWAITING_ADVICE)),
    "sign": ("Awaiting sign-off", lambda: Q(state=S.AWAITING_SIGN_OFF)),
    "signed": ("Signed", lambda: Q(state=S.SIGNED)),
    "review": ("Review due", lambda: review_due(timezone.localdate())),
}


class DPIAListView(PolicyMixin, ListView):
    permission = can_list_dpias
    refusal_message = "DPIAs are seen by IAMs, Deputy SIROs, the DPO, the SIRO and auditors."
    template_name = "privacy/dpias/list.html"
    context_object_name = "dpias"
    paginate_by = 25

    def get_queryset(self):
        queryset = visible_dpias(self.request.user).select_related("business_area", "iam")
        self.status = self.request.GET.get("status", "")
        if self.status in STATUS_FILTERS:
            queryset = queryset.filter(STATUS_FILTERS[self.status][1]())
        else:
            self.status = ""
        return queryset.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        filters = [(key, label) for key, (label, _) in STATUS_FILTERS.items()]
        return super().get_context_data(
            sees_all=sees_every_dpia(self.request.user), status=self.status, filters=filters, **kwargs
        )


class DPIAMixin(ObjectPolicyMixin):
    permission = can_see_dpia
    refusal_message = VIEW_REFUSAL

    def get_object_queryset(self):
        return DPIA.objects.select_related(*SUBJECT_RELATED)

    def get_permission_object(self) -> DPIA:
        if getattr(self, "object", None) is None:
            with_subject_and_people(super().get_permission_object())
        return self.object

    @property
    def dpia(self) -> DPIA:
        return self.get_permission_object()

    def get_context_data(self, **kwargs):
        return super().get_context_data(dpia=self.dpia, **kwargs)  # type: ignore[misc]


def subject_url(dpia: DPIA) -> str | None:
    try:
        return dpia.subject.get_absolute_url()  # type: ignore[attr-defined]
    except NoReverseMatch:
        return None


@dataclass
class Step:
    key: str
    name: str
    hint: str
    status: str
    tag: str = ""
    href: str = ""


def _status(done: bool, current: bool) -> tuple[str, str]:
    if done:
        return "Completed", ""
    if current:
        return "In progress", "govuk-tag--blue"
    return "Cannot start yet", ""


def steps_for(dpia: DPIA, user) -> list[Step]:
    """The DPIA's steps as a GOV.UK task list: each with its status, and a link for whoever takes it."""
    order: list[str] = [S.SCREENING, S.NEEDED, S.IN_ASSESSMENT, S.AWAITING_ADVICE, S.AWAITING_SIGN_OFF, S.SIGNED]
    at = order.index(dpia.state) if dpia.state in order else -1
    edits = can_edit_dpia(user, dpia)
    url = lambda name: reverse(f"privacy:dpia-{name}", args=[dpia.pk])  # noqa: E731
    screened = dpia.state != S.SCREENING
    steps = [
        Step(
            "screening",
            "Screening",
            "The ICO's criteria for likely high risk, and whether a DPIA is needed",
            *(("Completed", "") if screened else ("Not yet started", "govuk-tag--blue")),
            href=url("screening") if edits and dpia.state in (S.SCREENING, S.NEEDED, S.NOT_NEEDED) else "",
        )
    ]
    if dpia.state == S.NOT_NEEDED:
        return steps
    assessed = at >= order.index(S.AWAITING_ADVICE)
    steps.append(
        Step(
            "assessment",
            "Assessment and risks",
            "The processing, its necessity and proportionality, the risks to people and their measures",
            *_status(assessed, dpia.state in (S.NEEDED, S.IN_ASSESSMENT)),
            href=url("assessment") if edits and dpia.state in service.ASSESSING else "",
        )
    )
    steps.append(
        Step(
            "advice",
            "The Data Protection Officer's advice",
            "Asked of the DPO once the assessment is complete",
            *_status(bool(dpia.dpo_advice_at), dpia.state == S.AWAITING_ADVICE),
            href=url("advice") if can_advise_on_dpia(user, dpia) and dpia.state == S.AWAITING_ADVICE else "",
        )
    )
    steps.append(
        Step(
            "sign",
            "Sign-off by the IAM and the Deputy SIRO",
            "Two different people, each with a fresh security key",
            *_status(dpia.state == S.SIGNED, dpia.state == S.AWAITING_SIGN_OFF),
            href=url("sign") if can_sign_dpia(user, dpia) and dpia.state == S.AWAITING_SIGN_OFF else "",
        )
    )
    if dpia.state == S.SIGNED:
        due = dpia.review_date is not None and dpia.review_date <= timezone.localdate()
        if due:
            status: tuple[str, str] = ("Due", "govuk-tag--red")
        else:
            status = (f"Next by {date_text(dpia.review_date)}" if dpia.review_date else "Not set", "")
        steps.append(
            Step(
                "review",
                "Review",
                "Whether it still describes the processing and its risks, at least every "
                f"{settings.DPIA_REVIEW_MONTHS} months",
                *status,
                href=url("review") if can_review_dpia(user, dpia) else "",
            )
        )
    if dpia.residual_risk == RiskLevel.HIGH:
        steps.append(
            Step(
                "consultation",
                "Prior consultation with the ICO (Article 36)",
                "The residual risk is high: the ICO answers within 8 weeks, extendable by 6",
                *_status(bool(dpia.consultation_outcome), bool(dpia.consultation_started_on)),
                href=url("consultation") if can_record_consultation(user, dpia) else "",
            )
        )
    return steps


class DPIADetailView(DPIAMixin, HistoryMixin, TemplateView):
    template_name = "privacy/dpias/detail.html"

    def get_context_data(self, **kwargs):
        self.object = self.dpia
        dpia, user = self.dpia, self.request.user
        return super().get_context_data(
            steps=steps_for(dpia, user),
            risks=list(dpia.risks.all()),
            subject_url=subject_url(dpia),
            iam_signer=iam_step_person(dpia),
            deputy_signer=deputy_step_person(dpia),
            **kwargs,
        )


class _StepPage(DPIAMixin, ServiceFormView):
    template_name = "privacy/dpias/risk.html"
    permission = can_edit_dpia
    refusal_message = "Only the IAM (or owner) the DPIA names and the Deputy SIRO of its area write it."
    heading = ""
    submit = "Save"

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading, submit=self.submit, **kwargs)


class ScreeningView(_StepPage):
    form_class = ScreeningForm
    template_name = "privacy/dpias/screening.html"
    heading = "Screening for a DPIA"

    def get_initial(self):
        dpia = self.dpia
        return {"criteria": dpia.criteria, "outcome": dpia.screening_outcome, "reasons": dpia.screening_reasons}

    def perform(self, form):
        data = form.cleaned_data
        dpia = service.screen(
            self.dpia, by=self.request.user, criteria=data["criteria"], outcome=data["outcome"], reasons=data["reasons"]
        )
        if dpia.state == S.NEEDED:
            return reverse("privacy:dpia-assessment", args=[dpia.pk]), "Screening recorded: a DPIA is needed."
        return dpia.get_absolute_url(), "Screening recorded: a DPIA is not needed."


class AssessmentView(_StepPage):
    form_class = AssessmentForm
    template_name = "privacy/dpias/assessment.html"
    heading = "The assessment"

    def get_initial(self):
        dpia = self.dpia
        return {"description": dpia.description, "necessity": dpia.necessity, "residual_risk": dpia.residual_risk}

    def get_context_data(self, **kwargs):
        return super().get_context_data(risks=list(self.dpia.risks.all()), **kwargs)

    def checks(self, data, *, valid):
        if not data.get("submit"):
            return {}
        problems = service.assessment_problems(
            self.dpia,
            data.get("description") or "",
            data.get("necessity") or "",
            data.get("residual_risk") or "",
            self.dpia.risks.count(),
        )
        return {"__all__": problems} if problems else {}

    def perform(self, form):
        data = form.cleaned_data
        dpia = service.save_assessment(
            self.dpia,
            by=self.request.user,
            description=data["description"],
            necessity=data["necessity"],
            residual_risk=data["residual_risk"],
            submit=data["submit"],
        )
        if dpia.state == S.AWAITING_ADVICE:
            return dpia.get_absolute_url(), "Assessment sent to the Data Protection Officer for advice."
        return reverse("privacy:dpia-assessment", args=[dpia.pk]), "Assessment saved."


class RiskAddView(_StepPage):
    template_name = "privacy/dpias/risk.html"
    form_class = RiskForm
    heading = "Add a risk to people"
    submit = "Add the risk"

    def perform(self, form):
        service.save_risk(self.dpia, by=self.request.user, **form.cleaned_data)
        return reverse("privacy:dpia-assessment", args=[self.dpia.pk]) + "#risks", "Risk added."


class RiskEditView(_StepPage):
    template_name = "privacy/dpias/risk.html"
    form_class = RiskForm
    heading = "Change a risk to people"

    def get_permission_object(self):
        dpia = super().get_permission_object()
        if not hasattr(self, "risk"):
            self.risk = get_object_or_404(DPIARisk, pk=self.kwargs["risk"], dpia_id=dpia.pk)
        return dpia

    def get_initial(self):
        risk = self.risk
        return {
            "description": risk.description,
            "likelihood": risk.likelihood,
            "severity": risk.severity,
            "measures": risk.measures,
            "residual_risk": risk.residual_risk,
        }

    def perform(self, form):
        service.save_risk(self.dpia, by=self.request.user, risk=self.risk, **form.cleaned_data)
        return reverse("privacy:dpia-assessment", args=[self.dpia.pk]) + "#risks", "Risk changed."


class AdviceView(_StepPage):
    form_class = AdviceForm
    permission = can_advise_on_dpia
    refusal_message = service.ADVICE_REFUSAL
    template_name = "privacy/dpias/advice.html"
    heading = "The Data Protection Officer's advice"
    submit = "Record the advice"

    def get_context_data(self, **kwargs):
        return super().get_context_data(risks=list(self.dpia.risks.all()), **kwargs)

    def perform(self, form):
        dpia = service.advise(self.dpia, by=self.request.user, advice=form.cleaned_data["advice"])
        return dpia.get_absolute_url(), "Advice recorded. The IAM and the Deputy SIRO have been told."


class SignView(_StepPage):
    form_class = SignForm
    permission = can_sign_dpia
    refusal_message = service.SIGN_REFUSAL
    template_name = "privacy/dpias/sign.html"
    heading = "Sign off the DPIA"
    submit = "Sign off"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "http_request": self.request,
            "asks_advice": self.dpia.advice_followed is None,
        }

    def get_context_data(self, **kwargs):
        as_iam = can_sign_dpia_as_iam(self.request.user, self.dpia) and self.dpia.iam_signed_by_id is None
        return super().get_context_data(as_iam=as_iam, risks=list(self.dpia.risks.all()), **kwargs)

    # No checks() for the code: it is left to the service, which checks the step's own rules first.

    def perform(self, form):
        dpia = service.sign(
            self.dpia,
            by=self.request.user,
            advice_followed=form.followed(),
            advice_not_followed_reasons=form.cleaned_data.get("advice_not_followed_reasons") or "",
            http_request=self.request,
            **form.fresh_verification(),
        )
        if dpia.state == S.SIGNED:
            return dpia.get_absolute_url(), "DPIA signed off by both the IAM and the Deputy SIRO."
        return dpia.get_absolute_url(), "Your sign-off is recorded. The second sign-off is still needed."


class ReviewView(_StepPage):
    form_class = ReviewForm
    permission = can_review_dpia
    refusal_message = service.REVIEW_REFUSAL
    template_name = "privacy/dpias/review.html"
    heading = "Review the DPIA"
    submit = "Record the review"

    def get_context_data(self, **kwargs):
        return super().get_context_data(review_months=settings.DPIA_REVIEW_MONTHS, **kwargs)

    def checks(self, data, *, valid):
        return service.review_problems(self.dpia, data.get("outcome") or "", data.get("notes") or "")

    def perform(self, form):
        data = form.cleaned_data
        dpia = service.record_review(self.dpia, by=self.request.user, outcome=data["outcome"], notes=data["notes"])
        if dpia.state == S.SIGNED:
            return dpia.get_absolute_url(), f"Review recorded. The next review is due by {date_text(dpia.review_date)}."
        return (
            reverse("privacy:dpia-assessment", args=[dpia.pk]),
            "Review recorded: the DPIA is back in assessment, to be advised on and signed again.",
        )


class ConsultationView(_StepPage):
    form_class = ConsultationForm
    permission = can_record_consultation
    refusal_message = service.CONSULTATION_REFUSAL
    template_name = "privacy/dpias/consultation.html"
    heading = "Prior consultation with the ICO"

    def get_initial(self):
        dpia = self.dpia
        return {
            "started_on": dpia.consultation_started_on,
            "extended": dpia.consultation_extended,
            "response_on": dpia.consultation_response_on,
            "outcome": dpia.consultation_outcome,
        }

    def checks(self, data, *, valid):
        return service.consultation_problems(
            self.dpia, data.get("started_on"), data.get("response_on"), data.get("outcome") or ""
        )

    def perform(self, form):
        data = form.cleaned_data
        dpia = service.record_consultation(
            self.dpia,
            by=self.request.user,
            started_on=data["started_on"],
            extended=data["extended"],
            response_on=data["response_on"],
            outcome=data["outcome"],
        )
        due = date_text(dpia.consultation_due_on) if dpia.consultation_due_on else ""
        return dpia.get_absolute_url(), f"Consultation recorded. The ICO's response is due by {due}."
