"""The sharing agreement's forms. Its rules are checked again by ``privacy.agreements``."""

from __future__ import annotations

from typing import cast

from django import forms
from django.http import QueryDict

from governance.contracts.models import ExternalOrganisation, LegalGateway, ResearchContract
from governance.core.forms.widgets import GovukDateField
from governance.core.models import BusinessArea
from governance.privacy.models import SharingAgreement
from governance.register.models import DataItem, InformationAsset


def _date(label: str) -> GovukDateField:
    return GovukDateField(
        label=label,
        help_text="For example, 27 3 2027.",
        error_messages={"invalid": f"The {label.lower()} must be a real date, for example 27 3 2027"},
    )


class ItemChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.asset.name}: {obj.description or obj.name} ({obj.get_sensitivity_display().lower()})"


class AgreementForm(forms.Form):
    reference = forms.CharField(label="Reference", max_length=50, help_text="For example DSA-2027-004.")
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(label="Type of agreement", choices=SharingAgreement.Kind.choices, widget=forms.RadioSelect)
    organisation = forms.ModelChoiceField(
        label="Other party",
        queryset=ExternalOrganisation.objects.order_by("name"),
        empty_label="Select the other party",
    )
    direction = forms.ChoiceField(
        label="Direction", choices=SharingAgreement.Direction.choices, widget=forms.RadioSelect
    )
    business_area = forms.ModelChoiceField(
        label="Business area", queryset=BusinessArea.objects.order_by("name"), empty_label="Select a business area"
    )
    purpose = forms.CharField(label="Purpose", widget=forms.Textarea(attrs={"rows": 3}))
    legal_gateway = forms.ModelChoiceField(
        label="Legal gateway",
        queryset=LegalGateway.objects.filter(is_active=True).order_by("name"),
        empty_label="Select the legal gateway",
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis (UK GDPR Article 6)", choices=InformationAsset.LawfulBasis.choices, widget=forms.RadioSelect
    )
    special_category_condition = forms.ChoiceField(
        label="Special category condition (UK GDPR Article 9), if any",
        choices=[("", "None"), *ResearchContract.SpecialCategoryCondition.choices],
        required=False,
    )
    assets = forms.ModelMultipleChoiceField(
        label="Information assets (optional until approval)",
        queryset=InformationAsset.objects.order_by("name", "pk"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The assets the data shared comes from or goes into. Their data items are offered once saved.",
    )
    data_items = ItemChoices(
        label="Data items shared (optional until approval)",
        queryset=DataItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    frequency = forms.ChoiceField(label="Frequency", choices=SharingAgreement.Frequency.choices)
    security_conditions = forms.CharField(
        label="Security conditions",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How the data is sent, held and protected.",
    )
    start_date = _date("Start date")
    review_date = _date("Review date")
    end_date = _date("End date")

    def __init__(self, *args, asset_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        chosen = set(asset_ids)
        if self.is_bound:
            posted = self.data.getlist("assets") if isinstance(self.data, QueryDict) else self.data.get("assets") or []
            chosen |= {int(v) for v in posted if str(v).isdigit()}
        field = cast(ItemChoices, self.fields["data_items"])
        field.queryset = (
            DataItem.objects.filter(asset_id__in=chosen).select_related("asset").order_by("asset__name", "name")
        )

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


class ConfirmForm(forms.Form):
    """A page whose only question is the button."""
