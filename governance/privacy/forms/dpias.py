"""The DPIA's forms: screening, assessment, a risk, the DPO's advice, sign-off and the ICO consultation."""

from __future__ import annotations

from django import forms

from governance.core.forms.security_keys import FreshVerificationMixin
from governance.core.forms.widgets import GovukDateField
from governance.privacy.models import DPIA, DPIARisk, RiskLevel, ScreeningCriterion


class _Form(forms.Form):
    """Each required question says, in GOV.UK style, what is missing."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            self.fields[name].error_messages["required"] = message


class ScreeningForm(_Form):
    required_messages = {
        "outcome": "Say whether a DPIA is needed",
        "reasons": "Give the reasons for the screening's outcome",
    }

    criteria = forms.MultipleChoiceField(
        label="Which of the ICO's criteria for likely high risk does the processing meet?",
        choices=ScreeningCriterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply. What the record itself says (special category data, identifiable "
        "data at scale) is counted with them.",
    )
    outcome = forms.ChoiceField(label="Is a DPIA needed?", choices=DPIA.Outcome.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}))


class AssessmentForm(_Form):
    description = forms.CharField(
        label="Description of the processing",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What is done with the data, whose data it is, where it comes from and who receives it.",
    )
    necessity = forms.CharField(
        label="Necessity and proportionality",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The lawful basis, why this data and no less, how long it is kept, how people are told.",
    )
    residual_risk = forms.ChoiceField(
        label="Overall residual risk",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="A high residual risk means the ICO is consulted before the processing starts (Article 36).",
    )
    submit = forms.BooleanField(
        label="The assessment is complete: send it to the Data Protection Officer for advice", required=False
    )


class RiskForm(_Form):
    required_messages = {
        "description": "Describe the risk to people",
        "likelihood": "Choose how likely the harm is",
        "severity": "Choose how severe the harm would be",
        "measures": "Describe the measures that reduce or remove the risk",
        "residual_risk": "Choose the risk that is left after the measures",
    }

    description = forms.CharField(label="The risk to people", widget=forms.Textarea(attrs={"rows": 3}))
    likelihood = forms.ChoiceField(
        label="Likelihood of harm", choices=DPIARisk.Likelihood.choices, widget=forms.RadioSelect
    )
    severity = forms.ChoiceField(label="Severity of harm", choices=DPIARisk.Severity.choices, widget=forms.RadioSelect)
    measures = forms.CharField(label="Measures to reduce or remove it", widget=forms.Textarea(attrs={"rows": 3}))
    residual_risk = forms.ChoiceField(label="Residual risk", choices=RiskLevel.choices, widget=forms.RadioSelect)


class AdviceForm(_Form):
    required_messages = {"advice": "Enter your advice"}

    advice = forms.CharField(label="Your advice as Data Protection Officer", widget=forms.Textarea(attrs={"rows": 6}))


FOLLOWED = [("yes", "Yes"), ("no", "No")]


class SignForm(FreshVerificationMixin, _Form):
    """The DPO's advice followed or not (asked of the first signer), and a fresh security key or code."""

    advice_followed = forms.ChoiceField(
        label="Was the DPO's advice followed?", choices=FOLLOWED, widget=forms.RadioSelect, required=False
    )
    advice_not_followed_reasons = forms.CharField(
        label="If not, why not", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label="I have read the assessment and the DPO's advice and accept the residual risk",
        error_messages={"required": "Confirm that you have read the assessment and accept the residual risk"},
    )

    def __init__(self, *args, asks_advice: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not asks_advice:
            self.fields.pop("advice_followed")
            self.fields.pop("advice_not_followed_reasons")

    def followed(self) -> bool | None:
        answer = self.cleaned_data.get("advice_followed")
        return {"yes": True, "no": False}.get(answer or "")


class ConsultationForm(_Form):
    started_on = GovukDateField(
        label="Date the consultation started", required=False, help_text="For example, 27 3 2027."
    )
    extended = forms.BooleanField(label="The ICO extended its time by 6 weeks (for complex processing)", required=False)
    response_on = GovukDateField(
        label="Date the ICO responded (optional)", required=False, help_text="Leave empty while you wait."
    )
    outcome = forms.ChoiceField(
        label="The ICO's response",
        choices=[("", "No response yet"), *DPIA.ConsultationOutcome.choices],
        widget=forms.RadioSelect,
        required=False,
    )


class ReviewForm(_Form):
    required_messages = {
        "outcome": "Say whether the DPIA still describes the processing and its risks",
        "notes": "Say what the review found",
    }

    outcome = forms.ChoiceField(
        label="Does the DPIA still describe the processing and its risks?",
        choices=[
            ("still_accurate", "Yes: it still holds, set the next review"),
            ("revise", "No: it needs revising"),
        ],
        widget=forms.RadioSelect,
        help_text="Revising takes it back to its assessment: it then needs the DPO's advice and both signatures again.",
    )
    notes = forms.CharField(
        label="What the review found",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, what was checked and what has changed in the processing since it was signed.",
    )
