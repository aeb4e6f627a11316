"""GOV.UK widgets Django does not have."""

from __future__ import annotations

import datetime

from django import forms


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes (not the browser's date picker).

    Submits ``YYYY-MM-DD`` to the field when all three parts are present, and the
    parts as typed otherwise, so a mistake is shown back to the user unchanged.
    """

    template_name = "govuk/forms/widgets/date.html"

    def __init__(self, attrs=None):
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 2}),
            "month": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 2}),
            "year": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4}),
        }
        super().__init__(widgets, attrs)

    def get_context(self, name, value, attrs):
        """Give the boxes the ids ``<id>_day``, ``_month`` and ``_year``: the error summary links to the day box."""
        context = super().get_context(name, value, attrs)
        base = context["widget"]["attrs"].get("id")
        if base:
            for sub, part in zip(context["widget"]["subwidgets"], ("day", "month", "year"), strict=True):
                sub["attrs"]["id"] = f"{base}_{part}"
        return context

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        day, month, year = (data.get(f"{name}_{part}", "").strip() for part in ("day", "month", "year"))
        if not (day or month or year):
            return None
        return f"{year}-{month}-{day}"

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}_{part}" not in data for part in ("day", "month", "year"))


class GovukDateField(forms.DateField):
    """A date asked for with the GOV.UK date input, with GOV.UK-style messages."""

    widget = GovukDateInput
    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": "Enter a real date, for example 27 3 2027"}


class GovukTimeInput(forms.MultiWidget):
    """Hour and minute boxes laid out like the GOV.UK date input, for a time of day on the 24-hour clock.

    Both boxes empty submit nothing: the field may then take the time as not known.
    """

    template_name = "govuk/forms/widgets/time.html"

    def __init__(self, attrs=None):
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "hour": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 2}),
            "minute": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 2}),
        }
        super().__init__(widgets, attrs)

    def get_context(self, name, value, attrs):
        """The boxes' ids are ``<id>_hour`` and ``<id>_minute``: the error summary links to the hour."""
        context = super().get_context(name, value, attrs)
        base = context["widget"]["attrs"].get("id")
        if base:
            for sub, part in zip(context["widget"]["subwidgets"], ("hour", "minute"), strict=True):
                sub["attrs"]["id"] = f"{base}_{part}"
        return context

    def decompress(self, value):
        if isinstance(value, datetime.time):
            return [f"{value.hour:02d}", f"{value.minute:02d}"]
        if isinstance(value, str) and ":" in value:
            return value.split(":", 1)
        return [None, None]

    def value_from_datadict(self, data, files, name):
        hour, minute = (data.get(f"{name}_{part}", "").strip() for part in ("hour", "minute"))
        if not (hour or minute):
            return None
        return f"{hour}:{minute}"

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}_{part}" not in data for part in ("hour", "minute"))


class GovukTimeField(forms.Field):
    """A time of day from the hour and minute boxes; empty means not known (when not required)."""

    widget = GovukTimeInput
    default_error_messages = {
        "invalid": "Enter a real time on the 24-hour clock, for example 14 30",
        "incomplete_hour": "The time must include an hour",
        "incomplete_minute": "The time must include the minutes",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        hour, _, minute = str(value).partition(":")
        if not hour:
            raise forms.ValidationError(self.error_messages["incomplete_hour"], code="incomplete_hour")
        if not minute:
            raise forms.ValidationError(self.error_messages["incomplete_minute"], code="incomplete_minute")
        if not (hour.isdigit() and minute.isdigit()) or int(hour) > 23 or int(minute) > 59:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return datetime.time(int(hour), int(minute))


class FreshCodeField(forms.CharField):
    """A new code from the authenticator app, asked again for an attestation (layered authentication).

    The form only checks it is given; the service verifies it, and django-otp refuses
    the code already used to sign in.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Code from your authenticator app")
        kwargs.setdefault("help_text", "Enter a new code. The code you signed in with cannot be used again.")
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("error_messages", {"required": "Enter a code from your authenticator app"})
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"class": "govuk-input--width-5", "inputmode": "numeric", "autocomplete": "one-time-code"}
            ),
        )
        super().__init__(**kwargs)
