"""The record of processing in the columns of the ICO's template, and the sharing agreements register.

The controller's record (UK GDPR Article 30(1)) lists the activities where the department is a
controller or joint controller; the processor's record (Article 30(2)) those where it processes
for another controller. Every column is filled in from the activity and its assets: categories of
personal data from the assets' data items (their descriptions and sensitivities), retention from the
assets' retention rules, security measures from their secure environments, recipients from live
grants, contracts and agreements (``recipients.py``). Rows are built from a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from governance.core.models import User
from governance.core.plurals import date_text
from governance.privacy.models import ProcessingActivity, SharingAgreement
from governance.privacy.recipients import recipients_for
from governance.register.models import DataItem, InformationAsset

CONTROLLER_COLUMNS = (
    "Processing activity",
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or international organisations "
    "(if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 basis for processing special category data",
    "DPA 2018 Schedule 1 condition for processing",
    "Location of personal data",
    "Owner",
    "Last reviewed",
    "Next review",
)

PROCESSOR_COLUMNS = (
    "Processing activity",
    "Name and contact details of controller",
    "Business function",
    "Categories of processing",
    "Categories of personal data",
    "Names of third countries or international organisations that personal data are transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or international organisations "
    "(if applicable)",
    "General description of technical and organisational security measures (if possible)",
    "Sub-processors",
    "Owner",
    "Next review",
)

PERSONAL = (
    DataItem.Sensitivity.PERSONAL,
    DataItem.Sensitivity.DIRECT_IDENTIFIER,
    DataItem.Sensitivity.SPECIAL_CATEGORY,
)


def _assets_with_items() -> Prefetch:
    items = DataItem.objects.filter(sensitivity__in=PERSONAL).order_by("description", "name", "pk")
    assets = InformationAsset.objects.order_by("name", "pk").prefetch_related(Prefetch("items", queryset=items))
    return Prefetch("assets", queryset=assets)


def assets_of(activity: ProcessingActivity) -> list[InformationAsset]:
    """The activity's assets in name order, each with its personal data items: two queries."""
    prefetch_related_objects([activity], _assets_with_items())
    return list(activity.assets.all())


def personal_data_categories(assets: Iterable[InformationAsset]) -> list[tuple[str, str]]:
    """(what the item holds, its sensitivity) for each personal data item of ``assets``, in words."""
    seen: dict[str, str] = {}
    for asset in assets:
        for item in asset.items.all():
            if item.sensitivity in PERSONAL:
                what = item.description or item.name
                seen.setdefault(what, item.get_sensitivity_display())
    return sorted(seen.items())


@dataclass
class ExportAsset:
    """What the export shows of one asset: plain values, not model instances (a record of
    hundreds of activities names thousands of data items)."""

    name: str
    retention_rule: str
    storage_location: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (what it holds, sensitivity in words)
    pk: int = 0


def export_assets(activities: QuerySet) -> dict[int, list[ExportAsset]]:
    """Each activity's assets in name order, with their personal data items in (description, name)
    order: two queries of plain values whatever the number of activities, assets or items."""
    through = ProcessingActivity.assets.through
    links = through.objects.filter(processingactivity__in=activities.values("pk"))
    assets: dict[int, ExportAsset] = {}
    found: dict[int, list[ExportAsset]] = defaultdict(list)
    for activity_id, asset_id, name, retention, storage in links.order_by(
        "informationasset__name", "informationasset_id"
    ).values_list(
        "processingactivity_id",
        "informationasset_id",
        "informationasset__name",
        "informationasset__retention_rule",
        "informationasset__storage_location",
    ):
        asset = assets.setdefault(asset_id, ExportAsset(name, retention, storage, pk=asset_id))
        found[activity_id].append(asset)
    labels = _labels(DataItem, "sensitivity")
    # In (description, name) order within each asset, as ``personal_data_categories`` reads them; the
    # asset first, since the items go to their asset's list: sorting thousands of items by their
    # descriptions alone compared text far more often.
    items = (
        DataItem.objects.filter(sensitivity__in=PERSONAL, asset_id__in=links.values("informationasset_id"))
        .order_by("asset_id", "description", "name", "pk")
        .values_list("asset_id", "name", "description", "sensitivity")
    )
    for asset_id, name, description, sensitivity in items:
        assets[asset_id].items.append((description or name, labels.get(sensitivity, sensitivity)))
    return found


def _labels(model, name: str) -> dict:
    """A choice field's labels by value, as ``get_<name>_display()`` gives them (read once for a whole
    export: that method looks the choices up again for every call, some 750 calls an export)."""
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def _display(labels: dict, value):
    return labels.get(value, value)


def _categories_text(assets: Iterable[ExportAsset]) -> str:
    """The same words as ``personal_data_categories``: the first sensitivity seen for each thing held."""
    seen: dict[str, str] = {}
    for asset in assets:
        for what, sensitivity in asset.items:
            seen.setdefault(what, sensitivity)
    return "; ".join(f"{what} ({sensitivity.lower()})" for what, sensitivity in sorted(seen.items()))


def _per_asset(assets: Iterable[ExportAsset], attribute: str) -> str:
    return "; ".join(f"{asset.name}: {getattr(asset, attribute)}" for asset in assets if getattr(asset, attribute))


def _transfers(activity, safeguards: dict) -> tuple[str, str]:
    if not activity.transfer_countries:
        return "None", ""
    return activity.transfer_countries, _display(safeguards, activity.transfer_safeguard)


