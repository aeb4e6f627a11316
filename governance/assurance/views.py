"""Assurance pages: asset risks, rounds, returns, the Deputy SIRO's decisions and the SIRO's report."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from governance.assurance import (
    policy,
    report,
    report_approval,
    returns,
    risks,
    selectors,
    traceability,
    two_person,
)
from governance.assurance.forms import RiskForm, RoundForm, SendBackForm, SignReportForm, SignReturnForm
from governance.assurance.models import AssuranceReturn, AssuranceRound, InformationRisk
from governance.assurance.report_pdf import report_pdf
from governance.core.compiled import CompiledQuery, concrete_attnames
from governance.core.security import has_security_key
from governance.core.selectors import overseen_areas
from governance.core.views.mixins import PolicyMixin, ServiceFormView
from governance.register.models import InformationAsset
from governance.trends.charts import charts_html
from governance.trends.snapshots import first_snapshot_pending, series_for


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


class RiskListView(PolicyMixin, ListView):
    """Information risks not closed on the assets one oversees (every asset for oversight, their areas' for a
    Deputy SIRO), highest rating first, narrowed by any of:

    - ``?figure=<high|medium|low|tolerated|review_overdue>&business_area=<id>``: the risks behind one figure
      of the SIRO's report (``risks.RISK_FIGURES``);
    - ``?status=<review_overdue|above_appetite>&areas=overseen``: an exception of the home page
      (``selectors.RISK_STATUSES``), for a Deputy SIRO their areas' share.
    """

    permission = policy.can_view_risk_list
    refusal_message = "The list of risks is for Deputy SIROs (their areas), the SIRO, auditors and administrators."
    template_name = "assurance/risks.html"
    context_object_name = "risks"
    paginate_by = 50

    def get_queryset(self):
        user = self.request.user
        params = self.request.GET
        self.area = selectors.area_from(params.get("business_area"))
        figure = params.get("figure", "")
        self.figure = figure if figure in risks.RISK_FIGURES else ""
        status = params.get("status", "")
        self.status = status if status in selectors.RISK_STATUSES else ""
        self.overseen = params.get("areas") == "overseen"
        return selectors.listed_risks(
            user,
            figure=self.figure,
            status=self.status,
            area=self.area,
            overseen_only=self.overseen,
            today=timezone.localdate(),
        )

    def get_context_data(self, **kwargs):
        if self.figure:
            label = risks.RISK_FIGURES[self.figure][0]
        elif self.status:
            label = selectors.RISK_STATUSES[self.status].lower()
        else:
            label = "not closed"
        scope = {"areas": "overseen"} if self.overseen else {}
        return super().get_context_data(
            area=self.area,
            figure_label=label,
            status=self.status or self.figure,
            statuses=[
                (key, name, urlencode({"status": key, **scope})) for key, name in selectors.RISK_STATUSES.items()
            ],
            all_query=urlencode(scope),
            appetite=settings.RISK_APPETITE_RATING,
            **kwargs,
        )


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


def _round_query(*, pk: int) -> QuerySet:
    return AssuranceRound.objects.filter(pk=pk).values_list(*concrete_attnames(AssuranceRound))


# The round of every round's page (the SIRO's report among them), compiled once.
_ROUND = CompiledQuery(_round_query, pk=int)


class RoundMixin(PolicyMixin):
    permission = policy.can_view_round

    def get_permission_object(self):
        if not hasattr(self, "round"):
            db = router.db_for_read(AssuranceRound)
            found = _ROUND.instances(AssuranceRound, using=db, pk=int(self.kwargs["pk"]))
            if not found:
                raise Http404("No such assurance round")
            self.round = found[0]
        return self.round


class RoundDetailView(RoundMixin, ListView):
    """The round's returns: every return for oversight, the area's returns for a Deputy SIRO.

    ``?business_area=<id>&state=<signed|accepted|sent_back|missing>`` narrows the list to the returns behind
    one figure of the SIRO's report.
    """

    template_name = "assurance/round.html"
    context_object_name = "returns"
    paginate_by = 50

    def get_queryset(self):
        # ?business_area=&state=: a figure of the SIRO's report (report.RETURN_STATES, its own rule);
        # ?status= one of selectors.RETURN_STATUSES, ?areas=overseen, ?waiting=me: a home page item's share.
        user = self.request.user
        params = self.request.GET
        self.area = selectors.area_from(params.get("business_area"))
        state = params.get("state", "")
        self.state = state if state in report.RETURN_STATES else ""
        returns = selectors.visible_returns(user, self.round)
        returns = selectors.narrowed_returns(returns, area=self.area, states=report.RETURN_STATES.get(self.state))
        status = params.get("status", "")
        self.status = status if status in selectors.RETURN_STATUSES else ""
        if self.status:
            returns = returns.filter(selectors.return_status(self.status))
        if params.get("areas") == "overseen":
            returns = returns.filter(selectors.returns_in_areas(overseen_areas(user)))
        if params.get("waiting") == "me":  # signed returns this person may accept or send back
            returns = returns.filter(pk__in=[r.pk for r in selectors.returns_to_accept(user)])
        return returns

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            round=self.round,
            can_report=policy.can_view_report(user, self.round),
            status=self.status,
            statuses=[(key, label) for key, (label, _) in selectors.RETURN_STATUSES.items() if key != "to_sign"],
            area=self.area,
            state_label=STATE_LABELS.get(self.state, ""),
            **kwargs,
        )


STATE_LABELS = {"signed": "signed", "accepted": "accepted", "sent_back": "sent back", "missing": "not signed"}


class ReportView(RoundMixin, TemplateView):
    permission = policy.can_view_report
    refusal_message = "Only the SIRO, auditors and administrators see the SIRO's report."
    template_name = "assurance/report.html"

    def get_permission_object(self):
        if not hasattr(self, "round"):
            # The round with the round before it and today's snapshot, which its report reads: one statement.
            header = report.round_header(int(self.kwargs["pk"]))
            if header is None:
                raise Http404("No such assurance round")
            self.header, self.round = header, header.round
        return self.round

    def get_context_data(self, **kwargs):
        # Read only when the round's one statement found a signed version.
        approval = report_approval.latest_approval(self.round) if self.header.approval_id is not None else None
        charts = charts_html(series_for())  # the organisation's compliance over time, beside the returns
        return super().get_context_data(
            round=self.round,
            report=report.build_report(self.round, self.header.today, header=self.header),
            approval=approval,
            approval_intact=report_approval.verify_digest(approval) if approval else None,
            can_sign=policy.can_sign_report(self.request.user, self.round),
            marking=settings.PROTECTIVE_MARKING,
            charts_html=charts,
            **kwargs,
        )


class ReportSignView(RoundMixin, ServiceFormView):
    """The SIRO writes the narrative and signs the report with a fresh security-key proof."""

    permission = policy.can_sign_report
    refusal_message = report_approval.REFUSAL
    form_class = SignReportForm
    template_name = "assurance/report_sign.html"

    def get_initial(self):
        approval = report_approval.latest_approval(self.round)
        return {"narrative": approval.narrative if approval else ""}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "http_request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.round, has_key=has_security_key(self.request.user), marking=settings.PROTECTIVE_MARKING, **kwargs
        )

    def perform(self, form):
        approval = report_approval.sign_report(
            self.round,
            by=self.request.user,
            narrative=form.cleaned_data["narrative"],
            key_assertion=form.fresh_verification()["key_assertion"],
            request=self.request,
        )
        return approval.get_absolute_url(), f"Report signed (version {approval.version})."


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
            # Each version's number and state only: the stored facts run to half a megabyte at scale.
            versions=list(
                AssuranceReturn.objects.filter(round=ret.round_id, iam=ret.iam_id)
                .only("pk", "version", "state")
                .order_by("-version")
            ),
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
        calculating = evidence and first_snapshot_pending()  # a fresh install: the first snapshot is on its way
        return super().get_context_data(
            rows=traceability.trace_rows(evidence),
            evidence=evidence,
            calculating=calculating,
            two_person_rules=two_person.RULES,
            two_person_property_test=two_person.PROPERTY_TEST,
            **kwargs,
        )
