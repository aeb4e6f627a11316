"""Forms for statistical releases, their sources and tables, sign-off and the disclosure rules."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms

from governance.core.forms.security_keys import FreshVerificationMixin
from governance.core.forms.widgets import GovukDateField
from governance.disclosure import Method, Rules, TotalsPolicy
from governance.disclosure.rules import GroupDisclosure, SecondaryCost
from governance.disclosure.tables import MAX_TABLE_BYTES
from governance.register.forms.assets import AssetChoiceField
from governance.register.models import InformationAsset
from governance.releases.models import ExtractType, ReleaseSource, StatisticalRelease

_NUMBER = {"class": "govuk-input--width-5", "inputmode": "decimal"}
_WHOLE = {"class": "govuk-input--width-4", "inputmode": "numeric"}


class ReleaseForm(forms.ModelForm):
    class Meta:
        model = StatisticalRelease
        fields = ["title", "summary", "planned_release_date"]
        widgets = {
            "title": forms.TextInput(attrs={"class": "govuk-input--width-30"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"planned_release_date": GovukDateField}
        labels = {"summary": "Summary (optional)"}
        help_texts = {"planned_release_date": "For example, 27 3 2027."}


class SourceForm(forms.Form):
    """A register asset the release draws on: a sample extract needs its grossing weight."""

    asset = AssetChoiceField(
        label="Information asset",
        queryset=InformationAsset.objects.none(),
        empty_label="Select an asset",
        error_messages={"required": "Select the asset the release draws on"},
    )
    extract_type = forms.ChoiceField(
        label="Is the extract a sample or 100%?",
        choices=ExtractType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the extract is a sample or 100%"},
    )
    sampling_weight = forms.DecimalField(
        label="Sampling weight (sample extracts)",
        required=False,
        min_value=Decimal("1"),
        max_digits=12,
        decimal_places=4,
        help_text="The grossing factor: 50 for a 2% sample. A table can give its own in a 'weight' column.",
        widget=forms.TextInput(attrs=_NUMBER),
        error_messages={"min_value": "The sampling weight must be 1 or more", "invalid": "Enter a number"},
    )

    def __init__(self, *args, release: StatisticalRelease, source: ReleaseSource | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        if source is not None:
            del self.fields["asset"]
        else:
            already = ReleaseSource.objects.filter(release=release).values("asset")
            cast(AssetChoiceField, self.fields["asset"]).queryset = (
                InformationAsset.objects.exclude(pk__in=already)
                .select_related("business_area")
                .order_by("business_area__name", "name")
            )

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        sample = cleaned.get("extract_type") == ExtractType.SAMPLE
        if sample and not cleaned.get("sampling_weight") and "sampling_weight" not in self.errors:
            self.add_error("sampling_weight", "Enter the sampling weight of the sample extract")
        return cleaned


class TableFileField(forms.FileField):
    widget = forms.FileInput
    default_error_messages = {
        "required": "Select a CSV or XLSX file",
        "missing": "Select a CSV or XLSX file",
        "empty": "The selected file is empty",
        "invalid": "The selected file could not be read: upload it again",
    }


class TableCostForm(forms.Form):
    """What one table's secondary suppression minimises, if not what the rules in force say."""

    AS_RULES = "rules"

    secondary_cost = forms.ChoiceField(
        label="Secondary suppression of this table minimises",
        choices=[
            (AS_RULES, "As the rules in force say"),
            ("value", "The total value hidden"),
            ("cells", "The number of cells hidden"),
            ("weight", "The total weight hidden (the table's cost column; 1 where empty)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what secondary suppression of this table minimises"},
    )

    def cost(self) -> str:
        """The table's setting: empty for what the rules say."""
        chosen = self.cleaned_data["secondary_cost"]
        return "" if chosen == self.AS_RULES else chosen


class PatternForm(forms.Form):
    """A JJ file whose statuses (u and m hidden) replace a table's pattern once they pass the audit."""

    file = forms.FileField(
        label="JJ file",
        help_text=(
            "The table's JJ file as tau-ARGUS or sdcTable wrote it back, up to 20 MB: the same cells, values "
            "and relations as the file downloaded from this page, with the cells to hide marked u or m."
        ),
        widget=forms.FileInput(attrs={"accept": ".jj,.txt,text/plain"}),
        error_messages={"required": "Select a JJ file"},
    )


class AprioriForm(forms.Form):
    """An a-priori file (tau-ARGUS's .hst): what disclosure control states about cells ahead of the rules."""

    file = forms.FileField(
        label="A-priori file",
        help_text=(
            "Up to 5 MB. One statement a line: the cell's codes, one per category column, then u (unsafe), "
            "s (safe), p (protected: never hidden), c and a cost, pl and the protection below and above, or "
            "b and the bounds every reader knows, separated by semicolons. For example: North;F;u"
        ),
        widget=forms.FileInput(attrs={"accept": ".hst,.txt,text/plain"}),
        error_messages={"required": "Select an a-priori file"},
    )


class TableForm(forms.Form):
    """Upload (or replace) an output table: its title, the source it is drawn from and the file."""

    title = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-30"}),
        error_messages={"required": "Enter the table's title"},
    )
    source = forms.ModelChoiceField(
        label="Drawn from",
        queryset=ReleaseSource.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the source the table is drawn from"},
    )
    file = TableFileField(
        label="Table file",
        help_text=(
            f"CSV or XLSX, up to {MAX_TABLE_BYTES // (1024 * 1024)} MB: one column per category, then a 'count' "
            "column (or 'value' for magnitude tables, with optional 'contributors' such as 500;20;10). "
            "Totals are rows labelled 'Total'."
        ),
    )

    hierarchy_column = forms.CharField(
        label="Column with a hierarchy (optional)",
        required=False,
        max_length=100,
        help_text=(
            "If a column lists levels that add up to one another (such as regions and their sub-regions), "
            "name it here and give its hierarchy file. A 'Region parent' column in the table does the same."
        ),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    hierarchy_file = forms.FileField(
        label="Hierarchy file (optional)",
        required=False,
        help_text="A tau-ARGUS .hrc file: one code a line, with one @ before it for each level below the top.",
        widget=forms.FileInput,
    )

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        column, upload = cleaned.get("hierarchy_column"), cleaned.get("hierarchy_file")
        if upload and not column:
            self.add_error("hierarchy_column", "Enter the name of the column the hierarchy file is for")
        if column and not upload:
            self.add_error("hierarchy_file", "Select the hierarchy file for the column")
        if column and upload and not cleaned.get("file") and "file" in self.fields:
            self.add_error("file", "Select the table file again: a hierarchy is read with the table")
        return cleaned

    def __init__(self, *args, release: StatisticalRelease, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["source"])
        field.queryset = ReleaseSource.objects.filter(release=release).select_related("asset").order_by("asset__name")
        sources = list(field.queryset[:2])
        if len(sources) == 1 and not self.is_bound:
            self.initial.setdefault("source", sources[0].pk)  # the usual case: one source, nothing to choose
        if replacing:
            self.fields["file"].required = False
            self.fields["file"].label = "New table file (optional)"


class SignOffForm(FreshVerificationMixin, forms.Form):
    """A security key (touch and PIN) for those who have one, a fresh authenticator code for others."""

    comments = forms.CharField(label="Comments (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label="I have reviewed the disclosure control of every table and confirm the release is safe to publish",
        error_messages={"required": "Confirm that you have reviewed the disclosure control"},
    )


class ConfirmReleaseForm(forms.Form):
    confirm = forms.BooleanField(
        label="The statistics have been published with the protected tables signed off",
        error_messages={"required": "Confirm that the statistics have been published"},
    )


class RulesForm(forms.Form):
    """The disclosure-control settings. Seen only by the disclosure-control role (and auditors, read-only)."""

    method = forms.ChoiceField(
        label="Method for 100% extracts",
        choices=[
            (Method.SUPPRESSION.value, "Threshold and dominance rules, secondary suppression and rounding"),
            (Method.PERTURBATION.value, "Consistent perturbation"),
        ],
        widget=forms.RadioSelect,
    )
    threshold = forms.IntegerField(label="Minimum frequency", min_value=1, widget=forms.TextInput(attrs=_WHOLE))
    min_contributors = forms.IntegerField(
        label="Minimum contributors to a magnitude cell", min_value=1, widget=forms.TextInput(attrs=_WHOLE)
    )
    p_percent = forms.DecimalField(
        label="p% rule: p",
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=forms.TextInput(attrs=_NUMBER),
        error_messages={
            "min_value": "The p%% rule's p must be between 0 and 100",
            "max_value": "The p%% rule's p must be between 0 and 100",
        },
    )
    p_coalition = forms.IntegerField(
        label="p% rule: contributors who may pool what they know",
        min_value=1,
        help_text=(
            "1: the second largest contributor alone estimates the largest. 2: the second and third "
            "largest together, and so on."
        ),
        widget=forms.TextInput(attrs=_WHOLE),
        error_messages={"min_value": "The p%% rule's coalition must be at least 1 contributor"},
    )
    nk_n = forms.IntegerField(label="(n,k) rule: n", min_value=1, widget=forms.TextInput(attrs=_WHOLE))
    nk_k = forms.DecimalField(
        label="(n,k) rule: k (%)", min_value=0, max_value=100, decimal_places=2, widget=forms.TextInput(attrs=_NUMBER)
    )
    rounding_base = forms.IntegerField(
        label="Rounding base", min_value=1, help_text="1 means no rounding.", widget=forms.TextInput(attrs=_WHOLE)
    )
    totals = forms.ChoiceField(
        label="Published totals",
        choices=[
            (TotalsPolicy.INDEPENDENT.value, "Rounded independently (may differ from the sum of rounded cells)"),
            (TotalsPolicy.ADDITIVE.value, "Sum of the published cells where none is suppressed"),
        ],
        widget=forms.RadioSelect,
    )
    max_suppressed_share = forms.DecimalField(
        label="Largest share of cells that may be suppressed",
        min_value=0,
        max_value=1,
        decimal_places=2,
        help_text="As a fraction: 0.5 fails a table with more than half its cells suppressed.",
        widget=forms.TextInput(attrs=_NUMBER),
    )
    min_sample_cases = forms.IntegerField(
        label="Minimum sample cases behind an estimate", min_value=1, widget=forms.TextInput(attrs=_WHOLE)
    )
    sampling_weight = forms.DecimalField(
        label="Default sampling weight",
        min_value=Decimal("1"),
        decimal_places=4,
        help_text="Used when neither the source nor the table gives a weight.",
        widget=forms.TextInput(attrs=_NUMBER),
    )
    perturbation_max = forms.IntegerField(
        label="Largest perturbation", min_value=1, widget=forms.TextInput(attrs=_WHOLE)
    )
    perturbation_key = forms.CharField(
        label="Perturbation key (optional)",
        max_length=200,
        required=False,
        help_text=(
            "A secret that makes adjustments unpredictable; it is never shown again. Leave blank to keep the "
            "current key. Changing it changes every perturbed cell."
        ),
        widget=forms.PasswordInput(
            render_value=False, attrs={"class": "govuk-input--width-30", "autocomplete": "new-password"}
        ),
    )
    frequency_protection = forms.IntegerField(
        label="Protection of a hidden count",
        min_value=0,
        help_text=(
            "How far above its true value a reader's upper bound for a hidden count must reach. "
            "0: up to the minimum frequency, so no one can tell the count is below it."
        ),
        widget=forms.TextInput(attrs=_WHOLE),
        error_messages={"min_value": "The protection of a hidden count must be 0 or more"},
    )
    frequency_range = forms.DecimalField(
        label="Protection range of a hidden count (%)",
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=(
            "As tau-ARGUS's FREQ(minimum, range): a reader's interval for a hidden count must reach this "
            "percentage of it below and above. 0: not used (the protection above applies)."
        ),
        widget=forms.TextInput(attrs=_NUMBER),
        error_messages={
            "min_value": "The protection range of a hidden count must be between 0 and 100",
            "max_value": "The protection range of a hidden count must be between 0 and 100",
        },
    )
    frequency_range_and_threshold = forms.BooleanField(
        label="With a protection range, a hidden count must also be protected as set above (the larger of the two)",
        required=False,
        help_text=(
            "So that every pattern meets both standards: with a range of 30% and a minimum frequency of 10, "
            "a hidden count of 8 must be able to be 2.4 lower, and 2.4 higher or up to 10, whichever is more."
        ),
    )
    protection_scale = forms.DecimalField(
        label="Protection level multiplier",
        min_value=0,
        decimal_places=2,
        help_text="Multiplies every required protection interval (p%, (n,k) and counts); 1 is the handbook's level.",
        widget=forms.TextInput(attrs=_NUMBER),
        error_messages={"min_value": "The protection level multiplier must be 0 or more"},
    )
    secondary_cost = forms.ChoiceField(
        label="Secondary suppression minimises",
        choices=[
            (SecondaryCost.CELLS.value, "The number of cells hidden"),
            (SecondaryCost.VALUE.value, "The total value hidden"),
            (SecondaryCost.WEIGHT.value, "The total weight hidden (each table's cost column; 1 where none)"),
        ],
        widget=forms.RadioSelect,
    )
    optimal_max_cells = forms.IntegerField(
        label="Largest table for optimal suppression (cells)",
        min_value=0,
        help_text="Larger tables use a faster heuristic; both are audited the same way.",
        widget=forms.TextInput(attrs=_WHOLE),
    )
    zeros_disclosive = forms.BooleanField(
        label="Zero counts are disclosive (not structural zeros) and are protected like small counts",
        required=False,
    )
    group_disclosure = forms.ChoiceField(
        label="A line whose whole total falls in one cell is unsafe (group disclosure)",
        choices=[
            (GroupDisclosure.COUNTS.value, "In tables of counts (counts are taken to be of people)"),
            (GroupDisclosure.ALL.value, "In every table, counts and values"),
            (GroupDisclosure.OFF.value, "In no table"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Reason for the change",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter the reason for the change"},
    )

    RULE_FIELDS = (
        "method",
        "threshold",
        "min_contributors",
        "p_percent",
        "p_coalition",
        "nk_n",
        "nk_k",
        "rounding_base",
        "totals",
        "max_suppressed_share",
        "min_sample_cases",
        "sampling_weight",
        "perturbation_max",
        "perturbation_key",
        "frequency_protection",
        "frequency_range",
        "frequency_range_and_threshold",
        "protection_scale",
        "secondary_cost",
        "optimal_max_cells",
        "zeros_disclosive",
        "group_disclosure",
    )

    def __init__(self, *args, current_key: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current_key = current_key

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if not cleaned.get("perturbation_key"):
            cleaned["perturbation_key"] = self.current_key  # blank keeps the key in force
        if cleaned.get("method") == Method.PERTURBATION.value and not cleaned.get("perturbation_key"):
            self.add_error(
                "perturbation_key", "Enter a perturbation key: without a secret the adjustments are guessable"
            )
        return cleaned

    @classmethod
    def initial_from(cls, rules: Rules) -> dict:
        """The settings in force, for the form; the perturbation key is never sent back to a browser."""
        initial = {name: getattr(rules, name) for name in cls.RULE_FIELDS if name != "perturbation_key"}
        initial["secondary_cost"] = rules.secondary_cost.value
        initial["group_disclosure"] = rules.group_disclosure.value
        return initial

    def rules(self) -> Rules:
        values = {name: self.cleaned_data[name] for name in self.RULE_FIELDS}
        values["method"] = Method(values["method"])
        values["totals"] = TotalsPolicy(values["totals"])
        values["secondary_cost"] = SecondaryCost(values["secondary_cost"])
        values["group_disclosure"] = GroupDisclosure(values["group_disclosure"])
        return Rules(**values)