def chosen_activities(queryset: QuerySet, *, processor: bool) -> QuerySet:
    """The activities of the controller's record, or of the processor's, as rows of the fields the export
    shows (``SHOWN_FIELDS``, their area's name and their owner's names among them): the export's rows. Read
    once: the view counts them for the access record (``len``), and the rows use what it read, and the
    queryset as a subquery for the activities' assets and recipients. Plain rows, not model instances: an
    activity, its area and its owner built as three models took five times as long to read."""
    role = Q(role=ProcessingActivity.Role.PROCESSOR)
    return queryset.filter(role if processor else ~role).values_list(*SHOWN_FIELDS, named=True)


#: What the rows read of an activity, its area and its owner.
SHOWN_FIELDS = (
    "pk",
    "name",
    "purposes",
    "role",
    "controller_name",
    "data_subjects",
    "transfer_countries",
    "transfer_safeguard",
    "lawful_basis",
    "special_category_condition",
    "schedule_1_condition",
    "last_reviewed_on",
    "next_review_date",
    "business_area__name",
    "owner_id",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)


def _owner_names(activities: Iterable) -> dict[int, str]:
    """The activities' owners' names as the portal shows a person (``User.display_name``), each owner once."""
    names: dict[int, str] = {}
    for a in activities:
        if a.owner_id not in names:
            owner = User(first_name=a.owner__first_name, last_name=a.owner__last_name, username=a.owner__username)
            names[a.owner_id] = owner.display_name
    return names


def _assets_and_recipients(activities: QuerySet):
    assets_of = export_assets(activities)
    links = [(activity_id, asset.pk) for activity_id, assets in assets_of.items() for asset in assets]
    return assets_of, recipients_for(activities, links=links)


def controller_rows(activities: QuerySet) -> Iterator[list]:
    """The controller's record, one row an activity of ``chosen_activities(..., processor=False)``."""
    assets_of, recipients = _assets_and_recipients(activities)
    owners = _owner_names(activities)
    labels = {name: _labels(ProcessingActivity, name) for name in CHOICE_FIELDS}
    for activity in activities:
        assets = assets_of.get(activity.pk, [])
        found = recipients[activity.pk]
        countries, safeguard = _transfers(activity, labels["transfer_safeguard"])
        yield [
            activity.name,
            activity.business_area__name,
            activity.purposes,
            activity.controller_name if activity.role == ProcessingActivity.Role.JOINT_CONTROLLER else "",
            activity.data_subjects,
            _categories_text(assets),
            found.as_text(),
            "; ".join(p.name for p in found.processors),
            countries,
            safeguard,
            _per_asset(assets, "retention_rule"),
            _per_asset(assets, "storage_location"),
            _display(labels["lawful_basis"], activity.lawful_basis),
            _display(labels["special_category_condition"], activity.special_category_condition),
            _display(labels["schedule_1_condition"], activity.schedule_1_condition),
            "; ".join(asset.name for asset in assets),
            owners[activity.owner_id],
            date_text(activity.last_reviewed_on) if activity.last_reviewed_on else "Not yet",
            date_text(activity.next_review_date),
        ]


#: The activity's choice fields the export shows in words.
CHOICE_FIELDS = ("lawful_basis", "special_category_condition", "schedule_1_condition", "transfer_safeguard")


def processor_rows(activities: QuerySet) -> Iterator[list]:
    """The processor's record, one row an activity of ``chosen_activities(..., processor=True)``."""
    assets_of, recipients = _assets_and_recipients(activities)
    owners = _owner_names(activities)
    safeguards = _labels(ProcessingActivity, "transfer_safeguard")
    for activity in activities:
        assets = assets_of.get(activity.pk, [])
        countries, safeguard = _transfers(activity, safeguards)
        yield [
            activity.name,
            activity.controller_name,
            activity.business_area__name,
            activity.purposes,
            _categories_text(assets),
            countries,
            safeguard,
            _per_asset(assets, "storage_location"),
            "; ".join(p.name for p in recipients[activity.pk].processors),
            owners[activity.owner_id],
            date_text(activity.next_review_date),
        ]


AGREEMENT_COLUMNS = (
    "Reference",
    "Title",
    "Type of agreement",
    "Other party",
    "Direction",
    "Business area",
    "Agreement manager",
    "Purpose",
    "Legal gateway",
    "Lawful basis (UK GDPR Article 6)",
    "Special category condition (UK GDPR Article 9)",
    "Information assets",
    "Data items",
    "Frequency",
    "Security conditions",
    "Start date",
    "Review date",
    "End date",
    "Status",
    "Approved by",
    "Approved on",
)


def agreement_rows(queryset: QuerySet[SharingAgreement]) -> Iterator[list]:
    items = DataItem.objects.select_related("asset").order_by("asset__name", "name")
    agreements = (
        queryset.select_related("organisation", "business_area", "manager", "legal_gateway", "approved_by")
        .prefetch_related(Prefetch("assets", queryset=InformationAsset.objects.order_by("name", "pk")))
        .prefetch_related(Prefetch("data_items", queryset=items))
    )
    for agreement in agreements:
        yield [
            agreement.reference,
            agreement.title,
            agreement.get_kind_display(),
            agreement.organisation.name,
            agreement.get_direction_display(),
            agreement.business_area.name,
            agreement.manager.display_name,
            agreement.purpose,
            agreement.legal_gateway.name,
            agreement.get_lawful_basis_display(),
            agreement.get_special_category_condition_display(),
            "; ".join(asset.name for asset in agreement.assets.all()),
            "; ".join(
                f"{item.description or item.name} ({item.get_sensitivity_display().lower()})"
                for item in agreement.data_items.all()
            ),
            agreement.get_frequency_display(),
            agreement.security_conditions,
            date_text(agreement.start_date),
            date_text(agreement.review_date),
            date_text(agreement.end_date),
            agreement.get_status_display(),
            agreement.approved_by.display_name if agreement.approved_by else "",
            date_text(agreement.approved_at) if agreement.approved_at else "",
        ]
