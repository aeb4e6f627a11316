"""The processing activity's form. Its rules are checked again by ``privacy.activities``."""

from __future__ import annotations

from typing import cast

from django import forms

from governance.contracts.models import ExternalOrganisation, ResearchContract
from governance.core.forms.widgets import GovukDateField
from governance.core.models import BusinessArea
from governance.privacy.models import ProcessingActivity, Schedule1Condition, TransferSafeguard
from governance.register.models import InformationAsset

NONE = [("", "None")]


class AssetChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.business_area.name})"


class ActivityForm(forms.Form):
    name = forms.CharField(label="Name of the processing activity", max_length=200)
    purposes = forms.CharField(
        label="Purposes", widget=forms.Textarea(attrs={"rows": 4}), help_text="Why the personal data is processed."
    )
    role = forms.ChoiceField(
        label="The department's role",
        choices=ProcessingActivity.Role.choices,
        widget=forms.RadioSelect,
        initial=ProcessingActivity.Role.CONTROLLER,
    )
    controller_name = forms.CharField(
        label="Controller the department processes for, or the joint controller (if any)",
        max_length=200,
        required=False,
        help_text="Needed when the department processes the data for another controller (Article 30(2)).",
    )
    assets = AssetChoices(
        label="Which information assets does it process?",
        queryset=InformationAsset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The categories of personal data, retention and security measures are read from them.",
    )
    business_area = forms.ModelChoiceField(
        label="Business area", queryset=BusinessArea.objects.order_by("name"), empty_label="Select a business area"
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis (UK GDPR Article 6)", choices=InformationAsset.LawfulBasis.choices, widget=forms.RadioSelect
    )
    special_category_condition = forms.ChoiceField(
        label="Special category condition (UK GDPR Article 9), if any",
        choices=NONE + list(ResearchContract.SpecialCategoryCondition.choices),
        required=False,
    )
    schedule_1_condition = forms.ChoiceField(
        label="Data Protection Act 2018 Schedule 1 condition, if any",
        choices=NONE + list(Schedule1Condition.choices),
        required=False,
    )
    data_subjects = forms.CharField(
        label="Categories of people",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Whose personal data it is, for example benefit claimants, employees.",
    )
    processors = forms.ModelMultipleChoiceField(
        label="Processors acting for the department (optional)",
        queryset=ExternalOrganisation.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    transfer_countries = forms.CharField(
        label="Countries the data is transferred to outside the UK (optional)", max_length=300, required=False
    )
    transfer_safeguard = forms.ChoiceField(
        label="Safeguard for the transfer", choices=NONE + list(TransferSafeguard.choices), required=False
    )
    next_review_date = GovukDateField(
        label="Next review (optional)",
        required=False,
        help_text="Leave it blank to review the entry a year from today. For example, 27 3 2027.",
        error_messages={"invalid": "The next review must be a real date, for example 27 3 2027"},
    )

    def __init__(self, *args, assets, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(AssetChoices, self.fields["assets"])
        field.queryset = assets.select_related("business_area").order_by("name", "pk")

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)
