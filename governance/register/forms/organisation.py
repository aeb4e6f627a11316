"""Forms for business areas. People are found by username or staff number, never a 50,000-row list."""

from __future__ import annotations

from django import forms

from governance.core.models import BusinessArea, User
from governance.register.people import find_active_person


class PersonField(forms.CharField):
    """A person, typed as a username or staff number and resolved to an active user."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("class", "govuk-input--width-20")
        self.widget.attrs.setdefault("autocomplete", "off")
        self.widget.attrs.setdefault("spellcheck", "false")

    def prepare_value(self, value):
        if isinstance(value, User):
            return value.username
        if isinstance(value, int):
            user = User.objects.filter(pk=value).first()
            return user.username if user else ""
        return value

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        user = find_active_person(text)
        if user is None:
            raise forms.ValidationError(no_such_person(text))
        return user


def no_such_person(text: str) -> str:
    return f"No active member of staff has the username or staff number {text}"


class BusinessAreaForm(forms.ModelForm):
    deputy_siro = PersonField(
        label="Deputy SIRO",
        required=False,
        help_text="Username or staff number. Leave blank if the post is vacant.",
    )

    class Meta:
        model = BusinessArea
        fields = ["name", "code"]
        labels = {"name": "Name", "code": "Short code"}
        widgets = {
            "name": forms.TextInput(attrs={"class": "govuk-input--width-30"}),
            "code": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("deputy_siro", self.instance.deputy_siro)
        self.order_fields(["name", "code", "deputy_siro"])
