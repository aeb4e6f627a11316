"""Assurance pages: asset risks, rounds, returns, the Deputy SIRO's decisions and the SIRO's report."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from governance.assurance import policy, report, returns, risks, selectors, traceability, two_person
from governance.assurance.forms import RiskForm, RoundForm, SendBackForm, SignReturnForm
from governance.assurance.models import AssuranceReturn, AssuranceRound, InformationRisk
from governance.assurance.report_pdf import report_pdf
from governance.core.selectors import overseen_areas
from governance.core.views.mixins import PolicyMixin, ServiceFormView
from governance.register.models import InformationAsset
from governance.trends.charts import charts_for
from governance.trends.snapshots import series_for


class AssetRiskMixin(PolicyMixin):
    permission = policy.can_manage_risks
    refusal_message = "Only the asset's IAM or Deputy SIRO records its risks."

    def get_permission_object(self):
        if not hasattr(self, "asset"):
            self.asset = get_object_or_404(
                InformationAsset.objects.select_related("business_area"), pk=self.kwargs["pk"]
            )
        return self.asset

    def get_context_data(self, **kwargs):
        return super().get_context_data(asset=self.asset, **kwargs)


class RiskCreateView(AssetRiskMixin, ServiceFormView):
    form_class = RiskForm
    template_name = "assurance/risk_form.html"
    extra_context = {"heading": "Record a risk", "submit": "Record risk"}

    def get_initial(self):
        return {"owner": self.request.user.username, "status": InformationRisk.Status.OPEN}

    def perform(self, form):
        risks.record_risk(self.asset, by=self.request.user, **form.cleaned_data)
        return self.asset, "Risk recorded."


class RiskUpdateView(AssetRiskMixin, ServiceFormView):
    form_class = RiskForm
    template_name = "assurance/risk_form.html"
    extra_context = {"heading": "Update the risk", "submit": "Save risk"}

    def get_permission_object(self):
        if not hasattr(self, "risk"):
            self.risk = get_object_or_404(
                InformationRisk.objects.select_related("asset__business_area", "owner"), pk=self.kwargs["pk"]
            )
            self.asset = self.risk.asset
        return self.asset

    def get_initial(self):
        r = self.risk
        return {name: getattr(r, name) for name in risks.RISK_FIELDS}

    def perform(self, form):
        risks.update_risk(self.risk, by=self.request.user, **form.cleaned_data)
        return self.asset, "Risk updated."


class RoundListView(PolicyMixin, ListView):
    permission = policy.can_view_rounds
    template_name = "assurance/rounds.html"
    context_object_name = "rounds"
    paginate_by = 25

    def get_queryset(self):
        return AssuranceRound.objects.select_related("opened_by").order_by("-period_start", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_open=policy.can_open_round(self.request.user), **kwargs)


class RoundOpenView(PolicyMixin, ServiceFormView):
    permission = policy.can_open_round
    refusal_message = "Only the SIRO opens an assurance round."
    form_class = RoundForm
    template_name = "assurance/round_form.html"

    def checks(self, data, *, valid):
        return returns.round_errors(
            period=data.get("period"),
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            due_date=data.get("due_date"),
        )

    def perform(self, form):
        round_ = returns.open_round(by=self.request.user, **form.cleaned_data)
        return round_, f"Assurance round {round_.period} opened: its returns are being prepared."


class RoundMixin(PolicyMixin):
    permission = policy.can_view_round

    def get_permission_object(self):
        if not hasattr(self, "round"):
            self.round = get_object_or_404(AssuranceRound, pk=self.kwargs["pk"])
        return self.round


class RoundDetailView(RoundMixin, ListView):
    """The round's returns: every return for oversight, the area's returns for a Deputy SIRO."""

    template_name = "assurance/round.html"
    context_object_name = "returns"
    paginate_by = 50

    def get_queryset(self):
        # ?status= one of selectors.RETURN_STATUSES, ?areas=overseen: the home page's items open their share.
        returns = selectors.visible_returns(self.request.user, self.round)
        self.status = self.request.GET.get("status", "")
        if self.status in selectors.RETURN_STATUSES:
            returns = returns.filter(selectors.return_status(self.status))
        else:
            self.status = ""
        if self.request.GET.get("areas") == "overseen":
            returns = returns.filter(selectors.returns_in_areas(overseen_areas(self.request.user)))
        return returns

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            round=self.round,
            can_report=policy.can_view_report(user, self.round),
            status=self.status,
            statuses=[(key, label) for key, (label, _) in selectors.RETURN_STATUSES.items() if key != "to_sign"],
            **kwargs,
        )


class ReportView(RoundMixin, TemplateView):
    permission = policy.can_view_report
    refusal_message = "Only the SIRO, auditors and administrators see the SIRO's report."
    template_name = "assurance/report.html"

    def get_context_data(self, **kwargs):
        rows = report.report_rows(self.round)
        charts = charts_for(series_for())  # the organisation's compliance over time, beside the returns
        return super().get_context_data(
            round=self.round, rows=rows, total=report.total_row(rows), charts=charts, **kwargs
        )


class ReportCsvView(RoundMixin, TemplateView):
    permission = policy.can_view_report
    refusal_message = ReportView.refusal_message

    def get(self, request, *args, **kwargs):
        response = HttpResponse(report.report_csv(self.round), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="siro-report-{self.round.pk}.csv"'
        return response


class ReportPdfView(RoundMixin, TemplateView):
    permission = policy.can_view_report
    refusal_message = ReportView.refusal_message

    def get(self, request, *args, **kwargs):
        response = HttpResponse(report_pdf(self.round), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="siro-report-{self.round.pk}.pdf"'
        return response


class MyReturnsView(PolicyMixin, ListView):
    permission = policy.can_view_my_returns
    template_name = "assurance/mine.html"
    context_object_name = "returns"
    paginate_by = 25

    def get_queryset(self):
        mine = returns.returns_for_iam(self.request.user)
        if self.request.GET.get("status") == "to_sign":  # the home page's "Sign ... assurance return"
            mine = mine.filter(selectors.return_status("to_sign"), round__state=AssuranceRound.State.OPEN)
        return mine


class RiskListView(PolicyMixin, ListView):
    """Information risks across the assets one oversees: those overdue for review, those above the appetite."""

    permission = policy.can_view_risk_list
    refusal_message = "The list of risks is for Deputy SIROs (their areas), the SIRO, auditors and administrators."
    template_name = "assurance/risks.html"
    context_object_name = "risks"
    paginate_by = 50

    def get_queryset(self):
        user = self.request.user
        risks = selectors.overseen_risks(user).select_related("asset__business_area", "owner")
        self.status = self.request.GET.get("status", "")
        if self.status == "review_overdue":
            risks = risks.filter(selectors.risk_review_overdue(timezone.localdate()))
        elif self.status == "above_appetite":
            risks = risks.filter(selectors.risk_above_appetite())
        else:
            self.status = ""
        if self.request.GET.get("areas") == "overseen":
            risks = risks.filter(selectors.risks_in_areas(overseen_areas(user)))
        return risks.order_by("review_date", "asset__name", "pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            status=self.status,
            statuses=list(selectors.RISK_STATUSES.items()),
            appetite=settings.RISK_APPETITE_RATING,
            **kwargs,
        )


class ReturnMixin(PolicyMixin):
    permission = policy.can_view_return
    refusal_message = "You can see only your own returns, or those of the areas you oversee."

    def get_permission_object(self):
        if not hasattr(self, "ret"):
            self.ret = get_object_or_404(
                AssuranceReturn.objects.select_related("round", "iam", "business_area", "signed_by", "decided_by"),
                pk=self.kwargs["pk"],
            )
        return self.ret

    def get_context_data(self, **kwargs):
        return super().get_context_data(ret=self.ret, **kwargs)


class ReturnDetailView(ReturnMixin, TemplateView):
    template_name = "assurance/return.html"

    def get_context_data(self, **kwargs):
        user, ret = self.request.user, self.ret
        return super().get_context_data(
            facts=ret.facts,
            can_sign=policy.can_answer_return(user, ret),
            can_correct=policy.can_correct_return(user, ret),
            can_decide=policy.can_decide_return(user, ret),
            digest_ok=returns.verify_digest(ret) if ret.digest else None,
            versions=list(AssuranceReturn.objects.filter(round=ret.round_id, iam=ret.iam_id).order_by("-version")),
            **kwargs,
        )


class ReturnSignView(ReturnMixin, ServiceFormView):
    permission = policy.can_answer_return
    refusal_message = "Only the IAM signs their own unsigned return while the round is open."
    form_class = SignReturnForm
    template_name = "assurance/sign.html"

    def get_initial(self):
        return {name: getattr(self.ret, name) for name in returns.ANSWER_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(facts=self.ret.facts, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "http_request": self.request}

    def perform(self, form):
        fresh = form.fresh_verification()
        answers = {name: form.cleaned_data[name] for name in returns.ANSWER_FIELDS if name in form.cleaned_data}
        ret = returns.sign_return(
            self.ret,
            by=self.request.user,
            code=fresh["token"],
            key_assertion=fresh["key_assertion"],
            request=self.request,
            **answers,
        )
        return ret, "Return signed and sent to your Deputy SIRO."


class ReturnCorrectView(ReturnMixin, TemplateView):
    permission = policy.can_correct_return
    refusal_message = "Only the IAM corrects their own signed or sent-back return."
    template_name = "assurance/confirm.html"
    extra_context = {
        "heading": "Correct this return",
        "explain": "A new version is started with today's facts and your answers. The signed version is kept.",
        "submit": "Start a correction",
    }

    def post(self, request, *args, **kwargs):
        new = returns.start_correction(self.ret, by=request.user)
        return redirect(new)


class ReturnAcceptView(ReturnMixin, TemplateView):
    permission = policy.can_decide_return
    refusal_message = "Only the area's Deputy SIRO decides on a signed return."
    template_name = "assurance/confirm.html"
    extra_context = {
        "heading": "Accept this return",
        "explain": "Accepting tells the SIRO the return is complete and its assurance is given.",
        "submit": "Accept return",
    }

    def post(self, request, *args, **kwargs):
        try:
            ret = returns.accept_return(self.ret, by=request.user)
        except ValidationError as exc:  # the content no longer matches its signature
            messages.error(request, " ".join(exc.messages))
            return redirect(self.ret)
        messages.success(request, "Return accepted.")
        return redirect(ret)


class ReturnSendBackView(ReturnMixin, ServiceFormView):
    permission = policy.can_decide_return
    refusal_message = ReturnAcceptView.refusal_message
    form_class = SendBackForm
    template_name = "assurance/send_back.html"

    def perform(self, form):
        ret = returns.send_back_return(self.ret, by=self.request.user, reason=form.cleaned_data["reason"])
        return ret, "Return sent back to the IAM."


class PolicyTraceabilityView(PolicyMixin, TemplateView):
    """Every statement of the published policy with its controls, live figure, evidence and tests."""

    permission = policy.can_view_policy
    template_name = "assurance/policy.html"

    def get_context_data(self, **kwargs):
        evidence = policy.can_view_policy_evidence(self.request.user)
        return super().get_context_data(
            rows=traceability.trace_rows(evidence),
            evidence=evidence,
            two_person_rules=two_person.RULES,
            two_person_property_test=two_person.PROPERTY_TEST,
            **kwargs,
        )
