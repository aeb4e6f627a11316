"""Forms for reporting and handling incidents. Rules are checked again by ``incidents.records``."""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django import forms
from django.conf import settings
from django.db.models.functions import Lower
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.access.selectors import visible_grants
from governance.contracts.models import ResearchContract
from governance.contracts.selectors import visible_contracts
from governance.core.forms.widgets import GovukDateField
from governance.incidents.models import Incident, IncidentAction
from governance.register.forms.assets import YesNoField
from governance.register.forms.organisation import PersonField
from governance.register.models import DataItem, InformationAsset

TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n;]", text or "") if part.strip()]


class IncidentForm(forms.Form):
    """Each required question says, in GOV.UK style, what is missing."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            self.fields[name].error_messages["required"] = message


class ReportForm(IncidentForm):
    """An incident report; ``reporter`` may name only the grants and contracts they may see."""

    def __init__(self, *args, reporter=None, **kwargs):
        self.reporter = reporter
        super().__init__(*args, **kwargs)

    required_messages = {
        "title": "Enter a short summary of what happened",
        "kind": "Choose what kind of incident it is",
        "description": "Describe what happened",
        "found_on": "Enter the date it was found",
        "personal_data": "Say whether personal data is involved",
        "special_category": "Say whether special category data is involved",
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
    )
    found_time = forms.CharField(
        label="At what time? (optional)",
        required=False,
        max_length=5,
        help_text="24-hour clock, UK time, for example 14:30.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    personal_data = YesNoField(label="Is personal data involved?")
    special_category = YesNoField(
        label="Is special category data involved?",
        help_text="Health, ethnicity, religion, sexual orientation, trade union membership, biometric or genetic data.",
    )
    people_affected = forms.IntegerField(
        label="Roughly how many people are affected? (optional)",
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )
    assets = forms.ModelMultipleChoiceField(
        label="Which information assets does it touch? (optional)",
        required=False,
        queryset=InformationAsset.objects.order_by("name"),
        help_text="Hold Ctrl (or Cmd) to choose more than one.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    data_items = forms.CharField(
        label="Which data items? (optional)",
        required=False,
        help_text="Names from the assets' data dictionaries, separated by commas.",
    )
    grants = forms.CharField(
        label="Which access grants? (optional)",
        required=False,
        help_text="Grant numbers, separated by commas, for example 42, 57.",
    )
    contracts = forms.CharField(
        label="Which research contracts? (optional)",
        required=False,
        help_text="Contract references, separated by commas.",
    )

    def clean_found_time(self):
        text = self.cleaned_data.get("found_time", "")
        if not text.strip():
            return None
        match = TIME.match(text)
        if not match:
            raise forms.ValidationError("Enter a time on the 24-hour clock, for example 14:30")
        return datetime.time(int(match.group(1)), int(match.group(2)))

    def clean_grants(self):
        numbers = _split(self.cleaned_data.get("grants", ""))
        if any(not n.isdigit() for n in numbers):
            raise forms.ValidationError("Enter grant numbers only, separated by commas")
        # Only grants the reporter may see: one message for a grant that does not exist and one
        # they may not see, so the form cannot be used to find out which grants exist.
        grants = visible_grants(self.reporter) if self.reporter is not None else AccessGrant.objects.none()
        found = list(grants.filter(pk__in=[int(n) for n in numbers]).select_related("asset"))
        missing = sorted({int(n) for n in numbers} - {g.pk for g in found})
        if missing:
            raise forms.ValidationError(
                f"You have no grant numbered {', '.join(map(str, missing))} to name: describe it under what happened"
            )
        return found

    def clean_contracts(self):
        references = _split(self.cleaned_data.get("contracts", ""))
        wanted = {r.lower() for r in references}
        # As for grants: only contracts the reporter may see, with one message for both kinds of miss.
        contracts = visible_contracts(self.reporter) if self.reporter is not None else ResearchContract.objects.none()
        found = list(contracts.annotate(ref=Lower("reference")).filter(ref__in=wanted))
        missing = sorted(wanted - {c.reference.lower() for c in found})
        if missing:
            raise forms.ValidationError(
                f"You have no contract with the reference {', '.join(missing)} to name: describe it under what happened"
            )
        return found

    def clean(self):
        data = super().clean()
        found_on, found_time = data.get("found_on"), data.get("found_time")
        if found_on is not None and "found_time" not in self.errors:
            local = datetime.datetime.combine(found_on, found_time or datetime.time(0, 0))
            data["found_at"] = local.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
            if data["found_at"] > timezone.now():
                self.add_error("found_on", "The date and time it was found must be in the past")
        names = _split(data.get("data_items", ""))
        assets = list(data.get("assets") or [])
        if names and not assets:
            self.add_error("data_items", "Choose the assets the data items belong to")
        elif names:
            items = list(DataItem.objects.filter(asset__in=assets).select_related("asset"))
            by_name = {}
            for item in items:
                by_name.setdefault(item.name.lower(), []).append(item)
            unknown = [n for n in names if n.lower() not in by_name]
            if unknown:
                self.add_error("data_items", f"The chosen assets have no data item called {', '.join(unknown)}")
            else:
                data["data_items"] = [item for n in names for item in by_name[n.lower()]]
        else:
            data["data_items"] = []
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "kind": data["kind"],
            "found_at": data["found_at"],
            "personal_data": data["personal_data"],
            "special_category": data["special_category"],
            "people_affected": data.get("people_affected"),
            "assets": list(data.get("assets") or []),
            "data_items": data.get("data_items") or [],
            "grants": data.get("grants") or [],
            "contracts": data.get("contracts") or [],
        }


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
