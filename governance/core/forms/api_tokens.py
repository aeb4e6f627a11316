"""Creating a personal API token, or a SCIM provisioning token."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.core.api_tokens import expiry_errors, range_errors
from governance.core.forms.security_keys import FreshVerificationMixin
from governance.core.forms.widgets import FreshCodeField, GovukDateField


class ApiTokenForm(FreshVerificationMixin, forms.Form):
    """A person with a security key confirms with it (a role may require one); anyone else with a new code."""

    fresh_code_field = "code"

    description = forms.CharField(
        label="What is the token for?",
        help_text="For example, the system that will use it.",
        max_length=200,
        error_messages={"required": "Enter what the token is for"},
    )
    expires_on = GovukDateField(
        label="When does the token expire?",
        help_text="At most a year from today. For example, 27 3 2027.",
        error_messages={
            "required": "Enter the date the token expires",
            "invalid": "The date the token expires must be a real date, for example 27 3 2027",
        },
    )
    write_enabled = forms.BooleanField(
        label="Allow this token to change records", required=False, help_text="Leave unticked for read-only use."
    )
    allowed_ips = forms.CharField(
        label="Addresses it may be used from (optional)",
        help_text="One address or range per line, such as 192.0.2.0/24. Leave empty to allow any address.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    code = FreshCodeField()

    def clean_allowed_ips(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["allowed_ips"].splitlines() if line.strip()]
        problems = range_errors(lines)
        if problems:
            raise forms.ValidationError(problems)
        return lines

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for field, message in expiry_errors(data.get("expires_on")).items():
            self.add_error(field, message)
        return data


class ScimTokenForm(ApiTokenForm):
    """A SCIM provisioning token: always able to change people (that is its purpose), and nothing else."""

    description = forms.CharField(
        label="What is the token for?",
        help_text="For example, Entra ID provisioning for the production tenant.",
        max_length=200,
        error_messages={"required": "Enter what the token is for"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("write_enabled")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["write_enabled"] = True
        return data
