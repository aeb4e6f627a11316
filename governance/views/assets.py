"""The information asset register's pages. Rules live in ``services.assets``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from governance.filters import AssetFilter, iam_needed, review_filter
from governance.forms.assets import AssetForm, DataItemForm, ReassignIamForm, ReviewForm
from governance.models import AccessEvent, AccessGrant, BusinessArea, DataItem, InformationAsset
from governance.services import access, extracts
from governance.services import assets as service
from governance.services.access_events import record_access
from governance.services.history import history_for
from governance.services.visibility import has_oversight
from governance.transfer.assets import ASSET_COLUMNS, AssetImporter, DataItemImporter, asset_rows
from governance.transfer.tabular import export_response
from governance.views.imports import ImportView
from governance.views.mixins import FullHistoryMixin, ServiceFormView

ITEM_COUNT = Coalesce(
    Subquery(
        DataItem.objects.filter(asset=OuterRef("pk")).order_by().values("asset").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    ),
    0,
)


def asset_queryset():
    return InformationAsset.objects.select_related("business_area__deputy_siro", "manager")


def creatable_areas(user):
    """Areas where ``user`` may register assets: all for administrators, their own for Deputy SIROs."""
    if service.is_administrator(user):
        return BusinessArea.objects.order_by("name")
    return BusinessArea.objects.filter(deputy_siro=user).order_by("name")


class AssetListView(FilterView):
    """The register: searchable, filterable, sortable, paginated; a constant number of queries."""

    filterset_class = AssetFilter
    template_name = "assets/list.html"
    context_object_name = "assets"
    paginate_by = 25

    def get_queryset(self):
        return asset_queryset().annotate(item_count=ITEM_COUNT)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_create"] = creatable_areas(user).exists()
        context["can_import"] = context["can_create"] or user.managed_assets.exists()
        context["today"] = timezone.localdate()
        return context


class AssetExportView(FilterView):
    """The filtered register as CSV or XLSX, in the import's columns."""

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


class AssetDetailView(DetailView):
    """An asset: summary, data dictionary, IAM and Deputy SIRO, reviews and change history."""

    template_name = "assets/detail.html"
    context_object_name = "asset"

    def get_queryset(self):
        return InformationAsset.objects.select_related("business_area__deputy_siro", "manager", "technical_contact")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset, user = self.object, self.request.user
        can_edit = service.can_edit(user, asset)
        overseer = can_edit or has_oversight(user)
        context.update(
            items=list(asset.items.all()),
            reviews=list(asset.reviews.select_related("reviewed_by")[:5]),
            history=history_for(asset, limit=HISTORY_SHOWN),
            history_limit=HISTORY_SHOWN,
            can_edit=can_edit,
            can_reassign=service.can_reassign(user, asset),
            review_status=asset.review_status(),
            my_grant=access.active_grant(user, asset),
            can_request=user.pk != asset.manager_id,
            holders=list(
                asset.grants.filter(state=AccessGrant.State.ACTIVE)
                .select_related("holder")
                .order_by("ends_on", "pk")[: HOLDERS_SHOWN + 1]
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


class AssetHistoryView(FullHistoryMixin, TemplateView):
    """The asset's whole change history (its data items, reviews and rights included), page by page."""

    template_name = "assets/history.html"

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_object_or_404(InformationAsset.objects.select_related("business_area"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def history_object(self):
        return self.asset

    def get_context_data(self, **kwargs):
        return super().get_context_data(asset=self.asset, **kwargs)


class AssetObjectMixin:
    """Loads the asset named in the URL and refuses users the rule does not allow."""

    rule = staticmethod(service.can_edit)
    refusal = "Only the asset's Information Asset Manager, its Deputy SIRO or an administrator can change it."

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_object_or_404(
            InformationAsset.objects.select_related("business_area__deputy_siro", "manager"), pk=kwargs["pk"]
        )
        if not self.rule(request.user, self.asset):
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(asset=self.asset, **kwargs)


def _asset_fields(data: dict) -> dict:
    return {name: data[name] for name in service.ASSET_FIELDS if name in data}


class AssetCreateView(ServiceFormView):
    form_class = AssetForm
    template_name = "assets/form.html"

    def dispatch(self, request, *args, **kwargs):
        self.areas = creatable_areas(request.user)
        if not self.areas.exists():
            raise PermissionDenied("Only administrators and Deputy SIROs can register assets.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"next_review_date": service.default_next_review()}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "areas": self.areas}

    def perform(self, form):
        data = form.cleaned_data
        asset = service.create_asset(manager=data["manager"], by=self.request.user, **_asset_fields(data))
        return asset, f"{asset.name} added to the register."


class AssetEditView(AssetObjectMixin, ServiceFormView):
    form_class = AssetForm
    template_name = "assets/form.html"

    def get_form_kwargs(self):
        user = self.request.user
        if service.is_administrator(user):
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
    rule = staticmethod(service.can_reassign)
    refusal = "Only the Deputy SIRO of the asset's business area or an administrator can nominate its IAM."

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
    refusal = "Only the asset's Information Asset Manager, its Deputy SIRO or an administrator can review it."

    def get_initial(self):
        return {"next_review_date": service.default_next_review()}

    def perform(self, form):
        service.record_review(self.asset, by=self.request.user, **form.cleaned_data)
        return self.asset, f"Review of {self.asset.name} recorded."


class DataItemFormView(AssetObjectMixin, ServiceFormView):
    form_class = DataItemForm
    template_name = "assets/item_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.item = None
        return super().dispatch(request, *args, **kwargs)

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
        service.delete_data_item(item, by=request.user)
        messages.success(request, f"Data item {item.name} removed.")
        return redirect(self.asset)


SHORT_LIST = 20  # each list on the accountability page links to the whole filtered register


class AccountabilityView(TemplateView):
    """For Deputy SIROs (their areas), the SIRO and auditors (all): where accountability is missing."""

    template_name = "assets/accountability.html"

    def dispatch(self, request, *args, **kwargs):
        if not service.can_see_accountability(request.user):
            raise PermissionDenied("The accountability page is for Deputy SIROs, the SIRO and auditors.")
        return super().dispatch(request, *args, **kwargs)

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
    refusal = "Only administrators, Deputy SIROs and Information Asset Managers can import into the register."

    def allowed(self, user) -> bool:
        # Each row is checked again by the services: an IAM may only change their own assets' items.
        return service.is_administrator(user) or creatable_areas(user).exists() or user.managed_assets.exists()
