"""Spreadsheet import and export of the asset register and its data items.

The columns of an export are those of an import, so a register can be exported,
corrected in a spreadsheet and imported back. Business areas are named by code,
people by username or staff number, choices by value or label.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q

from governance.core.models import BusinessArea, User
from governance.core.tabular import ImportDateField, Importer, LenientChoiceField, YesNoImportField
from governance.register import assets as asset_service
from governance.register.forms.organisation import no_such_person
from governance.register.models import DataItem, InformationAsset
from governance.register.people import find_active_person

ASSET_COLUMNS = (
    "name",
    "description",
    "business_area",
    "iam",
    "technical_contact",
    "classification",
    "personal_data",
    "special_category",
    "identifiability",
    "extract_type",
    "lawful_basis",
    "storage_location",
    "retention_rule",
    "next_review_date",
)
ITEM_COLUMNS = ("business_area", "asset", "name", "description", "sensitivity")


def _person(value: str) -> User | None:
    if not value:
        return None
    user = find_active_person(value)
    if user is None:
        raise forms.ValidationError(no_such_person(value))
    return user


def _area(value: str) -> BusinessArea:
    area = BusinessArea.objects.filter(Q(code__iexact=value) | Q(name__iexact=value)).first()
    if area is None:
        raise forms.ValidationError(f"There is no business area with the code {value}")
    return area


class AssetRowForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField()
    business_area = forms.CharField()
    iam = forms.CharField(required=False)
    technical_contact = forms.CharField(required=False)
    classification = LenientChoiceField(choices=InformationAsset.Classification.choices)
    personal_data = YesNoImportField()
    special_category = YesNoImportField()
    identifiability = LenientChoiceField(choices=InformationAsset.Identifiability.choices)
    extract_type = LenientChoiceField(choices=InformationAsset.ExtractType.choices)
    lawful_basis = LenientChoiceField(choices=[("", ""), *InformationAsset.LawfulBasis.choices], required=False)
    storage_location = forms.CharField(max_length=200)
    retention_rule = forms.CharField(max_length=300)
    next_review_date = ImportDateField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_business_area(self):
        return _area(self.cleaned_data["business_area"])

    def clean_iam(self):
        return _person(self.cleaned_data["iam"])

    def clean_technical_contact(self):
        return _person(self.cleaned_data["technical_contact"])

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("special_category") and data.get("personal_data") is False:
            self.add_error("special_category", "Special category data is personal data: personal_data must be yes")
        if data.get("personal_data") and not data.get("lawful_basis"):
            self.add_error("lawful_basis", "Give the lawful basis for holding personal data")
        return data


class AssetImporter(Importer):
    columns = ASSET_COLUMNS
    required_columns = ("name", "business_area", "classification", "identifiability")
    form_class = AssetRowForm

    def key(self, cleaned):
        return (cleaned["business_area"].pk, cleaned["name"].lower())

    def apply(self, cleaned) -> bool:
        fields = {
            "name": cleaned["name"],
            "description": cleaned["description"],
            "business_area": cleaned["business_area"],
            "technical_contact": cleaned["technical_contact"],
            "classification": cleaned["classification"],
            "contains_personal_data": cleaned["personal_data"],
            "special_category": cleaned["special_category"],
            "identifiability": cleaned["identifiability"],
            "extract_type": cleaned["extract_type"],
            "lawful_basis": cleaned["lawful_basis"],
            "storage_location": cleaned["storage_location"],
            "retention_rule": cleaned["retention_rule"],
            "next_review_date": cleaned["next_review_date"],
        }
        existing = InformationAsset.objects.filter(
            business_area=cleaned["business_area"], name__iexact=cleaned["name"]
        ).first()
        if existing is None:
            asset_service.create_asset(manager=cleaned["iam"], by=self.user, **fields)
            return True
        asset_service.update_asset(existing, by=self.user, **fields)
        if existing.manager != cleaned["iam"]:
            asset_service.reassign_iam(existing, cleaned["iam"], by=self.user)
        return False


class DataItemRowForm(forms.Form):
    business_area = forms.CharField()
    asset = forms.CharField()
    name = forms.CharField(max_length=120)
    description = forms.CharField(max_length=500)
    sensitivity = LenientChoiceField(choices=DataItem.Sensitivity.choices)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("business_area") and data.get("asset"):
            try:
                area = _area(data["business_area"])
            except forms.ValidationError as exc:
                self.add_error("business_area", exc)
                return data
            asset = InformationAsset.objects.filter(business_area=area, name__iexact=data["asset"]).first()
            if asset is None:
                self.add_error("asset", f"{area} has no asset called {data['asset']}")
            else:
                data["asset"] = asset
        return data


class DataItemImporter(Importer):
    columns = ITEM_COLUMNS
    required_columns = ITEM_COLUMNS
    form_class = DataItemRowForm

    def key(self, cleaned):
        return (cleaned["asset"].pk, cleaned["name"].lower())

    def apply(self, cleaned) -> bool:
        asset = cleaned["asset"]
        item = DataItem.objects.filter(asset=asset, name__iexact=cleaned["name"]).first()
        asset_service.save_data_item(
            asset,
            by=self.user,
            item=item,
            name=cleaned["name"],
            description=cleaned["description"],
            sensitivity=cleaned["sensitivity"],
        )
        return item is None


IMPORTERS = {"assets": AssetImporter, "items": DataItemImporter}


def asset_rows(queryset):
    """Export rows in ``ASSET_COLUMNS`` order; the queryset must select the related people and area."""
    yes_no = {True: "yes", False: "no"}
    for asset in queryset.iterator(chunk_size=1000):
        yield [
            asset.name,
            asset.description,
            asset.business_area.code,
            asset.manager.username if asset.manager else "",
            asset.technical_contact.username if asset.technical_contact else "",
            asset.get_classification_display(),
            yes_no[asset.contains_personal_data],
            yes_no[asset.special_category],
            asset.identifiability,
            asset.extract_type,
            asset.lawful_basis,
            asset.storage_location,
            asset.retention_rule,
            asset.next_review_date.isoformat(),
        ]
