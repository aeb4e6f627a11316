"""The information asset register's pages. Rules live in ``register.policy``; writes go through ``register.assets``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from governance.access import extracts
from governance.access import policy as access_policy
from governance.access.describers import PERSON
from governance.access.models import AccessGrant, AccessReview
from governance.assurance.policy import can_manage_risks, can_see_risks
from governance.assurance.risks import asset_risks
from governance.core.access_events import record_access
from governance.core.history_events import history_for
from governance.core.models import AccessEvent, BusinessArea
from governance.core.policy import has_oversight
from governance.core.tabular import export_response
from governance.core.views.imports import ImportView
from governance.core.views.mixins import FullHistoryMixin, ObjectPolicyMixin, PolicyMixin, ServiceFormView
from governance.register import assets as service
from governance.register import policy
from governance.register.asset_sheets import ASSET_COLUMNS, AssetImporter, DataItemImporter, asset_rows
from governance.register.filters import AssetFilter, iam_needed, review_filter
from governance.register.forms.assets import AssetForm, DataItemForm, ReassignIamForm, ReviewForm
from governance.register.models import DataItem, InformationAsset
from governance.register.policy import can_see_holders

ITEM_COUNT = Coalesce(
    Subquery(
        DataItem.objects.filter(asset=OuterRef("pk")).order_by().values("asset").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    ),
    0,
)


def asset_queryset():
    return InformationAsset.objects.select_related("business_area__deputy_siro", "manager")


class AssetListView(PolicyMixin, FilterView):
    """The register: searchable, filterable, sortable, paginated; a constant number of queries."""

    permission = policy.can_view_assets

    filterset_class = AssetFilter
    template_name = "assets/list.html"
    context_object_name = "assets"
    paginate_by = 25

    def get_queryset(self):
        return asset_queryset().annotate(item_count=ITEM_COUNT)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_create"] = policy.can_create_asset(user)
        context["can_import"] = policy.can_import_assets(user)
        context["today"] = timezone.localdate()
        return context


class AssetExportView(PolicyMixin, FilterView):
    """The filtered register as CSV or XLSX, in the import's columns."""

    permission = policy.can_view_assets

    filterset_class = AssetFilter

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset(self.get_filterset_class())
        valid = not filterset.is_bound or filterset.is_valid()  # no query string: the whole register
        queryset = filterset.qs if valid else InformationAsset.objects.none()
        queryset = queryset.select_related("business_area", "manager", "technical_contact")
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        record_access(
            request,
            None,
            "export",
            detail=f"Asset register {fmt.upper()}: {queryset.count()} assets ({request.GET.urlencode()})",
        )
        stamp = timezone.localdate().isoformat()
        return export_response(ASSET_COLUMNS, asset_rows(queryset), filename=f"asset-register-{stamp}", fmt=fmt)

    def get_queryset(self):
        return InformationAsset.objects.all()


HOLDERS_SHOWN = 50  # the rest are one link away, in the grant list
HISTORY_SHOWN = 20  # the whole history is one link away, page by page


