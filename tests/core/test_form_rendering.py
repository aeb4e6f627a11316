"""The renderer's direct widgets produce the same markup as Django's own widget templates.

``GovukFormRenderer`` writes the common widgets directly for speed. Each case renders a
widget both ways and compares them (whitespace between tags aside), attributes included,
so a direct writer can never silently drop what Django's template would render.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting

from governance.access.views import YourGrantsFilter
from governance.core.forms.rendering import _DIRECT, GovukFormRenderer
from governance.core.forms.widgets import GovukDateField
from tests.factories import DataItemFactory, InformationAssetFactory, UserFactory


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


class EveryPlainField(forms.Form):
    """The fields a list's filter panel and the portal's forms render through field.html's plain branch."""

    name = forms.CharField(label="Name & <role>", help_text='Your "full" name <b>', max_length=5)
    email = forms.EmailField(required=False)
    count = forms.IntegerField(min_value=1)
    fruit = forms.ChoiceField(choices=CHOICES, required=False, help_text="Pick one")
    fruits = forms.MultipleChoiceField(choices=CHOICES, required=False)
    ends = forms.DateField(required=False, label="Ends on or before")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    flag = forms.NullBooleanField(required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"class": "x"}), required=False)
    # Fieldsets and the lone checkbox: written directly too (and so must match the template).
    agree = forms.BooleanField(required=False, help_text="Tick if you <agree> & more")
    confirm = forms.BooleanField(label='I confirm "this" & <that>')
    choice = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, required=False, help_text="One & <only>")
    several = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple, required=False)
    # Not written directly: the date fieldset still goes through the template.
    on = GovukDateField(required=False, help_text="For example, 27 3 2027")

    def clean_name(self):
        raise forms.ValidationError(["First & <worst>", "Second"])


IN_A_MONTH = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
PLAIN_CASES = {
    "unbound": {},
    "bound and valid": {"data": {"count": "3", "fruit": "c", "fruits": ["a", "c"], "ends": IN_A_MONTH}},
    "bound with errors": {
        "data": {
            "name": "too long <x>",
            "email": "no",
            "count": "0",
            "fruit": "zzz",
            "ends": "bad",
            "notes": "<i>",
            "choice": "zzz",
            "several": ["a", "zzz"],
        }
    },
    "bound with choices made": {"data": {"choice": "c", "several": ["a", "c"], "agree": "on", "confirm": "on"}},
    "no ids": {"data": {"name": "x"}, "auto_id": False},
    "a prefix": {"data": {"p-name": "x"}, "prefix": "p"},
}


@pytest.mark.parametrize("kwargs", PLAIN_CASES.values(), ids=list(PLAIN_CASES))
def test_form_groups_match_the_field_template_to_the_byte(kwargs):
    form = EveryPlainField(**kwargs)
    form.is_valid()
    renderer = GovukFormRenderer()
    for field in form:
        direct = renderer.render(renderer.field_template_name, field.get_context())
        template = TemplatesSetting.render(renderer, renderer.field_template_name, field.get_context())
        assert direct == template, field.name


def test_a_list_filter_panel_matches_the_field_template_to_the_byte(db):
    # An IAM's asset and data item whose names need escaping, offered in the asset and item filters.
    asset = InformationAssetFactory(name="Payroll & <pensions>", manager=UserFactory())
    DataItemFactory(asset=asset, name="O'Neill's <count>")
    for data in ({}, {"asset": str(asset.pk), "state": "active", "ends_before": "bad", "holder": "O'Neill"}):
        form = YourGrantsFilter(data, user=asset.manager).form
        assert "Payroll &amp; &lt;pensions&gt;" in str(form["asset"]) and "&lt;count&gt;" in str(form["item"])
        form.is_valid()
        renderer = form.renderer
        for field in form:
            direct = renderer.render(renderer.field_template_name, field.get_context())
            template = TemplatesSetting.render(renderer, renderer.field_template_name, field.get_context())
            assert direct == template, field.name


def test_plain_fields_skip_the_template_engine(monkeypatch):
    renderer = GovukFormRenderer()
    original = TemplatesSetting.render

    def no_field_template(self, template_name, context, request=None):
        assert template_name != renderer.field_template_name, "field.html went through the template engine"
        return original(self, template_name, context, request)

    monkeypatch.setattr(TemplatesSetting, "render", no_field_template)
    form = EveryPlainField({"name": "x"})
    for name in ("name", "email", "count", "fruit", "fruits", "ends", "notes", "flag", "when"):
        form[name].as_field_group()
    for name in ("agree", "confirm", "choice", "several"):
        form[name].as_field_group()
