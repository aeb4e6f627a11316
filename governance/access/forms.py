"""Forms for access requests, decisions, revocations, reviews and extracts."""

from __future__ import annotations

from typing import cast

from django import forms

from governance.access.models import AccessRequest, AccessReview
from governance.core.forms.security_keys import FreshVerificationMixin
from governance.core.forms.widgets import GovukDateField
from governance.core.plurals import plural
from governance.register.models import DataItem

DECISIONS = AccessRequest.Decision.choices
# Returning is not a decision on the request: it goes back to the requester to change and resubmit.
DECISIONS_OR_RETURN = [*DECISIONS, ("return", "Return to the requester for changes")]


class AccessRequestForm(forms.Form):
    """Purpose, business case and end date, then each chosen item with its own justification."""

    purpose = forms.CharField(
        max_length=300,
        help_text="What the data will be used for, in one sentence.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-30"}),
    )
    business_case = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why you need this access, the public benefit, and why less data would not do.",
    )
    requested_end_date = GovukDateField(label="When do you need access until?")

    def __init__(self, *args, asset, latest_end, submitting=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.asset = asset
        self.submitting = submitting
        self.data_items = list(asset.items.all())
        self.fields[
            "requested_end_date"
        ].help_text = f"No later than {latest_end.day} {latest_end.month} {latest_end.year} (12 months at most)."
        for item in self.data_items:
            self.fields[f"item_{item.pk}"] = forms.BooleanField(required=False, label=item.name)
            self.fields[f"why_{item.pk}"] = forms.CharField(
                required=False, label=f"Why do you need {item.name}?", widget=forms.Textarea(attrs={"rows": 2})
            )

    def item_rows(self):
        """(item, checkbox field, justification field) for the template."""
        return [(item, self[f"item_{item.pk}"], self[f"why_{item.pk}"]) for item in self.data_items]

    def clean(self):
        data = super().clean() or self.cleaned_data
        chosen = {}
        for item in self.data_items:
            if data.get(f"item_{item.pk}"):
                why = (data.get(f"why_{item.pk}") or "").strip()
                if not why and self.submitting:  # a draft may be finished later
                    self.add_error(f"why_{item.pk}", f"Say why you need {item.name}")
                chosen[item] = why
        data["items"] = chosen
        return data


class DataItemChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.get_sensitivity_display()})"


class IamDecisionForm(FreshVerificationMixin, forms.Form):
    """The IAM's decision; on special category data it also asks for fresh verification (``fresh=True``)."""

    decision = forms.ChoiceField(choices=DECISIONS_OR_RETURN, widget=forms.RadioSelect, label="Your decision")
    granted_items = DataItemChoices(
        queryset=DataItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Items to approve",
        help_text="Untick any item that is not needed.",
    )
    end_date = GovukDateField(label="Access ends on", help_text="You may shorten the period asked for.", required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason for your decision")

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        cast(DataItemChoices, self.fields["granted_items"]).queryset = DataItem.objects.filter(
            pk__in=request.items.values("data_item")
        ).order_by("name")


class DeputyDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=DECISIONS_OR_RETURN, widget=forms.RadioSelect, label="Your decision as Deputy SIRO"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason for your decision")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason")


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason (optional)", required=False)


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(AccessReview.Decision.CONFIRM, "Confirm"), (AccessReview.Decision.REVOKE, "Revoke")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason", help_text="Needed to revoke."
    )


class ExtractUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload the extract",
        help_text="A CSV file (UTF-8) whose columns are data items of this asset. Holders see only their columns.",
    )


class ChosenGrantsField(forms.TypedMultipleChoiceField):
    """The ticked grants, each checked against the campaign's in one look-up (hundreds at a time)."""

    allowed: frozenset[str] = frozenset()

    def valid_value(self, value) -> bool:
        return str(value) in self.allowed


class CampaignDecisionForm(forms.Form):
    """One decision and one reason for every grant ticked on a campaign's page, or for every grant
    still to review on all its pages (``every``)."""

    reviews = ChosenGrantsField(
        coerce=int,
        required=False,  # not when ``every`` is ticked: ``clean`` asks for one or the other
        widget=forms.CheckboxSelectMultiple,
        label="Grants",
        error_messages={"invalid_choice": "Select only grants still to be reviewed in this campaign"},
    )
    every = forms.BooleanField(
        required=False,
        label="All the grants still to review",
        help_text="On every page of this access review, not only the grants selected on this page.",
    )
    # How many grants were still to review when the page was shown: ``every`` decides those and no
    # others. The page writes it from its own count (not from the posted value), so a page shown again
    # after an error carries the count it shows. Text, compared as written: any other value is reported
    # on ``every`` as a change.
    shown = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[
            (AccessReview.Decision.CONFIRM, "Keep"),
            (AccessReview.Decision.SHORTEN, "Shorten: end the access sooner"),
            (AccessReview.Decision.REVOKE, "Revoke"),
        ],
        widget=forms.RadioSelect,
        label="What do you want to do with the selected grants?",
        error_messages={"required": "Choose whether to keep, shorten or revoke the selected grants"},
    )
    ends_on = GovukDateField(
        required=False,
        label="New end date",
        help_text="Only when shortening. For example, 27 3 2027.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Needed to shorten or revoke. The same reason is recorded on every selected grant.",
    )

    def __init__(self, *args, review_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(ChosenGrantsField, self.fields["reviews"])
        field.choices = [(pk, str(pk)) for pk in review_ids]
        field.allowed = frozenset(str(pk) for pk in review_ids)

    def offer_every(self, pending: int) -> None:
        """Name how many grants ``every`` decides (the page writes the same number in ``shown``)."""
        label = f"All {plural(pending, 'grant')} still to review"
        # The field's, and its bound field's, which a posted form has already made with the first label.
        self.fields["every"].label = self["every"].label = label

    def clean(self):
        data = super().clean() or {}
        if not data.get("every") and not data.get("reviews") and "reviews" not in self.errors:
            self.add_error("reviews", "Select the grants to decide")
        return data