class AssetDetailView(ObjectPolicyMixin, DetailView):
    """An asset: summary, data dictionary, IAM and Deputy SIRO, reviews and change history."""

    template_name = "assets/detail.html"
    context_object_name = "asset"
    permission = policy.can_view_assets

    def get_object_queryset(self):
        return InformationAsset.objects.select_related("business_area__deputy_siro", "manager", "technical_contact")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset, user = self.object, self.request.user
        can_edit = policy.can_edit(user, asset)
        overseer = can_see_holders(user, asset)
        due_reviews = AccessReview.objects.filter(grant=OuterRef("pk"), decision="", campaign__closed_at__isnull=True)
        last_reviewed = (
            AccessReview.objects.filter(grant=OuterRef("pk"))
            .exclude(decision="")
            .order_by("-decided_at")
            .values("decided_at")
        )
        first_active = asset.grants.filter(state=AccessGrant.State.ACTIVE).order_by("ends_on", "pk").values("pk")
        context.update(
            items=list(asset.items.all()),
            reviews=list(asset.reviews.select_related("reviewed_by")[:5]),
            history=history_for(asset, limit=HISTORY_SHOWN, request=self.request),
            history_limit=HISTORY_SHOWN,
            can_edit=can_edit,
            risks=asset_risks(asset) if can_see_risks(user, asset) else None,
            can_manage_risks=can_manage_risks(user, asset),
            can_reassign=policy.can_reassign(user, asset),
            review_status=asset.review_status(),
            my_grant=access_policy.active_grant(user, asset),
            can_request=user.pk != asset.manager_id,
            # The first grants are chosen first (from the asset's index) and their reviews looked up
            # for those alone: asked of every active grant, PostgreSQL hashed every pending review.
            holders=list(
                AccessGrant.objects.filter(pk__in=Subquery(first_active[: HOLDERS_SHOWN + 1]))
                .select_related("holder")
                # Only what the table shows (``asset_holder_rows``): fifty grants, their holders and items.
                .only("id", "ends_on", "holder__id", *(f"holder__{name}" for name in PERSON))
                .prefetch_related(Prefetch("items", queryset=DataItem.objects.only("id", "name")))
                .annotate(due_for_review=Exists(due_reviews), last_reviewed=Subquery(last_reviewed[:1]))
                .order_by("ends_on", "pk")
            )
            if overseer
            else None,
            holders_shown=HOLDERS_SHOWN,
            events=list(
                AccessEvent.objects.filter(
                    content_type=ContentType.objects.get_for_model(asset), object_pk=str(asset.pk)
                ).select_related("user")[:20]
            )
            if overseer
            else None,
            extract=extracts.latest_extract(asset) if can_edit else None,
        )
        return context


class AssetHistoryView(ObjectPolicyMixin, FullHistoryMixin, TemplateView):
    """The asset's whole change history (its data items, reviews and rights included), page by page."""

    template_name = "assets/history.html"
    permission = policy.can_view_assets

    def get_object_queryset(self):
        return InformationAsset.objects.select_related("business_area")

    @property
    def asset(self) -> InformationAsset:
        return self.get_permission_object()

    def history_object(self):
        return self.asset

    def get_context_data(self, **kwargs):
        return super().get_context_data(asset=self.asset, **kwargs)


class AssetObjectMixin(ObjectPolicyMixin):
    """Loads the asset named in the URL and refuses users the rule does not allow."""

    permission = policy.can_edit
    refusal_message = "Only the asset's Information Asset Manager, its Deputy SIRO or an administrator can change it."

    def get_object_queryset(self):
        return InformationAsset.objects.select_related("business_area__deputy_siro", "manager")

    @property
    def asset(self) -> InformationAsset:
        return self.get_permission_object()

    def get_context_data(self, **kwargs):
        return super().get_context_data(asset=self.asset, **kwargs)


def _asset_fields(data: dict) -> dict:
    return {name: data[name] for name in service.ASSET_FIELDS if name in data}


class AssetCreateView(PolicyMixin, ServiceFormView):
    form_class = AssetForm
    template_name = "assets/form.html"
    permission = policy.can_create_asset
    refusal_message = "Only administrators and Deputy SIROs can register assets."

    def get_initial(self):
        return {"next_review_date": service.default_next_review()}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "areas": policy.creatable_areas(self.request.user)}

    def perform(self, form):
        data = form.cleaned_data
        asset = service.create_asset(manager=data["manager"], by=self.request.user, **_asset_fields(data))
        return asset, f"{asset.name} added to the register."


class AssetEditView(AssetObjectMixin, ServiceFormView):
    form_class = AssetForm
    template_name = "assets/form.html"

    def get_form_kwargs(self):
        user = self.request.user
        if policy.administers_register(user):
            areas = BusinessArea.objects.order_by("name")
        else:  # an IAM cannot move the asset; a Deputy SIRO can move it between their areas
            areas = BusinessArea.objects.filter(Q(pk=self.asset.business_area_id) | Q(deputy_siro=user)).order_by(
                "name"
            )
        return {**super().get_form_kwargs(), "instance": self.asset, "areas": areas}

    def perform(self, form):
        asset = service.update_asset(self.asset, by=self.request.user, **_asset_fields(form.cleaned_data))
        return asset, f"{asset.name} saved."


