"""Access review campaigns: an IAM's list and page of due grants decided in bulk, and the Deputy SIRO's
view of each campaign's progress."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count
from django.utils import dateformat, timezone
from django.views.generic import TemplateView

from governance.access import policy, recertification, selectors
from governance.access.forms import CampaignDecisionForm
from governance.access.models import AccessReview, RecertificationCampaign
from governance.core.compiled import RecordWith
from governance.core.views.mixins import ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.register.selectors import visible_people


class CampaignListView(PolicyMixin, TemplateView):
    """The IAM's access review campaigns, newest first, each with how many grants wait."""

    template_name = "access/campaigns.html"
    permission = policy.can_view_your_grants
    refusal_message = "Access review campaigns are for the Information Asset Managers of assets."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaigns = recertification.campaigns_for(user)
        counts = dict(
            AccessReview.objects.filter(
                campaign__in=[c.review_campaign_id for c in campaigns], decision="", grant__asset__manager=user
            )
            .exclude(grant__holder=user)
            .values("campaign")
            .annotate(n=Count("pk"))
            .values_list("campaign", "n")
        )
        context["campaigns"] = [(campaign, counts.get(campaign.review_campaign_id, 0)) for campaign in campaigns]
        return context


# What the campaign page reads with the campaign: its period (dates, whether closed) and its IAM. Built once
# and prepared: the ORM built and compiled this three-table lookup, and PostgreSQL planned it, on every view.
_CAMPAIGN = RecordWith(RecertificationCampaign, ("review_campaign", "iam"))


class CampaignView(ObjectPolicyMixin, ServiceFormView):
    """One IAM's campaign: every due grant with its evidence, kept, shortened or revoked in bulk."""

    template_name = "access/campaign.html"
    form_class = CampaignDecisionForm
    permission = policy.can_run_campaign
    refusal_message = "Only the Information Asset Manager whose access review it is can open it."
    # Fifty rows a page, as every list: the IAM decides a page's selected grants, or every grant still to review
    # on all the pages at once (``every``), in one request however many there are.
    per_page = 50

    def get_permission_object(self) -> RecertificationCampaign:
        # Looked up once, as ``ObjectPolicyMixin`` does, but by the statement built once (``_CAMPAIGN``).
        if getattr(self, "object", None) is None:
            self.object = _CAMPAIGN.get_or_404(self.kwargs[self.pk_url_kwarg])
        return self.object

    @property
    def campaign(self) -> RecertificationCampaign:
        return self.get_permission_object()

    def pending(self):
        return selectors.campaign_reviews(self.campaign).filter(decision="")

    def get_form_kwargs(self):
        # The ticked reviews are checked against those still to decide when the form is posted; the page
        # itself writes its checkboxes from the reviews it lists, so a GET needs no list of them.
        posted = self.request.method in ("POST", "PUT")
        ids = list(self.pending().order_by().values_list("pk", flat=True)) if posted and self.campaign.is_open else []
        self.pending_ids = ids
        return {**super().get_form_kwargs(), "review_ids": ids}

    def checks(self, data, *, valid):
        if not self.campaign.is_open:
            # The rule ``decide_many`` enforces, said first: the page shows no grants to choose from.
            return {"__all__": "This access review has closed. Nothing more can be decided in it"}
        decision, ends_on = data.get("decision", ""), data.get("ends_on")
        errors = {
            field: message
            for field, message in recertification.decision_errors(
                decision or "confirm", data.get("reason", ""), ends_on
            ).items()
        }
        if decision == "shorten" and ends_on is not None and ends_on <= timezone.localdate():
            errors["ends_on"] = "The new end date must be in the future"
        if data.get("every") and data.get("shown") != str(len(self.pending_ids)):
            # Grants were decided elsewhere, or added, since the page was shown: "all" is no longer what was read.
            errors["every"] = (
                "The grants still to review have changed since this page was shown. Check the list and decide again"
            )
        return errors

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.campaign
        figures = selectors.campaign_figures(campaign)
        # The figures counted the reviews still to decide: the pages need no second count.
        paginator: Paginator[tuple] = Paginator(
            selectors.PendingRows(campaign, figures["pending"] if campaign.is_open else 0), self.per_page
        )
        page = paginator.get_page(self.request.GET.get("page"))
        reviews = list(page.object_list)
        form = context["form"]
        chosen = {str(v) for v in (form.data.getlist("reviews") if form.is_bound else [])}
        form.offer_every(figures["pending"] if campaign.is_open else 0)
        context.update(
            campaign=campaign,
            reviews=reviews,
            # Each row's grant's item names: ``campaign_review_rows`` writes them beside the grant.
            items=selectors.items_held([grant_id for _pk, grant_id, *_rest in reviews]),
            page_obj=page,
            is_paginated=page.has_other_pages(),
            chosen=chosen,
            figures=figures,
            today=timezone.localdate(),
            suspends=settings.RECERTIFICATION_UNREVIEWED_ACTION == "suspend",
        )
        return context

    def perform(self, form):
        data = form.cleaned_data
        result = recertification.decide_many(
            self.campaign,
            by=self.request.user,
            review_ids=self.pending_ids if data["every"] else data["reviews"],
            decision=data["decision"],
            reason=data["reason"],
            ends_on=data["ends_on"],
        )
        n = f"{result.count:,} grant{'s' if result.count != 1 else ''}"
        if result.decision == AccessReview.Decision.SHORTEN:
            message = f"{n} shortened to end on {dateformat.format(data['ends_on'], 'j F Y')}."
        elif result.decision == AccessReview.Decision.REVOKE:
            message = f"{n} revoked."
        else:
            message = f"{n} kept."
        return self.campaign.get_absolute_url(), message


class CampaignProgressView(PolicyMixin, TemplateView):
    """Each IAM's progress through the access review in the Deputy SIRO's areas (every area for oversight)."""

    template_name = "access/campaign_progress.html"
    permission = policy.can_view_campaign_progress
    refusal_message = "Access review progress is for Deputy SIROs, the SIRO, auditors and administrators."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.campaign_progress(self.request.user)
        # Each IAM's name links to their page where the viewer may open it (one query for all rows),
        # so a Deputy SIRO can reach the person behind an overdue review.
        iam_ids = {row.campaign.iam_id for row in rows}
        context["linked_iams"] = set(
            visible_people(self.request.user).filter(pk__in=iam_ids).values_list("pk", flat=True)
        )
        context["campaigns"] = rows
        context["today"] = timezone.localdate()
        return context
