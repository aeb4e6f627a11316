"""Forms for reporting and handling incidents. Rules are checked again by ``incidents.records``."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import cast

from django import forms
from django.conf import settings
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.contracts.models import ResearchContract
from governance.core.forms.widgets import GovukDateField, GovukTimeField
from governance.core.plurals import date_text
from governance.incidents.models import Incident, IncidentAction
from governance.register.forms.assets import YesNoField
from governance.register.forms.organisation import PersonField
from governance.register.models import InformationAsset


class IncidentForm(forms.Form):
    """Each required question says, in GOV.UK style, what is missing."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            self.fields[name].error_messages["required"] = message


_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_ABOUT = r"(?:about|around|approximately|approx\.?|roughly|circa|c\.|~)?"
PEOPLE_ONE = re.compile(rf"^{_ABOUT}\s*({_NUMBER})$", re.IGNORECASE)
PEOPLE_RANGE = re.compile(
    rf"^(?:between\s+)?{_ABOUT}\s*({_NUMBER})\s*(?:-|\u2013|\u2014|to|and)\s*({_NUMBER})$", re.IGNORECASE
)
PEOPLE_MESSAGE = "Enter how many people are affected as a number, such as 200, or a range, such as 100 to 500"


def parse_people_affected(text: str) -> tuple[int | None, int | None]:
    """'about 200' -> (200, None); '100\u2013500' or '100-500' -> (100, 500); '' -> (None, None).

    A reporter rarely knows the exact number on the day: an estimate or a range is what
    they can give, and the handler refines it later.
    """
    text = " ".join((text or "").split())
    if not text:
        return None, None
    one = PEOPLE_ONE.match(text)
    if one:
        return int(one.group(1).replace(",", "")), None
    both = PEOPLE_RANGE.match(text)
    if not both:
        raise forms.ValidationError(PEOPLE_MESSAGE)
    low, high = (int(group.replace(",", "")) for group in both.groups())
    if low > high:
        raise forms.ValidationError("Enter the smaller number of the range first, for example 100 to 500")
    return (low, None) if low == high else (low, high)


class AssetCheckboxes(forms.CheckboxSelectMultiple):
    """The assets as a list of checkboxes: it works without JavaScript, and a filter box narrows it with."""


class ReportForm(IncidentForm):
    """An incident report, in the reporter's words: no grant or contract numbers, no data item names.

    The handler links the grants and contracts involved during triage, choosing from the
    asset's own lists (``LinkRecordsForm``).
    """

    def __init__(self, *args, reporter=None, **kwargs):
        self.reporter = reporter
        super().__init__(*args, **kwargs)

    required_messages = {
        "title": "Enter a short summary of what happened",
        "kind": "Select what kind of incident it is",
        "description": "Enter what happened",
        "found_on": "Enter the date it was found",
        "personal_data": "Select yes if personal data is involved",
        "special_category": "Select yes if special category data is involved",
    }

    title = forms.CharField(
        label="Summary", max_length=200, help_text="One line, for example 'Extract emailed to the wrong team'."
    )
    kind = forms.ChoiceField(
        label="What kind of incident is it?", choices=Incident.Kind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened, how it was found, and anything already done to contain it.",
    )
    found_on = GovukDateField(
        label="When was it found?",
        help_text="For example, 27 3 2027.",
        error_messages={"invalid": "The date it was found must be a real date, for example 27 3 2027"},
    )
    found_time = GovukTimeField(
        label="At what time was it found? (optional)",
        required=False,
        help_text="24-hour clock, UK time, for example 14 30. Leave it blank if you do not know the time.",
        error_messages={"invalid": "The time it was found must be a real time on the 24-hour clock, for example 14 30"},
    )
    personal_data = YesNoField(label="Is personal data involved?")
    special_category = YesNoField(
        label="Is special category data involved?",
        help_text="Health, ethnicity, religion, sexual orientation, trade union membership, biometric or genetic data.",
    )
    people_affected = forms.CharField(
        label="Roughly how many people are affected? (optional)",
        required=False,
        max_length=40,
        help_text="A number or a range, for example about 200, or 100 to 500.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    assets = forms.ModelMultipleChoiceField(
        label="Which information assets does it touch? (optional)",
        required=False,
        queryset=InformationAsset.objects.order_by("name", "pk"),
        help_text="Select all that apply. Leave them all unticked if you do not know.",
        widget=AssetCheckboxes,
    )

    def clean_people_affected(self) -> tuple[int | None, int | None]:
        return parse_people_affected(self.cleaned_data.get("people_affected", ""))

    def clean(self):
        data = super().clean() or self.cleaned_data
        found_on, found_time = data.get("found_on"), data.get("found_time")
        if found_on is not None and "found_time" not in self.errors:
            local = datetime.datetime.combine(found_on, found_time or datetime.time(0, 0))
            data["found_at"] = local.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
            if found_on > timezone.localdate() or (found_time is not None and data["found_at"] > timezone.now()):
                self.add_error("found_on", "The date and time it was found must be in the past")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        low, high = data.get("people_affected") or (None, None)
        return {
            "title": data["title"],
            "description": data["description"],
            "kind": data["kind"],
            "found_at": data["found_at"],
            "found_time_known": data.get("found_time") is not None,
            "personal_data": data["personal_data"],
            "special_category": data["special_category"],
            "people_affected": low,
            "people_affected_max": high,
            "assets": list(data.get("assets") or []),
        }


