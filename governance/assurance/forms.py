"""Forms for risks, rounds and returns. Rules are checked again by the assurance services."""

from __future__ import annotations

from django import forms

from governance.assurance.models import InformationRisk
from governance.core.forms.security_keys import FreshVerificationMixin
from governance.core.forms.widgets import GovukDateField
from governance.core.security import CODE_FIELD
from governance.register.forms.assets import YesNoField
from governance.register.forms.organisation import PersonField


class AssuranceForm(forms.Form):
    """Each required question says, in GOV.UK style, what is missing."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            self.fields[name].error_messages["required"] = message


class RiskForm(AssuranceForm):
    required_messages = {
        "description": "Describe the risk",
        "likelihood": "Choose how likely the risk is",
        "impact": "Choose the impact if it happens",
        "owner": "Enter the risk owner's username or staff number",
        "treatment": "Say how the risk is treated",
        "target_date": "Enter the treatment target date",
        "review_date": "Enter the next review date",
    }

    description = forms.CharField(label="Describe the risk", widget=forms.Textarea(attrs={"rows": 3}))
    likelihood = forms.TypedChoiceField(
        label="Likelihood",
        choices=InformationRisk.SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is rare, 5 almost certain.",
    )
    impact = forms.TypedChoiceField(
        label="Impact",
        choices=InformationRisk.SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is negligible, 5 severe.",
    )
    owner = PersonField(label="Risk owner")
    treatment = forms.CharField(label="Treatment", widget=forms.Textarea(attrs={"rows": 3}))
    target_date = GovukDateField(label="Treatment target date")
    review_date = GovukDateField(label="Next review date")
    status = forms.ChoiceField(label="Status", choices=InformationRisk.Status.choices, widget=forms.RadioSelect)


class RoundForm(AssuranceForm):
    required_messages = {
        "period": "Enter the period the round covers",
        "period_start": "Enter the start of the period",
        "period_end": "Enter the end of the period",
        "due_date": "Enter the date returns are due",
    }

    period = forms.CharField(label="Period", max_length=60, help_text="For example 2026 to 2027.")
    period_start = GovukDateField(label="Start of the period")
    period_end = GovukDateField(label="End of the period")
    due_date = GovukDateField(label="Returns due by")


class SignReturnForm(FreshVerificationMixin, AssuranceForm):
    required_messages = {
        "register_accurate": "Say whether the register entries are accurate",
        "incidents_reported": "Say whether every incident was reported",
        "risks_managed": "Say whether the risks are managed",
        "access_still_needed": "Say whether all access is still needed",
    }

    register_accurate = YesNoField(label="Are the register entries of your assets accurate?")
    changes = forms.CharField(
        label="Changes to the assets in the period (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    incidents_reported = YesNoField(label="Was every incident on your assets reported and recorded?")
    risks_managed = YesNoField(label="Are the risks to your assets identified and managed?")
    access_still_needed = YesNoField(label="Is all the access listed still needed?")
    comments = forms.CharField(label="Comments (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4}))


class SendBackForm(AssuranceForm):
    required_messages = {"reason": "Say why the return is sent back"}

    reason = forms.CharField(label="Why is the return sent back?", widget=forms.Textarea(attrs={"rows": 4}))


class SignReportForm(FreshVerificationMixin, AssuranceForm):
    """The SIRO's narrative and the security key's answer; an authenticator code is never offered here."""

    required_messages = {"narrative": "Write the narrative for the annual governance statement"}

    narrative = forms.CharField(
        label="Narrative for the annual governance statement",
        help_text="What the figures mean, the significant control weaknesses and what is being done about them.",
        widget=forms.Textarea(attrs={"rows": 10}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop(CODE_FIELD, None)  # the report is signed with a security key only