class ReassignIamView(AssetObjectMixin, ServiceFormView):
    form_class = ReassignIamForm
    template_name = "assets/reassign.html"
    permission = policy.can_reassign
    refusal_message = "Only the Deputy SIRO of the asset's business area or an administrator can nominate its IAM."

    def get_initial(self):
        return {"manager": self.asset.manager}

    def perform(self, form):
        asset = service.reassign_iam(self.asset, form.cleaned_data["manager"], by=self.request.user)
        if asset.manager:
            return asset, f"{asset.manager.display_name} is now the IAM for {asset.name}."
        return asset, f"{asset.name} is now flagged as needing an IAM."


class ReviewView(AssetObjectMixin, ServiceFormView):
    form_class = ReviewForm
    template_name = "assets/review.html"
    refusal_message = "Only the asset's Information Asset Manager, its Deputy SIRO or an administrator can review it."

    def get_initial(self):
        return {"next_review_date": service.default_next_review()}

    def perform(self, form):
        service.record_review(self.asset, by=self.request.user, **form.cleaned_data)
        return self.asset, f"Review of {self.asset.name} recorded."


class DataItemFormView(AssetObjectMixin, ServiceFormView):
    form_class = DataItemForm
    template_name = "assets/item_form.html"

    item = None

    def get_item(self):
        if "item_pk" in self.kwargs and self.item is None:
            self.item = get_object_or_404(DataItem, pk=self.kwargs["item_pk"], asset=self.asset)
        return self.item

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "asset": self.asset, "instance": self.get_item()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(item=self.get_item(), **kwargs)

    def perform(self, form):
        item = service.save_data_item(self.asset, by=self.request.user, item=self.get_item(), **form.cleaned_data)
        return self.asset, f"Data item {item.name} saved."


class DataItemDeleteView(AssetObjectMixin, TemplateView):
    template_name = "assets/item_delete.html"

    def get_context_data(self, **kwargs):
        self.item = get_object_or_404(DataItem, pk=self.kwargs["item_pk"], asset=self.asset)
        return super().get_context_data(item=self.item, **kwargs)

    def post(self, request, *args, **kwargs):
        item = get_object_or_404(DataItem, pk=self.kwargs["item_pk"], asset=self.asset)
        try:
            service.delete_data_item(item, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.asset)
        messages.success(request, f"Data item {item.name} removed.")
        return redirect(self.asset)


SHORT_LIST = 20  # each list on the accountability page links to the whole filtered register


class AccountabilityView(PolicyMixin, TemplateView):
    """For Deputy SIROs (their areas), the SIRO and auditors (all): where accountability is missing."""

    template_name = "assets/accountability.html"
    permission = policy.can_see_accountability
    refusal_message = "The accountability page is for Deputy SIROs, the SIRO and auditors."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        areas = BusinessArea.objects.select_related("deputy_siro").order_by("name")
        assets = asset_queryset()
        if not has_oversight(user):
            areas = areas.filter(deputy_siro=user)
            assets = assets.filter(business_area__deputy_siro=user)
        prefixed_iam_needed = iam_needed("assets__")
        overdue = review_filter("overdue")
        context["areas"] = areas.annotate(
            total=Count("assets"),
            iam_needed=Count("assets", filter=prefixed_iam_needed),
            overdue=Count("assets", filter=Q(assets__next_review_date__lt=timezone.localdate())),
            special=Count("assets", filter=Q(assets__special_category=True)),
            personal=Count("assets", filter=Q(assets__contains_personal_data=True)),
        )
        context["iam_needed"] = list(assets.filter(iam_needed())[:SHORT_LIST])
        context["overdue"] = list(assets.filter(overdue).order_by("next_review_date")[:SHORT_LIST])
        context["special"] = list(assets.filter(special_category=True)[:SHORT_LIST])
        context["whole_organisation"] = has_oversight(user)
        return context


class AssetImportView(ImportView):
    importers = {
        "assets": ("Assets", AssetImporter),
        "items": ("Data items", DataItemImporter),
    }
    title = "Import assets or data items"
    done_url = "assets:list"
    # Each row is checked again by the services: an IAM may only change their own assets' items.
    permission = policy.can_import_assets
    refusal_message = "Only administrators, Deputy SIROs and Information Asset Managers can import into the register."
