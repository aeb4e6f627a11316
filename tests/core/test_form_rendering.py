"""The renderer's direct widgets produce the same markup as Django's own widget templates.

``GovukFormRenderer`` writes the common widgets directly for speed. Each case renders a
widget both ways and compares them (whitespace between tags aside), attributes included,
so a direct writer can never silently drop what Django's template would render.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting

from governance.core.forms.rendering import _DIRECT, GovukFormRenderer


class DisablingSelect(forms.Select):
    """A select whose "retired" option is disabled, as a form would mark an unavailable choice."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value == "retired":
            option["attrs"]["disabled"] = True
        return option


CHOICES = [("a", "Apple & <pear>"), ("retired", "Retired"), ("c", 'Say "cheese"')]
GROUPED = [("Fruit", [("a", "Apple"), ("b", "Banana")]), ("Other", [("c", "Carrot")])]
ATTRS = {"class": "govuk-input", "data-x": 'quote " and <tag>', "required": True, "hidden": False}

CASES = [
    ("text", forms.TextInput(), "name", "O'Brien <b>", ATTRS),
    ("text, no value", forms.TextInput(), "name", None, {"id": "id_name"}),
    ("email", forms.EmailInput(), "email", "a@example.gov.uk", {"autocomplete": "email"}),
    ("number", forms.NumberInput(), "count", 0, {"min": 0, "step": 1}),
    ("hidden", forms.HiddenInput(), "token", "abc", {}),
    ("password", forms.PasswordInput(render_value=True), "password", "secret", {}),
    ("url", forms.URLInput(), "url", "https://example.gov.uk/?a=1&b=2", {}),
    ("search", forms.SearchInput(), "q", "x", {}),
    ("tel", forms.TelInput(), "phone", "0123", {}),
    ("checkbox checked", forms.CheckboxInput(), "agree", True, {"id": "id_agree"}),
    ("checkbox unchecked", forms.CheckboxInput(), "agree", False, {}),
    ("select with a disabled option", DisablingSelect(choices=CHOICES), "fruit", "c", {"id": "id_fruit"}),
    ("select, nothing selected", forms.Select(choices=CHOICES), "fruit", None, {}),
    ("select with groups", forms.Select(choices=GROUPED), "food", "b", {}),
    ("select multiple", forms.SelectMultiple(choices=CHOICES), "fruits", ["a", "c"], {}),
    ("null boolean", forms.NullBooleanSelect(), "flag", True, {}),
    ("textarea", forms.Textarea(), "notes", "Line one\n<script>", {"rows": 3}),
    ("empty textarea", forms.Textarea(), "notes", "", {}),
]


def _normal(html: str) -> str:
    """Whitespace runs as one space (as a browser shows them) and none between tags."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def _both(widget, name, value, attrs):
    renderer = GovukFormRenderer()
    context = widget.get_context(name, value, attrs)
    assert widget.template_name in _DIRECT, widget.template_name
    direct = renderer.render(widget.template_name, context)
    django = TemplatesSetting.render(renderer, widget.template_name, context)
    return _normal(direct), _normal(django)


@pytest.mark.parametrize(("label", "widget", "name", "value", "attrs"), CASES, ids=[case[0] for case in CASES])
def test_direct_widgets_match_djangos_templates(label, widget, name, value, attrs):
    direct, django = _both(widget, name, value, attrs)
    assert direct == django


@pytest.mark.parametrize("widget_class", [forms.RadioSelect, forms.CheckboxSelectMultiple])
def test_option_inputs_match_djangos_templates(widget_class):
    widget = widget_class(choices=CHOICES)
    renderer = GovukFormRenderer()
    context = widget.get_context("choice", ["a"], {"id": "id_choice"})
    options = [option for _group, group_options, _index in context["widget"]["optgroups"] for option in group_options]
    assert options
    for option in options:
        option["attrs"].setdefault("disabled", option["value"] == "retired")
        direct = renderer.render(option["template_name"], {"widget": option})
        django = TemplatesSetting.render(renderer, option["template_name"], {"widget": option})
        assert _normal(direct) == _normal(django)


def test_a_disabled_option_renders_disabled():
    direct, _ = _both(DisablingSelect(choices=CHOICES), "fruit", "c", {})
    assert '<option value="retired" disabled>Retired</option>' in direct


def test_every_direct_template_is_covered():
    covered = {case[1].template_name for case in CASES} | {
        "django/forms/widgets/radio_option.html",
        "django/forms/widgets/checkbox_option.html",
    }
    # input.html and input_option.html are the generic bases of the ones above.
    assert set(_DIRECT) - covered <= {"django/forms/widgets/input.html", "django/forms/widgets/input_option.html"}
