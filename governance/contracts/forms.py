"""Forms for research contracts. Rules that need the database are checked again by the services."""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from governance.contracts.models import (
    AssuranceCheck,
    ContractAsset,
    ExternalOrganisation,
    LegalGateway,
    ReidentificationAssessment,
    ResearchContract,
)
from governance.contracts.records import CONTRACT_FIELDS, EDITABLE_AFTER_RELEASE
from governance.core import uploads
from governance.core.forms.security_keys import FreshVerificationMixin
from governance.core.forms.widgets import GovukDateField
from governance.register.forms.assets import AssetChoiceField
from governance.register.forms.organisation import PersonField
from governance.register.models import DataItem, InformationAsset


def _file_help() -> str:
    return f"{uploads.ALLOWED_DESCRIPTION}, up to {uploads.max_size_text()}."


class EvidenceFileField(forms.FileField):
    """An evidence upload: the type is checked by extension and by content before anything is saved."""

    widget = forms.FileInput
    default_error_messages = {
        "required": "Select a file",
        "missing": "Select a file",
        "empty": "The selected file is empty",
        "invalid": "The selected file could not be read: upload it again",
    }

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            try:
                uploads.check_upload(upload)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return upload


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label="Website (optional)", required=False, assume_scheme="https")

    class Meta:
        model = ExternalOrganisation
        fields = ["name", "kind", "registration_number", "address", "website", "notes"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "govuk-input--width-30"}),
            "kind": forms.RadioSelect,
            "registration_number": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"notes": "Notes (optional)", "address": "Address (optional)"}

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = ExternalOrganisation.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"{name} is already recorded: choose it on the contract instead")
        return name


class ContractForm(forms.ModelForm):
    """Record or change a contract. Once data is released only the contacts and end date stay editable."""

    manager = PersonField(
        label="Contract manager",
        help_text="Username or staff number of the research contract manager who runs this contract.",
    )

    class Meta:
        model = ResearchContract
        fields = list(CONTRACT_FIELDS)
        widgets = {
            "reference": forms.TextInput(attrs={"class": "govuk-input--width-20"}),
            "title": forms.TextInput(attrs={"class": "govuk-input--width-30"}),
            "purpose": forms.Textarea(attrs={"rows": 5}),
            "lawful_basis": forms.RadioSelect,
            "contact_phone": forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
        }
        field_classes = {
            "start_date": GovukDateField,
            "end_date": GovukDateField,
            "retention_end_date": GovukDateField,
            "destruction_due_date": GovukDateField,
        }
        labels = {
            "contact_role": "Contact's role (optional)",
            "contact_phone": "Contact's phone number (optional)",
            "security_contact_name": "Security or data protection contact (optional)",
            "security_contact_email": "Security contact's email address (optional)",
        }
        help_texts = {
            "start_date": "For example, 1 4 2026.",
            "retention_end_date": "The last day the contractor may hold the data.",
            "destruction_due_date": "The day by which the contractor must destroy the data and certify it.",
            "legal_gateway": "The legal power that permits sharing. Administrators keep this list.",
        }

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = cast(forms.ModelChoiceField, self.fields["organisation"])
        organisation.queryset = ExternalOrganisation.objects.order_by("name")
        organisation.empty_label = "Select the contractor"
        gateways = LegalGateway.objects.filter(is_active=True)
        if self.instance.legal_gateway_id:
            gateways = LegalGateway.objects.filter(Q(is_active=True) | Q(pk=self.instance.legal_gateway_id))
        legal_gateway = cast(forms.ModelChoiceField, self.fields["legal_gateway"])
        legal_gateway.queryset = gateways.order_by("name")
        legal_gateway.empty_label = "Not chosen yet"
        cast(forms.ChoiceField, self.fields["lawful_basis"]).choices = [
            ("", "Not chosen yet"),
            *InformationAsset.LawfulBasis.choices,
        ]
        cast(forms.ChoiceField, self.fields["special_category_condition"]).choices = [
            ("", "Not applicable (no special category data)"),
            *ResearchContract.SpecialCategoryCondition.choices,
        ]
        if not creating:
            del self.fields["manager"]  # changed on its own page, which moves the contract's rights
            if not self.instance.is_pre_release:
                for name, field in self.fields.items():
                    if name not in EDITABLE_AFTER_RELEASE:
                        field.disabled = True
                        field.help_text = "Fixed once data is released."
                for name in ("retention_end_date", "destruction_due_date"):
                    self.fields[name].help_text = "Fixed once data is released: request a retention extension."
        self.order_fields(["reference", "title", "purpose", "organisation", "manager"])

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        clash = ResearchContract.objects.filter(reference__iexact=reference).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"Another contract already has the reference {reference}")
        return reference


class ReviewOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="Outcome of the review",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you checked and what, if anything, changes under the contract.",
        error_messages={"required": "Give the outcome of the review"},
    )


class ReassignManagerForm(forms.Form):
    manager = PersonField(
        label="New contract manager",
        help_text="Username or staff number of a research contract manager. They get the contract's rights at once.",
    )


class AssuranceForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[c for c in AssuranceCheck.Outcome.choices if c[0] != AssuranceCheck.Outcome.PENDING],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Conditions or notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when the outcome is met with conditions: say what the contractor must do.",
    )
    assessor = PersonField(label="Assessor", help_text="Username or staff number of the person who assessed it.")
    assessed_on = GovukDateField(label="Date of the assessment", help_text="For example, 27 3 2026.")
    evidence = EvidenceFileField(label="Evidence document", required=False)

    def __init__(self, *args, check: AssuranceCheck | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check
        help_text = _file_help()
        if check is not None and check.evidence is not None:
            help_text += f" Leave empty to keep {check.evidence.original_name}."
        self.fields["evidence"].help_text = help_text

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("outcome") == AssuranceCheck.Outcome.MET_WITH_CONDITIONS and not data.get("notes", "").strip():
            self.add_error("notes", "Enter the conditions the contractor must meet")
        has_evidence = data.get("evidence") or (self.check is not None and self.check.evidence_id)
        if data.get("outcome") in AssuranceCheck.PASSING and not has_evidence and "evidence" not in self.errors:
            self.add_error("evidence", "Upload the evidence for this assessment")
        return data


class AddAssetForm(forms.Form):
    asset = AssetChoiceField(
        label="Information asset",
        queryset=InformationAsset.objects.none(),
        empty_label="Select an asset",
        help_text="You choose its data items next. The asset's IAM reviews what is sent.",
    )

    def __init__(self, *args, contract: ResearchContract, **kwargs):
        super().__init__(*args, **kwargs)
        already = ContractAsset.objects.filter(contract=contract).values("asset")
        cast(AssetChoiceField, self.fields["asset"]).queryset = (
            InformationAsset.objects.exclude(pk__in=already)
            .select_related("business_area")
            .order_by("business_area__name", "name")
        )


class ItemsForm(forms.Form):
    """One checkbox and one justification per data item of the asset: the minimum data, item by item."""

    def __init__(self, *args, contract_asset: ContractAsset, items: list[DataItem], **kwargs):
        super().__init__(*args, **kwargs)
        chosen = {row.data_item_id: row.justification for row in contract_asset.items.all()}
        self.items = items
        for item in items:
            self.fields[f"include_{item.pk}"] = forms.BooleanField(
                label=f"Send {item.name}", required=False, initial=item.pk in chosen
            )
            self.fields[f"justification_{item.pk}"] = forms.CharField(
                label=f"Why is {item.name} needed?",
                required=False,
                initial=chosen.get(item.pk, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """(item, include field, justification field) for the template."""
        return [(item, self[f"include_{item.pk}"], self[f"justification_{item.pk}"]) for item in self.items]

    def clean(self):
        data = super().clean() or self.cleaned_data
        chosen = {}
        for item in self.items:
            justification = (data.get(f"justification_{item.pk}") or "").strip()
            if data.get(f"include_{item.pk}"):
                if not justification:
                    self.add_error(f"justification_{item.pk}", f"Explain why {item.name} is needed")
                chosen[item.pk] = justification
        if not chosen and not self.errors:
            raise forms.ValidationError("Select at least one data item, or remove the asset from the contract")
        data["chosen"] = chosen
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Is this the minimum data needed, with each item justified?",
        choices=[("approve", "Yes, approve the data to be provided"), ("changes", "No, changes are needed")],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Comments",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required if changes are needed: say which items to remove or what to justify better.",
    )

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("decision") == "changes" and not data.get("notes", "").strip():
            self.add_error("notes", "Say what must change before you can approve")
        return data


class RiskForm(forms.ModelForm):
    assessor = PersonField(label="Assessor", help_text="Username or staff number of the person who assessed it.")
    assessed_on = GovukDateField(label="Date of the assessment", help_text="For example, 27 3 2026.")

    class Meta:
        model = ReidentificationAssessment
        fields = ["level", "mitigations", "assessor", "assessed_on"]
        widgets = {"level": forms.RadioSelect, "mitigations": forms.Textarea(attrs={"rows": 5})}
        labels = {"level": "Residual risk of re-identification, after mitigations"}
        help_texts = {
            "mitigations": "For example: pseudonymised identifiers, banded ages, postcode district only, "
            "small cells suppressed, access limited to named researchers."
        }


class TransitionForm(FreshVerificationMixin, forms.Form):
    """A status move; releasing data also asks for fresh verification (security key or new code)."""

    released_on = GovukDateField(label="Date the data was sent", help_text="For example, 27 3 2026.")
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reason_required: bool = False, asks_release_date: bool = False, **kwargs):
        kwargs.setdefault("fresh", asks_release_date)  # only releasing data is a high-risk move
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.required = reason_required
        if not reason_required:
            field.label = "Reason or note (optional)"
        field.error_messages["required"] = "Give a reason for this change"
        if not asks_release_date:
            del self.fields["released_on"]


class CertificateForm(forms.Form):
    destroyed_on = GovukDateField(label="Date of destruction", help_text="As stated on the certificate.")
    certified_by = forms.CharField(
        label="Certified by",
        max_length=200,
        error_messages={"required": "Enter who certified the destruction: their name and role at the contractor"},
        help_text="Name and role of the person at the contractor who signed the certificate.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-30"}),
    )
    certificate = EvidenceFileField(label="Signed destruction certificate")
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].help_text = _file_help() + " It is kept with its SHA-256 digest."
        self.fields["certificate"].error_messages["required"] = "Select the signed destruction certificate"


class ExtensionForm(forms.Form):
    new_retention_end_date = GovukDateField(label="New retention end date")
    new_destruction_due_date = GovukDateField(label="New destruction due date")
    reason = forms.CharField(
        label="Why does the contractor need the data for longer?", widget=forms.Textarea(attrs={"rows": 4})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve the extension"), ("reject", "Reject the extension")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comments",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required if you reject it.",
    )

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("decision") == "reject" and not data.get("comment", "").strip():
            self.add_error("comment", "Explain why you reject the extension")
        return data
