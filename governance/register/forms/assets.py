"""Forms for the information asset register."""

from __future__ import annotations

from typing import cast

from django import forms

from governance.core.forms.widgets import GovukDateField
from governance.register.assets import ASSET_FIELDS
from governance.register.models import DataItem, InformationAsset

from .organisation import PersonField

YES_NO = [(True, "Yes"), (False, "No")]


class YesNoField(forms.TypedChoiceField):
    """A required yes/no question, asked with radios as GOV.UK recommends."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO, coerce=lambda value: value in (True, "True"), widget=forms.RadioSelect, **kwargs
        )


class AssetChoiceField(forms.ModelChoiceField):
    """An information asset, named with its business area (load them with ``select_related("business_area")``)."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.business_area.name})"


class AssetForm(forms.ModelForm):
    """Register or change an asset. The IAM is nominated only when registering (then via reassignment)."""

    manager = PersonField(
        label="Information Asset Manager (IAM)",
        required=False,
        help_text="Username or staff number of the person accountable for the asset. Blank if not yet nominated.",
    )
    technical_contact = PersonField(label="Technical contact (optional)", required=False)
    contains_personal_data = YesNoField(label="Does the asset contain personal data?")
    special_category = YesNoField(
        label="Does it contain special category data?",
        help_text="Health, ethnicity, religion, sexual orientation and other UK GDPR Article 9 data.",
    )

    class Meta:
        model = InformationAsset
        fields = ["manager", *ASSET_FIELDS]
        widgets = {
            "name": forms.TextInput(attrs={"class": "govuk-input--width-30"}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "classification": forms.RadioSelect,
            "identifiability": forms.RadioSelect,
            "extract_type": forms.RadioSelect,
        }
        help_texts = {"next_review_date": "Reviews are usually half-yearly. For example, 27 3 2027."}
        field_classes = {"next_review_date": GovukDateField}

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        business_area = cast(forms.ModelChoiceField, self.fields["business_area"])
        if areas is not None:
            business_area.queryset = areas
        business_area.empty_label = "Select a business area"
        cast(forms.ChoiceField, self.fields["lawful_basis"]).choices = [
            ("", "Not applicable (no personal data)"),
            *InformationAsset.LawfulBasis.choices,
        ]
        self.order_fields(["name", "description", "business_area", "manager"])
        if self.instance.pk:
            del self.fields["manager"]  # reassigned on its own page, by the Deputy SIRO or an administrator
            self.initial.setdefault("technical_contact", self.instance.technical_contact)


class ReassignIamForm(forms.Form):
    manager = PersonField(
        label="New Information Asset Manager (IAM)",
        required=False,
        help_text="Username or staff number. Leave blank to record that an IAM is needed.",
    )


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you checked, and anything you changed.",
    )
    next_review_date = GovukDateField(label="Next review date", help_text="Usually six months from today.")


class DataItemForm(forms.ModelForm):
    class Meta:
        model = DataItem
        fields = ["name", "description", "sensitivity"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "govuk-input--width-20"}),
            "sensitivity": forms.RadioSelect,
        }
        help_texts = {"name": "The field's name in the dataset, for example nino or date_of_birth."}

    def __init__(self, *args, asset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.asset = asset

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = DataItem.objects.filter(asset=self.asset, name__iexact=name).exclude(pk=self.instance.pk)
        if self.asset is not None and clash.exists():
            raise forms.ValidationError(f"{self.asset} already has a data item called {name}")
        return name
