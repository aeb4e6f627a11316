"""Every Django form renders as GOV.UK Design System markup.

Set as ``FORM_RENDERER``: ``{{ form }}`` and ``{{ field.as_field_group }}``
produce GOV.UK form groups (label, hint, error message, control), and each
widget gets its GOV.UK class and ``aria-describedby`` from ``GovukBoundField``.
Forms from libraries (the two-factor login and set-up) are covered too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from governance.core.forms.messages import name_the_field

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
    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        name_the_field(field, self.label)

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
        if widget_type not in ("radioselect", "checkboxselectmultiple", "govukdate", "govuktime"):
            described_by = []
            if self.help_text:
                described_by.append(f"{self.auto_id}-hint")
            if self.errors:
                described_by.append(f"{self.auto_id}-error")
            if described_by:
                attrs["aria-describedby"] = " ".join(described_by)
        return attrs


# --- the common widgets, written directly -------------------------------------------------------
# Django renders each input through two or three nested templates; a filter panel of
# a dozen fields spent most of a list page's time there. These produce the same markup
# as Django's templates (django/forms/widgets/*.html), in a fraction of the time.


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    name = conditional_escape(widget["name"])
    return f'<input type="{widget["type"]}" name="{name}"{shown}{_attrs(widget["attrs"])}>'


def _input_option(widget: dict) -> str:
    control = _input(widget)
    if not widget.get("wrap_label"):
        return control
    target = widget["attrs"].get("id")
    for_attr = f' for="{conditional_escape(target)}"' if target else ""
    return f"<label{for_attr}>{control} {conditional_escape(widget['label'])}</label>"


def _select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            # The option's own attrs carry "selected" and any others (such as "disabled"), as in Django's template.
            value = conditional_escape(str(option["value"]))
            label = conditional_escape(option["label"])
            parts.append(f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>')
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


_DIRECT: dict[str, Callable[[dict], str]] = {
    **{
        f"django/forms/widgets/{name}.html": _input
        for name in ("input", "text", "email", "number", "hidden", "password", "url", "checkbox", "search", "tel")
    },
    **{
        f"django/forms/widgets/{name}.html": _input_option
        for name in ("input_option", "radio_option", "checkbox_option")
    },
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/textarea.html": _textarea,
}


# --- the plain form group, written directly ---------------------------------------------------
# A filter panel's fields (selects, text and date inputs) each went through field.html and
# error_message.html in the template engine: a quarter of a list page's time. The plain branch
# of field.html (a label, hint, error message and control) is written here, to the byte, and so are
# its radios, checkbox lists and lone checkbox (a decision form's fieldset of radios cost it 0.7 ms
# in the template engine); the date and time fieldsets still use the template.

_FIELDSET_WIDGETS = frozenset(("radioselect", "checkboxselectmultiple", "govukdate", "govuktime", "checkbox"))


def _error_message(field: BoundField) -> str:
    """govuk/forms/error_message.html, without its closing line break."""
    errors = field.errors
    if not errors:
        return ""
    text = " ".join(conditional_escape(str(error)) for error in errors)
    return (
        f'<p id="{conditional_escape(field.auto_id)}-error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {text}</p>'
    )


def _plain_field(field: BoundField) -> SafeString:
    """govuk/forms/field.html for a field that is neither a fieldset nor a lone checkbox."""
    help_text = field.help_text
    hint = (
        f'<div id="{conditional_escape(field.auto_id)}-hint" class="govuk-hint">{conditional_escape(help_text)}</div>'
        if help_text
        else ""
    )
    error = " govuk-form-group--error" if field.errors else ""
    return mark_safe(  # noqa: S308 - every value escaped, as the template escapes it
        f'<div class="govuk-form-group{error}">'
        f'\n  <label class="govuk-label govuk-label--s" for="{conditional_escape(field.id_for_label)}">'
        f"{conditional_escape(field.label)}</label>"
        f"\n  {hint}"
        f"\n  {_error_message(field)}\n"  # the included template's last line break
        f"\n  {conditional_escape(str(field))}"
        "\n</div>"  # the renderer strips the template's output
    )


def _described_by(field: BoundField) -> str:
    """The fieldset's ``aria-describedby``: its hint and error message, as field.html writes it."""
    if not (field.help_text or field.errors):
        return ""
    auto_id = conditional_escape(field.auto_id)
    hint = f"{auto_id}-hint" if field.help_text else ""
    error = f" {auto_id}-error" if field.errors else ""
    return f' aria-describedby="{hint}{error}"'


def _hint(field: BoundField, extra: str = "") -> str:
    if not field.help_text:
        return ""
    return (
        f'<div id="{conditional_escape(field.auto_id)}-hint" class="govuk-hint{extra}">'
        f"{conditional_escape(field.help_text)}</div>"
    )


def _options_field(field: BoundField) -> SafeString:
    """govuk/forms/field.html for radios and checkbox lists: a fieldset, its legend and an item per choice."""
    kind = "govuk-radios" if field.widget_type == "radioselect" else "govuk-checkboxes"
    error = " govuk-form-group--error" if field.errors else ""
    items = "".join(
        f'\n      <div class="{kind}__item">'
        f"\n        {option.tag()}"
        f'\n        <label class="govuk-label {kind}__label" for="{conditional_escape(option.id_for_label)}">'
        f"{conditional_escape(option.choice_label)}</label>"
        "\n      </div>\n      "
        for option in field
    )
    return mark_safe(  # noqa: S308 - every value escaped, as the template escapes it
        f'<div class="govuk-form-group{error}">'
        f'\n  <fieldset class="govuk-fieldset"{_described_by(field)}>'
        '\n    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">'
        f"{conditional_escape(field.label)}</legend>"
        f"\n    {_hint(field)}"
        f"\n    {_error_message(field)}\n"  # the included template's last line break
        f'\n    <div class="{kind}" data-module="{kind}">'
        f"\n      {items}"
        "\n    </div>\n  </fieldset>\n</div>"
    )


def _lone_checkbox(field: BoundField) -> SafeString:
    """govuk/forms/field.html for a single checkbox (a confirmation, an option)."""
    error = " govuk-form-group--error" if field.errors else ""
    return mark_safe(  # noqa: S308 - every value escaped, as the template escapes it
        f'<div class="govuk-form-group{error}">'
        f"\n  {_error_message(field)}\n"  # the included template's last line break
        '\n  <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
        '\n    <div class="govuk-checkboxes__item">'
        f"\n      {conditional_escape(str(field))}"
        f'\n      <label class="govuk-label govuk-checkboxes__label" for="{conditional_escape(field.id_for_label)}">'
        f"{conditional_escape(field.label)}</label>"
        f"\n      {_hint(field, ' govuk-checkboxes__hint')}"
        "\n    </div>\n  </div>\n</div>"
    )


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
    bound_field_class = GovukBoundField

    def render(self, template_name, context, request=None):
        direct = _DIRECT.get(template_name)
        if direct is not None and "widget" in context:
            return direct(context["widget"])
        if template_name == self.field_template_name and request is None and len(context) == 1:
            field = context.get("field")
            if isinstance(field, BoundField):
                widget_type = field.widget_type
                if widget_type not in _FIELDSET_WIDGETS:
                    return _plain_field(field)
                if widget_type in ("radioselect", "checkboxselectmultiple"):
                    return _options_field(field)
                if widget_type == "checkbox":
                    return _lone_checkbox(field)
        return super().render(template_name, context, request=request)
