"""Every Django form renders as GOV.UK Design System markup.

Set as ``FORM_RENDERER``: ``{{ form }}`` and ``{{ field.as_field_group }}``
produce GOV.UK form groups (label, hint, error message, control), and each
widget gets its GOV.UK class and ``aria-describedby`` from ``GovukBoundField``.
Forms from libraries (the two-factor login and set-up) are covered too.
"""

from __future__ import annotations

from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

_WIDGET_CLASSES = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "nullbooleanselect": "govuk-select",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
    "checkbox": "govuk-checkboxes__input",
    "radioselect": "govuk-radios__input",
    "checkboxselectmultiple": "govuk-checkboxes__input",
}
_ERROR_CLASSES = {
    "govuk-input": "govuk-input--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-select": "govuk-select--error",
    "govuk-file-upload": "govuk-file-upload--error",
}


class GovukBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget_type = self.widget_type
        if widget_type == "hidden":
            return attrs
        css = _WIDGET_CLASSES.get(widget_type, "govuk-input")
        classes = [css]
        if self.errors and css in _ERROR_CLASSES:
            classes.append(_ERROR_CLASSES[css])
        if attrs.get("class"):
            classes.append(attrs["class"])
        attrs["class"] = " ".join(classes)
        # Fieldsets carry the description for radios, checkbox lists and dates.
        if widget_type not in ("radioselect", "checkboxselectmultiple", "govukdate"):
            described_by = []
            if self.help_text:
                described_by.append(f"{self.auto_id}-hint")
            if self.errors:
                described_by.append(f"{self.auto_id}-error")
            if described_by:
                attrs["aria-describedby"] = " ".join(described_by)
        return attrs


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
    bound_field_class = GovukBoundField
