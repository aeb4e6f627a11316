"""Forms for courses, versions and signing a declaration."""

from __future__ import annotations

from django import forms

from governance.core.forms.security_keys import FreshVerificationMixin
from governance.core.forms.widgets import FreshCodeField, GovukDateField
from governance.register.forms.assets import YesNoField
from governance.training.courses import COURSE_FIELDS
from governance.training.models import Course


class SignForm(FreshVerificationMixin, forms.Form):
    """A fresh authenticator code, or for someone signed in through the provider, a fresh sign-in there."""

    fresh_code_field = "otp_token"
    offers_key = False  # key holders sign training with a code, as they always have

    version = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="I confirm that I have received this training and I accept the declaration above",
        error_messages={"required": "Confirm that you have received the training and accept the declaration"},
    )
    otp_token = FreshCodeField()


class CourseForm(forms.ModelForm):
    clears_personal_data = YesNoField(
        label="Is this the data-protection course that clears data handlers for personal data?",
        help_text="Only a data handlers course can. Without a current sign-off, handlers get no personal data.",
    )
    is_active = YesNoField(label="Is the course in use?")

    class Meta:
        model = Course
        fields = list(COURSE_FIELDS)
        widgets = {
            "title": forms.TextInput(attrs={"class": "govuk-input--width-30"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "audience": forms.RadioSelect,
            "renewal_months": forms.NumberInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
        }
        labels = {"renewal_months": "Renewal period in months"}


class PublishVersionForm(forms.Form):
    declaration_text = forms.CharField(
        label="Declaration",
        error_messages={"required": "Enter the words of the declaration"},
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The exact words each person signs. Their signature records a digest of this text.",
    )
    changes_summary = forms.CharField(label="What changed (optional)", required=False, max_length=500)
    requires_resign = YesNoField(label="Must everyone sign again?")
    resign_by = GovukDateField(label="Sign again by", required=False, help_text="For example, 31 1 2027.")

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("requires_resign") and not data.get("resign_by"):
            self.add_error("resign_by", "Enter the date by which everyone must sign again")
        return data
