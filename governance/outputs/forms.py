"""Forms for safe outputs. The file is read and checked in ``clean`` through the service's own reader,
so a bad row is reported with every other problem at once; the services check again when they write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from governance.core import uploads
from governance.outputs.models import OutputDecision, OutputSubmission
from governance.outputs.submissions import read_output

Kind = OutputSubmission.Kind


def _file_help(kind: str) -> str:
    limit = uploads.max_size_text()
    if kind == Kind.MODEL:
        return (
            f"A CSV or XLSX file, up to {limit}, with the columns term, estimate and standard_error: "
            "one row for each coefficient."
        )
    return (
        f"A CSV or XLSX file, up to {limit}, in long form: a column for each category and a count column "
        "(or value and contributor columns for a table of totals), one row for each cell."
    )


class InviteResearcherForm(forms.Form):
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter the researcher's first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter the researcher's last name"}
    )
    email = forms.EmailField(
        label="Email address",
        help_text="The invitation to set a password is sent here. Use their work address at the contractor.",
        error_messages={
            "required": "Enter the researcher's email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ModelFactsMixin(forms.Form):
    residual_df = forms.IntegerField(
        label="Residual degrees of freedom",
        min_value=0,
        help_text="The number of observations less the number of parameters estimated.",
        error_messages={
            "required": "Enter the model's residual degrees of freedom",
            "invalid": "Residual degrees of freedom must be a whole number",
            "min_value": "Residual degrees of freedom cannot be negative",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}),
    )
    observations = forms.IntegerField(
        label="Number of observations",
        min_value=1,
        error_messages={
            "required": "Enter the number of observations the model was fitted to",
            "invalid": "The number of observations must be a whole number",
            "min_value": "The number of observations must be at least 1",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-10"}),
    )


class _OutputFileForm(forms.Form):
    """Reads the file with the service's reader once the other fields are clean, and keeps what it found."""

    kind = Kind.TABLE

    def __init__(self, *args, contract=None, excluding=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract, self.excluding = contract, excluding
        self.fields["file"].help_text = _file_help(self.kind)

    def clean(self):
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None or self.contract is None:
            return data
        if self.kind == Kind.MODEL and (data.get("residual_df") is None or data.get("observations") is None):
            return data  # their own messages say what is missing
        try:
            read_output(
                self.kind,
                upload,
                contract=self.contract,
                residual_df=data.get("residual_df"),
                observations=data.get("observations"),
                excluding=self.excluding,
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                self.add_error("file", message)
        return data


class SubmitTableForm(_OutputFileForm):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter the output's title"})
    description = forms.CharField(
        label="What does it show?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The population, the variables and the period, as a reader of the report would need them.",
        error_messages={"required": "Describe what the output shows"},
    )
    publication = forms.CharField(
        label="Where will it be published?",
        max_length=300,
        help_text="The report, paper or website, and when.",
        error_messages={"required": "Say where the output will be published"},
    )
    file = forms.FileField(
        label="Output file",
        error_messages={"required": "Select the file of the output", "empty": "The selected file is empty"},
    )


class SubmitModelForm(ModelFactsMixin, SubmitTableForm):
    kind = Kind.MODEL
    field_order = ["title", "description", "publication", "file", "residual_df", "observations"]


class ResubmitTableForm(_OutputFileForm):
    file = forms.FileField(
        label="Changed output file",
        error_messages={"required": "Select the changed file", "empty": "The selected file is empty"},
    )


class ResubmitModelForm(ModelFactsMixin, ResubmitTableForm):
    kind = Kind.MODEL
    field_order = ["file", "residual_df", "observations"]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=[
            (OutputDecision.Outcome.CLEARED, "Clear it: the researcher may take it out"),
            (OutputDecision.Outcome.CHANGES_REQUESTED, "Ask for changes: send it back with the findings"),
            (OutputDecision.Outcome.REFUSED, "Refuse it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to clear the output, ask for changes or refuse it"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The researcher reads this with the findings.",
        error_messages={"required": "Give the reason for your decision"},
    )


class EndResearcherForm(forms.Form):
    reason = forms.CharField(
        label="Why does their account end?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, they have left the project. The contract's history keeps it.",
        error_messages={"required": "Say why the researcher's account ends"},
    )
