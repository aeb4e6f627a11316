"""Each domain's describers: the sentence each event reads as, from the entries an action records."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from governance.access import describers as access
from governance.access.models import AccessGrant, AccessRequest, AccessRequestItem
from governance.contracts import describers as contracts
from governance.contracts.models import ResearchContract
from governance.core.history import HistoryRow
from governance.core.history_events import Event, describers, fallback, sentence
from governance.core.models import AuditEntry
from governance.core.plurals import date_text
from governance.incidents import describers as incidents
from governance.incidents.models import Incident, IncidentLink
from governance.privacy import describers as privacy
from governance.privacy.models import ProcessingActivity, SharingAgreement
from governance.register import describers as register
from governance.register.models import AssetReview, InformationAsset
from governance.releases import describers as releases
from governance.releases.models import ReleaseSignOff, StatisticalRelease

A = AuditEntry.Action
# Dates as the history writes them, computed from today so that none is ever in the past.
ENDS = date_text(datetime.date.today() + datetime.timedelta(days=90))
NEXT_REVIEW = date_text(datetime.date.today() + datetime.timedelta(days=180))
_pk = itertools.count(1)


def row(model, action, name, *, pk="4", values=None, related=None, reason="") -> HistoryRow:
    entry = AuditEntry(
        pk=next(_pk), action=action, object_repr=name, object_pk=pk, cid="c", reason=reason, timestamp=timezone.now()
    )
    entry.content_type_id = hash(model) % 10_000
    return HistoryRow(
        entry=entry,
        action="",
        noun=str(model._meta.verbose_name),
        name=name,
        model=model,
        values=values or {},
        related=related or {},
    )


def event(*rows: HistoryRow) -> Event:
    return Event(key="c", rows=list(rows))


REQUEST = "Request 4: Winter Fuel Payments for Dana Okafor"


def item(pk: str, granted: str) -> HistoryRow:
    return row(AccessRequestItem, A.UPDATE, f"item {pk}", pk=pk, values={"granted": ("(none)", granted)})


def test_request_decided_reads_an_approval_with_the_items_and_the_end():
    approval = event(
        row(AccessRequest, A.UPDATE, REQUEST, values={"iam_decision": ("(none)", "Approve")}),
        *(item(str(n), "Yes" if n < 3 else "No") for n in range(4)),
        row(AccessRequest, A.UPDATE, REQUEST, values={"state": ("Submitted", "Approved")}),
        row(
            AccessGrant,
            A.CREATE,
            "Grant 7: Winter Fuel Payments to Dana Okafor",
            pk="7",
            values={"holder": ("(none)", "Dana Okafor"), "ends_on": ("(none)", ENDS)},
            related={"items": ("add", ["claim_count", "region", "benefit_type"])},
        ),
    )
    assert access.request_decided(approval) == f"approved request 4 for Dana Okafor: 3 of 4 data items, until {ENDS}"
    # The same for each other move of a request.
    for state, text in (
        ("Submitted", "submitted request 4 (Winter Fuel Payments for Dana Okafor)"),
        ("Rejected", "rejected request 4 (Winter Fuel Payments for Dana Okafor)"),
        ("Returned for changes", "returned request 4 (Winter Fuel Payments for Dana Okafor) for changes"),
        ("Withdrawn", "withdrew request 4 (Winter Fuel Payments for Dana Okafor)"),
    ):
        moved = event(row(AccessRequest, A.UPDATE, REQUEST, values={"state": ("Draft", state)}))
        assert access.request_decided(moved) == text
    waits = event(
        row(AccessRequest, A.UPDATE, REQUEST, values={"iam_decision": ("(none)", "Approve")}),
        item("1", "Yes"),
        item("2", "No"),
    )
    assert access.request_decided(waits) == (
        "approved request 4 (Winter Fuel Payments for Dana Okafor) as its IAM: 1 of 2 data items; "
        "it now waits for the Deputy SIRO"
    )


def test_grant_moved_reads_suspensions_restorations_and_revocations():
    name = "Grant 7: Winter Fuel Payments to Dana Okafor"

    def moved(state, **more):
        return access.grant_moved(event(row(AccessGrant, A.UPDATE, name, values={"state": ("Active", state), **more})))

    assert moved("Revoked") == "revoked grant 7 (Winter Fuel Payments to Dana Okafor)"
    assert moved("Active") == "restored grant 7 (Winter Fuel Payments to Dana Okafor)"
    assert moved("Suspended", suspension=("(none)", "The holder has left")) == (
        "suspended grant 7 (Winter Fuel Payments to Dana Okafor): the holder has left"
    )
    assert access.grant_moved(event(row(AccessGrant, A.UPDATE, name, values={"end_reason": ("", "x")}))) is None


def test_asset_recorded_reads_a_new_asset_and_a_new_iam():
    created = event(
        row(InformationAsset, A.CREATE, "Winter Fuel Payments", values={"manager": ("(none)", "Priya Nair")}),
    )
    assert (
        register.asset_recorded(created)
        == "added the asset Winter Fuel Payments to the register, with Priya Nair as its IAM"
    )
    moved = event(
        row(InformationAsset, A.UPDATE, "Winter Fuel Payments", values={"manager": ("Priya Nair", "Dana Okafor")})
    )
    assert (
        register.asset_recorded(moved)
        == "made Dana Okafor the IAM of the asset Winter Fuel Payments in place of Priya Nair"
    )


def test_asset_reviewed_reads_the_next_review_date():
    reviewed = event(
        row(
            AssetReview,
            A.CREATE,
            "Review of Winter Fuel Payments",
            values={"asset": ("(none)", "Winter Fuel Payments"), "next_review_date": ("(none)", NEXT_REVIEW)},
        )
    )
    assert register.asset_reviewed(reviewed) == f"reviewed the asset Winter Fuel Payments: next review {NEXT_REVIEW}"


def test_contract_moved_reads_each_move():
    name = "DWP-RES-2026-014: Fuel poverty study"
    assert (
        contracts.contract_moved(event(row(ResearchContract, A.CREATE, name)))
        == f"drafted the research contract {name}"
    )
    approved = event(row(ResearchContract, A.UPDATE, name, values={"status": ("Under assurance", "Approved")}))
    assert contracts.contract_moved(approved) == f"approved the research contract {name}"
    closed = event(row(ResearchContract, A.UPDATE, name, values={"status": ("Destruction certified", "Closed")}))
    assert contracts.contract_moved(closed) == f"closed the research contract {name}"


def test_incident_moved_reads_the_report_and_each_move():
    name = "INC-2026-004: Laptop left on a train"
    assert incidents.incident_moved(event(row(Incident, A.CREATE, name))) == f"reported the incident {name}"
    taken = event(row(Incident, A.UPDATE, name, values={"state": ("Reported", "Being handled")}))
    assert incidents.incident_moved(taken) == f"took on the incident {name}"
    closed = event(row(Incident, A.UPDATE, name, values={"state": ("Being handled", "Closed")}))
    assert incidents.incident_moved(closed) == f"closed the incident {name}"


def test_records_linked_counts_the_records_named():
    linked = event(
        *(
            row(IncidentLink, A.CREATE, f"link {n}", pk=str(n), values={"incident": ("(none)", "INC-2026-004: Laptop")})
            for n in range(3)
        )
    )
    assert incidents.records_linked(linked) == "named 3 records touched by the incident INC-2026-004: Laptop"


def test_release_signed_off_names_the_release():
    signed = event(row(ReleaseSignOff, A.CREATE, "Sign-off", values={"release": ("(none)", "Benefit statistics")}))
    assert releases.release_signed_off(signed) == "signed off the disclosure control of the release Benefit statistics"


def test_release_moved_reads_planning_and_publication():
    assert releases.release_moved(event(row(StatisticalRelease, A.CREATE, "Benefit statistics"))) == (
        "planned the release Benefit statistics"
    )
    published = event(
        row(StatisticalRelease, A.UPDATE, "Benefit statistics", values={"status": ("Signed off", "Released")})
    )
    assert releases.release_moved(published) == "published the release Benefit statistics"


TESTED = {
    access.request_decided,
    access.grant_moved,
    register.asset_recorded,
    register.asset_reviewed,
    contracts.contract_moved,
    incidents.incident_moved,
    incidents.records_linked,
    releases.release_signed_off,
    releases.release_moved,
    privacy.activity_recorded,
    privacy.agreement_moved,
}


def test_activity_recorded_reads_the_record_and_its_review():
    name = "Paying benefit claims"
    assert privacy.activity_recorded(event(row(ProcessingActivity, A.CREATE, name))) == (
        f"recorded the processing activity {name}"
    )
    reviewed = event(row(ProcessingActivity, A.UPDATE, name, values={"last_reviewed_on": ("(none)", NEXT_REVIEW)}))
    assert privacy.activity_recorded(reviewed) == f"reviewed the processing activity {name}"


def test_agreement_moved_reads_the_draft_its_approval_and_its_end():
    name = "DSA-0001: Claimant counts for the council"
    assert privacy.agreement_moved(event(row(SharingAgreement, A.CREATE, name))) == (
        f"drafted the sharing agreement {name}"
    )
    approved = event(row(SharingAgreement, A.UPDATE, name, values={"status": ("Draft", "In force")}))
    assert privacy.agreement_moved(approved) == f"approved the sharing agreement {name}"
    ended = event(row(SharingAgreement, A.UPDATE, name, values={"status": ("In force", "Ended")}))
    assert privacy.agreement_moved(ended) == f"ended the sharing agreement {name}"


def test_every_registered_describer_has_its_test():
    assert {func for _, func in describers()} == TESTED


@pytest.mark.parametrize("model, func", describers())
def test_a_describer_passes_an_event_it_cannot_describe_to_the_fallback(model, func):
    """An event of the describer's model with nothing it recognises reads as the plain fallback."""
    unknown = event(row(model, A.UPDATE, "Record", values={"notes": ("a", "b")}))
    assert func(unknown) is None
    assert sentence(unknown) == fallback(unknown)