class GrantChoices(forms.ModelMultipleChoiceField):
    """Grants named by holder, asset and end date; a holder the handler may not see is left unnamed."""

    holders_shown: frozenset[int] = frozenset()

    def label_from_instance(self, obj) -> str:
        if obj.pk in self.holders_shown:
            return f"{obj.holder.display_name}: {obj.asset.name}, until {date_text(obj.ends_on)}"
        return f"A grant on {obj.asset.name}, until {date_text(obj.ends_on)}"


class ContractChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.reference}: {obj.title}"


class LinkRecordsForm(forms.Form):
    """The handler's choice of the grants and contracts an incident involves, from the assets' own lists."""

    grants = GrantChoices(
        label="Which access grants are involved?",
        required=False,
        queryset=AccessGrant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Live and suspended grants on the assets the incident touches. Select all that apply.",
    )
    contracts = ContractChoices(
        label="Which research contracts are involved?",
        required=False,
        queryset=ResearchContract.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Contracts that were provided data from those assets. Select all that apply.",
    )

    def __init__(self, *args, grants, contracts, holders_shown: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        grant_field = cast(GrantChoices, self.fields["grants"])
        grant_field.queryset = grants
        grant_field.holders_shown = frozenset(holders_shown)
        cast(ContractChoices, self.fields["contracts"]).queryset = contracts


class SuspendGrantForm(forms.Form):
    """Suspending stops someone's access at once and emails them: the reason is asked for and kept."""

    reason = forms.CharField(
        label="Why are you suspending this access?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The holder is told their access is suspended for this incident; the reason is kept on its log.",
        error_messages={"required": "Enter why you are suspending this access"},
    )


class TriageForm(IncidentForm):
    required_messages = {
        "severity": "Choose the severity",
        "risk_level": "Choose the risk to the people affected",
        "risk_assessment": "Describe the risk to the people affected",
    }

    severity = forms.ChoiceField(label="Severity", choices=Incident.Severity.choices, widget=forms.RadioSelect)
    risk_level = forms.ChoiceField(
        label="What is the risk to the people affected?", choices=Incident.Risk.choices, widget=forms.RadioSelect
    )
    risk_assessment = forms.CharField(
        label="Risk assessment",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Who could be harmed and how, how likely and how severe, and what limits it.",
    )
    handler = PersonField(
        label="Incident handler (optional)",
        required=False,
        help_text="Username or staff number of the person handling it. Blank keeps the current handler.",
    )


class ActionForm(IncidentForm):
    required_messages = {
        "description": "Describe the action",
        "owner": "Enter the username or staff number of the owner",
    }

    description = forms.CharField(label="Action", widget=forms.Textarea(attrs={"rows": 3}))
    owner = PersonField(label="Owner", help_text="Username or staff number of the person who will do it.")
    due_on = GovukDateField(label="Due by (optional)", required=False, help_text="For example, 27 3 2027.")

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if owner is None:
            raise forms.ValidationError("Enter the username or staff number of the owner")
        return owner


class ActionUpdateForm(IncidentForm):
    required_messages = {"state": "Choose where the action stands"}

    state = forms.ChoiceField(
        label="Where does it stand?", choices=IncidentAction.State.choices, widget=forms.RadioSelect
    )
    outcome = forms.CharField(
        label="What was done",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Or why it was not needed.",
    )


class IcoDecisionForm(IncidentForm):
    required_messages = {
        "decision": "Choose whether to report the breach to the ICO",
        "reason": "Give the reason for the decision",
    }

    decision = forms.ChoiceField(
        label="Will the breach be reported to the ICO?", choices=Incident.IcoDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reason for the decision", widget=forms.Textarea(attrs={"rows": 4}))
    reference = forms.CharField(label="ICO case reference (optional)", required=False, max_length=60)
    delay_reason = forms.CharField(
        label="Reason for deciding after 72 hours",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the decision comes after the deadline (UK GDPR Article 33(1)).",
    )


class SubjectsDecisionForm(IncidentForm):
    required_messages = {
        "decision": "Choose whether to tell the people affected",
        "reason": "Give the reason for the decision",
    }

    decision = forms.ChoiceField(
        label="Will the people affected be told?",
        choices=Incident.SubjectsDecision.choices,
        widget=forms.RadioSelect,
        help_text="They must be told without undue delay when the risk to them is high (Article 34).",
    )
    reason = forms.CharField(label="Reason for the decision", widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(IncidentForm):
    required_messages = {"lessons": "Record the lessons learned"}

    lessons = forms.CharField(
        label="Lessons learned",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What failed, what will change, and who will make the change.",
    )
