"""Error messages that name their field, in the GOV.UK style, for every form at once.

Django's defaults ("This field is required.", "Ensure this value has at most 300
characters (it has 412).") do not say which field they mean, and the error
summary lists them apart from their fields. ``name_the_field`` replaces each
default that a form has not set itself with one built from the field's label
("Enter business case", "Purpose must be 300 characters or fewer"). It also gives
every free-text field without a limit the portal's limit, so no field takes
unbounded input, whatever its form forgot.

``GovukBoundField`` calls it when a form's field is first bound: the field is
the form's own copy, so nothing is shared between forms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_DJANGO_REQUIRED = str(forms.Field.default_error_messages["required"])
_DJANGO_MAX_LENGTH = str(MaxLengthValidator.message)
_SELECTED = (forms.ChoiceField, forms.ModelChoiceField, forms.NullBooleanField, forms.BooleanField)
_UPLOADED = (forms.FileField,)


def required_message(field: forms.Field, label: str) -> str:
    """'Enter …', 'Select …' or 'Upload …', as the GOV.UK error message guidance writes them."""
    text = label.strip().rstrip(":")
    if text.endswith("?"):
        return f"Answer “{text}”"
    noun = text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text
    if isinstance(field, _UPLOADED):
        return f"Upload {noun}"
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return f"Select at least one option for {noun}"
    if isinstance(field, _SELECTED):
        return f"Select {noun}"
    if isinstance(field, forms.DateField):
        # "Enter the next review date", "Enter the date of destruction": a date is always "the" date.
        return f"Enter the {noun}" if "date" in noun.lower() else f"Enter the date for {noun}"
    return f"Enter {noun}"


def name_the_field(field: forms.Field, label: StrOrPromise | None) -> None:
    """Put the field's name into its required and maximum-length messages, and cap free text."""
    if not label:
        return
    if str(field.error_messages.get("required", "")) == _DJANGO_REQUIRED:
        field.error_messages = {**field.error_messages, "required": required_message(field, str(label))}
    if isinstance(field, forms.CharField) and not isinstance(field, forms.FileField):
        if field.max_length is None:
            field.max_length = settings.FORM_TEXT_MAX_LENGTH
            field.validators = [*field.validators, MaxLengthValidator(field.max_length)]
        field.validators = [_named_max_length(v, str(label)) for v in field.validators]


def _named_max_length(validator, label: str):
    if isinstance(validator, MaxLengthValidator) and str(validator.message) == _DJANGO_MAX_LENGTH:
        limit = validator.limit_value
        return MaxLengthValidator(limit, message=f"{label.strip().rstrip('?:')} must be {limit:,} characters or fewer")
    return validator
